package io.netwatch.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.alert.Alerting;
import io.netwatch.aggregator.alert.AlertsConfigException;
import io.netwatch.aggregator.security.ServerSecurity;
import io.netwatch.cli.config.ConfigValues;
import io.netwatch.common.Durations;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "aggregator", mixinStandardHelpOptions = true,
        description = "Run the central aggregator: receives the agents' streams and serves the query API.")
final class AggregatorCommand implements Callable<Integer> {
    /**
     * HTTP retries of one list or watch request before the informer reports a failure and
     * retries on its own schedule: fabric8's default (10, backing off from 100 ms) would keep
     * an unreachable API server quiet for minutes.
     */
    private static final int KUBERNETES_REQUEST_RETRIES = 2;

    @picocli.CommandLine.Mixin
    ConfigOptions configuration = new ConfigOptions();

    @Option(names = "--listen", description = "Address for ingest and query (default: 0.0.0.0:"
            + NetwatchMain.DEFAULT_PORT + "). (listen)")
    String listen;

    @Option(names = "--max-flows", description = "Flows kept in memory, their encoded bytes at most a quarter of the"
            + " heap; the oldest fall off first (default: " + AggregatorConfig.DEFAULT_MAX_FLOWS + "). (store.max_flows)")
    String maxFlows;

    @Option(names = "--max-anomalies", description = "Anomalies kept in memory, their encoded bytes at most a sixteenth"
            + " of the heap (default: " + AggregatorConfig.DEFAULT_MAX_ANOMALIES + "). (store.max_anomalies)")
    String maxAnomalies;

    @Option(names = "--max-age", description = "Records older than this are dropped, e.g. 24h or PT24H (default: 24h)."
            + " (store.max_age)")
    String maxAge;

    @Option(names = "--shutdown-grace", description = "On SIGTERM, how long batches already received may take to be "
            + "stored and acknowledged (default: 10s). (shutdown.grace_period)")
    String shutdownGrace;

    @Option(names = "--metrics", description = "Serve /metrics, /healthz, /readyz here; 'none' to disable (default: "
            + "0.0.0.0:" + AggregatorConfig.DEFAULT_METRICS_PORT + "). (metrics.listen)")
    String metrics;

    @Option(names = "--kubernetes",
            description = "Watch the cluster (in-cluster service account, else KUBECONFIG or ~/.kube/config) for"
                    + " pod identities and NetworkPolicies: flows are enriched and judged, and established flows"
                    + " the policies deny become policy_violation anomalies. Readiness (gRPC health) stays down"
                    + " until the cluster is listed. (kubernetes.enabled)")
    Boolean kubernetes;

    @Option(names = "--response-mode", paramLabel = "MODE", description = "Blocking decisions: off, dry-run or enforce"
            + " (default: dry-run; docs/blocking.md). (response.mode)")
    String responseMode;

    @picocli.CommandLine.Mixin
    ServerTlsOptions tls = new ServerTlsOptions();

    /** The API server watched, as said to the user. */
    private String where = "";

    @Override
    public Integer call() throws Exception {
        ConfigValues v = settings();
        AggregatorSettings.tlsFiles(v, tls);
        String alertsFile = v.get(AggregatorSettings.ALERTS_FILE);
        if (!alertsFile.isBlank()) {
            NamedFile.requireExists(v.at(AggregatorSettings.ALERTS_FILE), Path.of(alertsFile),
                    "the alerts YAML file");
        }
        AggregatorConfig config = AggregatorSettings.toConfig(v).withSecurity(tls.security()
                .withAgentServiceAccount(v.get(AggregatorSettings.AGENT_ACCOUNT)));
        boolean watch = v.get(AggregatorSettings.KUBERNETES);
        if (!config.security().agentServiceAccount().isEmpty() && !watch) {
            throw new NetwatchMain.UserError("ingest.agent_service_account needs the cluster: set kubernetes.enabled"
                    + " (--kubernetes)");
        }
        if (configuration.print) {
            // What the start would refuse is refused here too (found in review: the alerts
            // file was not read, so a ConfigMap that passed this check failed the rollout).
            String alerts = v.get(AggregatorSettings.ALERTS_FILE);
            if (!alerts.isBlank()) {
                try {
                    Alerting.check(Path.of(alerts), configuration.environment, watch);
                } catch (AlertsConfigException e) {
                    throw new NetwatchMain.UserError(e.getMessage());
                }
            }
            // Found by a new user: a baseline.file in a directory that does not exist passed
            // here, and the start refused it.
            if (config.baseline().file() != null) {
                io.netwatch.aggregator.baseline.Baselines.checkFile(config.baseline().file());
            }
        }
        if (configuration.printed(v)) {
            return 0;
        }
        KubernetesClient client = null;
        if (watch) {
            Config k8s = new ConfigBuilder(Config.autoConfigure(null))
                    .withRequestRetryBackoffLimit(KUBERNETES_REQUEST_RETRIES).build();
            client = new KubernetesClientBuilder().withConfig(k8s).build();
            where = k8s.getMasterUrl()
                    + (k8s.getCurrentContext() == null ? "" : " (context " + k8s.getCurrentContext().getName() + ")");
            if (System.getenv("KUBERNETES_SERVICE_HOST") == null && k8s.getCurrentContext() == null) {
                where += " (not in a pod, and no kubeconfig found: set KUBECONFIG)";
            }
            System.out.println("netwatch aggregator: watching the cluster at " + where);
        }
        AggregatorServer server;
        try {
            server = AggregatorServer.start(config, client);
        } catch (java.io.IOException e) {
            System.err.println("netwatch aggregator: " + cannotListen(e, config.listen()));
            if (client != null) {
                client.close();
            }
            return 2;
        }
        Alerting alerting = startAlerting(v.get(AggregatorSettings.ALERTS_FILE), server, client);
        KubernetesClient owned = client;
        ScheduledExecutorService reporter = watch ? reportIdentity(server) : null;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (reporter != null) {
                    reporter.shutdownNow();
                }
                System.out.println("netwatch aggregator: stopping: no new streams; agents' streams end once their "
                        + "batch in flight is stored (up to " + Durations.format(config.shutdownGrace()) + ")");
                server.close();
                if (alerting != null) {
                    alerting.close();
                }
                if (owned != null) {
                    owned.close();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "netwatch-shutdown"));
        System.out.println("netwatch aggregator: listening on " + config.listen().getHostString() + ":" + server.port()
                + " (ingest and query, " + describe(config.security()) + ")" + (server.metricsPort() < 0 ? ""
                : "; metrics on http://" + config.metrics().getHostString() + ":" + server.metricsPort() + "/metrics"));
        System.out.println("netwatch aggregator: " + describe(config.response()));
        server.awaitTermination();
        return 0;
    }

    /**
     * The blocking mode and the rules in force, in one line: an offense no rule matches is only
     * counted (netwatch_response_offenses_ignored_total), so the user must know what they match.
     */
    static String describe(io.netwatch.aggregator.response.ResponseConfig r) {
        if (r.mode() == io.netwatch.aggregator.response.ResponseMode.OFF) {
            return "blocking off (response.mode)";
        }
        StringBuilder b = new StringBuilder("blocking ").append(r.mode().word()).append(": ");
        for (int i = 0; i < r.rules().size(); i++) {
            var rule = r.rules().get(i);
            b.append(i == 0 ? "" : "; ").append(rule.action().word())
                    .append(" for ").append(rule.types().isEmpty() ? "any type"
                            : String.join(", ", new java.util.TreeSet<>(rule.types())))
                    .append(" of severity ").append(JsonLines.severity(rule.minSeverity())).append(" or more")
                    .append(rule.minConfidence() > 0 ? ", score at least " + rule.minConfidence() : "");
        }
        return b.append(r.rules().isEmpty() ? "no rules" : "").append(" (docs/blocking.md; other offenses are"
                + " only counted)").toString();
    }

    /** Alerting from the alerts file, or null without one; a bad file stops the aggregator it started. */
    private Alerting startAlerting(String file, AggregatorServer server, KubernetesClient client)
            throws InterruptedException {
        if (file.isBlank()) {
            return null;
        }
        try {
            Alerting alerting = Alerting.start(Path.of(file), server.store(), server.meters(), client,
                    configuration.environment, server.incidents().tracker());
            System.out.println("netwatch aggregator: alerting to " + String.join(", ", alerting.queues().keySet())
                    + " (" + file + ")");
            return alerting;
        } catch (AlertsConfigException e) {
            server.close();
            throw new NetwatchMain.UserError(e.getMessage());
        }
    }

    static String describe(ServerSecurity s) {
        if (s.plaintext()) {
            return "PLAINTEXT: anyone who reaches this port can send flows as any node, read them and remove blocks;"
                    + " see docs/security.md";
        }
        return "mutual TLS: agents need a client certificate, queries a client certificate"
                + (s.queryTokenFile() == null ? "" : " or the bearer token")
                + (s.agentServiceAccount().isEmpty() ? "" : "; each agent's node is checked against its pod token ("
                + s.agentServiceAccount() + ")");
    }

    /** Defaults, file, environment, then these options. */
    ConfigValues settings() {
        return configuration.load(AggregatorSettings.SCHEMA)
                .option(AggregatorSettings.LISTEN, "--listen", listen)
                .option(AggregatorSettings.MAX_FLOWS, "--max-flows", maxFlows)
                .option(AggregatorSettings.MAX_ANOMALIES, "--max-anomalies", maxAnomalies)
                .option(AggregatorSettings.MAX_AGE, "--max-age", maxAge)
                .option(AggregatorSettings.KUBERNETES, "--kubernetes", kubernetes)
                .option(AggregatorSettings.METRICS, "--metrics", metrics)
                .option(AggregatorSettings.GRACE, "--shutdown-grace", shutdownGrace)
                .option(AggregatorSettings.TLS_RELOAD, "--tls-reload", tls.reload)
                .option(AggregatorSettings.RESPONSE_MODE, "--response-mode", responseMode);
    }

    /** Says on standard error when the cluster cannot be watched, and when it can again. */
    private ScheduledExecutorService reportIdentity(AggregatorServer server) {
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("netwatch-identity-report").daemon().unstarted(r));
        String[] last = {""};
        s.scheduleWithFixedDelay(() -> {
            String problem = server.identity().watcher().problem();
            String now = problem == null ? "ready" : problem;
            if (!Objects.equals(now, last[0]) && (problem == null || server.identity().watcher().failures() > 0)) {
                System.err.println(problem == null
                        ? "netwatch aggregator: cluster listed; identities and policy verdicts are on (ready)"
                        : "netwatch aggregator: cannot watch the Kubernetes API at " + where + ": " + problem
                        + "; flows are stored unjudged and readiness stays down until it answers (retrying)");
                last[0] = now;
            }
        }, 1, 2, TimeUnit.SECONDS);
        return s;
    }

    /**
     * A start that failed on a port (another aggregator, or another process, holds it), in one
     * line naming the option that chooses another. {@code listen} is the gRPC address the start
     * bound: found by a new user, the line quoted Netty's "Failed to bind to address
     * /127.0.0.1:50051", with a slash and in other words than the metrics port's. Any other
     * failure of the start (a file of baseline.file's that cannot be set aside, say) is said
     * as it is, with no port: found in review, it read "cannot listen on 127.0.0.1:50051:
     * /var/lib/netwatch/baseline.pb.corrupt (choose another with --listen ...)".
     */
    static String cannotListen(java.io.IOException e, java.net.InetSocketAddress listen) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String why = root == e || root.getMessage() == null || String.valueOf(e.getMessage()).contains(root.getMessage())
                ? "" : ": " + root.getMessage();
        boolean metrics = e.getMessage() != null && e.getMessage().startsWith("cannot serve metrics");
        if (metrics) {
            return e.getMessage() + why + " (choose another with --metrics or metrics.listen, or 'none')";
        }
        // grpc-netty's words for the server's bind failing, whatever the transport's exception.
        boolean bind = root instanceof java.net.BindException
                || e.getMessage() != null && e.getMessage().startsWith("Failed to bind to address");
        if (!bind) {
            return "cannot start: " + e.getMessage() + why + (root instanceof java.nio.file.FileSystemException f
                    && f.getReason() == null ? " (" + words(f.getClass().getSimpleName()) + ")" : "");
        }
        String host = listen.getHostString();
        String address = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + listen.getPort();
        String reason = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return "cannot listen on " + address + ": " + reason + " (choose another with --listen, or stop what holds it)";
    }

    /**
     * A file system exception's name in words, for one that gives only the path
     * ("DirectoryNotEmptyException": "directory not empty").
     */
    private static String words(String exception) {
        String name = exception.endsWith("Exception") ? exception.substring(0, exception.length() - 9) : exception;
        return name.replaceAll("(?<=[a-z])(?=[A-Z])", " ").toLowerCase(java.util.Locale.ROOT);
    }
}
