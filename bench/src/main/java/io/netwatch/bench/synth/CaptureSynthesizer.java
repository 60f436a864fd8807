package io.netwatch.bench.synth;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Writes the benchmark's capture: a classic pcap of mixed, realistic traffic, deterministic for
 * a seed. About a thousand sessions run at once; when one ends another starts, its kind drawn
 * from {@link Kind}'s weights; their packets are merged in time order. One SYN scan starts a
 * third of the way in. The file is cut at exactly the requested packet count, so the last
 * sessions are cut mid-way, as in any capture.
 *
 * <pre>
 * java io.netwatch.bench.synth.CaptureSynthesizer OUT.pcap [--packets N] [--seed S]
 * </pre>
 */
public final class CaptureSynthesizer {
    public static final int DEFAULT_PACKETS = 1_600_000;
    public static final long DEFAULT_SEED = 20_250_101L;
    /** Sessions in progress at any time. */
    private static final int CONCURRENT_SESSIONS = 1_000;
    /** Capture start: 2025-01-01T00:00:00Z, nanoseconds since the Unix epoch. */
    private static final long START_NANOS = 1_735_689_600_000_000_000L;
    /** Mean gap between one session's end and the start of the one replacing it, nanoseconds. */
    private static final long MEAN_SPAWN_GAP_NANOS = 1_000_000;

    /** Session kinds and their share of session starts. */
    enum Kind {
        DNS_V4(0.42), DNS_V6(0.06), DNS_FRAGMENTED(0.003), TCP_V4(0.33), TCP_V6(0.07), TCP_VLAN(0.06),
        TCP_VXLAN(0.057), SYN_SCAN(0);

        final double weight;

        Kind(double weight) {
            this.weight = weight;
        }
    }

    private static final int[] PORTS_V4 = {443, 443, 443, 443, 443, 443, 443, 443, 443, 80, 80, 80, 80, 8080, 8080,
        5432, 5432, 6379, 9092, 22};
    private static final int[] PORTS_V6 = {443, 443, 443, 80};
    private static final int[] PORTS_VLAN = {2049, 2049, 3260, 445};
    private static final int[] PORTS_POD = {8080, 8080, 9090, 5432, 6379, 80};

    private final SplittableRandom rnd;
    private final FrameBuilder frames = new FrameBuilder();
    private final Payloads payloads;
    private final AddressPlan plan = new AddressPlan();
    private final TcpConnections tcp;
    private final DnsExchanges dns;
    private final PortScan scan;
    private final Map<Kind, Integer> sessions = new EnumMap<>(Kind.class);
    private long sequence;

    /** A session's packets and the next one to write. */
    private static final class Cursor {
        final SessionPackets packets;
        /** Start order: breaks ties between equal times, so output does not depend on the heap. */
        final long sequence;
        int next;

        Cursor(SessionPackets packets, long sequence) {
            this.packets = packets;
            this.sequence = sequence;
        }

        long time() {
            return packets.time(next);
        }
    }

    CaptureSynthesizer(long seed) {
        this.rnd = new SplittableRandom(seed);
        this.payloads = new Payloads(seed ^ 0x5DEECE66DL);
        this.tcp = new TcpConnections(frames, payloads);
        this.dns = new DnsExchanges(frames);
        this.scan = new PortScan(frames);
    }

    public static void main(String[] args) throws IOException {
        Path out = null;
        int packets = DEFAULT_PACKETS;
        long seed = DEFAULT_SEED;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--packets" -> packets = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                default -> out = Path.of(args[i]);
            }
        }
        if (out == null || packets < 1) {
            System.err.println("usage: CaptureSynthesizer OUT.pcap [--packets N] [--seed S]");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        CaptureSynthesizer s = new CaptureSynthesizer(seed);
        Summary summary = s.write(out, packets);
        System.out.printf(Locale.ROOT, "synthesized %s: %d packets, %d bytes, %.1f s of traffic, %d sessions %s"
                        + " (seed %d, %.1f s)%n", out, summary.packets, summary.bytes,
                summary.durationNanos / 1e9, summary.sessions, s.sessions, seed, (System.nanoTime() - t0) / 1e9);
    }

    record Summary(long packets, long bytes, long durationNanos, long sessions) {
    }

    Summary write(Path file, int packetCount) throws IOException {
        PriorityQueue<Cursor> queue = new PriorityQueue<>((a, b) -> {
            int byTime = Long.compare(a.time(), b.time());
            return byTime != 0 ? byTime : Long.compare(a.sequence, b.sequence);
        });
        for (int i = 0; i < CONCURRENT_SESSIONS; i++) {
            start(queue, START_NANOS + i * 20_000L, pickKind());
        }
        boolean scanned = false;
        long last = START_NANOS;
        try (PcapWriter w = new PcapWriter(file)) {
            while (w.packets() < packetCount) {
                Cursor c = queue.poll();
                last = c.time();
                w.write(last, c.packets.frame(c.next));
                c.packets.release(c.next);
                c.next++;
                if (c.next < c.packets.size()) {
                    queue.add(c);
                } else {
                    long gap = (long) (-Math.log(1 - rnd.nextDouble()) * MEAN_SPAWN_GAP_NANOS);
                    start(queue, last + gap, pickKind());
                }
                if (!scanned && w.packets() >= packetCount / 3) {
                    scanned = true;
                    start(queue, last, Kind.SYN_SCAN);
                }
            }
            long total = sessions.values().stream().mapToLong(Integer::longValue).sum();
            return new Summary(w.packets(), w.bytes(), last - START_NANOS, total);
        }
    }

    private Kind pickKind() {
        double x = rnd.nextDouble();
        for (Kind k : Kind.values()) {
            x -= k.weight;
            if (x < 0) {
                return k;
            }
        }
        return Kind.TCP_V4;
    }

    private void start(PriorityQueue<Cursor> queue, long startNanos, Kind kind) {
        SessionPackets p = new SessionPackets();
        switch (kind) {
            case DNS_V4 -> dns.generate(rnd, plan.dnsV4(rnd), startNanos, rtt(), p);
            case DNS_V6 -> dns.generate(rnd, plan.dnsV6(rnd), startNanos, rtt(), p);
            case DNS_FRAGMENTED -> dns.generateLarge(rnd, plan.dnsV4(rnd), startNanos, rtt(), p);
            case TCP_V4 -> {
                int port = PORTS_V4[rnd.nextInt(PORTS_V4.length)];
                boolean external = port == 443 || port == 80;
                tcp.generate(rnd, plan.tcpV4(rnd, port), startNanos, external ? rtt() : lanRtt(), protocol(port),
                        host(port), p);
            }
            case TCP_V6 -> {
                int port = PORTS_V6[rnd.nextInt(PORTS_V6.length)];
                tcp.generate(rnd, plan.tcpV6(rnd, port), startNanos, rtt(), protocol(port), host(port), p);
            }
            case TCP_VLAN -> tcp.generate(rnd, plan.tcpVlan(rnd, PORTS_VLAN[rnd.nextInt(PORTS_VLAN.length)]),
                    startNanos, lanRtt(), TcpConnections.Protocol.OPAQUE, "", p);
            case TCP_VXLAN -> {
                int port = PORTS_POD[rnd.nextInt(PORTS_POD.length)];
                tcp.generate(rnd, plan.tcpVxlan(rnd, port), startNanos, lanRtt(), protocol(port),
                        "orders.default.svc.cluster.local", p);
            }
            case SYN_SCAN -> {
                byte[] scanner = plan.scanner();
                byte[] target = plan.scanTarget();
                scan.generate(rnd, scanner, target, AddressPlan.mac(scanner), AddressPlan.mac(target), startNanos, p);
            }
        }
        sessions.merge(kind, 1, Integer::sum);
        p.sort();
        if (p.size() > 0) {
            queue.add(new Cursor(p, sequence++));
        }
    }

    private static TcpConnections.Protocol protocol(int port) {
        return switch (port) {
            case 80, 8080 -> TcpConnections.Protocol.HTTP;
            case 443 -> TcpConnections.Protocol.TLS;
            default -> TcpConnections.Protocol.OPAQUE;
        };
    }

    private String host(int port) {
        return "www-" + rnd.nextInt(500) + ".example.test" + (port == 8080 ? ":8080" : "");
    }

    /** A round trip to somewhere on the internet or the campus, nanoseconds. */
    private long rtt() {
        double x = rnd.nextDouble();
        if (x < 0.4) {
            return lanRtt();
        }
        if (x < 0.8) {
            return 5_000_000L + rnd.nextLong(35_000_000L);
        }
        return 50_000_000L + rnd.nextLong(150_000_000L);
    }

    private long lanRtt() {
        return 100_000L + rnd.nextLong(900_000L);
    }
}
