package io.netwatch.agent.flow;

import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.flow.v1.Flow;

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
                flagsToServer(), flagsToClient(), packetsToServer(), packetsToClient(), bytesToServer(),
                bytesToClient(), firstNanos(), lastNanos());
    }

    /** The outcome a flow record tells: for replays and tests that hold records. */
    static Snapshot of(Flow f) {
        return new Snapshot(f.getFlowId(), f.getIpProtocol(), f.getSource().getIp(), f.getSource().getPort(),
                f.getDestination().getIp(), f.getDestination().getPort(), f.getTcp().getFlagsToServer(),
                f.getTcp().getFlagsToClient(), f.getToServer().getPackets(), f.getToClient().getPackets(),
                f.getToServer().getBytes(), f.getToClient().getBytes(),
                Timestamps.toNanos(f.getFirstSeen()), Timestamps.toNanos(f.getLastSeen()));
    }

    /** An outcome kept as values. */
    record Snapshot(long flowId, int ipProtocol, String sourceIp, int sourcePort, String destinationIp,
                    int destinationPort, int flagsToServer, int flagsToClient, long packetsToServer,
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
}
