package io.netwatch.agent.capture;

import java.nio.ByteBuffer;

/**
 * Receives each captured frame. Called on the capture thread: an implementation must not
 * block, log or allocate per packet, and must not keep {@code frame} after it returns (the
 * buffer is reused or unmapped).
 */
@FunctionalInterface
public interface PacketHandler {

    /**
     * @param frame         the captured bytes in network (big-endian) byte order, from {@code frame.position()} to
     *                      {@code frame.limit()} (that is the capture length); read-only
     * @param linkType      the LINKTYPE_* value of the frame (see {@link LinkType})
     * @param timestampNanos capture time, nanoseconds since the Unix epoch
     * @param originalLength length of the frame on the wire, bytes (≥ the capture length)
     * @param interfaceIndex index of the capturing interface within the source (0 for a
     *                      single-interface source)
     */
    void onPacket(ByteBuffer frame, int linkType, long timestampNanos, int originalLength, int interfaceIndex);

    /**
     * Called on the capture thread when no packet arrived for a while (live capture), so
     * time-driven work such as flow expiry happens on the same thread as packets.
     *
     * @param nowNanos wall-clock time, nanoseconds since the Unix epoch
     */
    default void onIdle(long nowNanos) {
    }
}
