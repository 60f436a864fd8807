package io.netwatch.aggregator;

import io.netwatch.aggregator.baseline.BaselineConfig;
import io.netwatch.aggregator.identity.DnsResolvers;
import io.netwatch.aggregator.incident.IncidentConfig;
import io.netwatch.aggregator.ml.MlConfig;
import io.netwatch.aggregator.response.ResponseConfig;
import io.netwatch.aggregator.security.ServerLimits;
import io.netwatch.aggregator.security.ServerSecurity;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * @param listen        address of the gRPC server (ingest and query on one port)
 * @param maxFlows      flows kept in the embedded store; the oldest fall off first (counted)
 * @param maxAnomalies  anomalies kept in the embedded store
 * @param maxAge        records older than this are dropped from the store
 * @param security      TLS and query authentication, or {@link ServerSecurity#PLAINTEXT}
 * @param metrics       address of the Prometheus scrape endpoint ({@code /metrics}, {@code /healthz},
 *                      {@code /readyz}), or null for none
 * @param shutdownGrace on stop, how long batches already received may take to be stored and
 *                      acknowledged before the remaining streams are cancelled
 * @param ml            the ml_outlier detector (null: {@link MlConfig#defaults()})
 * @param incidents     incidents and the beaconing detector (null: {@link IncidentConfig#defaults()})
 * @param baseline      baselines, new_edge and lateral_movement (null: {@link BaselineConfig#defaults()})
 * @param response      blocking decisions (dry-run by default) (null: {@link ResponseConfig#defaults()})
 * @param dnsResolvers  with the cluster watched, the resolvers whose answers name outside addresses (null:
 *                      {@link DnsResolvers#defaults()})
 * @param limits        calls per connection and open streaming queries (null: {@link ServerLimits#defaults()})
 */
public record AggregatorConfig(InetSocketAddress listen, int maxFlows, int maxAnomalies, Duration maxAge,
                               ServerSecurity security, InetSocketAddress metrics, Duration shutdownGrace,
                               MlConfig ml, IncidentConfig incidents, BaselineConfig baseline, ResponseConfig response,
                               DnsResolvers dnsResolvers, ServerLimits limits) {
    /** Port of the scrape endpoint; the agent's is 9091. */
    public static final int DEFAULT_METRICS_PORT = 9092;
    public static final int DEFAULT_MAX_FLOWS = 500_000;
    public static final int DEFAULT_MAX_ANOMALIES = 50_000;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofHours(24);
    /** Below the Deployment's terminationGracePeriodSeconds (15). */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);

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
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdown grace period must not be negative, got " + shutdownGrace);
        }
        ml = ml == null ? MlConfig.defaults() : ml;
        incidents = incidents == null ? IncidentConfig.defaults() : incidents;
        baseline = baseline == null ? BaselineConfig.defaults() : baseline;
        response = response == null ? ResponseConfig.defaults() : response;
        dnsResolvers = dnsResolvers == null ? DnsResolvers.defaults() : dnsResolvers;
        limits = limits == null ? ServerLimits.defaults() : limits;
    }

    /** With the trusted resolvers and the server's limits at their defaults. */
    public AggregatorConfig(InetSocketAddress listen, int maxFlows, int maxAnomalies, Duration maxAge,
                            ServerSecurity security, InetSocketAddress metrics, Duration shutdownGrace,
                            MlConfig ml, IncidentConfig incidents, BaselineConfig baseline, ResponseConfig response) {
        this(listen, maxFlows, maxAnomalies, maxAge, security, metrics, shutdownGrace, ml, incidents, baseline,
                response, null, null);
    }

    /** With every detector and response stage at its defaults. */
    public AggregatorConfig(InetSocketAddress listen, int maxFlows, int maxAnomalies, Duration maxAge,
                            ServerSecurity security, InetSocketAddress metrics, Duration shutdownGrace) {
        this(listen, maxFlows, maxAnomalies, maxAge, security, metrics, shutdownGrace, null, null, null, null);
    }

    /** In plaintext, without a scrape endpoint, with the default shutdown grace period. */
    public AggregatorConfig(InetSocketAddress listen, int maxFlows, int maxAnomalies, Duration maxAge) {
        this(listen, maxFlows, maxAnomalies, maxAge, ServerSecurity.PLAINTEXT, null, DEFAULT_SHUTDOWN_GRACE);
    }

    /** Without a scrape endpoint, with the default shutdown grace period. */
    public AggregatorConfig(InetSocketAddress listen, int maxFlows, int maxAnomalies, Duration maxAge,
                            ServerSecurity security) {
        this(listen, maxFlows, maxAnomalies, maxAge, security, null, DEFAULT_SHUTDOWN_GRACE);
    }

    /** The same configuration with this security. */
    public AggregatorConfig withSecurity(ServerSecurity s) {
        return new AggregatorConfig(listen, maxFlows, maxAnomalies, maxAge, s, metrics, shutdownGrace, ml,
                incidents, baseline, response, dnsResolvers, limits);
    }

    /** The same configuration with a scrape endpoint at {@code address} (null for none). */
    public AggregatorConfig withMetrics(InetSocketAddress address) {
        return new AggregatorConfig(listen, maxFlows, maxAnomalies, maxAge, security, address, shutdownGrace, ml,
                incidents, baseline, response, dnsResolvers, limits);
    }

    /** The same configuration with these ml settings. */
    public AggregatorConfig withMl(MlConfig value) {
        return new AggregatorConfig(listen, maxFlows, maxAnomalies, maxAge, security, metrics, shutdownGrace,
                value, incidents, baseline, response, dnsResolvers, limits);
    }

    /** The same configuration with these incidents settings. */
    public AggregatorConfig withIncidents(IncidentConfig value) {
        return new AggregatorConfig(listen, maxFlows, maxAnomalies, maxAge, security, metrics, shutdownGrace, ml,
                value, baseline, response, dnsResolvers, limits);
    }

    /** The same configuration with these baseline settings. */
    public AggregatorConfig withBaseline(BaselineConfig value) {
        return new AggregatorConfig(listen, maxFlows, maxAnomalies, maxAge, security, metrics, shutdownGrace, ml,
                incidents, value, response, dnsResolvers, limits);
    }

    /** The same configuration with these response settings. */
    public AggregatorConfig withResponse(ResponseConfig value) {
        return new AggregatorConfig(listen, maxFlows, maxAnomalies, maxAge, security, metrics, shutdownGrace, ml,
                incidents, baseline, value, dnsResolvers, limits);
    }

    /** The same configuration with these resolvers trusted to name addresses (with the cluster watched). */
    public AggregatorConfig withDnsResolvers(DnsResolvers value) {
        return new AggregatorConfig(listen, maxFlows, maxAnomalies, maxAge, security, metrics, shutdownGrace, ml,
                incidents, baseline, response, value, limits);
    }

    /** The same configuration with these server limits. */
    public AggregatorConfig withLimits(ServerLimits value) {
        return new AggregatorConfig(listen, maxFlows, maxAnomalies, maxAge, security, metrics, shutdownGrace, ml,
                incidents, baseline, response, dnsResolvers, value);
    }

    public static AggregatorConfig listenOn(InetSocketAddress listen) {
        return new AggregatorConfig(listen, DEFAULT_MAX_FLOWS, DEFAULT_MAX_ANOMALIES, DEFAULT_MAX_AGE);
    }
}
