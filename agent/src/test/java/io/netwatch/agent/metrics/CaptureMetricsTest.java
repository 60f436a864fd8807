package io.netwatch.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netwatch.agent.capture.LiveCapture;
import io.netwatch.agent.capture.LiveCaptures;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaptureMetricsTest {
    private static final long WRAP = 1L << 32;

    @Test
    void libpcapsCountersKeepRisingPastTheir32BitWrap() {
        LiveCapture capture = LiveCaptures.unopened(List.of("eth0", "eth1"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new CaptureMetrics(capture).bindTo(registry);
        LiveCaptures.stats(capture, 0, WRAP - 100, WRAP - 10, 7);
        LiveCaptures.stats(capture, 1, 50, 0, 0);
        // ps_recv and ps_drop wrapped on eth0 between two ticks.
        LiveCaptures.stats(capture, 0, 900, 20, 9);

        assertEquals(WRAP + 900, count(registry, "netwatch.capture.kernel.received.packets", "eth0"));
        assertEquals(WRAP + 20, count(registry, "netwatch.capture.kernel.dropped.packets", "eth0"));
        assertEquals(9, count(registry, "netwatch.capture.interface.dropped.packets", "eth0"));
        assertEquals(50, count(registry, "netwatch.capture.kernel.received.packets", "eth1"));
    }

    private static double count(SimpleMeterRegistry registry, String name, String iface) {
        return registry.get(name).tag("interface", iface).functionCounter().count();
    }
}
