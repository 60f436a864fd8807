package io.netwatch.agent.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.agent.capture.LiveCapture;
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
        List<String> names = capture.interfaceNames();
        for (int i = 0; i < names.size(); i++) {
            final int index = i;
            FunctionCounter.builder("netwatch.capture.kernel.received.packets", capture, c -> c.received(index))
                    .tag("interface", names.get(i))
                    .description("Packets the kernel passed to the capture (libpcap ps_recv)").register(registry);
            FunctionCounter.builder("netwatch.capture.kernel.dropped.packets", capture, c -> c.kernelDropped(index))
                    .tag("interface", names.get(i))
                    .description("Packets the kernel dropped because the capture buffer was full (ps_drop)")
                    .register(registry);
            FunctionCounter.builder("netwatch.capture.interface.dropped.packets", capture, c -> c.interfaceDropped(index))
                    .tag("interface", names.get(i))
                    .description("Packets the interface or its driver dropped (ps_ifdrop)").register(registry);
        }
    }
}
