package io.netwatch.aggregator.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netwatch.aggregator.RecordingObserver;
import io.netwatch.aggregator.store.AgentRegistry;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.ingest.v1.AgentMessage;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.AnomalyBatch;
import io.netwatch.proto.ingest.v1.Hello;
import io.netwatch.proto.ingest.v1.IngestGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
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
    /** Where the API server serves the agent pod the tests' tokens are issued for. */
    private static final String AGENT_POD = "/api/v1/namespaces/netwatch/pods/netwatch-agent-x7k2p";
    private static final String JUNK_REFUSAL =
            "the API server did not accept the agent's token ([invalid bearer token, token lookup failed])";

    KubernetesMockServer server;
    KubernetesClient client;
    private final AtomicLong clock = new AtomicLong(1_000);

    private static TokenReview answer(boolean authenticated, String user, Map<String, List<String>> extra) {
        return new TokenReviewBuilder().withNewStatus().withAuthenticated(authenticated)
                .withAudiences(NodeTokens.AUDIENCE).withNewUser().withUsername(user).withExtra(extra).endUser()
                .endStatus().build();
    }

    private static Pod pod(String name, String uid, String node) {
        return new PodBuilder().withNewMetadata().withNamespace("netwatch").withName(name).withUid(uid).endMetadata()
                .withNewSpec().withNodeName(node).endSpec().build();
    }

    /** Every TokenReview answers: an agents' token, issued for the pod netwatch-agent-x7k2p (uid-1) on node-a. */
    private void acceptsTheAgentsToken() {
        server.expect().post().withPath(REVIEWS).andReturn(201, answer(true, "system:serviceaccount:" + ACCOUNT,
                boundTo("netwatch-agent-x7k2p", "node-a"))).always();
    }

    /** The extras of a token issued for the agent pod {@code name} (uid-1) on {@code node}. */
    private static Map<String, List<String>> boundTo(String name, String node) {
        return Map.of(NodeTokens.POD_EXTRA, List.of(name), NodeTokens.POD_UID_EXTRA, List.of("uid-1"),
                NodeTokens.NODE_EXTRA, List.of(node));
    }

    @Test
    void theReviewAndThePodSayWhichNodeATokenSpeaksFor() {
        Function<String, Pod> pods = name -> name.equals("netwatch-agent-x7k2p")
                ? pod(name, "uid-1", "node-a") : null;
        String agent = "system:serviceaccount:" + ACCOUNT;
        assertEquals("node-a", NodeTokens.judge(answer(true, agent, boundTo("netwatch-agent-x7k2p", "node-a")),
                ACCOUNT, pods, 0).node());
        assertEquals("node-a", NodeTokens.judge(answer(true, agent, Map.of(NodeTokens.POD_EXTRA,
                List.of("netwatch-agent-x7k2p"))), ACCOUNT, pods, 0).node(), "before tokens named their node");
        assertEquals("the API server did not accept the agent's token",
                NodeTokens.judge(answer(false, "", Map.of()), ACCOUNT, pods, 0).refusal());
        assertEquals("the token is system:serviceaccount:shop:default's, not the agents' service account "
                        + ACCOUNT, NodeTokens.judge(answer(true, "system:serviceaccount:shop:default",
                boundTo("netwatch-agent-x7k2p", "node-a")), ACCOUNT, pods, 0).refusal(),
                "any pod can ask for a token with this audience: only the agents' account counts");
        // Found in review: a token bound to a Node object (kubectl create token --bound-object-kind
        // Node) named a node and no pod, and was taken for that node's agent.
        assertTrue(NodeTokens.judge(answer(true, agent, Map.of(NodeTokens.NODE_EXTRA, List.of("node-a"))), ACCOUNT,
                pods, 0).refusal().startsWith("the agent's token is bound to no pod"));
        assertTrue(NodeTokens.judge(answer(true, agent, Map.of(NodeTokens.POD_EXTRA, List.of("netwatch-agent-x7k2p"),
                NodeTokens.POD_UID_EXTRA, List.of("uid-of-a-deleted-pod"))), ACCOUNT, pods, 0).refusal()
                .contains("is gone"), "a pod of the same name made again is not the token's");
        assertTrue(NodeTokens.judge(answer(true, agent, boundTo("netwatch-agent-x7k2p", "node-b")), ACCOUNT, pods, 0)
                .refusal().contains("runs on no node the token agrees with"));
        // Found in review: an API server that ignores the audience answers none, and its own
        // tokens (audience: the API server) would have passed.
        TokenReview noAudience = answer(true, agent, boundTo("netwatch-agent-x7k2p", "node-a"));
        noAudience.getStatus().setAudiences(List.of());
        assertEquals("the agent's token is not for audience netwatch-aggregator",
                NodeTokens.judge(noAudience, ACCOUNT, pods, 0).refusal());
        // Found in review: the API server fills in the error of every token it turns down, and
        // those were taken for reviews it could not make (UNAVAILABLE, and asked again and again).
        TokenReview expired = answer(false, "", Map.of());
        expired.getStatus().setError("[invalid bearer token, service account token has expired]");
        assertEquals("the API server did not accept the agent's token ([invalid bearer token, service account token"
                + " has expired])", NodeTokens.judge(expired, ACCOUNT, pods, 0).refusal());
    }

    @Test
    void aHelloNamingAnotherNodeThanTheTokensIsRefused() throws Exception {
        // Found in a security review: every agent holds the same certificate, so root on one
        // node could say hello as any other, send flows in its name and take its block commands.
        acceptsTheAgentsToken();
        server.expect().get().withPath(AGENT_POD)
                .andReturn(200, pod("netwatch-agent-x7k2p", "uid-1", "node-a")).always();
        NodeTokens tokens = new NodeTokens(client, ACCOUNT, clock::get);
        assertNull(tokens.check("token-of-node-a", "node-a").refusal());
        RecordedRequest review = server.takeRequest(5, TimeUnit.SECONDS);
        String body = review.getBody().readUtf8();
        assertTrue(body.contains("\"token\":\"token-of-node-a\"") && body.contains("\"audiences\":[\""
                + NodeTokens.AUDIENCE + "\"]"), body);
        assertEquals("the agent's token was issued on node node-a, and its hello names node node-b",
                tokens.check("token-of-node-a", "node-b").refusal());
        assertTrue(tokens.check(null, "node-a").refusal().startsWith("the aggregator checks which node an agent runs on"));
        assertEquals(2, server.getRequestCount(), "one review and one pod read per token, kept for its reconnects");
        clock.addAndGet(NodeTokens.REMEMBER_MILLIS);
        assertNull(tokens.check("token-of-node-a", "node-a").refusal());
        assertEquals(4, server.getRequestCount(), "asked again once the verdict is old");

        // Over gRPC, as the aggregator serves ingest: the hello is checked, and the records of
        // the stream are its node's, whatever they say.
        FlowStore store = new FlowStore(100, 100, Duration.ofHours(1));
        IngestService ingest = new IngestService(store, new AgentRegistry(), clock::get);
        ingest.checkNodes(tokens);
        serve(ingest, channel -> {
            Status impostor = hello(channel, "token-of-node-a", "node-b", null);
            assertEquals(Status.Code.PERMISSION_DENIED, impostor.getCode(), impostor.toString());
            assertEquals("the agent's token was issued on node node-a, and its hello names node node-b",
                    impostor.getDescription());
            Anomaly forged = Anomaly.newBuilder().setId("x").setAnomalyType("port_scan").setNodeName("node-b")
                    .build();
            assertEquals(Status.Code.OK, hello(channel, "token-of-node-a", "node-a", forged).getCode());
            assertEquals(List.of("node-a"), store.anomalies().read(0, 10).entries().stream()
                    .map(e -> e.value().getNodeName()).toList(), "an anomaly naming another node is the stream's");
        });
    }

    @Test
    void streamsWithAJunkTokenEachCannotFloodTheApiServer() {
        TokenReview junk = answer(false, "", Map.of());
        junk.getStatus().setError("[invalid bearer token, token lookup failed]");
        server.expect().post().withPath(REVIEWS).andReturn(201, junk).always();
        NodeTokens tokens = new NodeTokens(client, ACCOUNT, clock::get);
        for (int i = 0; i < NodeTokens.MAX_REVIEWS_PER_SECOND; i++) {
            assertEquals(JUNK_REFUSAL, tokens.check("junk-" + i, "node-a").refusal());
        }
        assertThrows(NodeTokens.Unavailable.class, () -> tokens.check("junk-more", "node-a").refusal());
        assertEquals(NodeTokens.MAX_REVIEWS_PER_SECOND, server.getRequestCount());
        clock.addAndGet(1_000);
        assertEquals(JUNK_REFUSAL, tokens.check("junk-more", "node-a").refusal(),
                "the next second, reviews again");
    }

    @Test
    void anApiServerThatCannotAnswerIsUnavailableNotARefusal() {
        server.expect().post().withPath(REVIEWS).andReturn(500, "etcd is down").always();
        NodeTokens tokens = new NodeTokens(new KubernetesClientBuilder().withConfig(new ConfigBuilder(
                client.getConfiguration()).withRequestRetryBackoffLimit(0).build()).build(), ACCOUNT, clock::get);
        assertThrows(NodeTokens.Unavailable.class, () -> tokens.check("token-of-node-a", "node-a").refusal());
        assertThrows(NodeTokens.Unavailable.class, () -> tokens.check("token-of-node-a", "node-a").refusal(),
                "asked again, not remembered as a refusal");
    }

    /** An agent stream kept open: messages go out one at a time, its acknowledgements and its end are watched. */
    private static final class OpenStream {
        final java.util.concurrent.LinkedBlockingQueue<Long> acks = new java.util.concurrent.LinkedBlockingQueue<>();
        final CompletableFuture<Status> end;
        final StreamObserver<AgentMessage> out;

        OpenStream(ManagedChannel channel, String token, String node) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of(NodeTokens.HEADER, Metadata.ASCII_STRING_MARSHALLER), token);
            RecordingObserver<AggregatorMessage> replies = new RecordingObserver<>() {
                @Override
                public void onNext(AggregatorMessage m) {
                    if (m.hasAck()) {
                        acks.add(m.getAck().getSequence());
                    }
                }
            };
            end = replies.closed;
            out = IngestGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .connect(replies);
            out.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setNodeName(node).setBootId("b")).build());
        }

        /** Sends a batch of one anomaly; true when it was acknowledged, false when the stream ended instead. */
        boolean send(long sequence) throws Exception {
            out.onNext(AgentMessage.newBuilder().setAnomalies(AnomalyBatch.newBuilder().setSequence(sequence)
                    .addAnomalies(Anomaly.newBuilder().setId("a" + sequence).setAnomalyType("port_scan"))).build());
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); System.nanoTime() < deadline; ) {
                Long ack = acks.poll(10, TimeUnit.MILLISECONDS);
                if (ack != null && ack == sequence) {
                    return true;
                }
                if (end.isDone()) {
                    return false;
                }
            }
            throw new AssertionError("batch " + sequence + " was neither acknowledged nor did the stream end");
        }
    }

    /** Serves {@code ingest} in process for {@code body}. */
    private static void serve(IngestService ingest, ChannelUse body) throws Exception {
        String name = "node-tokens-" + System.nanoTime();
        Server grpc = InProcessServerBuilder.forName(name)
                .addService(ServerInterceptors.intercept(ingest, IngestService.peerInterceptor())).build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        try {
            body.use(channel);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private interface ChannelUse {
        void use(ManagedChannel channel) throws Exception;
    }

    /** Waits until {@code ingest} has read open streams' pods {@code n} times in all. */
    private static void awaitRechecks(IngestService ingest, long n) throws InterruptedException {
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); System.nanoTime() < deadline; ) {
            if (ingest.streamsRechecked() >= n) {
                assertEquals(n, ingest.streamsRechecked());
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the pod was read again " + ingest.streamsRechecked() + " times, not " + n);
    }

    /**
     * The agents' token accepted, its pod read once as it was; after that the DaemonSet made a
     * pod of the same name again: another pod, whose UID the token does not name.
     */
    private void acceptsTheAgentsTokenThenReplacesItsPod() {
        acceptsTheAgentsToken();
        server.expect().get().withPath(AGENT_POD)
                .andReturn(200, pod("netwatch-agent-x7k2p", "uid-1", "node-a")).once();
        server.expect().get().withPath(AGENT_POD)
                .andReturn(200, pod("netwatch-agent-x7k2p", "uid-2", "node-a")).always();
    }

    @Test
    void anOpenStreamWhosePodIsGoneIsEndedAtItsNextMessageAfterFiveMinutes() throws Exception {
        // Found in review: the verdict a stream began with held as long as the stream, for days,
        // after its pod was deleted.
        acceptsTheAgentsTokenThenReplacesItsPod();
        FlowStore store = new FlowStore(100, 100, Duration.ofHours(1));
        AgentRegistry registry = new AgentRegistry();
        IngestService ingest = new IngestService(store, registry, clock::get);
        ingest.checkNodes(new NodeTokens(client, ACCOUNT, clock::get));
        serve(ingest, channel -> {
            OpenStream agent = new OpenStream(channel, "token-of-node-a", "node-a");
            assertTrue(agent.send(1));
            clock.addAndGet(IngestService.RECHECK_MILLIS - 1);
            assertTrue(agent.send(2), "the verdict holds for five minutes");
            assertEquals(2, server.getRequestCount(), "one review and one pod read so far");
            assertEquals(0, ingest.streamsRechecked());
            clock.addAndGet(1);
            agent.send(3); // its answer races the read of the pod, which is off the stream's thread
            Status end = agent.end.get(10, TimeUnit.SECONDS);
            assertEquals(Status.Code.PERMISSION_DENIED, end.getCode(), end.toString());
            assertEquals("the pod the agent's token was issued for (netwatch-agent-x7k2p) is gone; this stream no"
                    + " longer speaks for node node-a", end.getDescription());
        });
        assertEquals(3, server.getRequestCount(), "the pod read again, the token not reviewed again");
        assertEquals(1, ingest.streamsRevoked());
        // The node is disconnected before the stream is ended: once the agent has the end, it is gone.
        assertEquals(0, registry.connectedAgents());
        assertTrue(store.anomalies().read(0, 10).entries().size() >= 2);
    }

    @Test
    void aSilentStreamWhosePodIsGoneIsEndedByTheSweepWithoutAMessage() throws Exception {
        // Found in review: a stream that sends nothing was never read again, and it still
        // receives the cluster's identities and the aggregator's commands.
        acceptsTheAgentsTokenThenReplacesItsPod();
        IngestService ingest = new IngestService(new FlowStore(100, 100, Duration.ofHours(1)), new AgentRegistry(),
                clock::get);
        ingest.checkNodes(new NodeTokens(client, ACCOUNT, clock::get));
        serve(ingest, channel -> {
            OpenStream agent = new OpenStream(channel, "token-of-node-a", "node-a");
            assertTrue(agent.send(1));
            clock.addAndGet(IngestService.RECHECK_MILLIS - 1);
            ingest.recheckSilentStreams();
            assertEquals(2, server.getRequestCount(), "not due yet: one review and one pod read so far");
            clock.addAndGet(1);
            ingest.recheckSilentStreams();
            Status end = agent.end.get(10, TimeUnit.SECONDS);
            assertEquals(Status.Code.PERMISSION_DENIED, end.getCode(), end.toString());
            assertTrue(end.getDescription().endsWith("this stream no longer speaks for node node-a"),
                    end.getDescription());
        });
        assertEquals(1, ingest.streamsRechecked());
        assertEquals(1, ingest.streamsRevoked());
    }

    @Test
    void anOpenStreamWhosePodIsThereGoesOnAndAnApiServerDownLeavesItOpen() throws Exception {
        acceptsTheAgentsToken();
        server.expect().get().withPath(AGENT_POD)
                .andReturn(200, pod("netwatch-agent-x7k2p", "uid-1", "node-a")).times(2);
        server.expect().get().withPath(AGENT_POD)
                .andReturn(500, "etcd is down").always();
        FlowStore store = new FlowStore(100, 100, Duration.ofHours(1));
        IngestService ingest = new IngestService(store, new AgentRegistry(), clock::get);
        ingest.checkNodes(new NodeTokens(new KubernetesClientBuilder().withConfig(new ConfigBuilder(
                client.getConfiguration()).withRequestRetryBackoffLimit(0).build()).build(), ACCOUNT, clock::get));
        serve(ingest, channel -> {
            OpenStream agent = new OpenStream(channel, "token-of-node-a", "node-a");
            assertTrue(agent.send(1));
            clock.addAndGet(IngestService.RECHECK_MILLIS);
            assertTrue(agent.send(2));
            awaitRechecks(ingest, 1);
            assertEquals(3, server.getRequestCount(), "the pod read again");
            assertTrue(agent.send(3), "the pod is there: the stream goes on");
            clock.addAndGet(IngestService.RECHECK_MILLIS);
            assertTrue(agent.send(4));
            awaitRechecks(ingest, 2);
            assertEquals(4, server.getRequestCount());
            assertTrue(agent.send(5), "an API server that cannot answer does not end the stream");
            clock.addAndGet(IngestService.RECHECK_RETRY_MILLIS - 1);
            assertTrue(agent.send(6));
            Thread.sleep(200);
            assertEquals(2, ingest.streamsRechecked(), "not asked again at every message");
            clock.addAndGet(1);
            assertTrue(agent.send(7));
            awaitRechecks(ingest, 3);
            assertEquals(5, server.getRequestCount(), "asked again ten seconds later");
            agent.out.onCompleted();
            assertEquals(Status.Code.OK, agent.end.get(10, TimeUnit.SECONDS).getCode());
        });
        assertEquals(7, store.anomalies().read(0, 10).entries().size());
        assertEquals(0, ingest.streamsRevoked());
    }

    /** How a stream that sends {@code token}, says hello as {@code node}, sends {@code anomaly} (if any) and closes ends. */
    private static Status hello(ManagedChannel channel, String token, String node, Anomaly anomaly) throws Exception {
        OpenStream agent = new OpenStream(channel, token, node);
        if (anomaly != null) {
            agent.out.onNext(AgentMessage.newBuilder().setAnomalies(AnomalyBatch.newBuilder().setSequence(1)
                    .addAnomalies(anomaly)).build());
        }
        // Taken in order: a refused hello fails the stream; one let in ends it OK at this close.
        agent.out.onCompleted();
        return agent.end.get(10, TimeUnit.SECONDS);
    }
}
