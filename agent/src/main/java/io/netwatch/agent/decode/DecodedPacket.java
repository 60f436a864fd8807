package io.netwatch.agent.decode;

/**
 * The result of decoding one frame: the fields a flow key and the counters need. One instance
 * is reused for every packet on a capture thread (no per-packet allocation), so it must not
 * be kept or shared: copy what you keep.
 *
 * <p>Addresses are held as two longs each. An IPv4 address is stored IPv4-mapped
 * ({@code ::ffff:a.b.c.d}), so both families compare and hash the same way.
 */
public final class DecodedPacket {
    /** Most VLAN tags kept; deeper stacks are a decode error. */
    public static final int MAX_VLAN_TAGS = 8;

    public DecodeError error = DecodeError.NONE;
    /** 4 or 6. */
    public int ipVersion;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    /** IP protocol number of the transport. */
    public int protocol;
    /** Ports for TCP, UDP and SCTP; ICMP type and code for ICMP and ICMPv6; else 0. */
    public int srcPort;
    public int dstPort;
    /** TCP flags byte (FIN=0x01 ... CWR=0x80); 0 for other protocols. */
    public int tcpFlags;
    /** VLAN ids, outermost first. */
    public final int[] vlanIds = new int[MAX_VLAN_TAGS];
    public int vlanCount;
    /** Offset and length of the transport payload in the frame (bounded by the capture). */
    public int payloadOffset;
    public int payloadLength;
    /** True when the capture cut the packet short of its IP length (caplen < len). */
    public boolean truncated;

    void reset() {
        error = DecodeError.NONE;
        ipVersion = 0;
        srcHi = srcLo = dstHi = dstLo = 0;
        protocol = 0;
        srcPort = dstPort = 0;
        tcpFlags = 0;
        vlanCount = 0;
        payloadOffset = payloadLength = 0;
        truncated = false;
    }

    /** True when the frame decoded to an IP packet with a usable transport key. */
    public boolean ok() {
        return error == DecodeError.NONE;
    }
}
