package io.netwatch.aggregator.query;

import static io.netwatch.aggregator.FlowFixtures.endpoint;
import static io.netwatch.aggregator.FlowFixtures.flow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.grpc.ForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.netwatch.aggregator.RecordingObserver;
import io.netwatch.aggregator.ingest.IngestService;
import io.netwatch.aggregator.store.AgentRegistry;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.LossCounter;
import io.netwatch.proto.flow.v1.LossReason;
import io.netwatch.proto.flow.v1.LossReport;
import io.netwatch.proto.flow.v1.PolicyDecision;
import io.netwatch.proto.flow.v1.PolicyVerdict;
import io.netwatch.proto.flow.v1.Workload;
import io.netwatch.proto.ingest.v1.AgentMessage;
import io.netwatch.proto.ingest.v1.AgentStatus;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.FlowBatch;
import io.netwatch.proto.ingest.v1.Hello;
import io.netwatch.proto.ingest.v1.IngestGrpc;
import io.netwatch.proto.query.v1.AgentInfo;
import io.netwatch.proto.query.v1.FlowFilter;
import io.netwatch.proto.query.v1.GetAgentsRequest;
import io.netwatch.proto.query.v1.GetAgentsResponse;
import io.netwatch.proto.query.v1.GetAnomaliesRequest;
import io.netwatch.proto.query.v1.GetAnomaliesResponse;
import io.netwatch.proto.query.v1.GetFlowsRequest;
import io.netwatch.proto.query.v1.GetFlowsResponse;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class QueryServiceTest {
    private static final long WAIT_SECONDS = 5;
    /** Time the fixture flows were stored, ms since the epoch. */
    private static final long STORED_MILLIS = 1_700_000_000_000L;

    /*
     * Six flows, each picked out by a different filter:
     *   1 node-a 10.0.0.1:40000      -> 10.0.0.2:80      TCP    1000-1010  shop/web-1 -> shop/db-0
     *   2 node-a 10.0.1.5:5353       -> 192.168.1.1:53   UDP    1020-1030  kube-system/coredns-x
     *   3 node-b fd00::1:44444       -> fd00::2:443      TCP    1040-1050  -> payments/api-7
     *   4 node-b fd00:1::5           -> 2001:db8::1      ICMPv6 1060-1070
     *   5 node-c 192.168.1.1:22      -> 10.0.0.1:51000   TCP    1005-1100
     *   6 node-a 172.16.0.9:123      -> 10.0.0.2:123     UDP    1200-1210  shop/web-2
     */
    private static final List<Flow> FIXTURE = List.of(
            flow(1, "node-a", endpoint("10.0.0.1", 40000, "shop", "web-1"), endpoint("10.0.0.2", 80, "shop", "db-0"),
                    6, 1000, 1010),
            flow(2, "node-a", endpoint("10.0.1.5", 5353, "kube-system", "coredns-x"), endpoint("192.168.1.1", 53),
                    17, 1020, 1030),
            flow(3, "node-b", endpoint("fd00::1", 44444), endpoint("fd00::2", 443, "payments", "api-7"),
                    6, 1040, 1050),
            flow(4, "node-b", endpoint("fd00:1::5", 0), endpoint("2001:db8::1", 0), 58, 1060, 1070),
            flow(5, "node-c", endpoint("192.168.1.1", 22), endpoint("10.0.0.1", 51000), 6, 1005, 1100),
            flow(6, "node-a", endpoint("172.16.0.9", 123, "shop", "web-2"), endpoint("10.0.0.2", 123),
                    17, 1200, 1210));

    private final AtomicLong clock = new AtomicLong(STORED_MILLIS);
    private Harness h;

    /** An in-process server carrying query and ingest over one store, and a channel to it. */
    private final class Harness implements AutoCloseable {
        final FlowStore store;
        final AgentRegistry registry = new AgentRegistry();
        final ReaderProbe probe = new ReaderProbe();
        final Server server;
        final ManagedChannel channel;

        Harness(int maxFlows) throws IOException {
            store = new FlowStore(maxFlows, 100, Duration.ofHours(1));
            String name = InProcessServerBuilder.generateName();
            server = InProcessServerBuilder.forName(name)
                    .directExecutor()
                    .addService(ServerInterceptors.intercept(new QueryService(store, registry), probe))
                    .addService(new IngestService(store, registry, clock::get))
                    .build()
                    .start();
            channel = InProcessChannelBuilder.forName(name).build();
        }

        QueryGrpc.QueryBlockingStub blocking() {
            return QueryGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        QueryGrpc.QueryStub async() {
            return QueryGrpc.newStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        }

        void append(Flow f) {
            store.flows().append(f, clock.get());
        }

        @Override
        public void close() throws InterruptedException {
            channel.shutdownNow();
            channel.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
            server.shutdown();
            if (!server.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    /** Sees, on the server side, which thread sends a query's responses and how the call closes. */
    private static final class ReaderProbe implements ServerInterceptor {
        final AtomicReference<Thread> sender = new AtomicReference<>();
        final List<Status> closes = new CopyOnWriteArrayList<>();

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                           ServerCallHandler<Q, R> next) {
            return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void sendMessage(R message) {
                    sender.compareAndSet(null, Thread.currentThread());
                    super.sendMessage(message);
                }

                @Override
                public void close(Status status, Metadata trailers) {
                    closes.add(status);
                    super.close(status, trailers);
                }
            }, headers);
        }
    }

    /** A streaming query's responses as they arrive, with client-side flow control. */
    private static final class Follower<T> extends RecordingObserver<T> implements ClientResponseObserver<Object, T> {
        final int initialRequest;
        volatile ClientCallStreamObserver<Object> call;

        /** @param initialRequest responses requested up front; negative for automatic flow control */
        Follower(int initialRequest) {
            this.initialRequest = initialRequest;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<Object> requestStream) {
            call = requestStream;
            if (initialRequest >= 0) {
                requestStream.disableAutoRequestWithInitial(initialRequest);
            }
        }

        T next() throws InterruptedException {
            T value = received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(value, "nothing received within " + WAIT_SECONDS + " s; closed: " + closed.getNow(null));
            return value;
        }
    }

    @BeforeEach
    void start() throws IOException {
        h = new Harness(100);
        FIXTURE.forEach(h::append);
    }

    @AfterEach
    void stop() throws InterruptedException {
        h.close();
    }

    private static List<Long> ids(Iterator<GetFlowsResponse> responses) {
        List<Long> out = new ArrayList<>();
        responses.forEachRemaining(r -> out.add(r.getFlow().getFlowId()));
        return out;
    }

    private List<Long> query(GetFlowsRequest request) {
        return ids(h.blocking().getFlows(request));
    }

    private List<Long> filtered(UnaryOperator<FlowFilter.Builder> filter) {
        return query(GetFlowsRequest.newBuilder().setFilter(filter.apply(FlowFilter.newBuilder())).build());
    }

    private static Timestamp seconds(long s) {
        return Timestamps.fromSeconds(s);
    }

    @Test
    void emptyFilterReturnsEveryStoredFlowOldestFirst() {
        List<GetFlowsResponse> all = new ArrayList<>();
        h.blocking().getFlows(GetFlowsRequest.getDefaultInstance()).forEachRemaining(all::add);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), all.stream().map(r -> r.getFlow().getFlowId()).toList());
        assertEquals(FIXTURE, all.stream().map(GetFlowsResponse::getFlow).toList());
        assertTrue(all.stream().allMatch(r -> r.getReceived().equals(Timestamps.fromMillis(STORED_MILLIS))));
        assertTrue(all.stream().allMatch(r -> r.getLostBefore() == 0));
    }

    @Test
    void ipMatchesEitherEndpointExactlyOrByPrefix() {
        assertEquals(List.of(1L, 5L), filtered(f -> f.addIp("10.0.0.1")));
        assertEquals(List.of(1L, 2L, 5L, 6L), filtered(f -> f.addIp("10.0.0.0/8")));
        assertEquals(List.of(1L, 5L, 6L), filtered(f -> f.addIp("10.0.0.0/24")));
        // Not on a byte boundary: 192.168.0.0/23 holds 192.168.0.x and 192.168.1.x.
        assertEquals(List.of(2L, 5L), filtered(f -> f.addIp("192.168.0.0/23")));
        assertEquals(List.of(), filtered(f -> f.addIp("192.168.2.0/23")));
        // Several values are ORed.
        assertEquals(List.of(2L, 5L, 6L), filtered(f -> f.addIp("172.16.0.9").addIp("192.168.1.1")));
    }

    @Test
    void ipv6ExactAndPrefixMatchOnlyIpv6Flows() {
        assertEquals(List.of(3L), filtered(f -> f.addIp("fd00::2")));
        // Written in a different but equal form.
        assertEquals(List.of(3L), filtered(f -> f.addIp("FD00:0:0:0:0:0:0:2")));
        assertEquals(List.of(3L, 4L), filtered(f -> f.addIp("fd00::/16")));
        assertEquals(List.of(3L), filtered(f -> f.addIp("fd00::/32")));
        assertEquals(List.of(4L), filtered(f -> f.addIp("2001:db8::/32")));
        // A prefix of one family never matches addresses of the other.
        assertEquals(List.of(3L, 4L), filtered(f -> f.addIp("::/0")));
        assertEquals(List.of(1L, 2L, 5L, 6L), filtered(f -> f.addIp("0.0.0.0/0")));
    }

    @Test
    void sourceAndDestinationIpMatchOnlyTheirSide() {
        assertEquals(List.of(1L), filtered(f -> f.addSourceIp("10.0.0.1")));
        assertEquals(List.of(5L), filtered(f -> f.addDestinationIp("10.0.0.1")));
        assertEquals(List.of(1L, 3L, 6L), filtered(f -> f.addDestinationIp("10.0.0.2").addDestinationIp("fd00::2")));
        assertEquals(List.of(1L, 2L), filtered(f -> f.addSourceIp("10.0.0.0/23")));
        assertEquals(List.of(1L), filtered(f -> f.addSourceIp("10.0.0.0/8").addDestinationIp("10.0.0.2/32")
                .addPort(80)));
    }

    @Test
    void portMatchesEitherEndpoint() {
        assertEquals(List.of(2L), filtered(f -> f.addPort(53)));
        assertEquals(List.of(2L), filtered(f -> f.addPort(5353)));
        assertEquals(List.of(6L), filtered(f -> f.addPort(123)));
        assertEquals(List.of(1L, 3L), filtered(f -> f.addPort(80).addPort(443)));
        assertEquals(List.of(5L), filtered(f -> f.addPort(22)));
        assertEquals(List.of(), filtered(f -> f.addPort(8080)));
    }

    @Test
    void ipProtocolNodeNamespaceAndPod() {
        assertEquals(List.of(2L, 6L), filtered(f -> f.addIpProtocol(17)));
        assertEquals(List.of(4L), filtered(f -> f.addIpProtocol(58)));
        assertEquals(List.of(3L, 4L), filtered(f -> f.addNodeName("node-b")));
        assertEquals(List.of(3L, 4L, 5L), filtered(f -> f.addNodeName("node-b").addNodeName("node-c")));
        assertEquals(List.of(1L, 6L), filtered(f -> f.addNamespace("shop")));
        // The destination's namespace counts too.
        assertEquals(List.of(3L), filtered(f -> f.addNamespace("payments")));
        assertEquals(List.of(1L), filtered(f -> f.addPod("db-0")));
        assertEquals(List.of(2L, 3L), filtered(f -> f.addPod("coredns-x").addPod("api-7")));
        // Conditions are ANDed.
        assertEquals(List.of(1L), filtered(f -> f.addNodeName("node-a").addIpProtocol(6)));
        assertEquals(List.of(6L), filtered(f -> f.addNamespace("shop").addIpProtocol(17)));
        assertEquals(List.of(), filtered(f -> f.addNodeName("node-b").addIpProtocol(17)));
    }

    /** An endpoint with pod labels, or (no namespace) with the DNS name it is known by. */
    private static Endpoint labelled(String ip, int port, String namespace, Map<String, String> labels) {
        return endpoint(ip, port, namespace, "p-" + ip).toBuilder()
                .setWorkload(endpoint(ip, port, namespace, "p-" + ip).getWorkload().toBuilder().putAllLabels(labels))
                .build();
    }

    private static Endpoint named(String ip, int port, String name) {
        return endpoint(ip, port).toBuilder().setWorkload(Workload.newBuilder().setExternalName(name)).build();
    }

    @Test
    void verdictApplicationProtocolLabelsAndNamesAsHubbleFiltersThem() {
        h.append(flow(11, "node-a", labelled("10.0.5.1", 40000, "shop", Map.of("app", "web", "tier", "front")),
                named("203.0.113.7", 443, "api.Example.com."), 6, 1300, 1310).toBuilder().setAppProto("tls")
                .setPolicy(PolicyVerdict.newBuilder().setDecision(PolicyDecision.POLICY_DECISION_DENIED)).build());
        h.append(flow(12, "node-a", labelled("10.0.5.2", 40001, "shop", Map.of("app", "web", "tier", "back")),
                labelled("10.0.5.3", 80, "shop", Map.of("app", "db")), 6, 1300, 1310).toBuilder().setAppProto("http")
                .setPolicy(PolicyVerdict.newBuilder().setDecision(PolicyDecision.POLICY_DECISION_ALLOWED)).build());
        h.append(flow(13, "node-a", labelled("10.0.5.4", 40002, "shop", Map.of()), named("198.51.100.1", 53,
                "example.com"), 17, 1300, 1310).toBuilder().setAppProto("dns").build());
        assertEquals(List.of(11L), filtered(f -> f.addVerdict(PolicyDecision.POLICY_DECISION_DENIED)));
        assertEquals(List.of(11L, 12L), filtered(f -> f.addVerdict(PolicyDecision.POLICY_DECISION_DENIED)
                .addVerdict(PolicyDecision.POLICY_DECISION_ALLOWED)));
        // The fixture's flows were not judged: unknown.
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 13L),
                filtered(f -> f.addVerdict(PolicyDecision.POLICY_DECISION_UNKNOWN)));
        assertEquals(List.of(12L, 13L), filtered(f -> f.addAppProto("http").addAppProto("dns")));
        // Every term of one selector on one pod; either endpoint; selectors ORed.
        assertEquals(List.of(11L, 12L), filtered(f -> f.addLabel("app=web")));
        assertEquals(List.of(11L), filtered(f -> f.addLabel("app=web, tier=front")));
        assertEquals(List.of(), filtered(f -> f.addLabel("app=db,tier=back")));
        assertEquals(List.of(11L, 12L), filtered(f -> f.addLabel("tier")));
        assertEquals(List.of(11L, 12L), filtered(f -> f.addLabel("tier=front").addLabel("app=db")));
        // Names without case or trailing dot; a wildcard for the names below a zone, not the zone.
        assertEquals(List.of(11L), filtered(f -> f.addFqdn("API.example.com")));
        assertEquals(List.of(11L), filtered(f -> f.addFqdn("*.example.com")));
        assertEquals(List.of(11L, 13L), filtered(f -> f.addFqdn("*.example.com").addFqdn("example.com.")));
        assertEquals(List.of(11L), filtered(f -> f.addFqdn("*.example.com").addAppProto("tls")
                .addVerdict(PolicyDecision.POLICY_DECISION_DENIED)));
        assertRejected(FlowFilter.newBuilder().addLabel("app!=web").build(), "app!=web");
        assertRejected(FlowFilter.newBuilder().addLabel("app=web,,tier").build(), "app=web,,tier");
        assertRejected(FlowFilter.newBuilder().addFqdn("api..*.com").build(), "api..*.com");
        assertRejected(FlowFilter.newBuilder().addFqdn("").build(), "fqdn");
        assertRejected(FlowFilter.newBuilder().addAppProto("").build(), "app_proto");
        assertRejected(FlowFilter.newBuilder().addVerdictValue(7).build(), "verdict: 7");
    }

    /**
     * Found in review: selectors Kubernetes reads otherwise were taken and matched wrongly,
     * unsaid ("app==web" as the value "=web", "!app" as a key named so, a key given twice as
     * its last value); an application protocol matched only in lower case; and names no DNS
     * name can be ("*.*.com", "a..b", "bücher.example" where DNS carries punycode) were taken
     * and matched nothing.
     */
    /**
     * A '*' anywhere, as Hubble's --fqdn takes it ("[-.0-9a-z]*": any run of name characters,
     * dots included): "api-*.example.com", "*.*.com", "*cdn*". These were refused ("a '*' may
     * only stand first"), so a Hubble user's pattern was an error here.
     */
    @Test
    void aStarAnywhereStandsForAnyCharactersAsInHubble() {
        h.append(flow(21, "node-a", labelled("10.0.5.1", 40000, "shop", Map.of()),
                named("203.0.113.7", 443, "api-eu.example.com"), 6, 1300, 1310));
        h.append(flow(22, "node-a", labelled("10.0.5.2", 40001, "shop", Map.of()),
                named("203.0.113.8", 443, "static.cdn.example.net"), 6, 1300, 1310));
        h.append(flow(23, "node-a", labelled("10.0.5.3", 40002, "shop", Map.of()),
                named("203.0.113.9", 443, "example.com"), 6, 1300, 1310));
        assertEquals(List.of(21L), filtered(f -> f.addFqdn("api-*.example.com")));
        assertEquals(List.of(21L, 22L), filtered(f -> f.addFqdn("*.*.*")));
        assertEquals(List.of(22L), filtered(f -> f.addFqdn("*cdn*")));
        assertEquals(List.of(21L, 22L, 23L), filtered(f -> f.addFqdn("*")));
        assertEquals(List.of(21L, 22L, 23L), filtered(f -> f.addFqdn("*.")), "the trailing dot goes, as in Hubble");
        assertEquals(List.of(22L), filtered(f -> f.addFqdn("*.example.net")), "every depth below the zone");
        assertEquals(List.of(21L), filtered(f -> f.addFqdn("*.example.com")), "not the zone itself");
        assertEquals(List.of(), filtered(f -> f.addFqdn("api-*.example.org")));
    }

    /**
     * Found in review: a label selector holds within a namespace, as a pod is named within
     * one (aPodIsNamedInItsNamespaceWhenBothAreGiven), and as hubble observe reads
     * "--namespace shop --label app=web" (source in shop with app=web, or destination so).
     * Each matched either endpoint on its own, so billing's app=web talking to shop's db
     * came out for shop's web pods.
     */
    @Test
    void aLabelSelectorHoldsOnTheEndpointInTheNamespaceGiven() {
        h.append(flow(41, "node-a", labelled("10.0.6.1", 40000, "billing", Map.of("app", "web")),
                labelled("10.0.6.2", 5432, "shop", Map.of("app", "db")), 6, 1300, 1310));
        h.append(flow(42, "node-a", labelled("10.0.6.3", 40001, "shop", Map.of("app", "web")),
                labelled("10.0.6.4", 5432, "shop", Map.of("app", "db")), 6, 1300, 1310));
        assertEquals(List.of(42L), filtered(f -> f.addNamespace("shop").addLabel("app=web")));
        assertEquals(List.of(41L, 42L), filtered(f -> f.addLabel("app=web")), "alone, either endpoint");
        assertEquals(List.of(41L), filtered(f -> f.addNamespace("billing").addLabel("app=web")));
    }

    /**
     * Found in review: an address outside the cluster that no DNS name was seen for is stored
     * with its network ("203.0.113.0/24", IPv6 "/48"; an unlabelled cluster address too) in
     * external_name, which the CLI already knows is no name (JsonLines.dnsName). --fqdn '*'
     * took it for one: every flow to an unnamed outside address came out as "named", and
     * "203.0.113.*" picked flows by address through a DNS-name filter.
     */
    @Test
    void aNetworkInPlaceOfANameIsNoNameToFqdn() {
        h.append(flow(31, "node-a", labelled("10.0.5.1", 40000, "shop", Map.of()),
                named("203.0.113.7", 443, "api.example.com"), 6, 1300, 1310));
        h.append(flow(32, "node-a", labelled("10.0.5.2", 40001, "shop", Map.of()),
                named("198.51.100.7", 443, "198.51.100.0/24"), 6, 1300, 1310));
        h.append(flow(33, "node-a", labelled("10.0.5.3", 40002, "shop", Map.of()),
                named("2001:db8:1::7", 443, "2001:db8:1::/48"), 6, 1300, 1310));
        assertEquals(List.of(31L), filtered(f -> f.addFqdn("*")), "only the flow whose peer has a DNS name");
        assertEquals(List.of(), filtered(f -> f.addFqdn("198.51.100.*")));
        assertEquals(List.of(), filtered(f -> f.addFqdn("*4")));
    }

    /**
     * The answers of the linear matcher where going back would have been slow or a leftmost
     * search could go wrong: a long piece against a name of repeats (the review's pattern, 23 us
     * a name before), pieces that repeat their own prefixes, head and tail. That it is linear is
     * by construction; no test here times it.
     */
    @Test
    void aPatternOfManyStarsMatchesWithoutBacktrackingWithoutEnd() {
        String repeats = "a".repeat(60) + "." + "a".repeat(60) + "." + "a".repeat(60) + "." + "a".repeat(60);
        assertFalse(FlowMatcher.globMatches("*" + "a".repeat(118) + "b*", repeats));
        assertTrue(FlowMatcher.globMatches("*" + "a".repeat(60) + "*", repeats));
        assertTrue(FlowMatcher.globMatches("*aab*ab*", "xaaabyab"));
        assertFalse(FlowMatcher.globMatches("*aab*ab*", "xaaabya"));
        assertTrue(FlowMatcher.globMatches("*abab*", "abaabab"), "a piece found after a false start");
        assertTrue(FlowMatcher.globMatches("a*a", "aa"));
        assertFalse(FlowMatcher.globMatches("a*a", "a"), "head and tail may not share a character");
        assertTrue(FlowMatcher.globMatches("api-*.example.com", "api-eu.west.example.com"));
        assertFalse(FlowMatcher.globMatches("api-*.example.com", "web-eu.example.com"));
        String name = "a".repeat(60) + "." + "a".repeat(60) + "." + "a".repeat(60) + "." + "a".repeat(60);
        String glob = "*a".repeat(40) + "*b";
        assertFalse(FlowMatcher.globMatches(glob, name));
        assertTrue(FlowMatcher.globMatches("*a".repeat(40) + "*", name));
        assertTrue(FlowMatcher.globMatches("a*.a*.*a", name));
        assertFalse(FlowMatcher.globMatches("a*.a*", "aa"));
        assertTrue(FlowMatcher.globMatches("**", ""));
    }

    @Test
    void selectorsAndNamesAreReadAsKubernetesAndDnsReadThem() {
        h.append(flow(11, "node-a", labelled("10.0.5.1", 40000, "shop", Map.of("app", "web", "tier", "front")),
                named("203.0.113.7", 443, "xn--bcher-kva.example"), 6, 1300, 1310).toBuilder().setAppProto("tls")
                .build());
        h.append(flow(12, "node-a", labelled("10.0.5.2", 40001, "shop", Map.of("app", "web", "tier", "back")),
                labelled("10.0.5.3", 80, "shop", Map.of("app", "db")), 6, 1300, 1310).toBuilder().setAppProto("http")
                .build());
        assertEquals(List.of(11L, 12L), filtered(f -> f.addLabel("app==web")));
        assertEquals(List.of(), filtered(f -> f.addLabel("app=web,app=db")), "both terms on one pod");
        assertEquals(List.of(11L), filtered(f -> f.addLabel("app.kubernetes.io/name").addLabel("tier=front")));
        assertEquals(List.of(11L), filtered(f -> f.addAppProto("TLS")));
        assertEquals(List.of(11L), filtered(f -> f.addFqdn("*.EXAMPLE")));
        assertRejected(FlowFilter.newBuilder().addLabel("!app").build(), "!app");
        assertRejected(FlowFilter.newBuilder().addLabel("app in (web)").build(), "app in (web)");
        assertRejected(FlowFilter.newBuilder().addLabel("app=we b").build(), "app=we b");
        assertRejected(FlowFilter.newBuilder().addFqdn("*..com").build(), "*..com");
        assertRejected(FlowFilter.newBuilder().addFqdn("*.bücher.example").build(), "punycode");
        assertRejected(FlowFilter.newBuilder().addFqdn("api..example.com").build(), "api..example.com");
        assertRejected(FlowFilter.newBuilder().addFqdn("bücher.example").build(), "punycode");
        assertRejected(FlowFilter.newBuilder().addFqdn("203.0.113.0/24").build(), "203.0.113.0/24");
        String many = String.join(",", java.util.stream.IntStream.range(0, FlowMatcher.MAX_VALUES + 1)
                .mapToObj(i -> "k" + i).toList());
        assertRejected(FlowFilter.newBuilder().addLabel(many).build(), "label: 1025 terms");
    }

    @Test
    void aPodIsNamedInItsNamespaceWhenBothAreGiven() {
        // Found in review: namespace and pod each matched either endpoint, so a StatefulSet's
        // postgres-0 in billing talking to shop came out for --namespace shop --pod postgres-0.
        h.append(flow(7, "node-a", endpoint("10.0.3.1", 5432, "billing", "postgres-0"),
                endpoint("10.0.0.1", 40001, "shop", "web-1"), 6, 1300, 1310));
        h.append(flow(8, "node-a", endpoint("10.0.0.7", 5432, "shop", "postgres-0"), endpoint("10.9.0.1", 40002),
                6, 1300, 1310));
        assertEquals(List.of(8L), filtered(f -> f.addNamespace("shop").addPod("postgres-0")));
        assertEquals(List.of(7L), filtered(f -> f.addNamespace("billing").addPod("postgres-0")));
        assertEquals(List.of(7L, 8L), filtered(f -> f.addNamespace("billing").addNamespace("shop")
                .addPod("postgres-0")));
        // Alone, each still matches either endpoint.
        assertEquals(List.of(7L, 8L), filtered(f -> f.addPod("postgres-0")));
        assertEquals(List.of(1L, 6L, 7L, 8L), filtered(f -> f.addNamespace("shop")));
    }

    @Test
    void sinceAndUntilSelectFlowsOverlappingTheRange() {
        // Overlap: last_seen >= since and first_seen < until. Flow 5 spans the whole range.
        assertEquals(List.of(3L, 4L, 5L),
                filtered(f -> f.setSince(seconds(1040)).setUntil(seconds(1065))));
        // since is inclusive (flow 3 ends at 1050), until exclusive (flow 4 starts at 1060).
        assertEquals(List.of(3L, 5L), filtered(f -> f.setSince(seconds(1050)).setUntil(seconds(1060))));
        assertEquals(List.of(5L, 6L), filtered(f -> f.setSince(seconds(1071))));
        assertEquals(List.of(1L, 5L), filtered(f -> f.setUntil(seconds(1010))));
        assertEquals(List.of(1L), filtered(f -> f.setUntil(seconds(1005))));
    }

    @Test
    void timesBeyondWhatNanosecondsHoldMeanTheBeginningOrTheEndAndInvalidOnesAreNamed() {
        // Found in review: since 1600 or until 2300 overflowed on the server (UNKNOWN, a SEVERE log).
        Timestamp year1600 = Timestamp.newBuilder().setSeconds(-11_676_096_000L).build();
        Timestamp year2300 = Timestamp.newBuilder().setSeconds(10_413_792_000L).build();
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), filtered(f -> f.setSince(year1600).setUntil(year2300)));
        assertEquals(List.of(), filtered(f -> f.setSince(year2300)));
        assertRejected(FlowFilter.newBuilder().setSince(Timestamp.newBuilder().setSeconds(Long.MAX_VALUE)).build(),
                "since is not a valid timestamp");
    }

    @Test
    void aSinceNotBeforeTheUntilIsRefusedNotAnsweredNone() {
        // Found in review: an empty answer, as if nothing had been stored, and a follower that
        // waited forever; SuggestPolicies and SimulatePolicies refused it already.
        assertRejected(FlowFilter.newBuilder().setSince(seconds(1060)).setUntil(seconds(1050)).build(),
                "since (1970-01-01T00:17:40Z) must be before until (1970-01-01T00:17:30Z)");
        assertRejected(FlowFilter.newBuilder().setSince(seconds(1060)).setUntil(seconds(1060)).build(),
                "must be before until");
        // Two times past what nanoseconds hold are still in order.
        Timestamp year2300 = Timestamp.newBuilder().setSeconds(10_413_792_000L).build();
        Timestamp year2400 = Timestamp.newBuilder().setSeconds(13_569_465_600L).build();
        assertEquals(List.of(), filtered(f -> f.setSince(year2300).setUntil(year2400)));

        h.store.anomalies().append(anomaly("a1", "port_scan", "node-a", "10.0.0.9", "10.0.0.2", 1000), STORED_MILLIS);
        Iterator<GetAnomaliesResponse> bad = h.blocking().getAnomalies(GetAnomaliesRequest.newBuilder()
                .setSince(seconds(1100)).setUntil(seconds(1000)).build());
        Status status = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, bad::hasNext)
                .getStatus();
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), String.valueOf(status));
        assertTrue(status.getDescription().contains("must be before until"), status.getDescription());
    }

    @Test
    void limitStopsAfterThatManyMatches() {
        assertEquals(List.of(1L, 2L), query(GetFlowsRequest.newBuilder().setLimit(2).build()));
        assertEquals(List.of(1L, 3L), query(GetFlowsRequest.newBuilder().setLimit(2)
                .setFilter(FlowFilter.newBuilder().addIpProtocol(6)).build()));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), query(GetFlowsRequest.newBuilder().setLimit(100).build()));
        // uint64 on the wire: 2^64-1 (a Go client's "no limit") is -1 here, and means no limit,
        // first or last (pinned: GetIncidents answered nothing for it).
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), query(GetFlowsRequest.newBuilder().setLimit(-1).build()));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), query(GetFlowsRequest.newBuilder().setLimit(-1).setLast(true)
                .build()));
    }

    @Test
    void lastWithLimitReturnsTheLastMatchesOldestFirst() {
        assertEquals(List.of(5L, 6L), query(GetFlowsRequest.newBuilder().setLast(true).setLimit(2).build()));
        // Matches are 1, 3, 5; flow 6 after them does not match.
        assertEquals(List.of(3L, 5L), query(GetFlowsRequest.newBuilder().setLast(true).setLimit(2)
                .setFilter(FlowFilter.newBuilder().addIpProtocol(6)).build()));
        assertEquals(List.of(2L, 6L), query(GetFlowsRequest.newBuilder().setLast(true).setLimit(5)
                .setFilter(FlowFilter.newBuilder().addIpProtocol(17)).build()));
        // Without a limit "last" has nothing to count back from: everything.
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), query(GetFlowsRequest.newBuilder().setLast(true).build()));
    }

    @Test
    void lastCountsBackAcrossMoreThanOneReadOfTheStore() throws Exception {
        // Pins the backward scan across its chunks (it reads the store 256 entries at a time).
        try (Harness big = new Harness(1000)) {
            for (long id = 1; id <= 900; id++) {
                big.append(flow(id, "node-" + (id % 100 == 0 ? "x" : "a"), endpoint("10.0.0.1", 1),
                        endpoint("10.0.0.2", 2), 6, 1000, 1001));
            }
            GetFlowsRequest lastThree = GetFlowsRequest.newBuilder().setLast(true).setLimit(3)
                    .setFilter(FlowFilter.newBuilder().addNodeName("node-x")).build();
            assertEquals(List.of(700L, 800L, 900L), ids(QueryGrpc.newBlockingStub(big.channel)
                    .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS).getFlows(lastThree)));
            GetFlowsRequest moreThanMatch = lastThree.toBuilder().setLimit(50).build();
            assertEquals(9, ids(QueryGrpc.newBlockingStub(big.channel)
                    .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS).getFlows(moreThanMatch)).size());
        }
    }

    private Status rejected(FlowFilter filter) {
        Iterator<GetFlowsResponse> it = h.blocking().getFlows(GetFlowsRequest.newBuilder().setFilter(filter).build());
        try {
            it.hasNext();
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
        throw new AssertionError("filter accepted: " + filter);
    }

    private void assertRejected(FlowFilter filter, String named) {
        Status status = rejected(filter);
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), String.valueOf(status));
        assertNotNull(status.getDescription());
        assertTrue(status.getDescription().contains(named),
                "message '" + status.getDescription() + "' does not name " + named);
    }

    @Test
    void invalidFiltersAreInvalidArgumentNamingTheBadValue() {
        assertRejected(FlowFilter.newBuilder().addIp("not-an-ip").build(), "not-an-ip");
        assertRejected(FlowFilter.newBuilder().addIp("10.0.0.0/33").build(), "10.0.0.0/33");
        assertRejected(FlowFilter.newBuilder().addIp("fd00::/129").build(), "fd00::/129");
        assertRejected(FlowFilter.newBuilder().addIp("10.0.0.0/x").build(), "10.0.0.0/x");
        assertRejected(FlowFilter.newBuilder().addIp("10.0.0.0/-1").build(), "10.0.0.0/-1");
        assertRejected(FlowFilter.newBuilder().addIp("").build(), "''");
        assertRejected(FlowFilter.newBuilder().addSourceIp("10.0.0.300").build(), "10.0.0.300");
        assertRejected(FlowFilter.newBuilder().addDestinationIp("fd00:::1").build(), "fd00:::1");
        assertRejected(FlowFilter.newBuilder().addPort(70000).build(), "70000");
        assertRejected(FlowFilter.newBuilder().addIpProtocol(256).build(), "256");
        // uint32 on the wire: Java sees 4294967295 as -1, which must not slip past the range check.
        assertRejected(FlowFilter.newBuilder().addPort(-1).build(), "4294967295");
        assertRejected(FlowFilter.newBuilder().addIpProtocol(-1).build(), "4294967295");
    }

    @Test
    void hostNamesAreRejectedNotResolved() {
        for (String name : List.of("localhost", "example.com", "ip6-localhost", "999.1.1.1", "1.2.3.4.5")) {
            assertRejected(FlowFilter.newBuilder().addIp(name).build(), name);
        }
    }

    @Test
    void followStreamsStoredFlowsThenNewOnesAndStopsReadingWhenCancelled() throws Exception {
        Follower<GetFlowsResponse> follower = new Follower<>(-1);
        h.async().getFlows(GetFlowsRequest.newBuilder().setFollow(true).build(), follower);

        for (long id = 1; id <= 6; id++) {
            assertEquals(id, follower.next().getFlow().getFlowId());
        }
        clock.addAndGet(1_000);
        h.append(flow(7));
        GetFlowsResponse seventh = follower.next();
        assertEquals(7, seventh.getFlow().getFlowId());
        assertEquals(Timestamps.fromMillis(STORED_MILLIS + 1_000), seventh.getReceived());
        assertEquals(0, seventh.getLostBefore());
        assertFalse(follower.closed.isDone(), "a follow call ended by itself");

        Thread reader = h.probe.sender.get();
        assertNotNull(reader);
        assertTrue(reader.isAlive());
        follower.call.cancel("test done", null);
        assertEquals(Status.Code.CANCELLED, follower.closed.get(WAIT_SECONDS, TimeUnit.SECONDS).getCode());

        // A new flow wakes the reader at once instead of at its next poll.
        h.append(flow(8));
        assertTrue(reader.join(Duration.ofSeconds(WAIT_SECONDS)), "the server-side reader kept running");
        // It ended quietly: no error and no completion were sent on the cancelled call.
        assertEquals(List.of(), h.probe.closes);
    }

    @Test
    void followFromTheLastMatchesKeepsStreamingAfterThem() throws Exception {
        Follower<GetFlowsResponse> follower = new Follower<>(-1);
        h.async().getFlows(GetFlowsRequest.newBuilder().setFollow(true).setLast(true).setLimit(2).build(), follower);
        assertEquals(5, follower.next().getFlow().getFlowId());
        assertEquals(6, follower.next().getFlow().getFlowId());
        h.append(flow(7));
        assertEquals(7, follower.next().getFlow().getFlowId(), "as tail -n 2 -f: new flows follow the last two");
        assertFalse(follower.closed.isDone(), "the call ended after the last matches");
        follower.call.cancel("test done", null);
        assertEquals(Status.Code.CANCELLED, follower.closed.get(WAIT_SECONDS, TimeUnit.SECONDS).getCode());
    }

    @Test
    void withoutFollowTheAnswerIsTheStoreAsTheCallFoundIt() throws Exception {
        // Found in review: a listing went on with flows stored while it was read, so over a busy
        // aggregator a reader slower than the flow rate never reached the end (and --timeout cut it).
        Follower<GetFlowsResponse> reader = new Follower<>(1);
        h.async().getFlows(GetFlowsRequest.getDefaultInstance(), reader);
        assertEquals(1, reader.next().getFlow().getFlowId());
        h.append(flow(7));
        reader.call.request(100);
        List<Long> rest = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            rest.add(reader.next().getFlow().getFlowId());
        }
        assertEquals(List.of(2L, 3L, 4L, 5L, 6L), rest);
        assertEquals(Status.Code.OK, reader.closed.get(WAIT_SECONDS, TimeUnit.SECONDS).getCode());
        assertTrue(reader.received.isEmpty(), "flow 7 came after the call: " + reader.received);

        // Anomalies likewise.
        h.store.anomalies().append(anomaly("a1", "port_scan", "node-a", "10.0.0.9", "10.0.0.2", 1000), STORED_MILLIS);
        h.store.anomalies().append(anomaly("a2", "port_scan", "node-a", "10.0.0.9", "10.0.0.2", 1000), STORED_MILLIS);
        Follower<GetAnomaliesResponse> anomalies = new Follower<>(1);
        h.async().getAnomalies(GetAnomaliesRequest.getDefaultInstance(), anomalies);
        assertEquals("a1", anomalies.next().getAnomaly().getId());
        h.store.anomalies().append(anomaly("a3", "port_scan", "node-a", "10.0.0.9", "10.0.0.2", 1000), STORED_MILLIS);
        anomalies.call.request(100);
        assertEquals("a2", anomalies.next().getAnomaly().getId());
        assertEquals(Status.Code.OK, anomalies.closed.get(WAIT_SECONDS, TimeUnit.SECONDS).getCode());
        assertTrue(anomalies.received.isEmpty(), "a3 came after the call: " + anomalies.received);
    }

    @Test
    void followAppliesTheFilterToNewFlows() throws Exception {
        Follower<GetFlowsResponse> follower = new Follower<>(-1);
        h.async().getFlows(GetFlowsRequest.newBuilder().setFollow(true)
                .setFilter(FlowFilter.newBuilder().addNodeName("node-b")).build(), follower);
        assertEquals(3, follower.next().getFlow().getFlowId());
        assertEquals(4, follower.next().getFlow().getFlowId());

        h.append(flow(7, "node-a", endpoint("10.9.0.1", 1), endpoint("10.9.0.2", 2), 6, 2000, 2001));
        h.append(flow(8, "node-b", endpoint("10.9.0.1", 1), endpoint("10.9.0.2", 2), 6, 2000, 2001));
        assertEquals(8, follower.next().getFlow().getFlowId());
        assertTrue(follower.received.isEmpty());
        follower.call.cancel("test done", null);
        assertEquals(Status.Code.CANCELLED, follower.closed.get(WAIT_SECONDS, TimeUnit.SECONDS).getCode());
    }

    @Test
    void followerBehindEvictionIsToldHowManyFlowsItLost() throws Exception {
        try (Harness tiny = new Harness(2)) {
            tiny.append(flow(1));
            tiny.append(flow(2));
            // One response at a time: the reader copies flows 1 and 2, sends 1, and then
            // waits for the client (flow control) with flow 2 in hand and its cursor at 2.
            Follower<GetFlowsResponse> follower = new Follower<>(1);
            tiny.async().getFlows(GetFlowsRequest.newBuilder().setFollow(true).build(), follower);
            GetFlowsResponse first = follower.next();
            assertEquals(1, first.getFlow().getFlowId());
            assertEquals(0, first.getLostBefore());

            for (long id = 3; id <= 7; id++) {
                tiny.append(flow(id));
            }
            // Flows 1 to 5 fell off the store; the reader already held 1 and 2.
            assertEquals(5, tiny.store.flows().evicted());

            follower.call.request(10);
            List<GetFlowsResponse> rest = List.of(follower.next(), follower.next(), follower.next());
            assertEquals(List.of(2L, 6L, 7L), rest.stream().map(r -> r.getFlow().getFlowId()).toList());
            assertEquals(List.of(0L, 3L, 0L), rest.stream().map(GetFlowsResponse::getLostBefore).toList());
            assertTrue(follower.received.isEmpty());
            follower.call.cancel("test done", null);
            assertEquals(Status.Code.CANCELLED, follower.closed.get(WAIT_SECONDS, TimeUnit.SECONDS).getCode());
        }
    }

    @Test
    void lostCountIsKeptUntilTheNextMatchEvenWhenItIsInALaterRead() throws Exception {
        // Big enough that the flows after the gap span more than one read of the store.
        int capacity = 600;
        try (Harness big = new Harness(capacity)) {
            Flow http = flow(1, "node-a", endpoint("10.0.0.1", 40000), endpoint("10.0.0.2", 80), 6, 1000, 1001);
            Flow other = flow(0, "node-a", endpoint("10.0.0.1", 40000), endpoint("10.0.0.2", 9), 6, 1000, 1001);
            big.append(http.toBuilder().setFlowId(1).build());
            big.append(http.toBuilder().setFlowId(2).build());
            Follower<GetFlowsResponse> follower = new Follower<>(1);
            big.async().getFlows(GetFlowsRequest.newBuilder().setFollow(true)
                    .setFilter(FlowFilter.newBuilder().addPort(80)).build(), follower);
            assertEquals(1, follower.next().getFlow().getFlowId());

            // Three matching flows that will be evicted unread, then a store full of flows that
            // do not match, then one that does.
            for (long id = 3; id <= 5; id++) {
                big.append(http.toBuilder().setFlowId(id).build());
            }
            for (long id = 100; id < 100 + capacity - 1; id++) {
                big.append(other.toBuilder().setFlowId(id).build());
            }
            big.append(http.toBuilder().setFlowId(9).build());
            assertEquals(5, big.store.flows().evicted());

            follower.call.request(10);
            GetFlowsResponse second = follower.next();
            GetFlowsResponse last = follower.next();
            assertEquals(2, second.getFlow().getFlowId());
            assertEquals(0, second.getLostBefore());
            assertEquals(9, last.getFlow().getFlowId());
            assertEquals(3, last.getLostBefore(), "flows 3, 4 and 5 were evicted before the reader got to them");
            follower.call.cancel("test done", null);
            assertEquals(Status.Code.CANCELLED, follower.closed.get(WAIT_SECONDS, TimeUnit.SECONDS).getCode());
        }
    }

    private static Anomaly anomaly(String id, String type, String node, String source, String destination,
                                   long startSecond) {
        return Anomaly.newBuilder().setId(id).setAnomalyType(type).setNodeName(node)
                .setSource(endpoint(source, 0)).setDestination(endpoint(destination, 0))
                .setStart(seconds(startSecond)).setEnd(seconds(startSecond + 10)).build();
    }

    private List<String> anomalyIds(GetAnomaliesRequest request) {
        List<String> out = new ArrayList<>();
        h.blocking().getAnomalies(request).forEachRemaining(r -> out.add(r.getAnomaly().getId()));
        return out;
    }

    @Test
    void getAnomaliesFiltersByTypeIpAndNode() {
        h.store.anomalies().append(anomaly("a1", "port_scan", "node-a", "10.0.0.9", "10.0.0.2", 1000), STORED_MILLIS);
        h.store.anomalies().append(anomaly("a2", "syn_flood", "node-b", "192.168.1.1", "fd00::2", 1100), STORED_MILLIS);
        h.store.anomalies().append(anomaly("a3", "port_scan", "node-b", "fd00::7", "fd00::8", 1200), STORED_MILLIS);

        assertEquals(List.of("a1", "a2", "a3"), anomalyIds(GetAnomaliesRequest.getDefaultInstance()));
        assertEquals(List.of("a1", "a3"), anomalyIds(GetAnomaliesRequest.newBuilder().addAnomalyType("port_scan").build()));
        assertEquals(List.of("a2"), anomalyIds(GetAnomaliesRequest.newBuilder().addAnomalyType("syn_flood").build()));
        assertEquals(List.of("a1"), anomalyIds(GetAnomaliesRequest.newBuilder().addIp("10.0.0.0/8").build()));
        // Either endpoint: a2's destination.
        assertEquals(List.of("a2"), anomalyIds(GetAnomaliesRequest.newBuilder().addIp("fd00::2").build()));
        assertEquals(List.of("a3"), anomalyIds(GetAnomaliesRequest.newBuilder()
                .addAnomalyType("port_scan").addIp("fd00::/16").build()));
        assertEquals(List.of("a2", "a3"), anomalyIds(GetAnomaliesRequest.newBuilder().addNodeName("node-b").build()));
        assertEquals(List.of("a2", "a3"), anomalyIds(GetAnomaliesRequest.newBuilder().setSince(seconds(1011)).build()));
        assertEquals(List.of("a1"), anomalyIds(GetAnomaliesRequest.newBuilder().setLimit(1).build()));

        GetAnomaliesResponse first = h.blocking().getAnomalies(GetAnomaliesRequest.newBuilder()
                .addAnomalyType("syn_flood").build()).next();
        assertEquals(Timestamps.fromMillis(STORED_MILLIS), first.getReceived());
        assertEquals(0, first.getLostBefore());

        Iterator<GetAnomaliesResponse> bad = h.blocking().getAnomalies(
                GetAnomaliesRequest.newBuilder().addIp("localhost").build());
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                bad::hasNext);
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("localhost"), e.getStatus().getDescription());
    }

    @Test
    void getAgentsReportsWhatTheIngestStreamSent() throws Exception {
        RecordingObserver<AggregatorMessage> replies = new RecordingObserver<>();
        BlockingQueue<AggregatorMessage> acks = replies.received;
        CompletableFuture<Status> closed = replies.closed;
        StreamObserver<AgentMessage> agent = IngestGrpc.newStub(h.channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .connect(replies);
        LossReport loss = LossReport.newBuilder().setNodeName("node-a")
                .addCounters(LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_KERNEL_DROP)
                        .setInterface("eth0").setCount(10))
                // Drops a capture file's writer recorded were never seen either.
                .addCounters(LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_RECORDED_DROP)
                        .setInterface("eth0").setCount(15))
                // Decode errors are packets that were seen: they do not lower the coverage.
                .addCounters(LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_DECODE_ERROR).setCount(7))
                .build();
        agent.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setNodeName("node-a")
                .setBootId("boot-1").setVersion("0.1.0").addCapabilities("flows").addSources("eth0")).build());
        agent.onNext(AgentMessage.newBuilder().setStatus(AgentStatus.newBuilder().setPacketsSeen(1_000)
                .setBytesSeen(64_000).addSourceStates("eth0: capturing")).build());
        agent.onNext(AgentMessage.newBuilder().setLoss(loss).build());
        agent.onNext(AgentMessage.newBuilder().setFlows(FlowBatch.newBuilder().setSequence(1)
                .addFlows(flow(11)).addFlows(flow(12)).addFlows(flow(13))).build());
        AggregatorMessage ack = acks.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(ack);
        assertEquals(1, ack.getAck().getSequence());

        GetAgentsResponse response = h.blocking().getAgents(GetAgentsRequest.getDefaultInstance());
        assertEquals(1, response.getAgentsCount());
        AgentInfo info = response.getAgents(0);
        assertEquals("node-a", info.getNodeName());
        assertEquals("0.1.0", info.getVersion());
        assertEquals("boot-1", info.getBootId());
        assertEquals(List.of("flows"), info.getCapabilitiesList());
        assertEquals(List.of("eth0"), info.getSourcesList());
        assertTrue(info.getConnected());
        assertEquals(3, info.getFlowsReceived());
        assertEquals(0, info.getAnomaliesReceived());
        assertEquals(0, info.getDuplicateBatches());
        assertEquals(1_000.0 / 1_025.0, info.getCaptureCoverage(), 1e-12);
        assertEquals(1_000, info.getStatus().getPacketsSeen());
        assertEquals(64_000, info.getStatus().getBytesSeen());
        assertEquals(List.of("eth0: capturing"), info.getStatus().getSourceStatesList());
        assertEquals(loss, info.getLoss());
        assertEquals(Timestamps.fromMillis(STORED_MILLIS), info.getConnectedSince());
        assertEquals(Timestamps.fromMillis(STORED_MILLIS), info.getLastSeen());

        agent.onCompleted();
        assertEquals(Status.Code.OK, closed.get(WAIT_SECONDS, TimeUnit.SECONDS).getCode());
        AgentInfo after = h.blocking().getAgents(GetAgentsRequest.getDefaultInstance()).getAgents(0);
        assertFalse(after.getConnected());
        assertEquals(3, after.getFlowsReceived());
    }

    @Test
    void agentWithoutStatusOrLossHasFullCoverage() throws Exception {
        h.registry.connect(Hello.newBuilder().setNodeName("node-z").setBootId("b").build(), "", STORED_MILLIS);
        AgentInfo info = h.blocking().getAgents(GetAgentsRequest.getDefaultInstance()).getAgents(0);
        assertEquals(1.0, info.getCaptureCoverage());
        assertFalse(info.hasStatus());
        assertFalse(info.hasLoss());
    }
}
