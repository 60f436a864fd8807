package io.netwatch.agent.decode;

/**
 * The result of decoding one frame: the frame's VLAN tags and one {@link IpLayer} per IP
 * header, outermost first. One instance is reused for every packet on a capture thread (no
 * per-packet allocation), so it must not be kept or shared: copy what you keep.
 *
 * <p>{@link #error} names the first problem; the layers decoded before it stay valid, so the
 * outer flow of a tunnel still counts when its inner packet is malformed.
 */
public final class DecodedPacket {
    /** Most VLAN tags kept; deeper stacks are a decode error. */
    public static final int MAX_VLAN_TAGS = 8;
    /** Most IP layers decoded: the outer header and three nested tunnels. */
    public static final int MAX_LAYERS = 4;

    public DecodeError error = DecodeError.NONE;
    /** VLAN ids of the outer Ethernet header, outermost first. */
    public final int[] vlanIds = new int[MAX_VLAN_TAGS];
    public int vlanCount;
    public final IpLayer[] layers = new IpLayer[MAX_LAYERS];
    public int layerCount;
    /**
     * Which interface the frame was captured on, as the link header says: the interface index
     * of a Linux cooked v2 header, or the packet type of a v1 header (incoming or outgoing);
     * -1 for other link types. Tells apart the copies {@code any} captures on each port.
     */
    public int linkInterface;
    /** True when the capture cut the packet short of an IP length it announced (caplen < len). */
    public boolean truncated;
    /**
     * Datagrams on a tunnel port in this frame left plain UDP, and GRE and IP-in-IP packets left
     * unread, because they are not this node's underlay (live capture only; see {@link PacketDecoder#PacketDecoder(TunnelPorts, LocalAddresses)}).
     */
    public int tunnelsNotLocal;

    public DecodedPacket() {
        for (int i = 0; i < MAX_LAYERS; i++) {
            layers[i] = new IpLayer();
        }
    }

    void reset() {
        error = DecodeError.NONE;
        vlanCount = 0;
        layerCount = 0;
        truncated = false;
        tunnelsNotLocal = 0;
        linkInterface = -1;
    }

    /** True when the whole frame decoded without a problem. */
    public boolean ok() {
        return error == DecodeError.NONE;
    }

    /** The outermost IP layer; only valid when {@link #layerCount} > 0. */
    public IpLayer outer() {
        return layers[0];
    }

    /** The last IP layer decoded; only valid when {@link #layerCount} > 0. */
    public IpLayer inner() {
        return layers[layerCount - 1];
    }

    /** Sets the first error only: later layers do not hide the first problem. */
    void fail(DecodeError e) {
        if (error == DecodeError.NONE) {
            error = e;
        }
    }
}
