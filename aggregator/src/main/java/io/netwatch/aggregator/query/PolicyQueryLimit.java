package io.netwatch.aggregator.query;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounds the policy suggestions and simulations running at once on the whole aggregator. Each
 * is unary but reads every stored flow and, for a simulation, judges each against every policy
 * it was sent, on a thread of its own until it is done or its caller is gone: without a
 * bound, a client on many connections (or one without a deadline, many times) could keep
 * every core busy for hours (found in review). One past the bound is refused
 * RESOURCE_EXHAUSTED at once and counted. A place is given back when the work ends, not when
 * the call does: a cancelled simulation still runs until it notices (the next flow it reads).
 * GetPolicyHits only reads counters and is not bounded.
 */
public final class PolicyQueryLimit {
    private final int max;
    private final AtomicInteger running = new AtomicInteger();
    private final LongAdder refused = new LongAdder();

    /** @param max suggestions and simulations running at once, at least 1 */
    public PolicyQueryLimit(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one policy query must be allowed, got " + max);
        }
        this.max = max;
    }

    /** Takes a place; false (and counted) when {@link #max} are taken. */
    boolean enter() {
        if (running.incrementAndGet() > max) {
            running.decrementAndGet();
            refused.increment();
            return false;
        }
        return true;
    }

    /** Gives back a place {@link #enter} took. */
    void leave() {
        running.decrementAndGet();
    }

    /** Suggestions and simulations running now. */
    public int running() {
        return running.get();
    }

    /** Suggestions and simulations refused RESOURCE_EXHAUSTED because {@link #max} were running. */
    public long refused() {
        return refused.sum();
    }

    /** The bound: suggestions and simulations running at once. */
    public int max() {
        return max;
    }
}
