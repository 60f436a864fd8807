package io.netwatch.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.security.ServerSecurity;
import java.time.Duration;
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

    @Option(names = "--listen", defaultValue = "0.0.0.0:" + NetwatchMain.DEFAULT_PORT,
            description = "Address for ingest and query (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--max-flows", defaultValue = "" + AggregatorConfig.DEFAULT_MAX_FLOWS,
            description = "Flows kept in memory; the oldest fall off first (default: ${DEFAULT-VALUE}).")
    int maxFlows;

    @Option(names = "--max-anomalies", defaultValue = "" + AggregatorConfig.DEFAULT_MAX_ANOMALIES,
            description = "Anomalies kept in memory (default: ${DEFAULT-VALUE}).")
    int maxAnomalies;

    @Option(names = "--max-age", defaultValue = "PT24H",
            description = "Records older than this are dropped, ISO-8601 duration (default: ${DEFAULT-VALUE}).")
    Duration maxAge;

    @Option(names = "--metrics", defaultValue = "0.0.0.0:" + AggregatorConfig.DEFAULT_METRICS_PORT,
            description = "Serve /metrics, /healthz, /readyz here; 'none' to disable (default: ${DEFAULT-VALUE}).")
    String metrics;

    @Option(names = "--kubernetes",
            description = "Watch the cluster (in-cluster service account, else KUBECONFIG or ~/.kube/config) for"
                    + " pod identities and NetworkPolicies: flows are enriched and judged, and established flows"
                    + " the policies deny become policy_violation anomalies. Readiness (gRPC health) stays down"
                    + " until the cluster is listed.")
    boolean kubernetes;

    @picocli.CommandLine.Mixin
    ServerTlsOptions tls = new ServerTlsOptions();

    /** The API server watched, as said to the user. */
    private String where = "";

    @Override
    public Integer call() throws Exception {
        AggregatorConfig config = new AggregatorConfig(HostPort.parse(listen, "--listen"), maxFlows, maxAnomalies, maxAge,
                tls.security(), metrics.equalsIgnoreCase("none") ? null : HostPort.parse(metrics, "--metrics"));
        KubernetesClient client = null;
        if (kubernetes) {
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
        AggregatorServer server = AggregatorServer.start(config, client);
        KubernetesClient owned = client;
        ScheduledExecutorService reporter = kubernetes ? reportIdentity(server) : null;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (reporter != null) {
                    reporter.shutdownNow();
                }
                server.close();
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
        server.awaitTermination();
        return 0;
    }

    static String describe(ServerSecurity s) {
        if (s.plaintext()) {
            return "PLAINTEXT: anyone who reaches this port can send flows and read them; see docs/security.md";
        }
        return "mutual TLS: agents need a client certificate, queries a client certificate"
                + (s.queryTokenFile() == null ? "" : " or the bearer token");
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
}
