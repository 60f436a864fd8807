package io.netwatch.common.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FunctionMetersTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FunctionMeters meters = new FunctionMeters(registry);

    @Test
    void aCounterReadsItsSourceAtEachScrapeWithItsDescriptionAndTags() {
        AtomicLong dropped = new AtomicLong(3);
        meters.counter("netwatch.test.dropped", dropped, AtomicLong::get, "Records dropped", "kind", "flow");
        FunctionCounter c = registry.get("netwatch.test.dropped").tags("kind", "flow").functionCounter();
        assertEquals(3, c.count());
        dropped.addAndGet(4);
        assertEquals(7, c.count(), "read again, not copied at registration");
        assertEquals("Records dropped", c.getId().getDescription());
        assertEquals(Tags.of("kind", "flow"), Tags.of(c.getId().getTags()));
    }

    @Test
    void aGaugeReadsItsSourceAndMayHaveNoTags() {
        AtomicLong depth = new AtomicLong(5);
        meters.gauge("netwatch.test.depth", depth, AtomicLong::get, "Records waiting");
        Gauge g = registry.get("netwatch.test.depth").gauge();
        assertEquals(5, g.value());
        depth.set(2);
        assertEquals(2, g.value());
        assertEquals("Records waiting", g.getId().getDescription());
        assertEquals(0, g.getId().getTags().size());
    }

    @Test
    void theSameNameWithOtherTagsIsAnotherSeries() {
        AtomicLong flows = new AtomicLong(1);
        AtomicLong anomalies = new AtomicLong(2);
        meters.counter("netwatch.test.acked", flows, AtomicLong::get, "Acked", "kind", "flow");
        meters.counter("netwatch.test.acked", anomalies, AtomicLong::get, "Acked", "kind", "anomaly");
        assertEquals(1, registry.get("netwatch.test.acked").tags("kind", "flow").functionCounter().count());
        assertEquals(2, registry.get("netwatch.test.acked").tags("kind", "anomaly").functionCounter().count());
    }

    @Test
    void aTagWithoutItsValueIsRefused() {
        AtomicLong n = new AtomicLong();
        assertThrows(IllegalArgumentException.class,
                () -> meters.counter("netwatch.test.odd", n, AtomicLong::get, "Odd", "kind"));
        assertEquals(0, registry.find("netwatch.test.odd").meters().size(), "nothing registered");
    }
}
