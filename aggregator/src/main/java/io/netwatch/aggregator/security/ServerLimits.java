package io.netwatch.aggregator.security;

import java.time.Duration;

/**
 * How much of the aggregator's gRPC server one client, or all clients together, may hold. A
 * followed query (GetFlows, GetAnomalies, GetIncidents with follow) stays open for as long as
 * its client likes, and each one reads every new record: without a bound, one client opening
 * thousands of them (found in review) would take the aggregator's CPU and memory.
 *
 * @param maxCallsPerConnection calls open at once on one connection, advertised to the client
 *                              as HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS: a gRPC client keeps
 *                              the next call waiting on its side until one of its open calls
 *                              ends; a client that sends it anyway has the stream refused
 *                              (RST_STREAM REFUSED_STREAM). An agent holds one call, a query
 *                              command one
 * @param maxQueryStreams       streaming query calls open at once on the whole aggregator,
 *                              whoever opens them and on however many connections: past it a
 *                              new one is refused RESOURCE_EXHAUSTED and counted
 * @param maxPolicyQueries      policy suggestions and simulations running at once on the whole
 *                              aggregator: each reads the whole store, a simulation judging
 *                              every flow against every policy it was sent, so one past it is
 *                              refused RESOURCE_EXHAUSTED and counted
 * @param maxPolicyRun          how long one policy suggestion or simulation runs at most,
 *                              whatever its caller's deadline (a call has none unless its client
 *                              sets one): past it the call ends DEADLINE_EXCEEDED and is counted
 */
public record ServerLimits(int maxCallsPerConnection, int maxQueryStreams, int maxPolicyQueries,
                           Duration maxPolicyRun) {
    /** The least RFC 9113 (6.5.2) asks a peer to allow, and what most HTTP/2 servers advertise. */
    public static final int DEFAULT_MAX_CALLS_PER_CONNECTION = 100;
    /** Far more than operators follow at once; each follower reads every new record. */
    public static final int DEFAULT_MAX_QUERY_STREAMS = 256;
    /**
     * Each takes a core while it runs: a few, so that simulations can never take every core
     * the aggregator stores and judges flows with.
     */
    public static final int DEFAULT_MAX_POLICY_QUERIES = 4;
    /** Far past what the command-line client waits by default (10 s, its --timeout). */
    public static final Duration DEFAULT_MAX_POLICY_RUN = Duration.ofMinutes(10);
    /**
     * RST_STREAM frames a client may send per {@link #RST_WINDOW_SECONDS} before its connection
     * is closed (ENHANCE_YOUR_CALM): a call cancelled as soon as it is opened costs the server a
     * call started and torn down, and never counts against {@link #maxCallsPerConnection}
     * (HTTP/2 rapid reset, CVE-2023-44487). Netty's own server default; gRPC's Netty server
     * leaves it off unless asked.
     */
    public static final int MAX_RST_PER_WINDOW = 200;
    public static final int RST_WINDOW_SECONDS = 30;

    public ServerLimits {
        if (maxCallsPerConnection < 1 || maxQueryStreams < 1 || maxPolicyQueries < 1) {
            throw new IllegalArgumentException("server limits must be at least 1, got maxCallsPerConnection="
                    + maxCallsPerConnection + " maxQueryStreams=" + maxQueryStreams + " maxPolicyQueries="
                    + maxPolicyQueries);
        }
        if (maxPolicyRun == null || maxPolicyRun.isNegative() || maxPolicyRun.isZero()) {
            throw new IllegalArgumentException("a policy query must be allowed some time, got " + maxPolicyRun);
        }
    }

    /** With {@link #DEFAULT_MAX_POLICY_RUN}. */
    public ServerLimits(int maxCallsPerConnection, int maxQueryStreams, int maxPolicyQueries) {
        this(maxCallsPerConnection, maxQueryStreams, maxPolicyQueries, DEFAULT_MAX_POLICY_RUN);
    }

    /** With {@link #DEFAULT_MAX_POLICY_QUERIES} and {@link #DEFAULT_MAX_POLICY_RUN}. */
    public ServerLimits(int maxCallsPerConnection, int maxQueryStreams) {
        this(maxCallsPerConnection, maxQueryStreams, DEFAULT_MAX_POLICY_QUERIES);
    }

    public static ServerLimits defaults() {
        return new ServerLimits(DEFAULT_MAX_CALLS_PER_CONNECTION, DEFAULT_MAX_QUERY_STREAMS,
                DEFAULT_MAX_POLICY_QUERIES, DEFAULT_MAX_POLICY_RUN);
    }
}
