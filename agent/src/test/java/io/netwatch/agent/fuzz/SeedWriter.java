package io.netwatch.agent.fuzz;

import static io.netwatch.agent.Frames.ethernet;
import static io.netwatch.agent.Frames.icmp;
import static io.netwatch.agent.Frames.ipv4;
import static io.netwatch.agent.Frames.ipv4Packet;
import static io.netwatch.agent.Frames.ipv6;
import static io.netwatch.agent.Frames.ipv6Packet;
import static io.netwatch.agent.Frames.tcp;
import static io.netwatch.agent.Frames.udp;

import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.capture.PcapFileSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes the checked-in seed inputs of the three fuzz targets: small, valid captures, frames and
 * packet sequences for each feature the readers and the decoder know (pcap in both byte orders
 * and resolutions, pcapng with several sections and every packet block type, VLAN and QinQ tags,
 * IPv6 extension headers, IPv4 and IPv6 fragments, VXLAN, Geneve, GRE and IP-in-IP tunnels, every
 * link type), plus the first records of {@code samples/demo.pcap}. Not a test: run it after a
 * change to an input layout, from the repository root:
 *
 * <pre>
 * mvn -q -pl agent test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp agent/target/test-classes:agent/target/classes:$(cat /tmp/cp.txt) io.netwatch.agent.fuzz.SeedWriter .
 * </pre>
 *
 * Files that the fuzzer saved as findings ({@code crash-*}, {@code timeout-*}) are left alone.
 */
public final class SeedWriter {
    private static final String FUZZ = "agent/src/test/resources/io/netwatch/agent/fuzz/";
    private static final byte[] CLIENT = ipv4(10, 0, 0, 1);
    private static final byte[] SERVER = ipv4(10, 0, 0, 2);
    private static final byte[] VTEP_A = ipv4(192, 168, 1, 1);
    private static final byte[] VTEP_B = ipv4(192, 168, 1, 2);
    private static final byte[] CLIENT6 = ipv6("fd00:0000:0000:0000:0000:0000:0000:0001");
    private static final byte[] SERVER6 = ipv6("fd00:0000:0000:0000:0000:0000:0000:0002");
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int FIN = 0x01;
    private static final int RST = 0x04;
    private static final int PSH = 0x08;

    private SeedWriter() {
    }

    public static void main(String[] args) throws IOException, CaptureException {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        List<byte[]> demo = demoFrames(root.resolve("samples/demo.pcap"));
        writePcapSeeds(root.resolve(FUZZ + "PcapFileFuzzTestInputs/readsAnyFile"), root.resolve("samples/demo.pcap"));
        writeDecoderSeeds(root.resolve(FUZZ + "PacketDecoderFuzzTestInputs/decodesAnyFrame"), demo);
        writeFlowSeeds(root.resolve(FUZZ + "FlowTableFuzzTestInputs/tracksAnyPacketSequence"), demo);
    }

    // ---------------------------------------------------------------- frames

    static byte[] ethernetIpv4Tcp(int sport, int dport, int flags, int seq) {
        return ethernet(0x0800, ipv4Packet(CLIENT, SERVER, 6, tcp(sport, dport, flags, seq, 0)));
    }

    static byte[] reverseTcp(int sport, int dport, int flags, int seq) {
        return ethernet(0x0800, ipv4Packet(SERVER, CLIENT, 6, tcp(sport, dport, flags, seq, 0)));
    }

    /** Ethernet with an 802.1ad outer tag and an 802.1Q inner tag. */
    static byte[] qinq(int outer, int inner, int etherType, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(22 + payload.length);
        b.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1});
        b.putShort((short) 0x88A8).putShort((short) outer).putShort((short) 0x8100).putShort((short) inner);
        b.putShort((short) etherType).put(payload);
        return b.array();
    }

    /** An IPv4 fragment: {@code data} at byte {@code offset} of the datagram. */
    static byte[] ipv4Fragment(int id, int offset, boolean more, int protocol, byte[] data) {
        byte[] p = ipv4Packet(CLIENT, SERVER, protocol, data);
        ByteBuffer b = ByteBuffer.wrap(p);
        b.putShort(4, (short) id).putShort(6, (short) ((more ? 0x2000 : 0) | (offset / 8)));
        return p;
    }

    /** An IPv6 packet with a hop-by-hop header and then a fragment header. */
    static byte[] ipv6Fragment(int id, int offset, boolean more, int protocol, byte[] data) {
        ByteBuffer ext = ByteBuffer.allocate(16 + data.length);
        ext.put((byte) 44).put((byte) 0).putShort((short) 0).putInt(0x01040000); // hop-by-hop, PadN
        ext.put((byte) protocol).put((byte) 0).putShort((short) (offset | (more ? 1 : 0))).putInt(id);
        ext.put(data);
        return ipv6Packet(CLIENT6, SERVER6, 0, ext.array());
    }

    static byte[] vxlan(int vni, byte[] innerFrame) {
        ByteBuffer v = ByteBuffer.allocate(8 + innerFrame.length);
        v.put((byte) 0x08).put(new byte[3]).putInt(vni << 8).put(innerFrame);
        byte[] l4 = udp(49152, 4789, v.capacity());
        System.arraycopy(v.array(), 0, l4, 8, v.capacity());
        return ethernet(0x0800, ipv4Packet(VTEP_A, VTEP_B, 17, l4));
    }

    /** Geneve with one 8-byte option, carrying an IPv4 packet directly (protocol type 0x0800). */
    static byte[] geneve(int vni, byte[] innerIp) {
        ByteBuffer g = ByteBuffer.allocate(16 + innerIp.length);
        g.put((byte) 2).put((byte) 0).putShort((short) 0x0800).putInt(vni << 8);
        g.putShort((short) 0x0102).put((byte) 3).put((byte) 1).putInt(0xCAFEF00D);
        g.put(innerIp);
        byte[] l4 = udp(50000, 6081, g.capacity());
        System.arraycopy(g.array(), 0, l4, 8, g.capacity());
        return ethernet(0x0800, ipv4Packet(VTEP_A, VTEP_B, 17, l4));
    }

    /** GRE with checksum and key, carrying an IPv6 packet. */
    static byte[] greWithKey(int key, byte[] innerIpv6) {
        ByteBuffer g = ByteBuffer.allocate(12 + innerIpv6.length);
        g.putShort((short) 0xA000).putShort((short) 0x86DD).putInt(0).putInt(key).put(innerIpv6);
        return ethernet(0x0800, ipv4Packet(VTEP_A, VTEP_B, 47, g.array()));
    }

    static byte[] linuxSll(int etherType, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(16 + payload.length);
        b.putShort((short) 0).putShort((short) 1).putShort((short) 6).put(new byte[] {2, 0, 0, 0, 0, 1, 0, 0});
        b.putShort((short) etherType).put(payload);
        return b.array();
    }

    static byte[] linuxSll2(int etherType, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.putShort((short) etherType).putShort((short) 0).putInt(3).putShort((short) 1).put((byte) 0).put((byte) 6);
        b.put(new byte[] {2, 0, 0, 0, 0, 1, 0, 0}).put(payload);
        return b.array();
    }

    /** BSD loopback: the address family in the given byte order. */
    static byte[] bsdLoopback(int family, ByteOrder order, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + payload.length);
        b.order(order).putInt(family).order(ByteOrder.BIG_ENDIAN).put(payload);
        return b.array();
    }

    /** ICMP port unreachable quoting the first 28 bytes of a UDP datagram. */
    static byte[] icmpUnreachable() {
        byte[] quoted = Arrays.copyOf(ipv4Packet(CLIENT, SERVER, 17, udp(40000, 53, 0)), 28);
        byte[] l4 = Arrays.copyOf(icmp(3, 3), 8 + quoted.length);
        System.arraycopy(quoted, 0, l4, 8, quoted.length);
        return ethernet(0x0800, ipv4Packet(SERVER, CLIENT, 1, l4));
    }

    static byte[] withSelector(int linkIndex, byte[] frame) {
        byte[] out = new byte[1 + frame.length];
        out[0] = (byte) linkIndex;
        System.arraycopy(frame, 0, out, 1, frame.length);
        return out;
    }

    // ---------------------------------------------------------------- decoder seeds

    private static void writeDecoderSeeds(Path dir, List<byte[]> demo) throws IOException {
        Files.createDirectories(dir);
        byte[] udp6 = ipv6Packet(CLIENT6, SERVER6, 17, udp(5353, 53, 12));
        byte[] tcp6 = ipv6Packet(CLIENT6, SERVER6, 6, tcp(40000, 443, SYN, 0));
        byte[] udp4 = ipv4Packet(CLIENT, SERVER, 17, udp(40000, 53, 20));
        write(dir, "eth-ipv4-tcp-syn", withSelector(0, ethernetIpv4Tcp(40000, 80, SYN, 1000)));
        write(dir, "eth-vlan-ipv6-udp", withSelector(0, ethernet(0x86DD, udp6, 42)));
        write(dir, "eth-qinq-ipv4-icmp-echo", withSelector(0, qinq(100, 200, 0x0800,
                ipv4Packet(CLIENT, SERVER, 1, icmp(8, 0)))));
        write(dir, "eth-ipv4-icmp-unreachable", withSelector(0, icmpUnreachable()));
        write(dir, "eth-vxlan-eth-ipv4-tcp", withSelector(0, vxlan(4242, ethernetIpv4Tcp(40000, 80, SYN, 1))));
        write(dir, "eth-geneve-ipv4-udp", withSelector(0, geneve(77, udp4)));
        write(dir, "eth-gre-key-ipv6-tcp", withSelector(0, greWithKey(9, tcp6)));
        write(dir, "raw-ipip-ipv4-udp", withSelector(1, ipv4Packet(VTEP_A, VTEP_B, 4, udp4)));
        write(dir, "raw-ipv6-in-ipv4-tcp", withSelector(1, ipv4Packet(VTEP_A, VTEP_B, 41, tcp6)));
        write(dir, "raw-ipv6-hbh-fragment-first", withSelector(1, ipv6Fragment(0x1234, 0, true, 17,
                udp(40000, 53, 16))));
        write(dir, "ipv4-first-fragment-udp", withSelector(5, ipv4Fragment(7, 0, true, 17, udp(40000, 53, 32))));
        write(dir, "ipv4-last-fragment", withSelector(5, ipv4Fragment(7, 40, false, 17, new byte[24])));
        write(dir, "ipv6-udp", withSelector(6, udp6));
        write(dir, "sll-ipv4-udp", withSelector(2, linuxSll(0x0800, udp4)));
        write(dir, "sll2-ipv6-tcp", withSelector(3, linuxSll2(0x86DD, tcp6)));
        write(dir, "null-le-ipv4-udp", withSelector(4, bsdLoopback(2, ByteOrder.LITTLE_ENDIAN, udp4)));
        write(dir, "null-be-ipv6-tcp", withSelector(4, bsdLoopback(30, ByteOrder.BIG_ENDIAN, tcp6)));
        write(dir, "eth-ipv4-tcp-options-truncated", withSelector(0,
                Arrays.copyOf(ethernet(0x0800, ipv4Packet(CLIENT, SERVER, 6, tcpWithOptions())), 14 + 20 + 24)));
        // Echo request, DNS query, TCP SYN, IPv6 DNS, HTTP request, IPv6 SYN, TLS ClientHello, scan probe, scan reply.
        int[] picks = {0, 6, 16, 26, 31, 76, 91, 266, 531};
        for (int i : picks) {
            write(dir, "demo-frame-" + i, withSelector(0, demo.get(i)));
        }
    }

    /** A SYN with 20 bytes of options (header length 40). */
    static byte[] tcpWithOptions() {
        byte[] t = Arrays.copyOf(tcp(40000, 443, SYN, 0), 40);
        t[12] = (byte) 0xA0;
        t[20] = 2;
        t[21] = 4;
        t[22] = 0x05;
        t[23] = (byte) 0xB4;
        return t;
    }

    // ---------------------------------------------------------------- flow-table seeds

    /** Builds one flow-table input: control byte, 2-byte length, frame; see FlowTableFuzzTest. */
    private static final class Sequence {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Sequence add(int linkIndex, int step, boolean cut, boolean idle, byte[] frame) {
            out.write(linkIndex | step << 3 | (cut ? 0x40 : 0) | (idle ? 0x80 : 0));
            out.write(frame.length >> 8);
            out.write(frame.length & 0xFF);
            out.writeBytes(frame);
            return this;
        }

        Sequence add(int step, byte[] ethernetFrame) {
            return add(0, step, false, false, ethernetFrame);
        }

        /** An Ethernet frame after {@code step}, with {@code onIdle} called first when {@code idle}. */
        Sequence add(int step, boolean idle, byte[] ethernetFrame) {
            return add(0, step, false, idle, ethernetFrame);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private static void writeFlowSeeds(Path dir, List<byte[]> demo) throws IOException {
        Files.createDirectories(dir);
        write(dir, "tcp-handshake-and-close", new Sequence()
                .add(1, ethernetIpv4Tcp(40000, 80, SYN, 100))
                .add(1, reverseTcp(80, 40000, SYN | ACK, 500))
                .add(1, ethernetIpv4Tcp(40000, 80, ACK, 101))
                .add(2, ethernetIpv4Tcp(40000, 80, PSH | ACK, 101))
                .add(1, reverseTcp(80, 40000, FIN | ACK, 501))
                .add(1, ethernetIpv4Tcp(40000, 80, FIN | ACK, 120))
                .add(5, true, ethernetIpv4Tcp(40000, 80, SYN, 9000))
                .bytes());

        Sequence scan = new Sequence();
        for (int port = 1; port <= 24; port++) {
            scan.add(0, ethernetIpv4Tcp(41934, port, SYN, 7)).add(0, reverseTcp(port, 41934, RST | ACK, 0));
        }
        scan.add(0, 6, false, true, ethernet(0x0800, udpFrom(CLIENT, SERVER)));
        write(dir, "port-scan-then-quiet", scan.bytes());

        Sequence evict = new Sequence();
        for (int i = 0; i < 70; i++) {
            evict.add(0, ethernet(0x0800, ipv4Packet(ipv4(10, 1, i >> 8, i), SERVER, 17, udp(30000 + i, 53, 0))));
        }
        write(dir, "udp-flows-past-the-bound", evict.bytes());

        write(dir, "ipv4-fragments-out-of-order", new Sequence()
                .add(1, ethernet(0x0800, ipv4Fragment(9, 24, false, 17, new byte[16])))
                .add(1, ethernet(0x0800, ipv4Fragment(9, 0, true, 17, udp(40000, 53, 16))))
                .add(1, ethernet(0x0800, ipv4Fragment(10, 0, true, 6, Arrays.copyOf(tcp(40000, 80, SYN, 0), 8))))
                .add(1, ethernet(0x0800, ipv4Fragment(10, 8, false, 6, Arrays.copyOfRange(tcp(40000, 80, SYN, 0), 8, 20))))
                .add(7, true, ethernet(0x0800, ipv4Fragment(11, 0, true, 17, udp(1, 2, 8))))
                .bytes());

        write(dir, "ipv6-fragments", new Sequence()
                .add(1, 1, false, false, ipv6Fragment(0xBEEF, 0, true, 17, udp(40000, 53, 8)))
                .add(1, 1, false, false, ipv6Fragment(0xBEEF, 16, false, 17, new byte[8]))
                .bytes());

        write(dir, "tunnels-and-link-types", new Sequence()
                .add(1, vxlan(4242, ethernetIpv4Tcp(40000, 80, SYN, 1)))
                .add(1, vxlan(4243, reverseTcp(80, 40000, SYN | ACK, 2)))
                .add(1, geneve(77, ipv4Packet(CLIENT, SERVER, 17, udp(40000, 53, 4))))
                .add(1, greWithKey(9, ipv6Packet(CLIENT6, SERVER6, 6, tcp(40000, 443, SYN, 0))))
                .add(1, 1, false, false, ipv4Packet(VTEP_A, VTEP_B, 4, ipv4Packet(CLIENT, SERVER, 1, icmp(8, 0))))
                .add(2, 1, true, false, linuxSll(0x0800, ipv4Packet(CLIENT, SERVER, 132, new byte[12])))
                .add(3, 1, false, false, linuxSll2(0x86DD, ipv6Packet(CLIENT6, SERVER6, 58, icmp(128, 0))))
                .add(4, 1, false, false, bsdLoopback(2, ByteOrder.LITTLE_ENDIAN, ipv4Packet(CLIENT, SERVER, 17,
                        udp(1, 2, 0))))
                .add(0, 1, false, false, icmpUnreachable())
                .add(0, 1, false, false, ethernet(0x0806, new byte[28]))
                .bytes());

        Sequence replay = new Sequence();
        for (byte[] frame : demo.subList(0, Math.min(48, demo.size()))) {
            replay.add(1, frame);
        }
        write(dir, "demo-first-48-frames", replay.bytes());
        // Frames 88-135: the HTTPS connections (TLS 1.3 and 1.2 handshakes) for payload inspection.
        Sequence tls = new Sequence();
        for (byte[] frame : demo.subList(Math.min(88, demo.size()), Math.min(136, demo.size()))) {
            tls.add(1, frame);
        }
        write(dir, "demo-tls-frames", tls.bytes());
    }

    private static byte[] udpFrom(byte[] src, byte[] dst) {
        return ipv4Packet(src, dst, 17, udp(1234, 5678, 4));
    }

    // ---------------------------------------------------------------- capture-file seeds

    private static void writePcapSeeds(Path dir, Path demoPcap) throws IOException {
        Files.createDirectories(dir);
        write(dir, "pcap-le-usec-ethernet-tcp.pcap", new Pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET)
                .record(1_700_000_000, 1, ethernetIpv4Tcp(40000, 80, SYN, 1))
                .record(1_700_000_000, 2, reverseTcp(80, 40000, SYN | ACK, 9))
                .record(1_700_000_001, 999_999, ethernetIpv4Tcp(40000, 80, ACK, 2))
                .bytes());
        write(dir, "pcap-be-nsec-raw.pcap", new Pcap(ByteOrder.BIG_ENDIAN, true, 65535, LinkType.RAW)
                .record(1_700_000_000, 999_999_999, ipv4Packet(CLIENT, SERVER, 17, udp(40000, 53, 8)))
                .record(1_700_000_001, 0, ipv6Packet(CLIENT6, SERVER6, 6, tcp(40000, 443, SYN, 0)))
                .bytes());
        byte[] tagged = ethernet(0x0800, ipv4Packet(CLIENT, SERVER, 6, tcp(40000, 80, ACK, 3, 100)), 10, 20);
        write(dir, "pcap-snaplen-cut-vlan-qinq.pcap", new Pcap(ByteOrder.LITTLE_ENDIAN, false, 40, LinkType.ETHERNET)
                .record(1, 0, Arrays.copyOf(tagged, 40), tagged.length)
                .record(2, 0, qinq(100, 200, 0x86DD, ipv6Packet(CLIENT6, SERVER6, 17, udp(1, 2, 0))))
                .bytes());
        write(dir, "pcap-tunnels-fragments.pcap", new Pcap(ByteOrder.LITTLE_ENDIAN, false, 262144, LinkType.ETHERNET)
                .record(1, 0, vxlan(4242, ethernetIpv4Tcp(40000, 80, SYN, 1)))
                .record(1, 1, geneve(77, ipv4Packet(CLIENT, SERVER, 17, udp(40000, 53, 4))))
                .record(1, 2, ethernet(0x0800, ipv4Fragment(9, 0, true, 17, udp(40000, 53, 16))))
                .record(1, 3, ethernet(0x0800, ipv4Fragment(9, 24, false, 17, new byte[16])))
                .record(1, 4, ethernet(0x86DD, ipv6Fragment(5, 0, false, 17, udp(1, 2, 0))))
                .bytes());
        write(dir, "pcap-sll2-fcs-bits.pcap", new Pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, 0x1000_0000 | 276)
                .record(1, 0, linuxSll2(0x0800, ipv4Packet(CLIENT, SERVER, 17, udp(1, 2, 0))))
                .bytes());
        byte[] truncated = new Pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET)
                .record(1, 0, ethernetIpv4Tcp(40000, 80, SYN, 1))
                .record(2, 0, ethernetIpv4Tcp(40000, 80, ACK, 2))
                .bytes();
        write(dir, "pcap-last-record-cut.pcap", Arrays.copyOf(truncated, truncated.length - 10));

        write(dir, "pcapng-two-sections.pcapng", new Pcapng()
                .section(ByteOrder.LITTLE_ENDIAN)
                .interfaceBlock(LinkType.ETHERNET, 65535, "eth0", 9)
                .interfaceBlock(LinkType.RAW, 0, null, 0x83)
                .enhanced(0, 1_700_000_000_000_000_000L, ethernetIpv4Tcp(40000, 80, SYN, 1))
                .enhanced(1, 1L << 40, ipv6Packet(CLIENT6, SERVER6, 17, udp(1, 2, 0)))
                .custom()
                .simple(ethernetIpv4Tcp(40000, 80, ACK, 2))
                .section(ByteOrder.BIG_ENDIAN)
                .interfaceBlock(LinkType.LINUX_SLL, 128, "any", 6)
                .obsolete(0, 1_700_000_000_000_000L, linuxSll(0x0800, ipv4Packet(CLIENT, SERVER, 1, icmp(8, 0))))
                .bytes());

        byte[] demo = Files.readAllBytes(demoPcap);
        write(dir, "demo-first-records.pcap", Arrays.copyOf(demo, pcapRecordsEnd(demo, 32)));
    }

    /** Offset after the first {@code n} records of a little-endian classic pcap file. */
    private static int pcapRecordsEnd(byte[] pcap, int n) {
        ByteBuffer b = ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN);
        int at = 24;
        for (int i = 0; i < n && at + 16 <= pcap.length; i++) {
            at += 16 + b.getInt(at + 8);
        }
        return Math.min(at, pcap.length);
    }

    private static List<byte[]> demoFrames(Path demoPcap) throws CaptureException {
        List<byte[]> frames = new ArrayList<>();
        try (PcapFileSource source = PcapFileSource.open(demoPcap)) {
            source.run((frame, linkType, nanos, originalLength, interfaceIndex) -> {
                byte[] copy = new byte[frame.remaining()];
                frame.get(frame.position(), copy);
                frames.add(copy);
            });
        }
        return frames;
    }

    /** Classic pcap file. */
    private static final class Pcap {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteOrder order;

        Pcap(ByteOrder order, boolean nanos, int snapLength, int linkType) {
            this.order = order;
            ByteBuffer h = ByteBuffer.allocate(24).order(order);
            h.putInt(nanos ? 0xA1B23C4D : 0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                    .putInt(snapLength).putInt(linkType);
            out.writeBytes(h.array());
        }

        Pcap record(long seconds, int fraction, byte[] frame) {
            return record(seconds, fraction, frame, frame.length);
        }

        Pcap record(long seconds, int fraction, byte[] frame, int originalLength) {
            ByteBuffer r = ByteBuffer.allocate(16).order(order);
            r.putInt((int) seconds).putInt(fraction).putInt(frame.length).putInt(originalLength);
            out.writeBytes(r.array());
            out.writeBytes(frame);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** pcapng file: sections, interfaces and every packet block type. */
    private static final class Pcapng {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private ByteOrder order = ByteOrder.LITTLE_ENDIAN;

        private void block(int type, byte[] body) {
            int padded = (body.length + 3) & ~3;
            int length = 12 + padded;
            ByteBuffer b = ByteBuffer.allocate(length).order(order);
            b.putInt(type).putInt(length).put(body).position(8 + padded);
            b.putInt(length);
            out.writeBytes(b.array());
        }

        Pcapng section(ByteOrder sectionOrder) {
            order = sectionOrder;
            ByteBuffer b = ByteBuffer.allocate(16).order(order);
            b.putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1);
            block(0x0A0D0D0A, b.array());
            return this;
        }

        Pcapng interfaceBlock(int linkType, int snapLength, String name, int tsresol) {
            ByteBuffer b = ByteBuffer.allocate(64).order(order);
            b.putShort((short) linkType).putShort((short) 0).putInt(snapLength);
            if (name != null) {
                byte[] n = name.getBytes(StandardCharsets.UTF_8);
                b.putShort((short) 2).putShort((short) n.length).put(n).position(b.position() + ((4 - n.length % 4) % 4));
            }
            b.putShort((short) 9).putShort((short) 1).put((byte) tsresol).put(new byte[3]);
            b.putShort((short) 0).putShort((short) 0);
            block(1, Arrays.copyOf(b.array(), b.position()));
            return this;
        }

        Pcapng enhanced(int interfaceId, long units, byte[] frame) {
            return packet(6, interfaceId, units, frame);
        }

        Pcapng obsolete(int interfaceId, long units, byte[] frame) {
            return packet(2, interfaceId, units, frame);
        }

        private Pcapng packet(int type, int interfaceId, long units, byte[] frame) {
            ByteBuffer b = ByteBuffer.allocate(20 + frame.length).order(order);
            if (type == 6) {
                b.putInt(interfaceId);
            } else {
                b.putShort((short) interfaceId).putShort((short) 0);
            }
            b.putInt((int) (units >>> 32)).putInt((int) units).putInt(frame.length).putInt(frame.length).put(frame);
            block(type, b.array());
            return this;
        }

        Pcapng simple(byte[] frame) {
            ByteBuffer b = ByteBuffer.allocate(4 + frame.length).order(order);
            b.putInt(frame.length).put(frame);
            block(3, b.array());
            return this;
        }

        /** A custom block (type 0x00000BAD) with 8 bytes of body: readers skip it by length. */
        Pcapng custom() {
            block(0x0BAD, new byte[] {0, 0, 0x7E, 0x57, 1, 2, 3, 4});
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private static void write(Path dir, String name, byte[] bytes) throws IOException {
        Files.write(dir.resolve(name), bytes);
    }
}
