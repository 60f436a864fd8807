package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.ManagedChannel;
import io.netwatch.agent.export.ClientTls;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.ingest.NodeTokens;
import io.netwatch.aggregator.security.ServerSecurity;
import io.netwatch.aggregator.security.ServerTls;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.query.v1.AgentInfo;
import io.netwatch.proto.query.v1.GetAgentsRequest;
import io.netwatch.proto.query.v1.GetFlowsRequest;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node token from end to end: {@code netwatch agent} with {@code tls.node_token_file}
 * replays the bundled capture to an aggregator with mutual TLS and
 * {@code ingest.agent_service_account}, over a real socket on loopback, and the aggregator
 * asks the API server whose token it is before it stores anything.
 *
 * <p>There is no API server here: fabric8's Kubernetes mock server stands in for it, in CRUD
 * mode (the aggregator's cluster watches and the agent's pod, read back as the API server
 * would) with one expectation for TokenReview. That one answers as Kubernetes does for a bound
 * service-account token: authenticated, the agents' service account, the pod and node the token
 * was issued for, for exactly the token in the agent's file (audience netwatch-aggregator), and
 * unauthenticated for any other. An agent whose hello names another node than its token's, or
 * whose token the API server does not know, is refused and stores nothing.
 */
@Timeout(120)
@EnableKubernetesMockClient(crud = true)
class NodeTokenEndToEndTest {
    static {
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
    }

    private static final String ACCOUNT = "netwatch:netwatch-agent";
    private static final String REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
    private static final String POD = "netwatch-agent-x7k2p";
    /** The node the agent's pod runs on, as the API server says. */
    private static final String NODE = "node-x";
    /** What the kubelet would have written in the agent's projected token file. */
    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.token-of-" + POD + "-on-" + NODE + ".c2lnbmF0dXJl";

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path tmp;

    private TestPki pki;
    private AggregatorServer aggregator;
    private String target;
    /** Each TokenReview the mock API server answered: the token it was asked about, and for which audiences. */
    private final List<String> reviewed = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        pki = new TestPki(tmp);
        // The mock server gives the pod its UID, as the API server does; the token names it.
        String podUid = client.pods().resource(new PodBuilder().withNewMetadata().withNamespace("netwatch")
                .withName(POD).endMetadata().withNewSpec().withNodeName(NODE).endSpec().build()).create()
                .getMetadata().getUid();
        server.expect().post().withPath(REVIEWS).andReply(201, request -> {
            TokenReview asked = client.getKubernetesSerialization().unmarshal(request.getBody().readUtf8(),
                    TokenReview.class);
            reviewed.add(asked.getSpec().getToken() + " for " + asked.getSpec().getAudiences());
            boolean known = TOKEN.equals(asked.getSpec().getToken())
                    && asked.getSpec().getAudiences().contains(NodeTokens.AUDIENCE);
            return known ? new TokenReviewBuilder().withNewStatus().withAuthenticated(true)
                    .withAudiences(NodeTokens.AUDIENCE).withNewUser()
                    .withUsername("system:serviceaccount:" + ACCOUNT)
                    .withExtra(Map.of("authentication.kubernetes.io/pod-name", List.of(POD),
                            "authentication.kubernetes.io/pod-uid", List.of(podUid),
                            "authentication.kubernetes.io/node-name", List.of(NODE)))
                    .endUser().endStatus().build()
                    // As kube-apiserver answers a token it does not know: not authenticated, and why.
                    : new TokenReviewBuilder().withNewStatus().withAuthenticated(false)
                    .withError("[invalid bearer token, square/go-jose: error in cryptographic primitive]").endStatus()
                    .build();
        }).always();
        ServerTls tls = new ServerTls(pki.crt("aggregator"), pki.key("aggregator"), pki.crt("ca"), Duration.ZERO);
        aggregator = AggregatorServer.start(AggregatorConfig.listenOn(new InetSocketAddress("127.0.0.1", 0))
                .withSecurity(new ServerSecurity(tls, null).withAgentServiceAccount(ACCOUNT)), client);
        target = "127.0.0.1:" + aggregator.port();
    }

    @AfterEach
    void stop() throws Exception {
        aggregator.close();
    }

    /** {@code netwatch agent} replaying the bundled capture as {@code node}, with mutual TLS and this token file. */
    private CliRun agent(String node, Path tokenFile, String... more) throws Exception {
        Path config = tmp.resolve("agent.yaml");
        Files.writeString(config, "tls:\n  node_token_file: \"" + tokenFile + "\"\n");
        List<String> args = new ArrayList<>(List.of("agent", "--pcap", Samples.demo().toString(),
                "--aggregator", target, "--node", node, "--metrics", "none", "--config", config.toString(),
                "--tls-ca", pki.crt("ca").toString(), "--tls-cert", pki.crt("agent").toString(),
                "--tls-key", pki.key("agent").toString()));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    private Path tokenFile(String token) throws Exception {
        Path file = tmp.resolve("token");
        Files.writeString(file, token + "\n");
        return file;
    }

    /** Every flow the query API returns, asked with the query certificate. */
    private List<Flow> storedFlows() throws Exception {
        ManagedChannel ch = queryChannel();
        try {
            List<Flow> flows = new ArrayList<>();
            QueryGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getFlows(GetFlowsRequest.getDefaultInstance()).forEachRemaining(r -> flows.add(r.getFlow()));
            return flows;
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Every agent the query API knows. */
    private List<AgentInfo> agents() throws Exception {
        ManagedChannel ch = queryChannel();
        try {
            return QueryGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getAgents(GetAgentsRequest.getDefaultInstance()).getAgentsList();
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private ManagedChannel queryChannel() {
        return new ClientTls(pki.crt("query"), pki.key("query"), pki.crt("ca"), null, Duration.ZERO)
                .channelBuilder(target, null).build();
    }

    private double refusedStreams() {
        return aggregator.meters().get("netwatch.ingest.streams.refused").functionCounter().count();
    }

    @Test
    void theAgentsTokenSaysItsNodeAndItsFlowsAreStoredUnderIt() throws Exception {
        // Acknowledged within a second here; 10 s (not the default 30) makes a refused agent fail sooner.
        CliRun run = agent(NODE, tokenFile(TOKEN), "--drain-timeout", "10s");
        assertEquals(0, run.code(), run.stdout() + run.stderr());
        assertTrue(run.stdout().contains("netwatch agent: node " + NODE + ", ") && run.stdout().contains("(mutual TLS)"),
                run.stdout());

        assertEquals(List.of(TOKEN + " for [" + NodeTokens.AUDIENCE + "]"), reviewed,
                "the aggregator asked the API server about the agent's token, once");
        List<Flow> flows = storedFlows();
        assertTrue(flows.size() > 200, "the demo capture's flows arrived: " + flows.size());
        assertTrue(flows.stream().allMatch(f -> f.getNodeName().equals(NODE)), "every flow is stored under " + NODE);
        assertTrue(run.stdout().contains(", " + flows.size() + " acknowledged, 0 dropped"), run.stdout());
        List<AgentInfo> agents = agents();
        assertEquals(1, agents.size(), agents.toString());
        assertEquals(NODE, agents.getFirst().getNodeName());
        assertEquals(flows.size(), agents.getFirst().getFlowsReceived());
        assertEquals(List.of(NODE), aggregator.store().anomalies().read(0, 10).entries().stream()
                .map(e -> e.value().getNodeName()).toList(), "the capture's port scan, under " + NODE + " too");
        assertEquals(0, refusedStreams());
    }

    /** What the agent's export stage logged (the aggregator, in this JVM, logs on the same stream). */
    private static List<String> exportLog(CliRun run) {
        return run.stderr().lines().filter(l -> l.contains("FlowStreamer - export: ")).toList();
    }

    /**
     * A refused agent stored nothing, the aggregator counted the refusal, and the agent exited 1
     * saying that the aggregator refused it and why (not that it had no answer).
     */
    private void assertRefused(CliRun run, String reason) throws Exception {
        assertEquals(1, run.code(), run.stdout() + run.stderr());
        assertTrue(run.stdout().contains(", 0 acknowledged, 0 dropped") && run.stdout().contains(
                "netwatch agent: the aggregator did not acknowledge "), run.stdout());
        assertTrue(run.stdout().contains("; it refused this agent: PERMISSION_DENIED: " + reason + "\n"), run.stdout());
        List<String> said = exportLog(run);
        assertTrue(!said.isEmpty() && said.getFirst().endsWith("export: the aggregator at " + target + " refused this agent"
                + " (PERMISSION_DENIED: " + reason + "); retrying, each wait longer up to export.reconnect_max"),
                run.stderr());
        assertTrue(said.stream().noneMatch(l -> l.contains("no answer")), run.stderr());
        assertEquals(List.of(), storedFlows());
        assertEquals(List.of(), agents());
        assertTrue(refusedStreams() >= 1, "the refused hellos are counted: " + refusedStreams());
    }

    @Test
    void anAgentNamingAnotherNodeThanItsTokensIsRefused() throws Exception {
        CliRun run = agent("node-y", tokenFile(TOKEN), "--drain-timeout", "2s");
        assertRefused(run, "the agent's token was issued on node " + NODE + ", and its hello names node node-y");
        assertEquals(List.of(TOKEN + " for [" + NodeTokens.AUDIENCE + "]"), reviewed,
                "the token was reviewed once, then its verdict kept for the agent's retries");
    }

    @Test
    void anAgentWhoseTokenTheApiServerRejectsIsRefused() throws Exception {
        String forged = "eyJhbGciOiJSUzI1NiJ9.a-token-the-api-server-never-issued.c2lnbmF0dXJl";
        CliRun run = agent(NODE, tokenFile(forged), "--drain-timeout", "2s");
        assertRefused(run, "the API server did not accept the agent's token ([invalid bearer token, square/go-jose:"
                + " error in cryptographic primitive])");
        assertEquals(List.of(forged + " for [" + NodeTokens.AUDIENCE + "]"), reviewed);
    }
}
