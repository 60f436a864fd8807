package io.netwatch.bench.synth;

import java.util.Arrays;

/**
 * Builds whole Ethernet frames of one conversation: optional VXLAN underlay (outer Ethernet,
 * IPv4, UDP 4789, VXLAN), optional 802.1Q tag, IPv4 or IPv6, TCP or UDP, with valid IPv4 header,
 * TCP and UDP checksums, so any reader (tcpdump, Suricata with checksum checks on) takes them as
 * real traffic. Frames are built in one reused scratch array and returned as exact-size copies.
 *
 * <p>Not thread-safe: one builder per synthesizer thread.
 */
public final class FrameBuilder {
    /** Largest frame built, bytes: a 1500-byte IP packet in VXLAN with a VLAN tag, with room. */
    public static final int MAX_FRAME = 2048;
    /** Largest TCP payload per segment: 1500 - 20 (IPv4) - 32 (TCP with timestamps). */
    public static final int MSS_V4 = 1448;
    /** IPv6's header is 20 bytes longer. */
    public static final int MSS_V6 = 1428;
    /** VXLAN costs 50 bytes of the underlay's 1500-byte MTU. */
    public static final int MSS_VXLAN = MSS_V4 - 50;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;

    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int PROTO_TCP = 6;
    private static final int PROTO_UDP = 17;
    private static final int VXLAN_PORT = 4789;
    private static final int DONT_FRAGMENT = 0x4000;
    private static final int MORE_FRAGMENTS = 0x2000;
    /** Outer Ethernet, IPv4, UDP and VXLAN headers, bytes. */
    private static final int VXLAN_OVERHEAD = 14 + 20 + 8 + 8;

    private final byte[] b = new byte[MAX_FRAME];
    private int ipId = 1;

    /**
     * A TCP segment.
     *
     * @param synOptions true for SYN and SYN-ACK (MSS, SACK permitted, timestamps, window
     *                   scale); other segments carry timestamps, RSTs no options
     * @param tsVal      the sender's TCP timestamp clock (milliseconds)
     * @param tsEcr      the last timestamp value seen from the peer, 0 on a SYN
     */
    public byte[] tcp(Conversation c, boolean fromClient, int flags, int seq, int ack, boolean synOptions,
                      byte[] payload, int payloadOffset, int payloadLength, int tsVal, int tsEcr) {
        int ip = ipOffset(c);
        int ipHeader = c.ipv6() ? 40 : 20;
        int tcp = ip + ipHeader;
        int options = (flags & RST) != 0 ? 0 : synOptions ? 20 : 12;
        int headerLength = 20 + options;
        put16(tcp, fromClient ? c.clientPort() : c.serverPort());
        put16(tcp + 2, fromClient ? c.serverPort() : c.clientPort());
        put32(tcp + 4, seq);
        put32(tcp + 8, (flags & ACK) != 0 ? ack : 0);
        b[tcp + 12] = (byte) ((headerLength / 4) << 4);
        b[tcp + 13] = (byte) flags;
        put16(tcp + 14, synOptions ? 64_240 : (flags & RST) != 0 ? 0 : 502);
        put16(tcp + 16, 0);
        put16(tcp + 18, 0);
        int o = tcp + 20;
        if (synOptions) {
            b[o++] = 2;
            b[o++] = 4;
            put16(o, c.ipv6() ? MSS_V6 + 12 : MSS_V4 + 12);
            o += 2;
            b[o++] = 4;
            b[o++] = 2;
            b[o++] = 8;
            b[o++] = 10;
            put32(o, tsVal);
            put32(o + 4, tsEcr);
            o += 8;
            b[o++] = 1;
            b[o++] = 3;
            b[o++] = 3;
            b[o++] = 7;
        } else if (options == 12) {
            b[o++] = 1;
            b[o++] = 1;
            b[o++] = 8;
            b[o++] = 10;
            put32(o, tsVal);
            put32(o + 4, tsEcr);
            o += 8;
        }
        System.arraycopy(payload, payloadOffset, b, o, payloadLength);
        int l4Length = headerLength + payloadLength;
        ip(c, fromClient, ip, PROTO_TCP, l4Length, DONT_FRAGMENT);
        put16(tcp + 16, checksum(pseudoHeaderSum(c, PROTO_TCP, l4Length), tcp, l4Length));
        return finish(c, fromClient, ip + ipHeader + l4Length);
    }

    /** A UDP datagram that fits one frame. */
    public byte[] udp(Conversation c, boolean fromClient, byte[] payload, int payloadOffset, int payloadLength) {
        int ip = ipOffset(c);
        int udp = ip + (c.ipv6() ? 40 : 20);
        int l4Length = 8 + payloadLength;
        udpHeader(c, fromClient, udp, l4Length);
        System.arraycopy(payload, payloadOffset, b, udp + 8, payloadLength);
        ip(c, fromClient, ip, PROTO_UDP, l4Length, 0);
        put16(udp + 6, udpChecksum(c, udp, l4Length));
        return finish(c, fromClient, udp + l4Length);
    }

    /**
     * A UDP datagram too large for one frame, as IPv4 fragments of at most {@code mtu} bytes of
     * IP packet each (the first carries the UDP header). IPv4 without VXLAN only.
     */
    public byte[][] udpFragments(Conversation c, boolean fromClient, byte[] payload, int payloadOffset,
                                 int payloadLength, int mtu) {
        if (c.ipv6() || c.vxlan() != null) {
            throw new IllegalArgumentException("fragments are synthesized for plain IPv4 only");
        }
        int l4Length = 8 + payloadLength;
        byte[] datagram = new byte[l4Length];
        int ip = ipOffset(c);
        // Build the whole UDP datagram once, checksum included, then slice it.
        udpHeader(c, fromClient, ip + 20, l4Length);
        System.arraycopy(b, ip + 20, datagram, 0, 8);
        System.arraycopy(payload, payloadOffset, datagram, 8, payloadLength);
        int udpSum = checksumOf(datagram, 0, l4Length, pseudoHeaderSum(c, PROTO_UDP, l4Length));
        udpSum = udpSum == 0 ? 0xFFFF : udpSum;
        datagram[6] = (byte) (udpSum >>> 8);
        datagram[7] = (byte) udpSum;
        int perFragment = (mtu - 20) & ~7;
        int count = (l4Length + perFragment - 1) / perFragment;
        byte[][] out = new byte[count][];
        int id = ipId++ & 0xFFFF;
        for (int i = 0; i < count; i++) {
            int start = i * perFragment;
            int length = Math.min(perFragment, l4Length - start);
            System.arraycopy(datagram, start, b, ip + 20, length);
            boolean more = i < count - 1;
            ip(c, fromClient, ip, PROTO_UDP, length, (start / 8) | (more ? MORE_FRAGMENTS : 0));
            put16(ip + 4, id);
            put16(ip + 10, 0);
            put16(ip + 10, checksum(0, ip, 20));
            out[i] = finish(c, fromClient, ip + 20 + length);
        }
        return out;
    }

    private void udpHeader(Conversation c, boolean fromClient, int udp, int l4Length) {
        put16(udp, fromClient ? c.clientPort() : c.serverPort());
        put16(udp + 2, fromClient ? c.serverPort() : c.clientPort());
        put16(udp + 4, l4Length);
        put16(udp + 6, 0);
    }

    private int udpChecksum(Conversation c, int udp, int l4Length) {
        int sum = checksum(pseudoHeaderSum(c, PROTO_UDP, l4Length), udp, l4Length);
        return sum == 0 ? 0xFFFF : sum;
    }

    private static int ipOffset(Conversation c) {
        return (c.vxlan() != null ? VXLAN_OVERHEAD : 0) + 14 + (c.vlan() >= 0 ? 4 : 0);
    }

    /**
     * Writes the IP header at {@code ip}; {@code flagsAndOffset} is IPv4's flags and fragment
     * offset field (in 8-byte units), unused for IPv6.
     */
    private void ip(Conversation c, boolean fromClient, int ip, int protocol, int l4Length, int flagsAndOffset) {
        byte[] src = fromClient ? c.clientIp() : c.serverIp();
        byte[] dst = fromClient ? c.serverIp() : c.clientIp();
        if (c.ipv6()) {
            // A per-connection flow label, as Linux sets one.
            int flowLabel = (int) ((c.clientPort() * 2_654_435_761L) & 0xFFFFF);
            put32(ip, 0x6000_0000 | flowLabel);
            put16(ip + 4, l4Length);
            b[ip + 6] = (byte) protocol;
            b[ip + 7] = (byte) (fromClient ? 64 : 57);
            System.arraycopy(src, 0, b, ip + 8, 16);
            System.arraycopy(dst, 0, b, ip + 24, 16);
            return;
        }
        b[ip] = 0x45;
        b[ip + 1] = 0;
        put16(ip + 2, 20 + l4Length);
        put16(ip + 4, ipId++ & 0xFFFF);
        put16(ip + 6, flagsAndOffset);
        b[ip + 8] = (byte) (fromClient ? 64 : 57);
        b[ip + 9] = (byte) protocol;
        put16(ip + 10, 0);
        System.arraycopy(src, 0, b, ip + 12, 4);
        System.arraycopy(dst, 0, b, ip + 16, 4);
        put16(ip + 10, checksum(0, ip, 20));
    }

    /** Adds the Ethernet (and VLAN, and VXLAN underlay) headers in front and copies the frame out. */
    private byte[] finish(Conversation c, boolean fromClient, int end) {
        int eth = c.vxlan() != null ? VXLAN_OVERHEAD : 0;
        putMac(eth, fromClient ? c.serverMac() : c.clientMac());
        putMac(eth + 6, fromClient ? c.clientMac() : c.serverMac());
        int type = c.ipv6() ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
        if (c.vlan() >= 0) {
            put16(eth + 12, ETHERTYPE_VLAN);
            put16(eth + 14, c.vlan());
            put16(eth + 16, type);
        } else {
            put16(eth + 12, type);
        }
        Conversation.Vxlan v = c.vxlan();
        if (v != null) {
            putMac(0, fromClient ? v.serverNodeMac() : v.clientNodeMac());
            putMac(6, fromClient ? v.clientNodeMac() : v.serverNodeMac());
            put16(12, ETHERTYPE_IPV4);
            int udpLength = end - 14 - 20;
            b[14] = 0x45;
            b[15] = 0;
            put16(16, 20 + udpLength);
            put16(18, ipId++ & 0xFFFF);
            put16(20, 0);
            b[22] = 64;
            b[23] = PROTO_UDP;
            put16(24, 0);
            System.arraycopy(fromClient ? v.clientNodeIp() : v.serverNodeIp(), 0, b, 26, 4);
            System.arraycopy(fromClient ? v.serverNodeIp() : v.clientNodeIp(), 0, b, 30, 4);
            put16(24, checksum(0, 14, 20));
            // The underlay's UDP: source port from the inner flow's hash, no checksum (as Linux sends).
            put16(34, v.outerSourcePort());
            put16(36, VXLAN_PORT);
            put16(38, udpLength);
            put16(40, 0);
            put32(42, 0x0800_0000);
            put32(46, v.vni() << 8);
        }
        return Arrays.copyOf(b, end);
    }

    /** The sum of the TCP/UDP pseudo-header (addresses, protocol, length), unfolded; the same both ways. */
    private static int pseudoHeaderSum(Conversation c, int protocol, int l4Length) {
        return wordSum(c.clientIp()) + wordSum(c.serverIp()) + protocol + l4Length;
    }

    private static int wordSum(byte[] a) {
        int sum = 0;
        for (int i = 0; i < a.length; i += 2) {
            sum += ((a[i] & 0xFF) << 8) | (a[i + 1] & 0xFF);
        }
        return sum;
    }

    private int checksum(int initial, int off, int length) {
        return checksumOf(b, off, length, initial);
    }

    /** The Internet checksum (RFC 1071) of {@code length} bytes, folded, complemented. */
    static int checksumOf(byte[] a, int off, int length, int initial) {
        long sum = initial & 0xFFFF_FFFFL;
        int end = off + length;
        int i = off;
        for (; i + 1 < end; i += 2) {
            sum += ((a[i] & 0xFF) << 8) | (a[i + 1] & 0xFF);
        }
        if (i < end) {
            sum += (a[i] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    private void put16(int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    private void put32(int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private void putMac(int at, long mac) {
        for (int i = 0; i < 6; i++) {
            b[at + i] = (byte) (mac >>> (40 - 8 * i));
        }
    }
}
