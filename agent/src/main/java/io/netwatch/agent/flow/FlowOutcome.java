package io.netwatch.agent.flow;

import com.google.common.net.InetAddresses;
import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.flow.v1.Flow;
import java.nio.ByteBuffer;

/**
 * A TCP or UDP flow's outcome as the flow table decides it ({@link FlowTable#decide}): who
 * tried to reach whom, what each side sent so far, and the TCP flags. The table hands it over
 * as a view of its own state, with no record built: valid only during the call that receives
 * it, and addresses are formatted only when asked for. {@link #snapshot} keeps one.
 */
public interface FlowOutcome {
    long flowId();

    int ipProtocol();

    /** The initiator's address, as in flow records ("10.0.0.1", "2001:db8::1"); formatted on each call. */
    String sourceIp();

    int sourcePort();

    /** The responder's address; formatted on each call. */
    String destinationIp();

    int destinationPort();

    /**
     * The initiator's address as the flow table keeps it, high 64 bits: IPv6 in two halves,
     * IPv4 as {@code ::ffff:a.b.c.d}. With {@link #sourceLo} a key that needs no formatting.
     */
    long sourceHi();

    long sourceLo();

    long destinationHi();

    long destinationLo();

    /** TCP flags the initiator sent (ORed); 0 for UDP. */
    int flagsToServer();

    /** TCP flags the responder sent (ORed); 0 for UDP. */
    int flagsToClient();

    long packetsToServer();

    long packetsToClient();

    long bytesToServer();

    long bytesToClient();

    /** Capture time of the first packet, nanoseconds since the epoch. */
    long firstNanos();

    /** Capture time of the last packet so far. */
    long lastNanos();

    /** A copy that outlives the call. */
    default Snapshot snapshot() {
        return new Snapshot(flowId(), ipProtocol(), sourceIp(), sourcePort(), destinationIp(), destinationPort(),
                sourceHi(), sourceLo(), destinationHi(), destinationLo(), flagsToServer(), flagsToClient(),
                packetsToServer(), packetsToClient(), bytesToServer(), bytesToClient(), firstNanos(), lastNanos());
    }

    /** The outcome a flow record tells: for replays and tests that hold records. */
    static Snapshot of(Flow f) {
        long[] src = halves(f.getSource().getIp());
        long[] dst = halves(f.getDestination().getIp());
        return new Snapshot(f.getFlowId(), f.getIpProtocol(), f.getSource().getIp(), f.getSource().getPort(),
                f.getDestination().getIp(), f.getDestination().getPort(), src[0], src[1], dst[0], dst[1],
                f.getTcp().getFlagsToServer(),
                f.getTcp().getFlagsToClient(), f.getToServer().getPackets(), f.getToClient().getPackets(),
                f.getToServer().getBytes(), f.getToClient().getBytes(),
                Timestamps.toNanos(f.getFirstSeen()), Timestamps.toNanos(f.getLastSeen()));
    }

    /** An address of a record as the table keeps it; zeros for one that does not parse. */
    private static long[] halves(String ip) {
        byte[] b;
        try {
            b = InetAddresses.forString(ip).getAddress();
        } catch (IllegalArgumentException notAnAddress) {
            return new long[2];
        }
        ByteBuffer bytes = ByteBuffer.wrap(b);
        return b.length == 4 ? new long[] {0, IPV4_MAPPED | (bytes.getInt() & 0xFFFF_FFFFL)}
                : new long[] {bytes.getLong(), bytes.getLong()};
    }

    /** The low half of {@code ::ffff:0.0.0.0}, where the table keeps IPv4 addresses. */
    long IPV4_MAPPED = 0xFFFF_0000_0000L;

    /** An outcome kept as values. */
    record Snapshot(long flowId, int ipProtocol, String sourceIp, int sourcePort, String destinationIp,
                    int destinationPort, long sourceHi, long sourceLo, long destinationHi, long destinationLo,
                    int flagsToServer, int flagsToClient, long packetsToServer,
                    long packetsToClient, long bytesToServer, long bytesToClient, long firstNanos, long lastNanos)
            implements FlowOutcome {
        @Override
        public Snapshot snapshot() {
            return this;
        }
    }

    /** Receives outcomes ({@link FlowTable#decide}); called on the capture thread, must not keep the view. */
    @FunctionalInterface
    interface Sink {
        void onOutcome(FlowOutcome outcome);
    }

    /**
     * Receives what the initiator of a flow decided unanswered went on sending
     * ({@link FlowTable#repeats}); called on the capture thread, must not keep the view.
     */
    @FunctionalInterface
    interface Repeats {
        /**
         * @param flow       the flow as it is now (its counters are totals, as in its decision)
         * @param packets    packets from the initiator since its decision or its last repeat
         * @param sinceNanos capture time none of those packets is older than: the table's
         *                   sweep before, or the flow's decision when that came later (its
         *                   first packet and the decision delay; its first packet for a TCP
         *                   flow decided by a reset)
         */
        void onRepeat(FlowOutcome flow, long packets, long sinceNanos);
    }
}
