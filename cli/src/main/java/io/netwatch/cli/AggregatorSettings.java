package io.netwatch.cli;

import static io.netwatch.cli.config.ConfigType.bool;
import static io.netwatch.cli.config.ConfigType.checked;
import static io.netwatch.cli.config.ConfigType.duration;
import static io.netwatch.cli.config.ConfigType.integer;
import static io.netwatch.cli.config.ConfigType.text;

import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.baseline.BaselineConfig;
import io.netwatch.aggregator.security.ServerSecurity;
import io.netwatch.cli.config.ConfigKey;
import io.netwatch.cli.config.ConfigSchema;
import io.netwatch.cli.config.ConfigValues;
import java.nio.file.Path;
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

    static final ConfigKey<String> TLS_CERT = SCHEMA.key("tls.cert", text("file path"), "",
            "The aggregator's PEM certificate (chain); with tls.key and tls.client_ca, mutual TLS (empty: plaintext).");
    static final ConfigKey<String> TLS_KEY = SCHEMA.key("tls.key", text("file path"), "",
            "The PKCS#8 PEM private key of tls.cert.");
    static final ConfigKey<String> TLS_CLIENT_CA = SCHEMA.key("tls.client_ca", text("file path"), "",
            "PEM CA certificate(s) that sign the agents' and query clients' certificates.");
    static final ConfigKey<Duration> TLS_RELOAD = SCHEMA.key("tls.reload", duration(Duration.ZERO),
            Duration.ofMinutes(1), "How often the certificate, key, CA and token files are checked for changes; "
                    + "0s reads them once.");
    static final ConfigKey<String> TOKEN_FILE = SCHEMA.key("query.token_file", text("file path"), "",
            "File holding the query API's bearer token (needs TLS); empty: queries need a client certificate.");

    // Baselines, new_edge and lateral_movement (aggregator.baseline, docs/baselines.md).
    static final ConfigKey<String> BASELINE_FILE = SCHEMA.key("baseline.file", text("file path"), "",
            "Where the learned baseline is kept across restarts (protobuf, written atomically); empty: memory only.");
    static final ConfigKey<Duration> BASELINE_SAVE_EVERY = SCHEMA.key("baseline.save_every",
            duration(Duration.ofSeconds(1)), BaselineConfig.DEFAULT_SAVE_EVERY,
            "How often baseline.file is written (also on shutdown).");
    static final ConfigKey<Duration> BASELINE_LEARNING = SCHEMA.key("baseline.learning", duration(Duration.ZERO),
            BaselineConfig.DEFAULT_LEARNING, "Learning period from the first flow ever seen: edges seen in it are "
                    + "the baseline, new ones after it raise new_edge.");
    static final ConfigKey<Duration> BASELINE_WORKLOAD_LEARNING = SCHEMA.key("baseline.workload_learning",
            duration(Duration.ZERO), BaselineConfig.DEFAULT_WORKLOAD_LEARNING,
            "Learning period of a workload first seen after that, from its first flow (a new Deployment is learned).");
    static final ConfigKey<Integer> BASELINE_MAX_EDGES = SCHEMA.key("baseline.max_edges",
            integer(1, Integer.MAX_VALUE), BaselineConfig.DEFAULT_MAX_EDGES,
            "Edges kept; past it the least recently seen is forgotten (counted).");
    static final ConfigKey<Integer> BASELINE_MAX_NEW_EDGES = SCHEMA.key("baseline.max_new_edges_per_minute",
            integer(0, Integer.MAX_VALUE), BaselineConfig.DEFAULT_MAX_NEW_EDGES_PER_MINUTE,
            "new_edge anomalies per minute at most; further new edges are learned and counted.");
    static final ConfigKey<Duration> BASELINE_PUBLISH_EVERY = SCHEMA.key("baseline.publish_every",
            duration(Duration.ofSeconds(1)), BaselineConfig.DEFAULT_PUBLISH_EVERY,
            "How often a changed baseline is pushed to the agents (volume_spike).");
    static final ConfigKey<Duration> LATERAL_WINDOW = SCHEMA.key("baseline.lateral.window",
            duration(Duration.ofSeconds(1)), BaselineConfig.DEFAULT_LATERAL_WINDOW,
            "Window in which one workload's new edges count toward lateral_movement.");
    static final ConfigKey<Integer> LATERAL_MIN_EDGES = SCHEMA.key("baseline.lateral.min_edges", integer(2, 10_000),
            BaselineConfig.DEFAULT_LATERAL_MIN_EDGES, "New edges from one workload within the window that raise "
                    + "lateral_movement.");
    static final ConfigKey<Integer> LATERAL_MIN_PEERS = SCHEMA.key("baseline.lateral.min_peers", integer(1, 10_000),
            BaselineConfig.DEFAULT_LATERAL_MIN_PEERS, "Distinct destinations among them (at most min_edges).");

    private AggregatorSettings() {
    }

    /** Fills the TLS options not given on the command line from tls.* and query.* (options win). */
    static void tlsFiles(ConfigValues v, ServerTlsOptions tls) {
        if (tls.cert == null && !v.get(TLS_CERT).isBlank()) {
            tls.cert = Path.of(v.get(TLS_CERT));
        }
        if (tls.key == null && !v.get(TLS_KEY).isBlank()) {
            tls.key = Path.of(v.get(TLS_KEY));
        }
        if (tls.clientCa == null && !v.get(TLS_CLIENT_CA).isBlank()) {
            tls.clientCa = Path.of(v.get(TLS_CLIENT_CA));
        }
        if (tls.tokenFile == null && !v.get(TOKEN_FILE).isBlank()) {
            tls.tokenFile = Path.of(v.get(TOKEN_FILE));
        }
        tls.every = v.get(TLS_RELOAD);
    }

    private static java.net.InetSocketAddress metricsAddress(String text) {
        return text.equalsIgnoreCase("none") ? null : HostPort.parse(text, "metrics.listen");
    }

    static AggregatorConfig toConfig(ConfigValues v) {
        return new AggregatorConfig(HostPort.parse(v.get(LISTEN), "listen"), v.get(MAX_FLOWS), v.get(MAX_ANOMALIES),
                v.get(MAX_AGE), ServerSecurity.PLAINTEXT, metricsAddress(v.get(METRICS)), v.get(GRACE))
                .withBaseline(baseline(v));
    }

    private static BaselineConfig baseline(ConfigValues v) {
        BaselineConfig d = BaselineConfig.defaults();
        return new BaselineConfig(v.get(BASELINE_LEARNING), v.get(BASELINE_WORKLOAD_LEARNING),
                v.get(BASELINE_MAX_EDGES), d.maxWorkloads(), v.get(BASELINE_MAX_NEW_EDGES), v.get(LATERAL_WINDOW),
                v.get(LATERAL_MIN_EDGES), v.get(LATERAL_MIN_PEERS),
                v.get(BASELINE_FILE).isBlank() ? null : Path.of(v.get(BASELINE_FILE)), v.get(BASELINE_SAVE_EVERY),
                v.get(BASELINE_PUBLISH_EVERY), d.queueCapacity());
    }
}
