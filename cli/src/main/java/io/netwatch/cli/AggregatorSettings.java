package io.netwatch.cli;

import static io.netwatch.cli.config.ConfigType.bool;
import static io.netwatch.cli.config.ConfigType.checked;
import static io.netwatch.cli.config.ConfigType.duration;
import static io.netwatch.cli.config.ConfigType.integer;
import static io.netwatch.cli.config.ConfigType.ratio;
import static io.netwatch.cli.config.ConfigType.text;

import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.ml.MlConfig;
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

    // ml_outlier: a Random Cut Forest over per-actor feature windows (docs/detection.md#ml_outlier).
    static final ConfigKey<Boolean> ML_ENABLED = SCHEMA.key("ml.enabled", bool(), true,
            "Score every actor's feature windows with a Random Cut Forest and raise ml_outlier.");
    static final ConfigKey<Duration> ML_WINDOW = SCHEMA.key("ml.window", duration(Duration.ofSeconds(1)),
            MlConfig.DEFAULT_WINDOW, "Length of an actor's feature window (flow time).");
    static final ConfigKey<Double> ML_THRESHOLD = SCHEMA.key("ml.threshold", ratio(0, 100), MlConfig.DEFAULT_THRESHOLD,
            "Forest scores above this are ml_outlier; the default is the 99.9th percentile of benign windows.");
    static final ConfigKey<Integer> ML_WARMUP = SCHEMA.key("ml.warmup_windows", integer(1, 1_000_000),
            MlConfig.DEFAULT_WARMUP_WINDOWS, "Windows the forest learns before it scores any.");
    static final ConfigKey<Integer> ML_MAX_ACTORS = SCHEMA.key("ml.max_actors", integer(1, 1_000_000),
            MlConfig.DEFAULT_MAX_ACTORS, "Actors with an open window at most; past it the least recently active "
                    + "is dropped (counted).");
    // Alerting (issue 7, docs/alerts.md): routes, receivers and silences live in their own file.
    static final ConfigKey<String> ALERTS_FILE = SCHEMA.key("alerts.file", text("file path"), "",
            "Alerts file: routes, receivers (webhook, Slack, PagerDuty, Opsgenie, Alertmanager, Kubernetes Events) "
                    + "and silences (docs/alerts.md); empty: no alerting.");

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
                v.get(MAX_AGE), ServerSecurity.PLAINTEXT, metricsAddress(v.get(METRICS)), v.get(GRACE)).withMl(ml(v));
    }

    /** The ml_outlier detector's settings (ml.*). */
    static MlConfig ml(ConfigValues v) {
        return new MlConfig(v.get(ML_ENABLED), v.get(ML_WINDOW), v.get(ML_THRESHOLD), v.get(ML_WARMUP),
                v.get(ML_MAX_ACTORS));
    }
}
