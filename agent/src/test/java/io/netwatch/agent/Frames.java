package io.netwatch.agent;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** Builds packet bytes for tests: Ethernet, VLAN tags, IPv4, IPv6, TCP, UDP, ICMP. */
public final class Frames {
    private Frames() {
    }

    public static byte[] ipv4(int a, int b, int c, int d) {
        return new byte[] {(byte) a, (byte) b, (byte) c, (byte) d};
    }

    public static byte[] ipv6(String hex) {
        byte[] out = new byte[16];
        String h = hex.replace(":", "");
        for (int i = 0; i < 16; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(i * 2, i * 2 + 2), 16);
        }
        return out;
    }

    public static byte[] tcp(int sport, int dport, int flags, int payloadLength) {
        return tcp(sport, dport, flags, 1, payloadLength);
    }

    public static byte[] tcp(int sport, int dport, int flags, int seq, int payloadLength) {
        ByteBuffer b = ByteBuffer.allocate(20 + payloadLength);
        b.putShort((short) sport).putShort((short) dport).putInt(seq).putInt(0);
        b.put((byte) 0x50).put((byte) flags).putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        return b.array();
    }

    public static byte[] udp(int sport, int dport, int payloadLength) {
        ByteBuffer b = ByteBuffer.allocate(8 + payloadLength);
        b.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payloadLength)).putShort((short) 0);
        return b.array();
    }

    public static byte[] icmp(int type, int code) {
        return new byte[] {(byte) type, (byte) code, 0, 0, 0, 1, 0, 1};
    }

    public static byte[] ipv4Packet(byte[] src, byte[] dst, int protocol, byte[] l4) {
        ByteBuffer b = ByteBuffer.allocate(20 + l4.length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4.length)).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) protocol).putShort((short) 0).put(src).put(dst).put(l4);
        return b.array();
    }

    /**
     * An Ethernet frame of an IPv6 fragment of a UDP datagram: a fragment header (offset in
     * bytes of the fragmentable part, M flag, identification), then {@code data}.
     */
    public static byte[] ipv6UdpFragment(byte[] src, byte[] dst, int id, int offset, boolean more, byte[] data) {
        byte[] ext = new byte[8 + data.length];
        ext[0] = 17;
        int field = (offset & 0xFFF8) | (more ? 1 : 0);
        ext[2] = (byte) (field >> 8);
        ext[3] = (byte) field;
        ext[4] = (byte) (id >>> 24);
        ext[5] = (byte) (id >>> 16);
        ext[6] = (byte) (id >>> 8);
        ext[7] = (byte) id;
        System.arraycopy(data, 0, ext, 8, data.length);
        return ethernet(0x86DD, ipv6Packet(src, dst, 44, ext));
    }

    public static byte[] ipv6Packet(byte[] src, byte[] dst, int nextHeader, byte[] l4) {
        ByteBuffer b = ByteBuffer.allocate(40 + l4.length);
        b.putInt(0x6000_0000).putShort((short) l4.length).put((byte) nextHeader).put((byte) 64).put(src).put(dst).put(l4);
        return b.array();
    }

    /** Ethernet frame with the given VLAN ids (outermost first, 802.1Q tags) around an IP packet. */
    public static byte[] ethernet(int etherType, byte[] payload, int... vlans) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1});
        for (int v : vlans) {
            out.write(0x81);
            out.write(0x00);
            out.write((v >> 8) & 0x0F);
            out.write(v & 0xFF);
        }
        out.write(etherType >> 8);
        out.write(etherType & 0xFF);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    public static byte[] ethernetIpv4Tcp(byte[] src, int sport, byte[] dst, int dport, int flags, int payloadLength) {
        return ethernet(0x0800, ipv4Packet(src, dst, 6, tcp(sport, dport, flags, payloadLength)));
    }

    public static byte[] ethernetIpv4TcpSeq(byte[] src, int sport, byte[] dst, int dport, int flags, int seq,
                                            int payloadLength) {
        return ethernet(0x0800, ipv4Packet(src, dst, 6, tcp(sport, dport, flags, seq, payloadLength)));
    }

    public static ByteBuffer buffer(byte[] frame) {
        return ByteBuffer.wrap(frame).asReadOnlyBuffer();
    }
}
