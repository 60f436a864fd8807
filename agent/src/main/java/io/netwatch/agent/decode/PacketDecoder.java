package io.netwatch.agent.decode;

import io.netwatch.agent.capture.LinkType;
import java.nio.ByteBuffer;

/**
 * Decodes the link, VLAN, IP, tunnel and transport headers of one frame into a reused
 * {@link DecodedPacket}, one {@link IpLayer} per IP header.
 *
 * <p>Pure and zero-copy: absolute reads on the frame after a bounds check, no allocation, no
 * exceptions for hostile bytes (every problem becomes a {@link DecodeError}). Each layer has
 * one method; the top level only dispatches. Every loop over packet bytes is bounded by a
 * named limit. Checksums are never verified: offloaded frames carry unfilled ones.
 * Truncated packets (caplen &lt; len) are decoded as far as they go.
 */
public final class PacketDecoder {
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_IPV6 = 0x86DD;
    public static final int ETHERTYPE_ARP = 0x0806;
    public static final int ETHERTYPE_VLAN = 0x8100;
    public static final int ETHERTYPE_QINQ = 0x88A8;
    public static final int ETHERTYPE_QINQ_OLD = 0x9100;
    public static final int ETHERTYPE_TRANSPARENT_ETHERNET = 0x6558;

    public static final int PROTO_ICMP = 1;
    public static final int PROTO_IPIP = 4;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int PROTO_IPV6_IN_IP = 41;
    public static final int PROTO_GRE = 47;
    public static final int PROTO_ICMPV6 = 58;
    public static final int PROTO_SCTP = 132;

    /** GRE flags word: the bits the decoder reads (RFC 2784, RFC 2890) or refuses (RFC 1701's R). */
    private static final int GRE_CHECKSUM = 0x8000;
    private static final int GRE_ROUTING = 0x4000;
    private static final int GRE_KEY = 0x2000;
    private static final int GRE_SEQUENCE = 0x1000;
    private static final int GRE_VERSION = 0x0007;

    /** Most IPv6 extension headers followed before giving up: bounds the header loop. */
    public static final int MAX_IPV6_EXTENSION_HEADERS = 8;

    private static final long IPV4_MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;

    /** Values of {@link #udpTunnels}: what a UDP port's payload is read as. */
    private static final byte UDP_PLAIN = 0;
    private static final byte UDP_VXLAN = 1;
    private static final byte UDP_GENEVE = 2;

    private final DecodedPacket out = new DecodedPacket();
    /**
     * By UDP port, UDP_VXLAN, UDP_GENEVE or UDP_PLAIN: one read per port on the hot path,
     * however many ports are configured. Built once, never written after.
     */
    private final byte[] udpTunnels = new byte[65536];
    /** This node's addresses in a live capture; null for a capture file, whose every tunnel is read. */
    private final LocalAddresses local;
    /** Pods' datagrams to tunnel ports, known again once masqueraded; null with {@link #local}. */
    private final MasqueradedCopies masqueraded;
    private int pendingTunnelType;
    private int pendingVni;

    /** VXLAN and Geneve on their default ports ({@link TunnelPorts#defaults()}). */
    public PacketDecoder() {
        this(TunnelPorts.defaults());
    }

    /** VXLAN and Geneve on {@code ports}; UDP on other ports is not read as a tunnel. */
    public PacketDecoder(TunnelPorts ports) {
        this(ports, LocalAddresses.ANY);
    }

    /**
     * As above, a datagram on those ports being read as the tunnel only when it is this
     * node's underlay, to a tunnel port (not only from one): its outer destination is one of {@code local}, or its outer source is
     * and it is not a datagram a pod sent, masqueraded ({@link MasqueradedCopies}). Others
     * stay plain UDP, counted in {@link DecodedPacket#tunnelsNotLocal}. With
     * {@link LocalAddresses#ANY} (a capture file) every one is read.
     */
    public PacketDecoder(TunnelPorts ports, LocalAddresses local) {
        this.local = local == LocalAddresses.ANY ? null : local;
        this.masqueraded = this.local == null ? null : new MasqueradedCopies();
        for (int port : ports.vxlan()) {
            udpTunnels[port] = UDP_VXLAN;
        }
        for (int port : ports.geneve()) {
            udpTunnels[port] = UDP_GENEVE;
        }
    }

    /**
     * Decodes {@code frame} from its position to its limit. The returned object is reused by
     * the next call.
     */
    public DecodedPacket decode(ByteBuffer frame, int linkType) {
        out.reset();
        enterTunnel(IpLayer.TUNNEL_NONE, 0);
        int start = frame.position();
        int end = frame.limit();
        switch (linkType) {
            case LinkType.ETHERNET -> ethernet(frame, start, end, 0, 0);
            case LinkType.LINUX_SLL -> linuxSll(frame, start, end);
            case LinkType.LINUX_SLL2 -> linuxSll2(frame, start, end);
            case LinkType.RAW, LinkType.RAW_ALT_12, LinkType.RAW_ALT_14 -> ipByVersion(frame, start, end, 0, 0);
            case LinkType.IPV4 -> ipv4(frame, start, end, 0, 0);
            case LinkType.IPV6 -> ipv6(frame, start, end, 0, 0);
            case LinkType.NULL, LinkType.LOOP -> bsdLoopback(frame, start, end);
            default -> out.fail(DecodeError.UNSUPPORTED_LINK_TYPE);
        }
        return out;
    }

    private void ethernet(ByteBuffer b, int off, int end, int depth, long context) {
        if (end - off < 14) {
            out.fail(depth == 0 ? DecodeError.TRUNCATED_LINK_HEADER : DecodeError.TRUNCATED_TUNNEL_HEADER);
            return;
        }
        etherPayload(b, u16(b, off + 12), off + 14, end, depth, context);
    }

    /**
     * Follows VLAN tags, then dispatches on the EtherType. Only the outer frame's tags are
     * kept; tags inside a tunnel are skipped (still bounded).
     */
    private void etherPayload(ByteBuffer b, int type, int p, int end, int depth, long context) {
        int tags = 0;
        while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
            if (end - p < 4) {
                out.fail(DecodeError.TRUNCATED_LINK_HEADER);
                return;
            }
            if (tags++ == DecodedPacket.MAX_VLAN_TAGS) {
                out.fail(DecodeError.TOO_MANY_VLAN_TAGS);
                return;
            }
            if (depth == 0) {
                out.vlanIds[out.vlanCount++] = u16(b, p) & 0x0FFF;
            }
            type = u16(b, p + 2);
            p += 4;
        }
        switch (type) {
            case ETHERTYPE_IPV4 -> ipv4(b, p, end, depth, context);
            case ETHERTYPE_IPV6 -> ipv6(b, p, end, depth, context);
            default -> {
                if (depth == 0) {
                    out.fail(DecodeError.NOT_IP);
                }
            }
        }
    }

    private void linuxSll(ByteBuffer b, int off, int end) {
        if (end - off < 16) {
            out.fail(DecodeError.TRUNCATED_LINK_HEADER);
            return;
        }
        out.linkInterface = u16(b, off);
        etherPayload(b, u16(b, off + 14), off + 16, end, 0, 0);
    }

    private void linuxSll2(ByteBuffer b, int off, int end) {
        if (end - off < 20) {
            out.fail(DecodeError.TRUNCATED_LINK_HEADER);
            return;
        }
        out.linkInterface = b.getInt(off + 4);
        etherPayload(b, u16(b, off), off + 20, end, 0, 0);
    }

    private void bsdLoopback(ByteBuffer b, int off, int end) {
        if (end - off < 4) {
            out.fail(DecodeError.TRUNCATED_LINK_HEADER);
            return;
        }
        // The family is in the writing host's byte order: accept either.
        int family = b.getInt(off);
        int af = (family >>> 16) == 0 ? family : Integer.reverseBytes(family);
        switch (af) {
            case 2 -> ipv4(b, off + 4, end, 0, 0);
            case 10, 24, 28, 30 -> ipv6(b, off + 4, end, 0, 0);
            default -> out.fail(DecodeError.NOT_IP);
        }
    }

    private void ipByVersion(ByteBuffer b, int off, int end, int depth, long context) {
        if (end - off < 1) {
            out.fail(DecodeError.TRUNCATED_IP_HEADER);
            return;
        }
        switch ((b.get(off) & 0xF0) >>> 4) {
            case 4 -> ipv4(b, off, end, depth, context);
            case 6 -> ipv6(b, off, end, depth, context);
            default -> out.fail(DecodeError.BAD_IP_VERSION);
        }
    }

    /** Claims the next layer, or fails when tunnels nest deeper than the limit. */
    private IpLayer newLayer(int depth, long context) {
        if (out.layerCount == DecodedPacket.MAX_LAYERS) {
            out.fail(DecodeError.TOO_MANY_TUNNELS);
            return null;
        }
        IpLayer l = out.layers[out.layerCount];
        l.reset(depth, context);
        l.tunnelType = pendingTunnelType;
        l.vni = pendingVni;
        enterTunnel(IpLayer.TUNNEL_NONE, 0);
        return l;
    }

    private void ipv4(ByteBuffer b, int off, int end, int depth, long context) {
        if (end - off < 20) {
            out.fail(DecodeError.TRUNCATED_IP_HEADER);
            return;
        }
        int vihl = b.get(off) & 0xFF;
        if ((vihl >>> 4) != 4) {
            out.fail(DecodeError.BAD_IP_VERSION);
            return;
        }
        int headerLength = (vihl & 0x0F) * 4;
        if (headerLength < 20) {
            out.fail(DecodeError.BAD_IPV4_HEADER_LENGTH);
            return;
        }
        if (end - off < headerLength) {
            out.fail(DecodeError.TRUNCATED_IP_HEADER);
            return;
        }
        int totalLength = u16(b, off + 2);
        // A total length of 0 is what TSO/GSO super-frames carry: use what was captured.
        if (totalLength == 0) {
            totalLength = end - off;
        }
        if (totalLength < headerLength) {
            out.fail(DecodeError.BAD_IP_TOTAL_LENGTH);
            return;
        }
        IpLayer l = newLayer(depth, context);
        if (l == null) {
            return;
        }
        out.layerCount++;
        int declaredEnd = off + totalLength;
        int ipEnd = Math.min(declaredEnd, end);
        if (declaredEnd > end) {
            out.truncated = true;
        }
        l.ipVersion = 4;
        l.ipOffset = off;
        l.srcLo = IPV4_MAPPED_PREFIX | (b.getInt(off + 12) & 0xFFFF_FFFFL);
        l.dstLo = IPV4_MAPPED_PREFIX | (b.getInt(off + 16) & 0xFFFF_FFFFL);
        l.protocol = b.get(off + 9) & 0xFF;
        int fragment = u16(b, off + 6);
        int fragmentOffset = (fragment & 0x1FFF) * 8;
        boolean more = (fragment & 0x2000) != 0;
        if (more || fragmentOffset != 0) {
            l.fragment = true;
            l.fragmentId = u16(b, off + 4);
            l.fragmentOffset = fragmentOffset;
            l.fragmentLength = totalLength - headerLength;
            l.moreFragments = more;
            // The transport header is read once the datagram is whole (it may span fragments).
            payload(l, off + headerLength, ipEnd);
            return;
        }
        transport(b, l, off + headerLength, ipEnd);
    }

    private void ipv6(ByteBuffer b, int off, int end, int depth, long context) {
        if (end - off < 40) {
            out.fail(DecodeError.TRUNCATED_IP_HEADER);
            return;
        }
        if (((b.get(off) & 0xF0) >>> 4) != 6) {
            out.fail(DecodeError.BAD_IP_VERSION);
            return;
        }
        IpLayer l = newLayer(depth, context);
        if (l == null) {
            return;
        }
        out.layerCount++;
        int payloadLength = u16(b, off + 4);
        // Jumbograms and GSO super-frames carry 0: use what was captured.
        int declaredEnd = payloadLength == 0 ? end : off + 40 + payloadLength;
        int ipEnd = Math.min(declaredEnd, end);
        if (declaredEnd > end) {
            out.truncated = true;
        }
        l.ipVersion = 6;
        l.ipOffset = off;
        l.srcHi = b.getLong(off + 8);
        l.srcLo = b.getLong(off + 16);
        l.dstHi = b.getLong(off + 24);
        l.dstLo = b.getLong(off + 32);
        int next = b.get(off + 6) & 0xFF;
        int p = off + 40;
        for (int i = 0; isIpv6Extension(next); i++) {
            if (i == MAX_IPV6_EXTENSION_HEADERS) {
                l.protocol = next;
                out.fail(DecodeError.TOO_MANY_IPV6_EXTENSION_HEADERS);
                return;
            }
            if (ipEnd - p < 8) {
                l.protocol = next;
                out.fail(DecodeError.TRUNCATED_IPV6_EXTENSION_HEADER);
                return;
            }
            int following = b.get(p) & 0xFF;
            if (next == 44 && (u16(b, p + 2) & 0xFFF9) == 0) {
                // An atomic fragment (offset 0, M = 0): a whole datagram, processed on its own
                // and never with fragments of the same id (RFC 6946). Skip the header.
                p += 8;
            } else if (next == 44) {
                int offsetField = u16(b, p + 2);
                l.fragment = true;
                l.fragmentOffset = offsetField & 0xFFF8;
                l.moreFragments = (offsetField & 1) != 0;
                l.fragmentId = b.getInt(p + 4);
                l.fragmentLength = declaredEnd - (p + 8);
                l.protocol = following;
                // Headers after the fragment header are in the fragmentable part: read once whole.
                payload(l, p + 8, ipEnd);
                return;
            } else if (next == 51) {
                p += ((b.get(p + 1) & 0xFF) + 2) * 4;
            } else {
                p += ((b.get(p + 1) & 0xFF) + 1) * 8;
            }
            next = following;
        }
        l.protocol = next;
        if (p > ipEnd) {
            out.fail(DecodeError.TRUNCATED_IPV6_EXTENSION_HEADER);
            return;
        }
        transport(b, l, p, ipEnd);
    }

    private static boolean isIpv6Extension(int next) {
        return next == 0 || next == 43 || next == 44 || next == 60 || next == 51 || next == 135
                || next == 139 || next == 140;
    }

    /**
     * Reads the transport header. Its fixed part must be there (20 bytes for TCP, 8 for UDP,
     * 12 for SCTP), as tshark requires before it counts a packet in a conversation; TCP
     * options and payload may be cut by the capture.
     */
    private void transport(ByteBuffer b, IpLayer l, int off, int end) {
        switch (l.protocol) {
            case PROTO_TCP, PROTO_UDP, PROTO_SCTP, PROTO_ICMP, PROTO_ICMPV6 -> {
                if (!readTransport(b, off, end, l)) {
                    out.fail(l.protocol == PROTO_TCP && end - off >= 20 ? DecodeError.BAD_TCP_HEADER_LENGTH
                            : DecodeError.TRUNCATED_TRANSPORT_HEADER);
                    return;
                }
                if (l.protocol == PROTO_UDP) {
                    udpTunnel(b, l, l.payloadOffset, end);
                }
            }
            case PROTO_IPIP, PROTO_IPV6_IN_IP -> {
                l.transport = true;
                payload(l, off, end);
                if (!l.fragment && readsTunnel(b, l, off, end)) {
                    int depth = l.depth + 1;
                    long context = innerContext(l, IpLayer.TUNNEL_IPIP, 0);
                    enterTunnel(IpLayer.TUNNEL_IPIP, 0);
                    if (l.protocol == PROTO_IPIP) {
                        ipv4(b, off, end, depth, context);
                    } else {
                        ipv6(b, off, end, depth, context);
                    }
                    enterTunnel(IpLayer.TUNNEL_NONE, 0);
                }
            }
            case PROTO_GRE -> {
                l.transport = true;
                payload(l, off, end);
                if (!l.fragment && readsTunnel(b, l, off, end)) {
                    gre(b, l, off, end);
                }
            }
            default -> {
                l.transport = true;
                payload(l, off, end);
            }
        }
    }

    /**
     * Reads a TCP, UDP, SCTP, ICMP or ICMPv6 header into {@code l}: ports (ICMP type and
     * code), TCP flags and sequence number, and where the payload starts. Used on the frame
     * and on a reassembled datagram's first bytes.
     *
     * @return false when the fixed part of the header is not all there (or TCP's header
     *         length is below 20)
     */
    public static boolean readTransport(ByteBuffer b, int off, int end, IpLayer l) {
        int available = end - off;
        switch (l.protocol) {
            case PROTO_TCP -> {
                if (available < 20) {
                    return false;
                }
                int headerLength = ((b.get(off + 12) & 0xF0) >>> 4) * 4;
                if (headerLength < 20) {
                    return false;
                }
                l.srcPort = u16(b, off);
                l.dstPort = u16(b, off + 2);
                l.tcpSeq = b.getInt(off + 4);
                l.tcpFlags = b.get(off + 13) & 0xFF;
                setPayload(l, off + Math.min(headerLength, available), end);
            }
            case PROTO_UDP, PROTO_SCTP -> {
                int headerLength = l.protocol == PROTO_UDP ? 8 : 12;
                if (available < headerLength) {
                    return false;
                }
                l.srcPort = u16(b, off);
                l.dstPort = u16(b, off + 2);
                setPayload(l, off + headerLength, end);
            }
            case PROTO_ICMP, PROTO_ICMPV6 -> {
                if (available < 4) {
                    return false;
                }
                int type = b.get(off) & 0xFF;
                l.srcPort = type;
                l.dstPort = b.get(off + 1) & 0xFF;
                l.icmpError = l.protocol == PROTO_ICMP
                        ? type == 3 || type == 4 || type == 5 || type == 11 || type == 12
                        : type >= 1 && type <= 4;
                setPayload(l, off + 4, end);
            }
            default -> setPayload(l, off, end);
        }
        l.transport = true;
        return true;
    }

    private static void setPayload(IpLayer l, int off, int end) {
        l.payloadOffset = off;
        l.payloadLength = Math.max(0, end - off);
    }

    private void udpTunnel(ByteBuffer b, IpLayer l, int off, int end) {
        // The destination port first: a tunnel's source port is a hash of the inner flow.
        byte kind = udpTunnels[l.dstPort];
        if (kind == UDP_PLAIN) {
            kind = udpTunnels[l.srcPort];
        }
        if (kind == UDP_PLAIN) {
            return;
        }
        // Live, the port must be the destination's: the underlay always goes to the tunnel port
        // (its source port is a hash), and nothing takes in a datagram sent from one to
        // another port, whatever its inner packets say.
        if (local != null && (udpTunnels[l.dstPort] == UDP_PLAIN || !underlay(b, l, off, end))) {
            out.tunnelsNotLocal++;
            return;
        }
        if (kind == UDP_GENEVE) {
            geneve(b, l, off, end);
            return;
        }
        // VXLAN: flags (I bit 0x08 says the VNI is valid), 3 reserved, VNI, 1 reserved.
        if (end - off < 8) {
            out.fail(DecodeError.TRUNCATED_TUNNEL_HEADER);
            return;
        }
        if ((b.get(off) & 0x08) == 0) {
            out.fail(DecodeError.UNSUPPORTED_TUNNEL);
            return;
        }
        int vni = b.getInt(off + 4) >>> 8;
        enterTunnel(IpLayer.TUNNEL_VXLAN, vni);
        ethernet(b, off + 8, end, l.depth + 1, innerContext(l, IpLayer.TUNNEL_VXLAN, vni));
        enterTunnel(IpLayer.TUNNEL_NONE, 0);
        l.carriesTunnel = arpFrame(b, off + 8, end);
    }

    /**
     * True when the GRE or IP-in-IP packet in {@code l} (payload {@code off} to {@code end}) is
     * read as the tunnel: always in a file, live only when it is this node's underlay (see
     * {@link #underlay}), else counted. A pod with {@code CAP_NET_RAW}, which container runtimes
     * grant by default, can send either with whatever inner packets it likes, as any pod can
     * send VXLAN; left unread, it is a flow of protocol 4, 41 or 47 between its real addresses.
     */
    private boolean readsTunnel(ByteBuffer b, IpLayer l, int off, int end) {
        if (local == null || underlay(b, l, off, end)) {
            return true;
        }
        out.tunnelsNotLocal++;
        return false;
    }

    /**
     * True when the datagram in {@code l} (payload {@code off} to {@code end}) is this node's
     * underlay: sent to it, or sent by it and not first seen from another source. Anything
     * else is what a pod sent with a plain UDP socket, its inner packets made up: read as the
     * tunnel, they would be flows "from" whatever address the pod wrote in them. Checked at
     * every depth, so a pod's datagram to another pod's tunnel port, carried in the real
     * overlay, is not read either.
     */
    private boolean underlay(ByteBuffer b, IpLayer l, int off, int end) {
        if (local.contains(l.dstHi, l.dstLo)) {
            return true;
        }
        long identity = masqueraded.identity(b, l, off, end);
        if (!local.contains(l.srcHi, l.srcLo)) {
            masqueraded.remember(identity);
            return false;
        }
        return !masqueraded.remembered(identity);
    }

    /**
     * True when the Ethernet frame at {@code off} is a well-formed Ethernet/IPv4 ARP request or
     * reply: a tunnel's payload that is a frame, but no IP layer (pods resolving each other).
     * The tunnel's outer layer then carries it (see {@link IpLayer#carriesTunnel}); junk sent to
     * a tunnel port, which decodes to neither, stays plain UDP.
     */
    private static boolean arpFrame(ByteBuffer b, int off, int end) {
        int arp = off + 14;
        if (end - arp < 28 || u16(b, off + 12) != ETHERTYPE_ARP) {
            return false;
        }
        int op = u16(b, arp + 6);
        return u16(b, arp) == 1 && u16(b, arp + 2) == ETHERTYPE_IPV4 && (b.get(arp + 4) & 0xFF) == 6
                && (b.get(arp + 5) & 0xFF) == 4 && (op == 1 || op == 2);
    }

    private void geneve(ByteBuffer b, IpLayer l, int off, int end) {
        if (end - off < 8) {
            out.fail(DecodeError.TRUNCATED_TUNNEL_HEADER);
            return;
        }
        int first = b.get(off) & 0xFF;
        if ((first >>> 6) != 0) {
            out.fail(DecodeError.UNSUPPORTED_TUNNEL);
            return;
        }
        int optionsLength = (first & 0x3F) * 4;
        int type = u16(b, off + 2);
        int vni = b.getInt(off + 4) >>> 8;
        int inner = off + 8 + optionsLength;
        if (inner > end) {
            out.fail(DecodeError.TRUNCATED_TUNNEL_HEADER);
            return;
        }
        innerByEtherType(b, type, inner, end, l, IpLayer.TUNNEL_GENEVE, vni);
        l.carriesTunnel = type == ETHERTYPE_TRANSPARENT_ETHERNET && arpFrame(b, inner, end);
    }

    private void gre(ByteBuffer b, IpLayer l, int off, int end) {
        if (end - off < 4) {
            out.fail(DecodeError.TRUNCATED_TUNNEL_HEADER);
            return;
        }
        int flags = u16(b, off);
        // Refused as Linux refuses them, so no inner flow is made of what no host receives:
        // versions other than 0 (1 is PPTP's enhanced GRE, not a CNI tunnel), and RFC 1701's
        // routing bit, whose Source Route Entries come before the payload (read from where
        // it would be without them, they are an attacker's choice of inner packet). The
        // other bits (strict source route, recursion, reserved flags) add no field and Linux
        // delivers such packets, so they are ignored as RFC 2784 lets bits 6-12 be.
        if ((flags & (GRE_VERSION | GRE_ROUTING)) != 0) {
            out.fail(DecodeError.UNSUPPORTED_TUNNEL);
            return;
        }
        int type = u16(b, off + 2);
        int p = off + 4;
        if ((flags & GRE_CHECKSUM) != 0) {
            p += 4; // checksum and reserved
        }
        int key = 0;
        if ((flags & GRE_KEY) != 0) {
            if (end - p < 4) {
                out.fail(DecodeError.TRUNCATED_TUNNEL_HEADER);
                return;
            }
            key = b.getInt(p);
            p += 4;
        }
        if ((flags & GRE_SEQUENCE) != 0) {
            p += 4;
        }
        if (p > end) {
            out.fail(DecodeError.TRUNCATED_TUNNEL_HEADER);
            return;
        }
        innerByEtherType(b, type, p, end, l, IpLayer.TUNNEL_GRE, key);
    }

    private void innerByEtherType(ByteBuffer b, int type, int off, int end, IpLayer outer, int tunnelType, int vni) {
        int depth = outer.depth + 1;
        long context = innerContext(outer, tunnelType, vni);
        enterTunnel(tunnelType, vni);
        switch (type) {
            case ETHERTYPE_TRANSPARENT_ETHERNET -> ethernet(b, off, end, depth, context);
            case ETHERTYPE_IPV4 -> ipv4(b, off, end, depth, context);
            case ETHERTYPE_IPV6 -> ipv6(b, off, end, depth, context);
            default -> out.fail(DecodeError.UNSUPPORTED_TUNNEL);
        }
        enterTunnel(IpLayer.TUNNEL_NONE, 0);
    }

    /** The tunnel the next layer claimed is reached through; cleared once claimed or abandoned. */
    private void enterTunnel(int tunnelType, int vni) {
        pendingTunnelType = tunnelType;
        pendingVni = vni;
    }

    /**
     * A direction-independent identity for the chain of tunnels around an inner layer: the
     * outer endpoints (unordered), the tunnel type and the depth. Not the VNI: overlays may
     * use a different VNI in each direction (tcpdump-geneve does), and tshark, Zeek and
     * Suricata keep such a conversation whole.
     */
    private static long innerContext(IpLayer outer, int tunnelType, int vni) {
        long a = mix(outer.srcHi, outer.srcLo);
        long b = mix(outer.dstHi, outer.dstLo);
        long h = outer.tunnelContext * 0x9E3779B97F4A7C15L + (a + b);
        return h ^ ((long) (outer.depth + 1) << 56) ^ ((long) tunnelType << 48) ^ 1;
    }

    private static long mix(long hi, long lo) {
        long h = hi * 0xC2B2AE3D27D4EB4FL ^ lo * 0x165667B19E3779F9L;
        return h ^ (h >>> 29);
    }

    private void payload(IpLayer l, int off, int end) {
        l.payloadOffset = off;
        l.payloadLength = Math.max(0, end - off);
    }

    private static int u16(ByteBuffer b, int at) {
        return b.getShort(at) & 0xFFFF;
    }
}
