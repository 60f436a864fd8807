package io.netwatch.aggregator.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netwatch.aggregator.store.AgentRegistry;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.proto.ingest.v1.AgentMessage;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.Hello;
import io.netwatch.proto.ingest.v1.IngestGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * The agent's node against its pod token, with the API server's TokenReview answers served by
 * fabric8's mock server (there is no API server here; the answers are the shapes Kubernetes
 * documents for a bound service-account token).
 */
@EnableKubernetesMockClient
class NodeTokensTest {
    private static final String ACCOUNT = "netwatch:netwatch-agent";
    private static final String REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";

    KubernetesMockServer server;
    KubernetesClient client;
    private final AtomicLong clock = new AtomicLong(1_000);

    private static TokenReview answer(boolean authenticated, String user, Map<String, List<String>> extra) {
        return new TokenReviewBuilder().withNewStatus().withAuthenticated(authenticated)
                .withAudiences(NodeTokens.AUDIENCE).withNewUser().withUsername(user).withExtra(extra).endUser()
                .endStatus().build();
    }

    @Test
    void theReviewSaysWhichNodeATokenSpeaksFor() {
        BiFunction<String, String, String> podNode = (pod, ns) ->
                pod.equals("netwatch-agent-x7k2p") && ns.equals("netwatch") ? "node-b" : null;
        String agent = "system:serviceaccount:" + ACCOUNT;
        assertEquals("node-a", NodeTokens.judge(answer(true, agent, Map.of(NodeTokens.NODE_EXTRA, List.of("node-a"))),
                ACCOUNT, podNode, "netwatch", 0).node());
        assertEquals("node-b", NodeTokens.judge(answer(true, agent,
                Map.of(NodeTokens.POD_EXTRA, List.of("netwatch-agent-x7k2p"))), ACCOUNT, podNode, "netwatch", 0).node(),
                "before Kubernetes puts the node in the token: the pod's node");
        assertTrue(NodeTokens.judge(answer(false, "", Map.of()), ACCOUNT, podNode, "netwatch", 0).refusal()
                .startsWith("the API server did not accept the agent's token"));
        assertEquals("the token is system:serviceaccount:shop:default's, not the agents' service account "
                        + ACCOUNT, NodeTokens.judge(answer(true, "system:serviceaccount:shop:default",
                Map.of(NodeTokens.NODE_EXTRA, List.of("node-a"))), ACCOUNT, podNode, "netwatch", 0).refusal(),
                "any pod can ask for a token with this audience: only the agents' account counts");
        assertTrue(NodeTokens.judge(answer(true, agent, Map.of()), ACCOUNT, podNode, "netwatch", 0).refusal()
                .startsWith("the agent's token names no node or running pod"));
    }

    @Test
    void aHelloNamingAnotherNodeThanTheTokensIsRefused() throws Exception {
        // Found in a security review: every agent holds the same certificate, so root on one
        // node could say hello as any other, send flows in its name and take its block commands.
        server.expect().post().withPath(REVIEWS).andReturn(201, answer(true, "system:serviceaccount:" + ACCOUNT,
                Map.of(NodeTokens.NODE_EXTRA, List.of("node-a")))).always();
        NodeTokens tokens = new NodeTokens(client, ACCOUNT, clock::get);
        assertNull(tokens.refusal("token-of-node-a", "node-a"));
        assertEquals("the agent's token was issued on node node-a, and its hello names node node-b",
                tokens.refusal("token-of-node-a", "node-b"));
        assertTrue(tokens.refusal(null, "node-a").startsWith("the aggregator checks which node an agent runs on"));
        assertEquals(1, server.getRequestCount(), "one review per token, kept for its reconnects");
        clock.addAndGet(NodeTokens.REMEMBER_MILLIS);
        assertNull(tokens.refusal("token-of-node-a", "node-a"));
        assertEquals(2, server.getRequestCount(), "asked again once the verdict is old");

        // Over gRPC, as the aggregator serves ingest.
        IngestService ingest = new IngestService(new FlowStore(100, 100, Duration.ofHours(1)), new AgentRegistry(),
                clock::get);
        ingest.checkNodes(tokens);
        String name = "node-tokens-" + System.nanoTime();
        Server grpc = InProcessServerBuilder.forName(name)
                .addService(ServerInterceptors.intercept(ingest, IngestService.peerInterceptor())).build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        try {
            Status impostor = hello(channel, "token-of-node-a", "node-b");
            assertEquals(Status.Code.PERMISSION_DENIED, impostor.getCode(), impostor.toString());
            assertEquals("the agent's token was issued on node node-a, and its hello names node node-b",
                    impostor.getDescription());
            assertEquals(Status.Code.OK, hello(channel, "token-of-node-a", "node-a").getCode());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** How a stream that sends {@code token}, says hello as {@code node} and closes ends. */
    private static Status hello(ManagedChannel channel, String token, String node) throws Exception {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of(NodeTokens.HEADER, Metadata.ASCII_STRING_MARSHALLER), token);
        CompletableFuture<Status> end = new CompletableFuture<>();
        StreamObserver<AgentMessage> out = IngestGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .connect(new StreamObserver<AggregatorMessage>() {
                    @Override
                    public void onNext(AggregatorMessage m) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        end.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        end.complete(Status.OK);
                    }
                });
        out.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setNodeName(node).setBootId("b")).build());
        // Taken in order: a refused hello fails the stream; one let in ends it OK at this close.
        out.onCompleted();
        return end.get(10, TimeUnit.SECONDS);
    }
}
