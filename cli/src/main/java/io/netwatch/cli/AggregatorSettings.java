package io.netwatch.cli;

import static io.netwatch.cli.config.ConfigType.bool;
import static io.netwatch.cli.config.ConfigType.checked;
import static io.netwatch.cli.config.ConfigType.duration;
import static io.netwatch.cli.config.ConfigType.integer;
import static io.netwatch.cli.config.ConfigType.oneOf;
import static io.netwatch.cli.config.ConfigType.text;
import static io.netwatch.cli.config.ConfigType.textList;

import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.policy.Cidr;
import io.netwatch.aggregator.response.ResponseConfig;
import io.netwatch.aggregator.response.ResponseMode;
import io.netwatch.aggregator.response.ResponseRulesFile;
import io.netwatch.aggregator.security.ServerSecurity;
import io.netwatch.cli.config.ConfigKey;
import io.netwatch.cli.config.ConfigSchema;
import io.netwatch.cli.config.ConfigValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

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

    // Blocking decisions (response stage, docs/blocking.md).
    static final ConfigKey<String> RESPONSE_MODE = SCHEMA.key("response.mode", oneOf("off", "dry-run", "enforce"),
            ResponseMode.DRY_RUN.word(), "Blocking: off, dry-run (decide, audit and report \"would block\", send "
                    + "nothing) or enforce.");
    static final ConfigKey<String> RESPONSE_FILE = SCHEMA.key("response.file", text("file path"), "",
            "YAML rules choosing which offenses lead to node_drop or quarantine (docs/blocking.md); empty: scans and "
                    + "password guessing of high severity get a node drop.");
    static final ConfigKey<Duration> RESPONSE_TTL = SCHEMA.key("response.ttl", duration(Duration.ofSeconds(1)),
            ResponseConfig.DEFAULT_TTL, "Time to live of a block whose rule names none.");
    static final ConfigKey<Duration> RESPONSE_MAX_TTL = SCHEMA.key("response.max_ttl", duration(Duration.ofSeconds(1)),
            ResponseConfig.DEFAULT_MAX_TTL, "Longest time to live any rule may ask for.");
    static final ConfigKey<Integer> RESPONSE_MAX_ACTIVE = SCHEMA.key("response.max_active_blocks",
            integer(1, 1_000_000), ResponseConfig.DEFAULT_MAX_ACTIVE_BLOCKS,
            "Blocks live at once; past it, decisions are refused (guardrail cap).");
    static final ConfigKey<List<String>> RESPONSE_NAMESPACES = SCHEMA.key("response.protected_namespaces",
            textList("list of namespaces"), ResponseConfig.DEFAULT_PROTECTED_NAMESPACES.stream().sorted().toList(),
            "Namespaces whose pods, and the nodes they run on, are never blocked.");
    static final ConfigKey<List<String>> RESPONSE_CIDRS = SCHEMA.key("response.protected_cidrs",
            textList("list of CIDRs"), List.of(), "Addresses never blocked, besides the API server, cluster DNS, "
                    + "nodes and protected namespaces' pods.");
    static final ConfigKey<Integer> RESPONSE_AUDIT = SCHEMA.key("response.audit_size", integer(1, 10_000_000),
            ResponseConfig.DEFAULT_AUDIT_SIZE, "Decisions kept in the audit log; the oldest are dropped first (counted).");

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
                v.get(MAX_AGE), ServerSecurity.PLAINTEXT, metricsAddress(v.get(METRICS)), v.get(GRACE), response(v));
    }

    /** The response.* keys, the rules file read; errors name the key (and the file's line). */
    static ResponseConfig response(ConfigValues v) {
        List<Cidr> cidrs = new ArrayList<>();
        for (String c : v.get(RESPONSE_CIDRS)) {
            try {
                cidrs.add(Cidr.parse(c.strip()));
            } catch (IllegalArgumentException e) {
                throw new NetwatchMain.UserError("response.protected_cidrs: " + e.getMessage());
            }
        }
        String file = v.get(RESPONSE_FILE);
        try {
            return new ResponseConfig(ResponseMode.parse(v.get(RESPONSE_MODE)),
                    file.isBlank() ? ResponseConfig.DEFAULT_RULES : ResponseRulesFile.load(Path.of(file)),
                    Set.copyOf(v.get(RESPONSE_NAMESPACES)), cidrs, v.get(RESPONSE_MAX_ACTIVE), v.get(RESPONSE_TTL),
                    v.get(RESPONSE_MAX_TTL), v.get(RESPONSE_AUDIT));
        } catch (IllegalArgumentException e) {
            throw new NetwatchMain.UserError(e.getMessage());
        }
    }
}
