package io.netwatch.cli;

import static io.netwatch.cli.config.ConfigType.bool;
import static io.netwatch.cli.config.ConfigType.checked;
import static io.netwatch.cli.config.ConfigType.duration;
import static io.netwatch.cli.config.ConfigType.integer;

import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.cli.config.ConfigKey;
import io.netwatch.cli.config.ConfigSchema;
import io.netwatch.cli.config.ConfigValues;
import java.time.Duration;

/**
 * The aggregator's configuration keys ({@code aggregator.yaml}, {@code NETWATCH_AGGREGATOR_*})
 * and how they map onto {@link AggregatorConfig}. docs/configuration.md lists every key.
 */
final class AggregatorSettings {
    static final ConfigSchema SCHEMA = new ConfigSchema("aggregator");

    static final ConfigKey<String> LISTEN = SCHEMA.key("listen", checked("HOST:PORT (example: 0.0.0.0:50051)",
            t -> HostPort.parse(t, "listen")), "0.0.0.0:" + NetwatchMain.DEFAULT_PORT,
            "Address of the gRPC server: agents' ingest and the query API.");
    static final ConfigKey<Integer> MAX_FLOWS = SCHEMA.key("store.max_flows", integer(1, Integer.MAX_VALUE),
            AggregatorConfig.DEFAULT_MAX_FLOWS, "Flows kept in memory; the oldest fall off first (counted).");
    static final ConfigKey<Integer> MAX_ANOMALIES = SCHEMA.key("store.max_anomalies", integer(1, Integer.MAX_VALUE),
            AggregatorConfig.DEFAULT_MAX_ANOMALIES, "Anomalies kept in memory.");
    static final ConfigKey<Duration> MAX_AGE = SCHEMA.key("store.max_age", duration(Duration.ofSeconds(1)),
            AggregatorConfig.DEFAULT_MAX_AGE, "Records older than this are dropped from the store.");
    static final ConfigKey<Boolean> KUBERNETES = SCHEMA.key("kubernetes.enabled", bool(), false,
            "Watch the cluster (in-cluster service account, else KUBECONFIG) for identities and NetworkPolicy verdicts.");
    static final ConfigKey<String> METRICS = SCHEMA.key("metrics.listen", checked("HOST:PORT or none",
            t -> metricsAddress(t)), "0.0.0.0:" + AggregatorConfig.DEFAULT_METRICS_PORT,
            "Where /metrics, /healthz and /readyz are served; none turns them off.");
    static final ConfigKey<Duration> GRACE = SCHEMA.key("shutdown.grace_period", duration(Duration.ZERO),
            AggregatorConfig.DEFAULT_SHUTDOWN_GRACE, "On SIGTERM: time for batches already received to be stored and "
                    + "acknowledged before the agents' streams are cancelled.");

    private AggregatorSettings() {
    }

    private static java.net.InetSocketAddress metricsAddress(String text) {
        return text.equalsIgnoreCase("none") ? null : HostPort.parse(text, "metrics.listen");
    }

    static AggregatorConfig toConfig(ConfigValues v) {
        return new AggregatorConfig(HostPort.parse(v.get(LISTEN), "listen"), v.get(MAX_FLOWS), v.get(MAX_ANOMALIES),
                v.get(MAX_AGE), metricsAddress(v.get(METRICS)), v.get(GRACE));
    }
}
