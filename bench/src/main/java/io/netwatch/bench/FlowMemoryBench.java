package io.netwatch.bench;

import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.decode.DecodedPacket;
import io.netwatch.agent.decode.PacketDecoder;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.flow.FlowTable;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.bench.synth.Conversation;
import io.netwatch.bench.synth.FrameBuilder;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Bytes of heap per tracked flow: fills a {@link FlowTable} with one million distinct flows and
 * divides the heap it retains (used heap after full collections, minus the same before the
 * table existed) by the flow count.
 *
 * <p>Flows are 80 % IPv4 TCP (a SYN each), 10 % IPv4 UDP and 10 % IPv6 TCP, decoded from three
 * prebuilt frames whose addresses and ports are rewritten per flow, as the pipeline would see
 * them. All of them arrive within half a second of capture time, far inside every default
 * timeout, so none expires; the table's bound is raised above the count so none is evicted.
 * Both are checked. Run it in a JVM of its own (bench/run.sh uses the serial collector, whose
 * used-heap figure after {@code System.gc()} is exact).
 *
 * <pre>
 * FlowMemoryBench OUT.properties [--flows N]
 * </pre>
 */
public final class FlowMemoryBench {
    public static final int DEFAULT_FLOWS = 1_000_000;
    /** Capture-time gap between flows, nanoseconds: a million flows span half a second. */
    private static final long GAP_NANOS = 500;
    private static final int GC_ROUNDS = 4;

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: FlowMemoryBench OUT.properties [--flows N]");
            System.exit(2);
        }
        int flows = DEFAULT_FLOWS;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--flows")) {
                flows = Integer.parseInt(args[++i]);
            } else {
                throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Results out = new Results(Path.of(args[0]));
        measure(flows, out);
        out.write();
    }

    private static void measure(int flows, Results out) throws InterruptedException {
        Templates t = new Templates();
        PacketDecoder decoder = new PacketDecoder();
        long[] records = new long[1];
        FlowSink sink = f -> records[0]++;
        FlowTableConfig config = FlowTableConfig.defaults().withMaxFlows(flows + flows / 10);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

        long before = usedAfterGc(memory);
        FlowTable table = new FlowTable(config, sink, "bench", List.of("bench0"), 1L << 32);
        long now = 1_735_689_600_000_000_000L;
        long t0 = System.nanoTime();
        for (int i = 0; i < flows; i++) {
            ByteBuffer frame = t.frameFor(i);
            DecodedPacket p = decoder.decode(frame, LinkType.ETHERNET);
            table.update(p, now, frame.remaining(), 0);
            now += GAP_NANOS;
        }
        long fillNanos = System.nanoTime() - t0;
        long after = usedAfterGc(memory);
        long active = table.flowsActive();
        Reference.reachabilityFence(table);
        if (active != flows || records[0] != 0) {
            throw new IllegalStateException("expected " + flows + " tracked flows and no records, got " + active
                    + " tracked and " + records[0] + " records (expired or evicted)");
        }
        double perFlow = (after - before) / (double) flows;
        out.put("flows", flows);
        out.put("flows.active", active);
        out.put("heap.before.bytes", before);
        out.put("heap.after.bytes", after);
        out.put("bytes.per.flow", perFlow);
        out.put("fill.seconds", fillNanos / 1e9);
        out.put("fill.flows.per.second", flows * 1e9 / fillNanos);
        out.put("gc", ManagementFactory.getGarbageCollectorMXBeans().stream().map(b -> b.getName())
                .reduce((a, b) -> a + "," + b).orElse("?"));
        System.out.printf(Locale.ROOT, "[memory] %d flows tracked: %.1f bytes per flow (heap %d -> %d);"
                + " filled in %.2f s%n", active, perFlow, before, after, fillNanos / 1e9);
    }

    /** Heap in use once collections stop freeing anything, bytes. */
    private static long usedAfterGc(MemoryMXBean memory) throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < GC_ROUNDS; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /**
     * Three prebuilt frames (IPv4 TCP SYN, IPv4 UDP, IPv6 TCP SYN) whose source address and ports
     * are rewritten in place for flow {@code i}: every flow distinct.
     */
    private static final class Templates {
        private static final int V4_SRC = 14 + 12;
        private static final int V4_PORTS = 14 + 20;
        private static final int V6_SRC = 14 + 8;
        private static final int V6_PORTS = 14 + 40;

        private final ByteBuffer tcp4;
        private final ByteBuffer udp4;
        private final ByteBuffer tcp6;

        Templates() {
            FrameBuilder b = new FrameBuilder();
            byte[] none = new byte[0];
            Conversation c4 = new Conversation(new byte[] {10, 0, 0, 1}, new byte[] {10, (byte) 128, 0, 1}, 40_000,
                    443, 0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L, -1, null);
            Conversation u4 = new Conversation(new byte[] {10, 0, 0, 1}, new byte[] {10, (byte) 128, 0, 53}, 40_000,
                    53, 0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L, -1, null);
            byte[] a6 = new byte[16];
            byte[] b6 = new byte[16];
            a6[0] = (byte) 0xfd;
            b6[0] = (byte) 0xfd;
            b6[1] = 1;
            b6[15] = 1;
            Conversation c6 = new Conversation(a6, b6, 40_000, 443, 0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L, -1,
                    null);
            tcp4 = ByteBuffer.wrap(b.tcp(c4, true, FrameBuilder.SYN, 1, 0, true, none, 0, 0, 1, 0));
            udp4 = ByteBuffer.wrap(b.udp(u4, true, new byte[40], 0, 40));
            tcp6 = ByteBuffer.wrap(b.tcp(c6, true, FrameBuilder.SYN, 1, 0, true, none, 0, 0, 1, 0));
        }

        ByteBuffer frameFor(int i) {
            int kind = i % 10;
            ByteBuffer f = kind < 8 ? tcp4 : kind == 8 ? udp4 : tcp6;
            if (kind == 9) {
                f.putInt(V6_SRC + 12, i);
                f.putShort(V6_PORTS, (short) (1024 + i % 50_000));
            } else {
                // 10.0.0.0/8 plus i: a million distinct sources.
                f.putInt(V4_SRC, 0x0A00_0000 + i);
                f.putShort(V4_PORTS, (short) (1024 + i % 50_000));
            }
            return f.clear();
        }
    }
}
