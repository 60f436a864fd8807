package io.netwatch.agent.flow;

import io.netwatch.agent.decode.IpLayer;
import io.netwatch.proto.flow.v1.Flow;
import java.nio.ByteBuffer;

/**
 * A later stage that looks at each flow's packets as the flow table counts them (payload
 * inspection), and adds to each flow's record as it leaves the table. Called on the capture
 * thread: must not block, and must not keep {@code frame}.
 *
 * <p>A flow is known by its slot: a small integer that is reused after the flow's last
 * record ({@code last == true} in {@link #onRecord}), when per-flow state must be dropped.
 */
public interface FlowObserver {
    /**
     * One IP layer of a packet was counted in the flow at {@code slot}.
     *
     * @param frame the frame the layer was decoded from (its payload is at
     *              {@code layer.payloadOffset}), or null when the layer has no payload to
     *              read: a fragment of a datagram whose first fragment carried it, or a layer
     *              that carries a tunnel (its payload is the next layer)
     * @return false when this stage wants no more packets of this direction of a TCP or UDP
     *         flow: the flow table then stops calling it for them, until the flow ends (a
     *         bulk transfer's later packets then cost the stage nothing, not even the load of
     *         its per-flow state). A TCP reset is passed on all the same, since it also
     *         ends the other direction. Other protocols' packets are always passed on.
     */
    boolean onPacket(int slot, long flowId, boolean fromInitiator, IpLayer layer, ByteBuffer frame, long nowNanos);

    /** The flow's record is being built: add what this stage learnt. {@code last} is false for interim records. */
    void onRecord(int slot, Flow.Builder record, boolean last);

    FlowObserver NONE = new FlowObserver() {
        @Override
        public boolean onPacket(int slot, long flowId, boolean fromInitiator, IpLayer layer, ByteBuffer frame, long nowNanos) {
            return false;
        }

        @Override
        public void onRecord(int slot, Flow.Builder record, boolean last) {
        }
    };
}
