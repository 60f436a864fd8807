package io.netwatch.agent.decode;

/**
 * One IP header of a frame and what follows it: the outermost is depth 0, each tunnel
 * (VXLAN, Geneve, GRE, IP-in-IP) adds one. Reused per packet, like {@link DecodedPacket}.
 *
 * <p>Addresses are two longs each; IPv4 is held IPv4-mapped ({@code ::ffff:a.b.c.d}).
 */
public final class IpLayer {
    /** Tunnel types; match {@code netwatch.flow.v1.TunnelType}. */
    public static final int TUNNEL_NONE = 0;
    public static final int TUNNEL_VXLAN = 1;
    public static final int TUNNEL_GENEVE = 2;
    public static final int TUNNEL_IPIP = 3;
    public static final int TUNNEL_GRE = 4;

    /** 0 for the outermost IP header. */
    public int depth;
    /** 4 or 6. */
    public int ipVersion;
    /** Where this IP header starts in the frame. */
    public int ipOffset;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    /** IP protocol number of the transport (after IPv6 extension headers). */
    public int protocol;
    /** True once the transport header was read: ports (or ICMP type and code) are valid. */
    public boolean transport;
    /** Ports for TCP, UDP and SCTP; ICMP type and code for ICMP and ICMPv6. */
    public int srcPort;
    public int dstPort;
    /** FIN, SYN and RST: the TCP flags that start or end a direction. */
    public static final int TCP_BOUNDARY_FLAGS = 0x07;
    /** TCP flags byte and sequence number. */
    public int tcpFlags;
    public int tcpSeq;
    /** Offset and length of the transport payload within the frame (bounded by the capture). */
    public int payloadOffset;
    public int payloadLength;
    /** An ICMP error (destination unreachable, time exceeded, ...): it quotes another packet's header. */
    public boolean icmpError;

    /** True for any IP fragment, first or not; {@link #transport} is set only for the first. */
    public boolean fragment;
    public int fragmentId;
    /** Offset of this fragment's data in the datagram, bytes. */
    public int fragmentOffset;
    /** Length of this fragment's data (after the IP header and any fragment header), bytes. */
    public int fragmentLength;
    public boolean moreFragments;

    /**
     * This layer's payload is a tunnel (VXLAN or Geneve) carrying an ARP frame: there is no
     * next layer, yet this one carries nothing of its own. (A tunnel carrying IP has a next
     * layer, which says the same.)
     */
    public boolean carriesTunnel;

    /** How this layer was reached (TUNNEL_*) and the tunnel's VNI or GRE key; 0 at depth 0. */
    public int tunnelType;
    public int vni;
    /**
     * Identity of the chain of tunnels around this layer (types and VNIs of every level), the
     * same in both directions; 0 at depth 0.
     */
    public long tunnelContext;

    void reset(int depth, long parentContext) {
        this.depth = depth;
        ipVersion = 0;
        ipOffset = 0;
        srcHi = srcLo = dstHi = dstLo = 0;
        protocol = 0;
        transport = false;
        srcPort = dstPort = 0;
        tcpFlags = 0;
        tcpSeq = 0;
        payloadOffset = payloadLength = 0;
        icmpError = false;
        fragment = false;
        fragmentId = fragmentOffset = fragmentLength = 0;
        moreFragments = false;
        carriesTunnel = false;
        tunnelType = TUNNEL_NONE;
        vni = 0;
        tunnelContext = parentContext;
    }

    /** True when this layer can be counted in a flow now (not a fragment, not an ICMP error). */
    public boolean flowable() {
        return transport && !fragment && !icmpError;
    }

    /** Copies every field of {@code o} into this layer (used to keep a fragment's header). */
    public void copyFrom(IpLayer o) {
        depth = o.depth;
        ipVersion = o.ipVersion;
        ipOffset = o.ipOffset;
        srcHi = o.srcHi;
        srcLo = o.srcLo;
        dstHi = o.dstHi;
        dstLo = o.dstLo;
        protocol = o.protocol;
        transport = o.transport;
        srcPort = o.srcPort;
        dstPort = o.dstPort;
        tcpFlags = o.tcpFlags;
        tcpSeq = o.tcpSeq;
        payloadOffset = o.payloadOffset;
        payloadLength = o.payloadLength;
        icmpError = o.icmpError;
        fragment = o.fragment;
        fragmentId = o.fragmentId;
        fragmentOffset = o.fragmentOffset;
        fragmentLength = o.fragmentLength;
        moreFragments = o.moreFragments;
        carriesTunnel = o.carriesTunnel;
        tunnelType = o.tunnelType;
        vni = o.vni;
        tunnelContext = o.tunnelContext;
    }
}
