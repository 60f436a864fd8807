package io.netwatch.aggregator.security;

import java.util.concurrent.atomic.LongAdder;

/** Every refusal the aggregator's security makes, counted (read by {@link SecurityMetrics}). */
public final class SecurityCounters {
    private final LongAdder handshakesRefused = new LongAdder();
    private final LongAdder ingestRefused = new LongAdder();
    private final LongAdder queryRefused = new LongAdder();
    private final LongAdder reloadFailures = new LongAdder();

    void handshakeRefused() {
        handshakesRefused.increment();
    }

    void refuseIngest() {
        ingestRefused.increment();
    }

    void refuseQuery() {
        queryRefused.increment();
    }

    void reloadFailed() {
        reloadFailures.increment();
    }

    /** TLS handshakes failed because the client's certificate did not verify against the client CA. */
    public long handshakesRefused() {
        return handshakesRefused.sum();
    }

    /** Ingest calls refused UNAUTHENTICATED: no client certificate. */
    public long ingestRefused() {
        return ingestRefused.sum();
    }

    /** Query calls refused UNAUTHENTICATED: neither a client certificate nor the right bearer token. */
    public long queryRefused() {
        return queryRefused.sum();
    }

    /** Rereads of the certificate, key, CA or token files that failed (the previous ones stay in force). */
    public long reloadFailures() {
        return reloadFailures.sum();
    }
}
