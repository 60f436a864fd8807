package io.netwatch.agent.decode;

import io.netwatch.agent.capture.LinkType;
import java.nio.ByteBuffer;

/**
 * Decodes link, IP and transport headers of one frame into a reused {@link DecodedPacket}.
 *
 * <p>Pure and zero-copy: absolute reads on the frame after a bounds check, no allocation, no
 * exceptions for hostile bytes (every problem becomes a {@link DecodeError}). Each layer has
 * one method; the top level only dispatches. Checksums are never verified: offloaded frames
 * carry unfilled ones.
 */
public final class PacketDecoder {
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_IPV6 = 0x86DD;
    public static final int ETHERTYPE_VLAN = 0x8100;
    public static final int ETHERTYPE_QINQ = 0x88A8;
    public static final int ETHERTYPE_QINQ_OLD = 0x9100;

    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int PROTO_ICMPV6 = 58;
    public static final int PROTO_SCTP = 132;

    /** Most IPv6 extension headers followed before giving up: bounds the header loop. */
    public static final int MAX_IPV6_EXTENSION_HEADERS = 8;

    private static final long IPV4_MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;

    private final DecodedPacket out = new DecodedPacket();

    /**
     * Decodes {@code frame} from its position to its limit. The returned object is reused by
     * the next call.
     */
    public DecodedPacket decode(ByteBuffer frame, int linkType) {
        out.reset();
        int start = frame.position();
        int end = frame.limit();
        switch (linkType) {
            case LinkType.ETHERNET -> ethernet(frame, start, end);
            case LinkType.LINUX_SLL -> linuxSll(frame, start, end);
            case LinkType.LINUX_SLL2 -> linuxSll2(frame, start, end);
            case LinkType.RAW, LinkType.RAW_ALT_12, LinkType.RAW_ALT_14 -> ipByVersion(frame, start, end);
            case LinkType.IPV4 -> ipv4(frame, start, end);
            case LinkType.IPV6 -> ipv6(frame, start, end);
            case LinkType.NULL, LinkType.LOOP -> bsdLoopback(frame, start, end);
            default -> out.error = DecodeError.UNSUPPORTED_LINK_TYPE;
        }
        return out;
    }

    private void ethernet(ByteBuffer b, int off, int end) {
        if (end - off < 14) {
            out.error = DecodeError.TRUNCATED_LINK_HEADER;
            return;
        }
        int type = u16(b, off + 12);
        int p = off + 14;
        etherPayload(b, type, p, end);
    }

    /** Follows VLAN tags, then dispatches on the EtherType. */
    private void etherPayload(ByteBuffer b, int type, int p, int end) {
        while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
            if (end - p < 4) {
                out.error = DecodeError.TRUNCATED_LINK_HEADER;
                return;
            }
            if (out.vlanCount == DecodedPacket.MAX_VLAN_TAGS) {
                out.error = DecodeError.TOO_MANY_VLAN_TAGS;
                return;
            }
            out.vlanIds[out.vlanCount++] = u16(b, p) & 0x0FFF;
            type = u16(b, p + 2);
            p += 4;
        }
        switch (type) {
            case ETHERTYPE_IPV4 -> ipv4(b, p, end);
            case ETHERTYPE_IPV6 -> ipv6(b, p, end);
            default -> out.error = DecodeError.NOT_IP;
        }
    }

    private void linuxSll(ByteBuffer b, int off, int end) {
        if (end - off < 16) {
            out.error = DecodeError.TRUNCATED_LINK_HEADER;
            return;
        }
        etherPayload(b, u16(b, off + 14), off + 16, end);
    }

    private void linuxSll2(ByteBuffer b, int off, int end) {
        if (end - off < 20) {
            out.error = DecodeError.TRUNCATED_LINK_HEADER;
            return;
        }
        etherPayload(b, u16(b, off), off + 20, end);
    }

    private void bsdLoopback(ByteBuffer b, int off, int end) {
        if (end - off < 4) {
            out.error = DecodeError.TRUNCATED_LINK_HEADER;
            return;
        }
        // The family is in the writing host's byte order: accept either.
        int family = b.getInt(off);
        int swapped = Integer.reverseBytes(family);
        int af = (family >>> 16) == 0 ? family : swapped;
        switch (af) {
            case 2 -> ipv4(b, off + 4, end);
            case 10, 24, 28, 30 -> ipv6(b, off + 4, end);
            default -> out.error = DecodeError.NOT_IP;
        }
    }

    private void ipByVersion(ByteBuffer b, int off, int end) {
        if (end - off < 1) {
            out.error = DecodeError.TRUNCATED_IP_HEADER;
            return;
        }
        switch ((b.get(off) & 0xF0) >>> 4) {
            case 4 -> ipv4(b, off, end);
            case 6 -> ipv6(b, off, end);
            default -> out.error = DecodeError.BAD_IP_VERSION;
        }
    }

    private void ipv4(ByteBuffer b, int off, int end) {
        if (end - off < 20) {
            out.error = DecodeError.TRUNCATED_IP_HEADER;
            return;
        }
        int vihl = b.get(off) & 0xFF;
        if ((vihl >>> 4) != 4) {
            out.error = DecodeError.BAD_IP_VERSION;
            return;
        }
        int headerLength = (vihl & 0x0F) * 4;
        if (headerLength < 20) {
            out.error = DecodeError.BAD_IPV4_HEADER_LENGTH;
            return;
        }
        if (end - off < headerLength) {
            out.error = DecodeError.TRUNCATED_IP_HEADER;
            return;
        }
        int totalLength = u16(b, off + 2);
        // A total length of 0 is what TSO/GSO super-frames carry: use what was captured.
        if (totalLength == 0) {
            totalLength = end - off;
        }
        if (totalLength < headerLength) {
            out.error = DecodeError.BAD_IP_TOTAL_LENGTH;
            return;
        }
        int ipEnd = off + totalLength;
        if (ipEnd > end) {
            out.truncated = true;
            ipEnd = end;
        }
        out.ipVersion = 4;
        out.srcHi = 0;
        out.srcLo = IPV4_MAPPED_PREFIX | (b.getInt(off + 12) & 0xFFFF_FFFFL);
        out.dstHi = 0;
        out.dstLo = IPV4_MAPPED_PREFIX | (b.getInt(off + 16) & 0xFFFF_FFFFL);
        out.protocol = b.get(off + 9) & 0xFF;
        int fragment = u16(b, off + 6);
        if ((fragment & 0x1FFF) != 0) {
            out.error = DecodeError.UNREASSEMBLED_FRAGMENT;
            return;
        }
        transport(b, off + headerLength, ipEnd);
    }

    private void ipv6(ByteBuffer b, int off, int end) {
        if (end - off < 40) {
            out.error = DecodeError.TRUNCATED_IP_HEADER;
            return;
        }
        if (((b.get(off) & 0xF0) >>> 4) != 6) {
            out.error = DecodeError.BAD_IP_VERSION;
            return;
        }
        int payloadLength = u16(b, off + 4);
        // Jumbograms and GSO super-frames carry 0: use what was captured.
        int ipEnd = payloadLength == 0 ? end : off + 40 + payloadLength;
        if (ipEnd > end) {
            out.truncated = true;
            ipEnd = end;
        }
        out.ipVersion = 6;
        out.srcHi = b.getLong(off + 8);
        out.srcLo = b.getLong(off + 16);
        out.dstHi = b.getLong(off + 24);
        out.dstLo = b.getLong(off + 32);
        int next = b.get(off + 6) & 0xFF;
        int p = off + 40;
        for (int i = 0; ; i++) {
            if (!isIpv6Extension(next)) {
                break;
            }
            if (i == MAX_IPV6_EXTENSION_HEADERS) {
                out.error = DecodeError.TOO_MANY_IPV6_EXTENSION_HEADERS;
                return;
            }
            if (ipEnd - p < 8) {
                out.error = DecodeError.TRUNCATED_IPV6_EXTENSION_HEADER;
                return;
            }
            int following = b.get(p) & 0xFF;
            if (next == 44) {
                // Fragment header: only the first fragment (offset 0) has the transport header.
                int offsetField = u16(b, p + 2) & 0xFFF8;
                if (offsetField != 0) {
                    out.protocol = following;
                    out.error = DecodeError.UNREASSEMBLED_FRAGMENT;
                    return;
                }
                p += 8;
            } else if (next == 51) {
                p += ((b.get(p + 1) & 0xFF) + 2) * 4;
            } else {
                p += ((b.get(p + 1) & 0xFF) + 1) * 8;
            }
            next = following;
        }
        out.protocol = next;
        if (p > ipEnd) {
            out.error = DecodeError.TRUNCATED_IPV6_EXTENSION_HEADER;
            return;
        }
        transport(b, p, ipEnd);
    }

    private static boolean isIpv6Extension(int next) {
        return next == 0 || next == 43 || next == 44 || next == 60 || next == 51 || next == 135
                || next == 139 || next == 140;
    }

    private void transport(ByteBuffer b, int off, int end) {
        int available = end - off;
        switch (out.protocol) {
            case PROTO_TCP -> {
                if (available < 20) {
                    out.error = DecodeError.TRUNCATED_TRANSPORT_HEADER;
                    return;
                }
                int headerLength = ((b.get(off + 12) & 0xF0) >>> 4) * 4;
                if (headerLength < 20) {
                    out.error = DecodeError.BAD_TCP_HEADER_LENGTH;
                    return;
                }
                out.srcPort = u16(b, off);
                out.dstPort = u16(b, off + 2);
                out.tcpFlags = b.get(off + 13) & 0xFF;
                payload(off + Math.min(headerLength, available), end);
            }
            case PROTO_UDP, PROTO_SCTP -> {
                int headerLength = out.protocol == PROTO_UDP ? 8 : 12;
                if (available < headerLength) {
                    out.error = DecodeError.TRUNCATED_TRANSPORT_HEADER;
                    return;
                }
                out.srcPort = u16(b, off);
                out.dstPort = u16(b, off + 2);
                payload(off + headerLength, end);
            }
            case PROTO_ICMP, PROTO_ICMPV6 -> {
                if (available < 4) {
                    out.error = DecodeError.TRUNCATED_TRANSPORT_HEADER;
                    return;
                }
                out.srcPort = b.get(off) & 0xFF;
                out.dstPort = b.get(off + 1) & 0xFF;
                payload(off + 4, end);
            }
            default -> payload(off, end);
        }
    }

    private void payload(int off, int end) {
        out.payloadOffset = off;
        out.payloadLength = Math.max(0, end - off);
    }

    private static int u16(ByteBuffer b, int at) {
        return b.getShort(at) & 0xFFFF;
    }
}
