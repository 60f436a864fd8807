package io.netwatch.agent.capture;

import java.util.List;

/**
 * Live capture settings.
 *
 * @param interfaces     interface names, regular expressions over interface names
 *                       ({@code cali.*|veth.*}), or {@code any}
 * @param bpfFilter      a BPF filter expression, or empty for none
 * @param snapLength     bytes captured per packet; 262144 keeps GSO super-frames whole
 * @param bufferBytes    kernel ring buffer per interface, bytes
 * @param immediateMode  deliver each packet at once (lower latency, measured to drop more
 *                       at high rates than a larger buffer without it)
 * @param promiscuous    capture frames not addressed to the interface
 * @param idleTickMillis libpcap's packet buffer timeout, milliseconds: the longest a captured
 *                       packet waits in a partly filled kernel block before the agent sees it,
 *                       and how often the capture thread wakes on an idle interface to expire
 *                       flows. It bounds detection latency on quiet interfaces; at high rates
 *                       blocks fill first and it costs nothing
 */
public record LiveCaptureConfig(List<String> interfaces, String bpfFilter, int snapLength, int bufferBytes,
                                boolean immediateMode, boolean promiscuous, int idleTickMillis) {
    public static final int DEFAULT_SNAP_LENGTH = 262_144;
    public static final int DEFAULT_BUFFER_BYTES = 32 << 20;
    /** A tenth of a second: an attack on a quiet pod is seen at once, for 10 wake-ups a second. */
    public static final int DEFAULT_IDLE_TICK_MILLIS = 100;

    public LiveCaptureConfig {
        interfaces = List.copyOf(interfaces);
        if (interfaces.isEmpty()) {
            throw new IllegalArgumentException("name at least one interface to capture on (a name, a regular "
                    + "expression such as 'veth.*', or 'any')");
        }
        bpfFilter = bpfFilter == null ? "" : bpfFilter;
        if (snapLength < 64 || snapLength > DEFAULT_SNAP_LENGTH) {
            throw new IllegalArgumentException("snap length must be between 64 and " + DEFAULT_SNAP_LENGTH
                    + " bytes, got " + snapLength);
        }
        if (bufferBytes < (1 << 16)) {
            throw new IllegalArgumentException("capture buffer must be at least 65536 bytes, got " + bufferBytes);
        }
        if (idleTickMillis < 10) {
            throw new IllegalArgumentException("idle tick must be at least 10 ms, got " + idleTickMillis);
        }
    }

    public static LiveCaptureConfig of(List<String> interfaces, String bpfFilter) {
        return new LiveCaptureConfig(interfaces, bpfFilter, DEFAULT_SNAP_LENGTH, DEFAULT_BUFFER_BYTES, false, true, DEFAULT_IDLE_TICK_MILLIS);
    }
}
