package io.netwatch.agent.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.agent.capture.LiveCapture;
import io.netwatch.common.metrics.FunctionMeters;
import java.util.List;

/**
 * libpcap's kernel statistics of a live capture, per interface: what the kernel received,
 * what it dropped for lack of buffer space, and what the interface dropped. The interface
 * label takes only the configured interfaces' names, a small bounded set.
 */
public final class CaptureMetrics implements MeterBinder {
    private final LiveCapture capture;

    public CaptureMetrics(LiveCapture capture) {
        this.capture = capture;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        List<String> names = capture.interfaceNames();
        for (int i = 0; i < names.size(); i++) {
            final int index = i;
            meters.counter("netwatch.capture.kernel.received.packets", capture, c -> c.received(index),
                    "Packets the kernel passed to the capture (libpcap ps_recv)", "interface", names.get(i));
            meters.counter("netwatch.capture.kernel.dropped.packets", capture, c -> c.kernelDropped(index),
                    "Packets the kernel dropped because the capture buffer was full (ps_drop)",
                    "interface", names.get(i));
            meters.counter("netwatch.capture.interface.dropped.packets", capture, c -> c.interfaceDropped(index),
                    "Packets the interface or its driver dropped (ps_ifdrop)", "interface", names.get(i));
        }
    }
}
