package io.netwatch.aggregator.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.netwatch.aggregator.RecordingObserver;
import io.netwatch.aggregator.incident.BeaconConfig;
import io.netwatch.aggregator.incident.Incident;
import io.netwatch.aggregator.incident.IncidentConfig;
import io.netwatch.aggregator.incident.IncidentCounters;
import io.netwatch.aggregator.incident.IncidentListener;
import io.netwatch.aggregator.incident.IncidentTracker;
import io.netwatch.aggregator.store.AgentRegistry;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.incident.v1.IncidentState;
import io.netwatch.proto.query.v1.GetIncidentsRequest;
import io.netwatch.proto.query.v1.GetIncidentsResponse;
import io.netwatch.proto.query.v1.IncidentChange;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GetIncidents} over a tracker fed by hand, through the in-process transport. */
class IncidentQueriesTest {
    private static final long WAIT_SECONDS = 10;
    private static final long T0 = 1_700_000_000L;

    private final AtomicLong clock = new AtomicLong(T0 * 1000);
    private IncidentTracker tracker;
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws IOException {
        // Room for every incident a test opens: each scan is one change (OPENED), none evicted.
        tracker = new IncidentTracker(new IncidentConfig(Duration.ofMinutes(30), Duration.ofSeconds(60), 5_000, 50,
                BeaconConfig.defaults()), new IncidentCounters(), clock::get);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new QueryService(new FlowStore(10, 10, Duration.ofHours(1)), new AgentRegistry(), null,
                        new IncidentQueries(tracker), null))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
        tracker.close();
    }

    /** A port scan by its own scanner: one incident each. */
    private static Anomaly scan(int scanner) {
        return Anomaly.newBuilder().setId("a-" + scanner).setNodeName("node-a").setAnomalyType("port_scan")
                .setSeverity(Severity.SEVERITY_MEDIUM).setSource(Endpoint.newBuilder()
                        .setIp("10.9." + (scanner >> 8) + "." + (scanner & 0xFF)))
                .setDestination(Endpoint.newBuilder().setIp("10.1.0.5"))
                .setStart(Timestamps.fromSeconds(T0)).setEnd(Timestamps.fromSeconds(T0 + 2)).build();
    }

    private List<String> ids(GetIncidentsRequest request) {
        List<String> out = new ArrayList<>();
        QueryGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS).getIncidents(request)
                .forEachRemaining(r -> out.add(r.getIncident().getId()));
        return out;
    }

    @Test
    void aLimitPastTwoToTheSixtyThirdIsNoLimit() throws Exception {
        for (int i = 1; i <= 3; i++) {
            tracker.anomalyStored(scan(i), clock.get());
        }
        assertTrue(tracker.awaitIdle(WAIT_SECONDS * 1000));
        assertEquals(3, ids(GetIncidentsRequest.getDefaultInstance()).size());
        assertEquals(2, ids(GetIncidentsRequest.newBuilder().setLimit(2).build()).size());
        // uint64 on the wire: 2^64-1 (a Go client's "no limit") is -1 here. Found in review: it
        // answered nothing, where GetFlows and GetAnomalies answer everything.
        assertEquals(3, ids(GetIncidentsRequest.newBuilder().setLimit(-1).build()).size());
        assertEquals(3, ids(GetIncidentsRequest.newBuilder().setLimit(Long.MIN_VALUE).build()).size());
    }

    @Test
    void aFollowerGetsEachChangeOnceAcrossTheHandoverFromTheStoredIncidents() throws Exception {
        tracker.anomalyStored(scan(1), clock.get());
        tracker.anomalyStored(scan(2), clock.get());
        assertTrue(tracker.awaitIdle(WAIT_SECONDS * 1000));
        // Hold the worker inside its first resolution, with both incidents already resolved in
        // the book and the second resolution not yet told: the handover's window, made wide.
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        tracker.subscribe(new IncidentListener() {
            @Override
            public void resolved(Incident i) {
                if (inside.getCount() > 0) {
                    inside.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        });
        clock.addAndGet(61_000);
        tracker.sweepNow();
        assertTrue(inside.await(WAIT_SECONDS, TimeUnit.SECONDS));

        RecordingObserver<GetIncidentsResponse> follower = new RecordingObserver<>();
        QueryGrpc.newStub(channel).withDeadlineAfter(WAIT_SECONDS * 3, TimeUnit.SECONDS)
                .getIncidents(GetIncidentsRequest.newBuilder().setFollow(true).build(), follower);
        release.countDown();
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            GetIncidentsResponse r = follower.received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(r != null, "the stored incidents: " + seen);
            assertEquals(IncidentChange.INCIDENT_CHANGE_CURRENT, r.getChange());
            assertEquals(IncidentState.INCIDENT_STATE_RESOLVED, r.getIncident().getState());
            seen.add(r.getIncident().getId());
        }
        // A change after the handover: the next thing the follower hears.
        tracker.anomalyStored(scan(3), clock.get());
        GetIncidentsResponse next = follower.received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertTrue(next != null);
        assertEquals("inc-3 INCIDENT_CHANGE_OPENED", next.getIncident().getId() + " " + next.getChange(),
                "found in review: a resolution already in the stored incidents " + seen + " was sent again");
    }

    @Test
    void changesAFollowerHadNoRoomForAreCountedOnTheFirstChangeAfterThem() throws Exception {
        AtomicInteger changes = new AtomicInteger();
        tracker.subscribe(new IncidentListener() {
            @Override
            public void opened(Incident i) {
                changes.incrementAndGet();
            }

            @Override
            public void updated(Incident i) {
                changes.incrementAndGet();
            }

            @Override
            public void resolved(Incident i) {
                changes.incrementAndGet();
            }
        });
        tracker.anomalyStored(scan(0), clock.get());
        assertTrue(tracker.awaitIdle(WAIT_SECONDS * 1000));
        int before = changes.get();
        // One response at a time (the in-process transport is ready only for what the client asked).
        BlockingQueue<GetIncidentsResponse> received = new LinkedBlockingQueue<>();
        AtomicReference<ClientCallStreamObserver<GetIncidentsRequest>> call = new AtomicReference<>();
        QueryGrpc.newStub(channel).withDeadlineAfter(WAIT_SECONDS * 3, TimeUnit.SECONDS).getIncidents(
                GetIncidentsRequest.newBuilder().setFollow(true).build(),
                new ClientResponseObserver<GetIncidentsRequest, GetIncidentsResponse>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<GetIncidentsRequest> requests) {
                        call.set(requests);
                        requests.disableAutoRequestWithInitial(1);
                    }

                    @Override
                    public void onNext(GetIncidentsResponse r) {
                        received.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        // The stored incident: the follower is subscribed from here on.
        assertEquals(IncidentChange.INCIDENT_CHANGE_CURRENT, received.poll(WAIT_SECONDS, TimeUnit.SECONDS).getChange());

        // More changes than the follower's queue holds, while it reads nothing.
        for (int i = 1; i <= IncidentQueries.FOLLOW_QUEUE + 20; i++) {
            tracker.anomalyStored(scan(i), clock.get());
        }
        assertTrue(tracker.awaitIdle(WAIT_SECONDS * 1000));
        int made = changes.get() - before;
        call.get().request(10 * IncidentQueries.FOLLOW_QUEUE);
        List<GetIncidentsResponse> got = new ArrayList<>();
        for (int i = 0; i < IncidentQueries.FOLLOW_QUEUE; i++) {
            got.add(received.poll(WAIT_SECONDS, TimeUnit.SECONDS));
        }
        // At most one is left for the follower now: the next change finds room.
        tracker.anomalyStored(scan(9_999), clock.get());
        GetIncidentsResponse r;
        do {
            r = received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(r != null, "the change after the gap never came");
            got.add(r);
        } while (!r.getIncident().getActor().equals("10.9.39.15"));
        long lost = made - (got.size() - 1);
        assertTrue(lost > 0, "the queue overflowed: " + made + " made, " + got.size() + " got");
        assertEquals(List.of(lost), got.stream().map(GetIncidentsResponse::getLostBefore).filter(n -> n > 0).toList());
        assertEquals(lost, got.getLast().getLostBefore(), "found in review: counted on the first change sent after"
                + " the follower resumed, which came before the gap");
    }
}
