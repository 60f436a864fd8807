package io.netwatch.aggregator.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netwatch.aggregator.identity.IdentityIndex;
import io.netwatch.aggregator.identity.PolicyHistory;
import io.netwatch.aggregator.incident.BeaconConfig;
import io.netwatch.aggregator.incident.IncidentConfig;
import io.netwatch.aggregator.incident.IncidentCounters;
import io.netwatch.aggregator.incident.IncidentTracker;
import io.netwatch.aggregator.store.AgentRegistry;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.aggregator.verdict.PolicyHits;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.query.v1.GetAnomaliesRequest;
import io.netwatch.proto.query.v1.GetFlowsRequest;
import io.netwatch.proto.query.v1.GetIncidentsRequest;
import io.netwatch.proto.query.v1.QueryGrpc;
import io.netwatch.proto.query.v1.SimulatePoliciesRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A query that fails on the server's side, not on its request, over a real loopback socket:
 * the client is told which call failed in general words, never the server's exception (found
 * in review: the catch-alls answered INTERNAL with {@code e.toString()}, a server class and
 * its message). The failures are made through the store and the tracker: a record the store
 * holds as null, an incident stamped at a time no Timestamp can hold.
 */
class QueryInternalErrorTest {
    private static final long WAIT_SECONDS = 10;
    private static final long T0 = 1_700_000_000L;

    private final AtomicLong clock = new AtomicLong(T0 * 1000);
    private IncidentTracker tracker;
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws IOException {
        FlowStore store = new FlowStore(10, 10, Duration.ofHours(1));
        store.flows().append(null, T0 * 1000, 0);
        store.anomalies().append(null, T0 * 1000, 0);
        tracker = new IncidentTracker(new IncidentConfig(Duration.ofMinutes(30), Duration.ofSeconds(60), 5_000, 50,
                BeaconConfig.defaults()), new IncidentCounters(), clock::get);
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new QueryService(store, new AgentRegistry(),
                        new PolicyQueries(store, new IdentityIndex(), new PolicyHistory(4), new PolicyHits()),
                        new IncidentQueries(tracker), null))
                .build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
        tracker.close();
    }

    private QueryGrpc.QueryBlockingStub query() {
        return QueryGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static Status drained(Iterator<?> responses) {
        return assertThrows(StatusRuntimeException.class, () -> responses.forEachRemaining(r -> { })).getStatus();
    }

    private static void assertInternalInGeneralWords(Status status, String call) {
        assertEquals(Status.Code.INTERNAL, status.getCode(), String.valueOf(status));
        assertEquals(call + " failed inside the aggregator; its log says why", status.getDescription());
    }

    @Test
    void aStreamThatFailsReadingTheStoreSaysWhichCallFailedNotTheServersException() {
        assertInternalInGeneralWords(drained(query().getFlows(GetFlowsRequest.getDefaultInstance())), "GetFlows");
        assertInternalInGeneralWords(drained(query().getAnomalies(GetAnomaliesRequest.getDefaultInstance())),
                "GetAnomalies");
    }

    @Test
    void aPolicyQueryThatFailsSaysWhichCallFailedNotTheServersException() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> query().simulatePolicies(
                SimulatePoliciesRequest.newBuilder().setYaml("""
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {namespace: shop, name: deny-all}
                        spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
                        """).build()));
        assertInternalInGeneralWords(e.getStatus(), "SimulatePolicies");
    }

    @Test
    void anIncidentQueryThatFailsSaysWhichCallFailedNotTheServersException() throws Exception {
        // Stored at a time past what a protobuf Timestamp holds (after 9999-12-31): the incident
        // it opens throws when it is made into its message.
        long pastTimestamps = 1_000_000_000_000_000L;
        tracker.anomalyStored(Anomaly.newBuilder().setId("a-1").setNodeName("node-a").setAnomalyType("port_scan")
                .setSeverity(Severity.SEVERITY_MEDIUM).setSource(Endpoint.newBuilder().setIp("10.9.0.1"))
                .setDestination(Endpoint.newBuilder().setIp("10.1.0.5"))
                .setStart(Timestamps.fromSeconds(T0)).setEnd(Timestamps.fromSeconds(T0 + 2)).build(), pastTimestamps);
        assertTrue(tracker.awaitIdle(WAIT_SECONDS * 1000));
        assertEquals(1, tracker.incidents().size());
        assertInternalInGeneralWords(drained(query().getIncidents(GetIncidentsRequest.getDefaultInstance())),
                "GetIncidents");
    }
}
