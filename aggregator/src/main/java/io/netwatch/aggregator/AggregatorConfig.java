package io.netwatch.aggregator;

import io.netwatch.aggregator.security.ServerSecurity;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * @param listen       address of the gRPC server (ingest and query on one port)
 * @param maxFlows     flows kept in the embedded store; the oldest fall off first (counted)
 * @param maxAnomalies anomalies kept in the embedded store
 * @param maxAge       records older than this are dropped from the store
 * @param security     TLS and query authentication, or {@link ServerSecurity#PLAINTEXT}
 * @param metrics      address of the Prometheus scrape endpoint ({@code /metrics}, {@code /healthz},
 *                     {@code /readyz}), or null for none
 */
public record AggregatorConfig(InetSocketAddress listen, int maxFlows, int maxAnomalies, Duration maxAge,
                               ServerSecurity security, InetSocketAddress metrics) {
    /** Port of the scrape endpoint; the agent's is 9091. */
    public static final int DEFAULT_METRICS_PORT = 9092;
    public static final int DEFAULT_MAX_FLOWS = 500_000;
    public static final int DEFAULT_MAX_ANOMALIES = 50_000;

    /** In plaintext, without a scrape endpoint. */
    public AggregatorConfig(InetSocketAddress listen, int maxFlows, int maxAnomalies, Duration maxAge) {
        this(listen, maxFlows, maxAnomalies, maxAge, ServerSecurity.PLAINTEXT, null);
    }

    /** Without a scrape endpoint. */
    public AggregatorConfig(InetSocketAddress listen, int maxFlows, int maxAnomalies, Duration maxAge,
                            ServerSecurity security) {
        this(listen, maxFlows, maxAnomalies, maxAge, security, null);
    }

    public AggregatorConfig {
        if (listen == null) {
            throw new IllegalArgumentException("listen address must be HOST:PORT");
        }
        if (maxFlows < 1 || maxAnomalies < 1) {
            throw new IllegalArgumentException("store bounds must be at least 1, got maxFlows=" + maxFlows
                    + " maxAnomalies=" + maxAnomalies);
        }
        if (maxAge == null || maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("store maxAge must be a positive duration, got " + maxAge);
        }
        if (security == null) {
            throw new IllegalArgumentException("security must be given (ServerSecurity.PLAINTEXT for none)");
        }
    }

    public AggregatorConfig withSecurity(ServerSecurity s) {
        return new AggregatorConfig(listen, maxFlows, maxAnomalies, maxAge, s, metrics);
    }

    /** The same configuration with a scrape endpoint at {@code address} (null for none). */
    public AggregatorConfig withMetrics(InetSocketAddress address) {
        return new AggregatorConfig(listen, maxFlows, maxAnomalies, maxAge, security, address);
    }

    public static AggregatorConfig listenOn(InetSocketAddress listen) {
        return new AggregatorConfig(listen, DEFAULT_MAX_FLOWS, DEFAULT_MAX_ANOMALIES, Duration.ofHours(24));
    }
}
