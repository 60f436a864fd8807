package io.netwatch.agent.capture;

import java.util.List;

/** A {@link LiveCapture} without handles, whose libpcap statistics tests supply. */
public final class LiveCaptures {
    private LiveCaptures() {
    }

    public static LiveCapture unopened(List<String> names) {
        return new LiveCapture(LiveCaptureConfig.of(names, ""), names);
    }

    /** One reading of libpcap's statistics for interface {@code index}, as its capture thread takes it. */
    public static void stats(LiveCapture capture, int index, long received, long dropped, long ifDropped) {
        capture.recordStats(index, received, dropped, ifDropped);
    }
}
