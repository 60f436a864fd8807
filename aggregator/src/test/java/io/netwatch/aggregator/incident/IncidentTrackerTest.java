package io.netwatch.aggregator.incident;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netwatch.proto.anomaly.v1.Severity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The tracker's worker: listeners told in order off the storing thread, a throwing listener
 * counted, the backlog bounded, memory bounded under a flood of scanners, and the meters.
 */
class IncidentTrackerTest {
    private static final long T0 = 1_700_000_000L;
    private final AtomicLong clock = new AtomicLong(1_000);
    private final IncidentTracker tracker = new IncidentTracker(new IncidentConfig(Duration.ofMinutes(30),
            Duration.ofSeconds(60), 100, 50, BeaconConfig.defaults()), new IncidentCounters(), clock::get);

    @AfterEach
    void stop() throws InterruptedException {
        tracker.close();
    }

    @Test
    void listenersHearEveryChangeOnTheWorkerAndAThrowingOneIsCounted() throws Exception {
        List<String> heard = new ArrayList<>();
        List<String> threads = new ArrayList<>();
        tracker.subscribe(new IncidentListener() {
            @Override
            public void opened(Incident i) {
                throw new IllegalStateException("a broken alert sink");
            }
        });
        tracker.subscribe(new IncidentListener() {
            @Override
            public void opened(Incident i) {
                heard.add("opened " + i.id());
                threads.add(Thread.currentThread().getName());
            }

            @Override
            public void updated(Incident i) {
                heard.add("updated " + i.id() + " " + i.severity());
            }

            @Override
            public void resolved(Incident i) {
                heard.add("resolved " + i.id());
            }
        });
        tracker.anomalyStored(IncidentBookTest.scan("a-1", "node-a", "10.1.0.5", T0), 1_000);
        tracker.anomalyStored(IncidentBookTest.scan("b-1", "node-b", "10.2.0.5", T0), 1_100);
        assertTrue(tracker.awaitIdle(10_000));
        clock.set(1_100 + 60_000);
        tracker.sweepNow();
        assertTrue(tracker.awaitIdle(10_000));
        assertEquals(List.of("opened inc-1", "updated inc-1 SEVERITY_HIGH", "resolved inc-1"), heard);
        assertEquals(List.of("netwatch-incidents"), threads);
        assertEquals(1, tracker.counters().listenerFailures());
    }

    @Test
    void aFullBacklogDropsAndCountsInsteadOfQueueing() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        assertTrue(tracker.submit(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        for (int i = 0; i < IncidentTracker.MAX_BACKLOG + 10; i++) {
            tracker.anomalyStored(IncidentBookTest.scan("a-" + i, "node-a", "10.1.0.5", T0), 1_000);
        }
        assertTrue(tracker.counters().dropped() >= 10, "dropped " + tracker.counters().dropped());
        assertTrue(!tracker.submitFlow(() -> { }), "flows get half the backlog only");
        release.countDown();
        assertTrue(tracker.awaitIdle(30_000));
    }

    @Test
    void aFloodOfScannersStaysWithinTheCapsAndEveryEvictionIsCounted() throws Exception {
        int scanners = 20_000;
        for (int s = 0; s < scanners; s++) {
            tracker.anomalyStored(IncidentBookTest.anomaly("s-" + s, "node-a", "port_scan", Severity.SEVERITY_MEDIUM,
                    "10." + (s >> 16) + "." + (s >> 8 & 255) + "." + (s & 255), "10.200.0.1", 0, T0), 1_000);
            if (s % 5_000 == 0) {
                assertTrue(tracker.awaitIdle(30_000));
            }
        }
        assertTrue(tracker.awaitIdle(30_000));
        IncidentCounters c = tracker.counters();
        assertEquals(100, tracker.openCount());
        assertEquals(50, tracker.resolvedCount());
        assertEquals(scanners - 100, c.evicted() + c.dropped(), "every scanner is open, evicted or dropped");
        assertEquals(c.evicted() - 50, c.forgotten());

        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        new IncidentMetrics(tracker).bindTo(meters);
        assertEquals(100, meters.get("netwatch.incidents.open").gauge().value());
        assertEquals(c.evicted(), meters.get("netwatch.incidents.evicted").functionCounter().count());
        assertEquals(scanners - c.dropped(), meters.get("netwatch.incidents.opened")
                .tags("family", "scan", "severity", "medium").functionCounter().count());
        assertEquals(c.evicted(), meters.get("netwatch.incidents.resolved")
                .tags("family", "scan", "severity", "medium").functionCounter().count());
        assertEquals(0, meters.get("netwatch.incidents.opened").tags("family", "flood", "severity", "high")
                .functionCounter().count());
        assertEquals(Family.values().length * 6, meters.find("netwatch.incidents.opened").functionCounters().size(),
                "one series per family and severity, whatever the traffic");
    }
}
