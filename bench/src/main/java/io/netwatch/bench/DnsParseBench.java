package io.netwatch.bench;

import io.netwatch.agent.inspect.dns.DnsParser;
import io.netwatch.agent.inspect.dns.DnsResult;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What the DNS parser alone costs a message: every UDP datagram to or from port 53 of a
 * classic pcap (Ethernet, IPv4 unfragmented or IPv6, untagged; the benchmark's synthesized
 * capture or any other), copied once into one direct buffer as a capture ring holds them, then parsed in a
 * loop, round after round. Prints the fastest and the median round in nanoseconds per
 * message, the rounds before {@link #WARM_ROUNDS} left out (compilation). A diagnostic, not a
 * goal: the goal is on the whole pipeline ({@code FileBench}). Run it in a JVM of its own:
 *
 * <pre>
 * DnsParseBench CAPTURE.pcap [--rounds N]
 * </pre>
 */
public final class DnsParseBench {
    /** Rounds run before any is kept: the parser is compiled by then. */
    static final int WARM_ROUNDS = 10;

    private DnsParseBench() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: DnsParseBench CAPTURE.pcap [--rounds N]");
        }
        int rounds = 40;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        List<byte[]> messages;
        try (FileChannel file = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ)) {
            messages = dnsPayloads(file.map(FileChannel.MapMode.READ_ONLY, 0, file.size()));
        }
        if (messages.isEmpty()) {
            throw new IllegalArgumentException(args[0] + " holds no DNS datagram (UDP port 53, untagged Ethernet)");
        }
        ByteBuffer ring = ByteBuffer.allocateDirect(messages.stream().mapToInt(m -> m.length).sum());
        int[] offsets = new int[messages.size()];
        int[] lengths = new int[messages.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = ring.position();
            lengths[i] = messages.get(i).length;
            ring.put(messages.get(i));
        }
        long[] kept = new long[rounds];
        long parsedBytes = 0;
        for (int r = 0; r < WARM_ROUNDS + rounds; r++) {
            long t0 = System.nanoTime();
            long sum = 0;
            for (int i = 0; i < offsets.length; i++) {
                // The result is read, so that the parse cannot be left out.
                if (DnsParser.parse(ring, offsets[i], lengths[i]) instanceof DnsResult.Ok ok) {
                    sum += ok.message().length();
                }
            }
            long ns = System.nanoTime() - t0;
            if (r >= WARM_ROUNDS) {
                kept[r - WARM_ROUNDS] = ns;
            }
            parsedBytes = sum;
        }
        Arrays.sort(kept);
        double n = offsets.length;
        System.out.printf(Locale.ROOT, "%,d DNS messages (%,d bytes parsed whole), %d rounds after %d to warm up%n",
                offsets.length, parsedBytes, rounds, WARM_ROUNDS);
        System.out.printf(Locale.ROOT, "fastest round %.0f ns a message, median round %.0f ns a message%n",
                kept[0] / n, kept[rounds / 2] / n);
    }

    /** The payloads of the UDP datagrams to or from port 53, in capture order (a file of at most 2 GiB). */
    static List<byte[]> dnsPayloads(ByteBuffer in) {
        in.order(ByteOrder.LITTLE_ENDIAN);
        int size = in.limit();
        if (size < 24 || in.getInt(0) != 0xA1B2C3D4 && in.getInt(0) != 0xA1B23C4D) {
            throw new IllegalArgumentException("not a little-endian classic pcap file");
        }
        List<byte[]> out = new ArrayList<>();
        int p = 24;
        while (p + 16 <= size) {
            int captured = in.getInt(p + 8);
            int frame = p + 16;
            p = frame + captured;
            if (captured < 14 || p > size) {
                break;
            }
            int etherType = u16(in, frame + 12);
            int l3 = frame + 14;
            int udp;
            if (etherType == 0x0800 && l3 + 20 <= p && in.get(l3 + 9) == 17 && (u16(in, l3 + 6) & 0x3FFF) == 0) {
                udp = l3 + (in.get(l3) & 0x0F) * 4;
            } else if (etherType == 0x86DD && l3 + 40 <= p && in.get(l3 + 6) == 17) {
                udp = l3 + 40;
            } else {
                continue;
            }
            if (udp + 8 > p) {
                continue;
            }
            int src = u16(in, udp);
            int dst = u16(in, udp + 2);
            if ((src == 53 || dst == 53) && p - (udp + 8) >= DnsParser.HEADER_LENGTH) {
                byte[] payload = new byte[p - (udp + 8)];
                in.get(udp + 8, payload);
                out.add(payload);
            }
        }
        return out;
    }

    /** Two bytes in network order. */
    private static int u16(ByteBuffer b, int at) {
        return (b.get(at) & 0xFF) << 8 | b.get(at + 1) & 0xFF;
    }
}
