package io.netwatch.aggregator.query;

import io.netwatch.aggregator.security.ServerLimits;
import java.time.Duration;
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
 *
 * <p>Each also runs for at most {@link #maxRun}, whatever its caller's deadline: a call with
 * none (gRPC sets none unless asked) held its place for as long as the work took, an hour
 * for a simulation of 1,000 policies over a full store (found in review), and four such calls
 * locked every other user out of suggestions and simulations for that long. Past it the call
 * ends DEADLINE_EXCEEDED, saying so, and is counted ({@code query.max_policy_run}).
 */
public final class PolicyQueryLimit {
    private final int max;
    private final Duration maxRun;
    private final LongAdder overran = new LongAdder();
    private final AtomicInteger running = new AtomicInteger();
    private final LongAdder refused = new LongAdder();

    /** @param max suggestions and simulations running at once, at least 1 */
    public PolicyQueryLimit(int max) {
        this(max, ServerLimits.DEFAULT_MAX_POLICY_RUN);
    }

    /**
     * @param max    suggestions and simulations running at once, at least 1
     * @param maxRun how long one runs at most, positive
     */
    public PolicyQueryLimit(int max, Duration maxRun) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one policy query must be allowed, got " + max);
        }
        if (maxRun.isNegative() || maxRun.isZero()) {
            throw new IllegalArgumentException("a policy query must be allowed some time, got " + maxRun);
        }
        this.max = max;
        this.maxRun = maxRun;
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

    /** How long one suggestion or simulation runs at most. */
    public Duration maxRun() {
        return maxRun;
    }

    /** Counts one suggestion or simulation ended because it ran past {@link #maxRun}. */
    void overran() {
        overran.increment();
    }

    /** Suggestions and simulations ended DEADLINE_EXCEEDED because they ran past {@link #maxRun}. */
    public long overrun() {
        return overran.sum();
    }

    /** The bound: suggestions and simulations running at once. */
    public int max() {
        return max;
    }
}
