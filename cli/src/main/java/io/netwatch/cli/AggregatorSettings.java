package io.netwatch.cli;

import static io.netwatch.cli.config.ConfigType.bool;
import static io.netwatch.cli.config.ConfigType.checked;
import static io.netwatch.cli.config.ConfigType.duration;
import static io.netwatch.cli.config.ConfigType.integer;
import static io.netwatch.cli.config.ConfigType.ratio;
import static io.netwatch.cli.config.ConfigType.oneOf;
import static io.netwatch.cli.config.ConfigType.text;
import static io.netwatch.cli.config.ConfigType.textList;


import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.identity.DnsResolvers;
import io.netwatch.aggregator.ml.MlConfig;
import io.netwatch.aggregator.incident.BeaconConfig;
import io.netwatch.aggregator.incident.IncidentConfig;
import io.netwatch.aggregator.baseline.BaselineConfig;
import io.netwatch.aggregator.policy.Cidr;
import io.netwatch.aggregator.response.ResponseConfig;
import io.netwatch.aggregator.response.ResponseMode;
import io.netwatch.aggregator.response.ResponseRulesFile;
import io.netwatch.aggregator.security.ServerLimits;
import io.netwatch.aggregator.security.ServerSecurity;
import io.netwatch.cli.config.ConfigError;
import io.netwatch.cli.config.ConfigKey;
import io.netwatch.cli.config.ConfigSchema;
import io.netwatch.cli.config.ConfigValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
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
            AggregatorConfig.DEFAULT_MAX_FLOWS, "Flows kept in memory, their encoded bytes (less the pods' and "
            + "Services' workloads the aggregator names their ends with, shared between records) at most a quarter "
            + "of the heap; the oldest fall off first (counted).");
    static final ConfigKey<Integer> MAX_ANOMALIES = SCHEMA.key("store.max_anomalies", integer(1, Integer.MAX_VALUE),
            AggregatorConfig.DEFAULT_MAX_ANOMALIES, "Anomalies kept in memory, their encoded bytes (less the pods' and "
            + "Services' workloads the aggregator names their ends with) at most a sixteenth of the heap.");
    static final ConfigKey<Duration> MAX_AGE = SCHEMA.key("store.max_age", duration(Duration.ofSeconds(1)),
            AggregatorConfig.DEFAULT_MAX_AGE, "Records older than this are dropped from the store.");
    static final ConfigKey<Boolean> KUBERNETES = SCHEMA.key("kubernetes.enabled", bool(), false,
            "Watch the cluster (in-cluster service account, else KUBECONFIG) for identities and NetworkPolicy verdicts.");
    static final ConfigKey<List<String>> DNS_RESOLVERS = SCHEMA.key("kubernetes.dns_resolvers",
            textList("list of addresses or CIDRs"), DnsResolvers.DEFAULT_EXTRA, "Resolvers, besides the cluster's DNS "
                    + "(kube-system's kube-dns Service and its k8s-app=kube-dns pods), whose answers name outside "
                    + "addresses in flows and baselines; answers from any other resolver are counted and not believed "
                    + "(a pod could ask its own resolver to call any address anything). Default: NodeLocal "
                    + "DNSCache's address. 0.0.0.0/0 and ::/0 believe every resolver.");
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
    static final ConfigKey<Integer> MAX_QUERY_STREAMS = SCHEMA.key("query.max_streams", integer(1, 100_000),
            ServerLimits.DEFAULT_MAX_QUERY_STREAMS, "Streaming queries (flows, anomalies, incidents, followed or "
                    + "not) open at once, from all clients; past it a new one is refused RESOURCE_EXHAUSTED (counted).");
    static final ConfigKey<Integer> MAX_POLICY_QUERIES = SCHEMA.key("query.max_policy_queries", integer(1, 1000),
            ServerLimits.DEFAULT_MAX_POLICY_QUERIES, "Policy suggestions and simulations running at once, from all "
                    + "clients (each reads the whole store on a core of its own); past it a new one is refused "
                    + "RESOURCE_EXHAUSTED (counted).");
    static final ConfigKey<Duration> MAX_POLICY_RUN = SCHEMA.key("query.max_policy_run", duration(Duration.ofSeconds(1)),
            ServerLimits.DEFAULT_MAX_POLICY_RUN, "How long one policy suggestion or simulation runs at most, whatever "
                    + "its caller's deadline; past it the call ends DEADLINE_EXCEEDED (counted).");
    static final ConfigKey<Integer> MAX_CALLS_PER_CONNECTION = SCHEMA.key("server.max_calls_per_connection",
            integer(1, 100_000), ServerLimits.DEFAULT_MAX_CALLS_PER_CONNECTION, "Calls open at once on one client "
                    + "connection (HTTP/2 MAX_CONCURRENT_STREAMS): a gRPC client holds further calls until one ends.");
    static final ConfigKey<String> AGENT_ACCOUNT = SCHEMA.key("ingest.agent_service_account", text("NAMESPACE:NAME"),
            "", "The agents' service account: each agent's hello must name the node its pod token (tls.node_token_file"
                    + " on the agent) was issued on, as the API server's TokenReview says; needs TLS and"
                    + " kubernetes.enabled. Empty: the node an agent names is taken as said.");

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
    // Incidents and the beaconing detector (docs/incidents.md).
    static final ConfigKey<Duration> INCIDENT_WINDOW = SCHEMA.key("incidents.window", duration(Duration.ofSeconds(1)),
            IncidentConfig.DEFAULT_WINDOW, "An anomaly joins its actor's open incident when its evidence starts "
                    + "within this long after the incident's last evidence and ends within this long before its "
                    + "first (capture time); evidence from further back is an incident of its own.");
    static final ConfigKey<Duration> INCIDENT_QUIET = SCHEMA.key("incidents.quiet_period",
            duration(Duration.ofSeconds(1)), IncidentConfig.DEFAULT_QUIET_PERIOD,
            "An open incident that took no anomaly for this long is resolved.");
    static final ConfigKey<Integer> INCIDENT_MAX_OPEN = SCHEMA.key("incidents.max_open", integer(1, 1_000_000),
            IncidentConfig.DEFAULT_MAX_OPEN, "Open incidents kept; past it the least recently updated is resolved "
                    + "early (counted as evicted).");
    static final ConfigKey<Integer> INCIDENT_MAX_RESOLVED = SCHEMA.key("incidents.max_resolved",
            integer(1, 1_000_000), IncidentConfig.DEFAULT_MAX_RESOLVED,
            "Resolved incidents kept for `netwatch incidents`; the oldest fall off (counted).");
    static final ConfigKey<Integer> BEACON_MIN_CONNECTIONS = SCHEMA.key("beaconing.min_connections",
            integer(4, BeaconConfig.MAX_SAMPLES), BeaconConfig.defaults().minConnections(),
            "Connections from one actor to one external peer before their rhythm is judged.");
    static final ConfigKey<Double> BEACON_MAX_JITTER = SCHEMA.key("beaconing.max_jitter", ratio(0, 0.99),
            BeaconConfig.defaults().maxJitter(), "Highest robust coefficient of variation (1.4826 MAD / median) "
                    + "of the intervals that is a beacon; Poisson arrivals are near 1.");
    static final ConfigKey<Duration> BEACON_MIN_PERIOD = SCHEMA.key("beaconing.min_period", duration(Duration.ZERO),
            BeaconConfig.defaults().minPeriod(), "Median interval below which connections are a burst, not a beacon.");
    static final ConfigKey<Duration> BEACON_MAX_PERIOD = SCHEMA.key("beaconing.max_period",
            duration(Duration.ofSeconds(1)), BeaconConfig.defaults().maxPeriod(),
            "Median interval above which nothing is judged.");
    static final ConfigKey<Integer> BEACON_MAX_PAIRS = SCHEMA.key("beaconing.max_pairs", integer(1, 10_000_000),
            BeaconConfig.defaults().maxPairs(), "Actor/peer pairs tracked; past it the least recently seen is "
                    + "forgotten (counted).");
    static final ConfigKey<Duration> BEACON_COOLDOWN = SCHEMA.key("beaconing.cooldown", duration(Duration.ZERO),
            BeaconConfig.defaults().cooldown(), "After a beacon is reported, the same pair is not reported again "
                    + "for this long.");
    static final ConfigKey<List<String>> BEACON_IGNORED_PORTS = SCHEMA.key("beaconing.ignored_ports",
            textList("destination ports, 1 to 65535"), List.of("53", "123", "5353"),
            "Destination ports whose rhythm is never judged (periodic by design: DNS, NTP, mDNS).");
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
    static final ConfigKey<Duration> BASELINE_EDGE_EXPIRY = SCHEMA.key("baseline.edge_expiry", duration(Duration.ZERO),
            BaselineConfig.DEFAULT_EDGE_EXPIRY, "An edge unused for longer than this (45 days: a monthly job's edges "
                    + "are kept) is forgotten, and new again when next used; time the aggregator is stopped does not "
                    + "count. 0s: edges never expire.");
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
            "Namespaces whose pods are never blocked or quarantined (every node's addresses are protected, "
                    + "whatever runs there).");
    static final ConfigKey<List<String>> RESPONSE_CIDRS = SCHEMA.key("response.protected_cidrs",
            textList("list of CIDRs"), List.of(), "Addresses never blocked, besides the API server, cluster DNS, "
                    + "nodes and protected namespaces' pods.");
    static final ConfigKey<Integer> RESPONSE_AUDIT = SCHEMA.key("response.audit_size", integer(1, 10_000_000),
            ResponseConfig.DEFAULT_AUDIT_SIZE, "Decisions kept in the audit log; the oldest are dropped first (counted).");

    private AggregatorSettings() {
    }

    /** Fills the TLS options not given on the command line from tls.* and query.* (options win); messages then name the keys. */
    static void tlsFiles(ConfigValues v, ServerTlsOptions tls) {
        if (tls.cert == null && !v.get(TLS_CERT).isBlank()) {
            tls.cert = Path.of(v.get(TLS_CERT));
            tls.certSetting = tls.certSetting.from(v);
        }
        if (tls.key == null && !v.get(TLS_KEY).isBlank()) {
            tls.key = Path.of(v.get(TLS_KEY));
            tls.keySetting = tls.keySetting.from(v);
        }
        if (tls.clientCa == null && !v.get(TLS_CLIENT_CA).isBlank()) {
            tls.clientCa = Path.of(v.get(TLS_CLIENT_CA));
            tls.clientCaSetting = tls.clientCaSetting.from(v);
        }
        if (tls.tokenFile == null && !v.get(TOKEN_FILE).isBlank()) {
            tls.tokenFile = Path.of(v.get(TOKEN_FILE));
            tls.tokenFileSetting = tls.tokenFileSetting.from(v);
        }
        tls.every = v.get(TLS_RELOAD);
    }

    private static java.net.InetSocketAddress metricsAddress(String text) {
        return text.equalsIgnoreCase("none") ? null : HostPort.parse(text, "metrics.listen");
    }

    static AggregatorConfig toConfig(ConfigValues v) {
        return new AggregatorConfig(HostPort.parse(v.get(LISTEN), "listen"), v.get(MAX_FLOWS), v.get(MAX_ANOMALIES),
                v.get(MAX_AGE), ServerSecurity.PLAINTEXT, metricsAddress(v.get(METRICS)), v.get(GRACE))
                .withMl(ml(v))
                .withIncidents(incidents(v))
                .withBaseline(baseline(v))
                .withResponse(response(v))
                .withDnsResolvers(dnsResolvers(v))
                .withLimits(new ServerLimits(v.get(MAX_CALLS_PER_CONNECTION), v.get(MAX_QUERY_STREAMS),
                        v.get(MAX_POLICY_QUERIES), v.get(MAX_POLICY_RUN)));
    }

    /** kubernetes.dns_resolvers: an address alone is its own /32 or /128. */
    static DnsResolvers dnsResolvers(ConfigValues v) {
        List<Cidr> cidrs = new ArrayList<>();
        for (String c : v.get(DNS_RESOLVERS)) {
            String text = c.strip();
            try {
                if (text.indexOf('/') < 0) {
                    byte[] a = io.netwatch.aggregator.policy.IpAddresses.parse(text);
                    if (a == null) {
                        throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR");
                    }
                    text = text + "/" + a.length * 8;
                }
                cidrs.add(Cidr.parse(text));
            } catch (IllegalArgumentException e) {
                throw new NetwatchMain.UserError(from(v, DNS_RESOLVERS.path()) + "kubernetes.dns_resolvers: "
                        + e.getMessage());
            }
        }
        return new DnsResolvers(cidrs);
    }

    /** The ml_outlier detector's settings (ml.*). */
    static MlConfig ml(ConfigValues v) {
        return new MlConfig(v.get(ML_ENABLED), v.get(ML_WINDOW), v.get(ML_THRESHOLD), v.get(ML_WARMUP),
                v.get(ML_MAX_ACTORS));
    }

    /** The incidents.* and beaconing.* keys; a combination the records refuse names its keys. */
    static IncidentConfig incidents(ConfigValues v) {
        Set<Integer> ports = new LinkedHashSet<>();
        for (String p : v.get(BEACON_IGNORED_PORTS)) {
            try {
                int port = Integer.parseInt(p.strip());
                if (port < 1 || port > 65_535) {
                    throw new NumberFormatException();
                }
                ports.add(port);
            } catch (NumberFormatException e) {
                throw new ConfigError(from(v, BEACON_IGNORED_PORTS.path()) + "beaconing.ignored_ports: '" + p
                        + "' is not a port (1 to 65535)");
            }
        }
        try {
            return new IncidentConfig(v.get(INCIDENT_WINDOW), v.get(INCIDENT_QUIET), v.get(INCIDENT_MAX_OPEN),
                    v.get(INCIDENT_MAX_RESOLVED), new BeaconConfig(v.get(BEACON_MIN_CONNECTIONS),
                    v.get(BEACON_MAX_JITTER), v.get(BEACON_MIN_PERIOD), v.get(BEACON_MAX_PERIOD),
                    v.get(BEACON_MAX_PAIRS), v.get(BEACON_COOLDOWN), ports));
        } catch (IllegalArgumentException e) {
            throw new ConfigError(e.getMessage());
        }
    }

    private static BaselineConfig baseline(ConfigValues v) {
        BaselineConfig d = BaselineConfig.defaults();
        return new BaselineConfig(v.get(BASELINE_LEARNING), v.get(BASELINE_WORKLOAD_LEARNING),
                v.get(BASELINE_EDGE_EXPIRY), v.get(BASELINE_MAX_EDGES), d.maxWorkloads(), v.get(BASELINE_MAX_NEW_EDGES),
                v.get(LATERAL_WINDOW), v.get(LATERAL_MIN_EDGES), v.get(LATERAL_MIN_PEERS),
                v.get(BASELINE_FILE).isBlank() ? null : Path.of(v.get(BASELINE_FILE)), v.get(BASELINE_SAVE_EVERY),
                v.get(BASELINE_PUBLISH_EVERY), d.queueCapacity());
    }

    /** "agg.yaml: " (or the variable or option) that set {@code path}, for an error found after reading; "" for a default. */
    private static String from(ConfigValues v, String path) {
        String s = v.source(path);
        return s == null || s.equals("default") ? "" : s + ": ";
    }

    /** The response.* keys, the rules file read; errors name the key (and the file's line). */
    static ResponseConfig response(ConfigValues v) {
        List<Cidr> cidrs = new ArrayList<>();
        for (String c : v.get(RESPONSE_CIDRS)) {
            try {
                cidrs.add(Cidr.parse(c.strip()));
            } catch (IllegalArgumentException e) {
                throw new NetwatchMain.UserError(from(v, RESPONSE_CIDRS.path()) + "response.protected_cidrs: "
                        + e.getMessage());
            }
        }
        String file = v.get(RESPONSE_FILE);
        if (!file.isBlank()) {
            NamedFile.requireExists(v.at(RESPONSE_FILE), Path.of(file), "a YAML file of response rules");
        }
        try {
            return new ResponseConfig(ResponseMode.parse(v.get(RESPONSE_MODE)),
                    file.isBlank() ? ResponseConfig.DEFAULT_RULES
                            : ResponseRulesFile.load(Path.of(file), v.get(RESPONSE_MAX_TTL)),
                    Set.copyOf(v.get(RESPONSE_NAMESPACES)), cidrs, v.get(RESPONSE_MAX_ACTIVE), v.get(RESPONSE_TTL),
                    v.get(RESPONSE_MAX_TTL), v.get(RESPONSE_AUDIT));
        } catch (IllegalArgumentException e) {
            throw new NetwatchMain.UserError(e.getMessage());
        }
    }
}
