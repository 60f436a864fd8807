package io.netwatch.bench;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.PacketHandler;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.decode.DecodeError;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.agent.inspect.MessageKind;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.flow.v1.Flow;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Measures, in one JVM and on one capture file, how fast each reader gets through it:
 * <ul>
 *   <li>bare read: {@link PcapFileSource} delivering every frame to a handler that reads one
 *       byte (the memory-mapped reader's ceiling);</li>
 *   <li>Netwatch: whatever {@link Pipeline#create} wires (decode, flow table, payload inspection,
 *       detectors) on one thread, flow records to a counting sink; and the same pipeline without
 *       payload inspection, with it but no signature rules, with some or none of its parsers
 *       (inspection.parsers), and decode and flow table alone;</li>
 *   <li>{@code tcpdump -r FILE -w /dev/null} (libpcap's read);</li>
 *   <li>{@code suricata -r FILE --runmode single -k none} with no rules, when available (with
 *       raised memcaps, with the shipped ones, and with its application-layer parsers off).</li>
 * </ul>
 * Each is warmed up, then run in rounds (one of each per round, so drift of the machine hits all
 * alike); the median is reported. External tools are timed start to exit; their fixed start-up
 * cost, measured on a one-packet file, is reported and subtracted for the "net" rate, which is
 * the one the ratios use (it flatters the references, never Netwatch).
 *
 * <pre>
 * FileBench FILE OUT.properties WORKDIR [--rounds N] [--warmup N] [--suricata-rounds N]
 *           [--suricata-unavailable REASON]
 * </pre>
 */
public final class FileBench {
    /** Startup runs of each external tool on the one-packet file. */
    private static final int STARTUP_RUNS = 3;
    /** Counts what the measuring thread allocates (HotSpot's extension of ThreadMXBean). */
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    /** Where the bare read's byte sum goes, so the JIT cannot drop the reads. */
    static volatile long blackhole;

    private final Path file;
    private final Path work;
    private final Results out;
    private long packets;
    private long bytes;

    private FileBench(Path file, Path work, Results out) {
        this.file = file;
        this.work = work;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: FileBench FILE OUT.properties WORKDIR [--rounds N] [--warmup N]"
                    + " [--suricata-rounds N] [--suricata-unavailable REASON]");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        Path outFile = Path.of(args[1]);
        Path work = Files.createDirectories(Path.of(args[2]));
        int rounds = 5;
        int warmup = 3;
        int suricataRounds = 3;
        String suricataUnavailable = null;
        for (int i = 3; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--suricata-rounds" -> suricataRounds = Integer.parseInt(args[++i]);
                case "--suricata-unavailable" -> suricataUnavailable = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Results results = new Results(outFile);
        new FileBench(file, work, results).run(rounds, warmup, suricataRounds, suricataUnavailable);
        results.write();
    }

    private void run(int rounds, int warmup, int suricataRounds, String suricataUnavailable) throws Exception {
        out.put("file", file);
        out.put("file.bytes", Files.size(file));
        out.put("java.version", System.getProperty("java.version"));
        out.put("jvm.options", String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean()
                .getInputArguments()));
        out.put("jvm.gc", java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(java.lang.management.GarbageCollectorMXBean::getName).collect(java.util.stream.Collectors.joining(",")));
        out.put("cpus", Runtime.getRuntime().availableProcessors());

        // The first pass counts the packets and pulls the file into the page cache.
        bareRead();
        out.put("file.packets", packets);
        out.put("file.wire.bytes", bytes);
        log("file %s: %d packets, %d bytes", file, packets, Files.size(file));

        // tcpdump -r FILE -w /dev/null, with the file last as ExternalReader appends it.
        ExternalReader tcpdump = new ExternalReader("tcpdump", List.of("tcpdump", "-n", "-w", "/dev/null", "-r"), work);
        SuricataSetup suricata = null;
        if (suricataUnavailable == null) {
            suricata = new SuricataSetup(Files.createDirectories(work.resolve("suricata")));
        } else {
            out.put("suricata.unavailable", suricataUnavailable);
        }
        ExternalReader suricataFull = suricata == null ? null
                : new ExternalReader("suricata-full", suricata.command(true), work);
        ExternalReader suricataStock = suricata == null ? null
                : new ExternalReader("suricata-stock", suricata.command(false), work);
        ExternalReader suricataNoParsers = suricata == null ? null
                : new ExternalReader("suricata-noparsers", suricata.command(true, false), work);

        log("warm-up: %d runs each of the bare read and Netwatch, one tcpdump", warmup);
        for (int i = 0; i < warmup; i++) {
            bareRead();
            netwatch(null);
            netwatchCore();
            netwatchUninspected();
            netwatchWithoutRules();
            for (ParserVariant v : ParserVariant.values()) {
                netwatchWithParsers(v.parsers);
            }
        }
        tcpdump.run(file, "warmup");

        Path onePacket = onePacketFile();
        Samples tcpdumpStartup = new Samples();
        Samples suricataFullStartup = new Samples();
        Samples suricataStockStartup = new Samples();
        Samples suricataNoParsersStartup = new Samples();
        for (int i = 0; i < STARTUP_RUNS; i++) {
            tcpdumpStartup.add(tcpdump.run(onePacket, "startup-" + i));
            if (suricata != null) {
                suricataFullStartup.add(suricataFull.run(onePacket, "startup-" + i));
                suricataStockStartup.add(suricataStock.run(onePacket, "startup-" + i));
                suricataNoParsersStartup.add(suricataNoParsers.run(onePacket, "startup-" + i));
            }
        }

        Samples bare = new Samples();
        Samples netwatch = new Samples();
        Samples core = new Samples();
        Samples uninspected = new Samples();
        Samples withoutRules = new Samples();
        Samples floor = new Samples();
        // The pass without inspection again at the round's end: the losses' reference is the
        // mean of the two, which brackets the round's other passes (see BenchReport.pairedLoss).
        Samples uninspectedAtEnd = new Samples();
        java.util.Map<ParserVariant, Samples> parserVariants = new java.util.EnumMap<>(ParserVariant.class);
        for (ParserVariant v : ParserVariant.values()) {
            parserVariants.put(v, new Samples());
        }
        // The collector's share of the two Netwatch passes the inspection goal compares: time
        // (nanoseconds) and collections per pass.
        Samples netwatchGc = new Samples();
        Samples netwatchGcCount = new Samples();
        Samples uninspectedGc = new Samples();
        Samples uninspectedGcCount = new Samples();
        Samples tcpdumpRuns = new Samples();
        Samples fullRuns = new Samples();
        Samples stockRuns = new Samples();
        Samples fullEngine = new Samples();
        Samples stockEngine = new Samples();
        Samples noParsersRuns = new Samples();
        Samples noParsersEngine = new Samples();
        NetwatchCounts counts = null;
        for (int r = 0; r < rounds; r++) {
            bare.add(bareRead());
            NetwatchCounts c = new NetwatchCounts();
            settle();
            long[] gc = collector();
            netwatch.add(netwatch(c));
            addCollector(gc, netwatchGc, netwatchGcCount);
            settle();
            core.add(netwatchCore());
            settle();
            gc = collector();
            uninspected.add(netwatchUninspected());
            addCollector(gc, uninspectedGc, uninspectedGcCount);
            settle();
            withoutRules.add(netwatchWithoutRules());
            settle();
            floor.add(netwatchInspectionFloor());
            for (ParserVariant v : ParserVariant.values()) {
                settle();
                parserVariants.get(v).add(netwatchWithParsers(v.parsers));
            }
            settle();
            uninspectedAtEnd.add(netwatchUninspected());
            counts = c;
            tcpdumpRuns.add(tcpdump.run(file, "run-" + r));
            if (suricata != null && r < suricataRounds) {
                suricata.clearLog();
                fullRuns.add(suricataFull.run(file, "run-" + r));
                suricata.lastEngineSeconds().ifPresent(s -> fullEngine.add((long) (s * 1e9)));
                suricata.clearLog();
                stockRuns.add(suricataStock.run(file, "run-" + r));
                suricata.lastEngineSeconds().ifPresent(s -> stockEngine.add((long) (s * 1e9)));
                suricata.clearLog();
                noParsersRuns.add(suricataNoParsers.run(file, "run-" + r));
                suricata.lastEngineSeconds().ifPresent(s -> noParsersEngine.add((long) (s * 1e9)));
            }
            log("round %d/%d: bare %.3f s, netwatch %.3f s, tcpdump %.3f s%s", r + 1, rounds,
                    last(bare), last(netwatch), last(tcpdumpRuns),
                    suricata != null && r < suricataRounds ? String.format(Locale.ROOT,
                            ", suricata full %.3f s, stock %.3f s", last(fullRuns), last(stockRuns)) : "");
        }

        record("bare", bare, null);
        record("netwatch", netwatch, null);
        record("netwatch.core", core, null);
        record("netwatch.uninspected", uninspected, null);
        record("netwatch.norules", withoutRules, null);
        record("netwatch.floor", floor, null);
        record("netwatch.uninspected.end", uninspectedAtEnd, null);
        for (ParserVariant v : ParserVariant.values()) {
            record("netwatch.parsers." + v.key, parserVariants.get(v), null);
        }
        out.put("netwatch.gc.seconds", netwatchGc.median() / 1e9);
        out.put("netwatch.gc.collections", netwatchGcCount.median());
        out.put("netwatch.uninspected.gc.seconds", uninspectedGc.median() / 1e9);
        out.put("netwatch.uninspected.gc.collections", uninspectedGcCount.median());
        record("tcpdump", tcpdumpRuns, tcpdumpStartup);
        if (suricata != null) {
            record("suricata.full", fullRuns, suricataFullStartup);
            record("suricata.stock", stockRuns, suricataStockStartup);
            recordEngine("suricata.full", fullEngine);
            recordEngine("suricata.stock", stockEngine);
            record("suricata.noparsers", noParsersRuns, suricataNoParsersStartup);
            recordEngine("suricata.noparsers", noParsersEngine);
        }
        out.put("netwatch.flows.created", counts.flowsCreated);
        out.put("netwatch.flow.records", counts.flowRecords);
        out.put("netwatch.anomalies", counts.anomalies);
        out.put("netwatch.decode.failed", counts.decodeFailed);
        out.put("netwatch.packets.failed", counts.failedPackets);
        out.put("netwatch.datagrams.reassembled", counts.reassembled);
        out.put("netwatch.allocated.bytes", counts.allocatedBytes);
        out.put("netwatch.allocated.bytes.per.packet", counts.allocatedBytes / (double) packets);
    }

    /**
     * A full collection before a timed Netwatch pass, not timed: each pass starts from the same
     * heap and pays for collecting its own garbage only, not for what the passes before it left
     * in the old generation (a pass's pipeline is garbage once it has run).
     */
    private static void settle() {
        System.gc();
    }

    /** The collectors' total time (nanoseconds) and collections so far. */
    private static long[] collector() {
        long nanos = 0;
        long count = 0;
        for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory
                .getGarbageCollectorMXBeans()) {
            nanos += gc.getCollectionTime() * 1_000_000L;
            count += gc.getCollectionCount();
        }
        return new long[] {nanos, count};
    }

    /** Adds the collector's time and collections since {@code before} to the samples. */
    private static void addCollector(long[] before, Samples time, Samples count) {
        long[] now = collector();
        time.add(now[0] - before[0]);
        count.add(now[1] - before[1]);
    }

    /** Timing of one bare read, nanoseconds. */
    private long bareRead() throws CaptureException {
        ByteToucher toucher = new ByteToucher();
        long t0 = System.nanoTime();
        try (PcapFileSource source = PcapFileSource.open(file)) {
            source.run(toucher);
        }
        long elapsed = System.nanoTime() - t0;
        packets = toucher.packets;
        bytes = toucher.wireBytes;
        blackhole = toucher.sum;
        return elapsed;
    }

    /** Decode and flow table only, records to no one: the scope of the decoding issue's goal. */
    private long netwatchCore() throws CaptureException {
        return timed(names -> new Pipeline(new io.netwatch.agent.flow.FlowTable(FlowTableConfig.defaults(),
                FlowSink.NONE, "bench", names, 0), new io.netwatch.agent.score.Detectors(DetectionConfig.defaults(),
                AnomalySink.NONE, "bench")));
    }

    /** The whole pipeline but payload inspection: the reference for the inspection goal ({@link Pipelines#uninspected}). */
    private long netwatchUninspected() throws CaptureException {
        return timed(Pipelines::uninspected);
    }

    /**
     * The whole pipeline with no signature rules loaded (a configuration a user can choose):
     * the parsers' share of the inspection cost, against the rules' share.
     */
    private long netwatchWithoutRules() throws CaptureException {
        return timed(names -> Pipeline.create("bench", names, FlowTableConfig.defaults(), DetectionConfig.defaults(),
                InspectionConfig.defaults(), Signatures.none(), FlowSink.NONE, AnomalySink.NONE, InspectionSink.NONE));
    }

    /**
     * The whole pipeline with the inspection stage but no parser and no rule: reassembly, the
     * protocol named by payload, each flow's inspection state and its budget. What every parser
     * and rule is added to, so the floor of the inspection goal.
     */
    private long netwatchInspectionFloor() throws CaptureException {
        return timed(Pipelines::inspectionFloor);
    }

    /**
     * The whole pipeline, the bundled rules loaded, parsing only {@code parsers}
     * (inspection.parsers): what each parser costs, as a user who turns it off would gain.
     */
    private long netwatchWithParsers(java.util.Set<MessageKind> parsers) throws CaptureException {
        return timed(names -> Pipeline.create("bench", names, FlowTableConfig.defaults(), DetectionConfig.defaults(),
                InspectionConfig.defaults().withParsers(parsers), Signatures.bundled(), FlowSink.NONE,
                AnomalySink.NONE, InspectionSink.NONE));
    }

    /**
     * The parser sets the benchmark times besides all of them: the results' key
     * (netwatch.parsers.KEY) and what the report's rows call them.
     */
    enum ParserVariant {
        NO_DNS("nodns", "DNS parser off", EnumSet.complementOf(EnumSet.of(MessageKind.DNS))),
        NO_HTTP("nohttp", "HTTP parser off", EnumSet.complementOf(EnumSet.of(MessageKind.HTTP))),
        NO_TLS("notls", "TLS, QUIC parsers off", EnumSet.complementOf(EnumSet.of(MessageKind.TLS, MessageKind.QUIC))),
        NONE("none", "no parser, raw-byte rules", EnumSet.noneOf(MessageKind.class));

        final String key;
        final String label;
        final java.util.Set<MessageKind> parsers;

        ParserVariant(String key, String label, java.util.Set<MessageKind> parsers) {
            this.key = key;
            this.label = label;
            this.parsers = parsers;
        }
    }

    /** One pass over the file with a pipeline {@code factory} builds for its interfaces, finish() included, nanoseconds. */
    private long timed(Function<List<String>, Pipeline> factory) throws CaptureException {
        long[] seen = new long[1];
        long elapsed = Pipelines.pass(file, factory, seen);
        checkSawEveryPacket(seen[0]);
        return elapsed;
    }

    private void checkSawEveryPacket(long seen) {
        if (seen != packets) {
            throw new IllegalStateException("Netwatch saw " + seen + " packets, the file has " + packets);
        }
    }

    private long netwatch(NetwatchCounts counts) throws CaptureException {
        long[] flowRecords = new long[1];
        long[] anomalies = new long[1];
        FlowSink flows = (Flow f) -> flowRecords[0]++;
        AnomalySink anomalySink = a -> anomalies[0]++;
        long allocated0 = THREADS.getCurrentThreadAllocatedBytes();
        long t0 = System.nanoTime();
        Pipeline pipeline;
        try (PcapFileSource source = PcapFileSource.open(file)) {
            pipeline = Pipeline.create("bench", source.interfaceNames(), FlowTableConfig.defaults(),
                    DetectionConfig.defaults(), flows, anomalySink);
            source.run(pipeline);
        }
        pipeline.finish();
        long elapsed = System.nanoTime() - t0;
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocated0;
        checkSawEveryPacket(pipeline.packets());
        if (counts != null) {
            counts.flowsCreated = pipeline.flowTable().flowsCreated();
            counts.flowRecords = flowRecords[0];
            counts.anomalies = anomalies[0];
            long failed = 0;
            for (DecodeError e : DecodeError.values()) {
                if (e != DecodeError.NONE) {
                    failed += pipeline.decodeOutcome(e);
                }
            }
            counts.decodeFailed = failed;
            counts.failedPackets = pipeline.failedPackets();
            counts.reassembled = pipeline.flowTable().datagramsReassembled();
            counts.allocatedBytes = allocated;
        }
        return elapsed;
    }

    /** What one Netwatch pass found: the sanity checks printed beside its rate. */
    private static final class NetwatchCounts {
        long flowsCreated;
        long flowRecords;
        long anomalies;
        long decodeFailed;
        long failedPackets;
        long reassembled;
        /** Heap allocated by the pass on this thread, bytes: the garbage the capture path makes. */
        long allocatedBytes;
    }

    /** Reads one byte of every frame: the cost of getting the frames, nothing else. */
    private static final class ByteToucher implements PacketHandler {
        long sum;
        long packets;
        long wireBytes;

        @Override
        public void onPacket(ByteBuffer frame, int linkType, long timestampNanos, int originalLength,
                             int interfaceIndex) {
            sum += frame.get(frame.position());
            packets++;
            wireBytes += originalLength;
        }
    }

    /** The file's header and first record: what an external tool's start-up and exit cost is timed on. */
    private Path onePacketFile() throws IOException {
        Path one = work.resolve("one-packet.pcap");
        try (InputStream in = Files.newInputStream(file); OutputStream o = Files.newOutputStream(one)) {
            byte[] head = in.readNBytes(24 + 16);
            ByteBuffer b = ByteBuffer.wrap(head);
            int magic = b.getInt(0);
            b.order(magic == 0xA1B2C3D4 || magic == 0xA1B23C4D ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            int capLen = b.getInt(24 + 8);
            o.write(head);
            o.write(in.readNBytes(capLen));
        }
        return one;
    }

    private void record(String key, Samples s, Samples startup) {
        long median = s.median();
        out.put(key + ".seconds", median / 1e9);
        out.put(key + ".runs", s.runs());
        out.put(key + ".pps", Samples.pps(packets, median));
        if (startup != null) {
            long fixed = startup.median();
            out.put(key + ".startup.seconds", fixed / 1e9);
            out.put(key + ".startup.runs", startup.runs());
            out.put(key + ".net.pps", Samples.pps(packets, Math.max(1, median - fixed)));
        }
    }

    private void recordEngine(String key, Samples engine) {
        if (!engine.isEmpty()) {
            out.put(key + ".engine.seconds", engine.median() / 1e9);
            out.put(key + ".engine.pps", Samples.pps(packets, engine.median()));
        }
    }

    private static double last(Samples s) {
        return s.isEmpty() ? 0 : s.lastSeconds();
    }

    static void log(String format, Object... args) {
        System.out.println("[file] " + String.format(Locale.ROOT, format, args));
    }
}
