package io.netwatch.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

/**
 * One pipeline, with payload inspection or without, run over the capture pass after pass in a
 * JVM of its own, with no collection asked for between passes: the heap as a running agent
 * keeps it, where the old generation fills with what flows kept until they ended and a full
 * collection comes when it is full, inside whichever pass is running. {@link FileBench}
 * collects the whole heap before each of its passes, untimed, so that a pass pays for its own
 * garbage only; its passes never pay a full collection. This one does, so that the two
 * together bound what the collector costs inspection. Run by {@code bench/run.sh}, once for
 * each pipeline and then once more for each, the order alternating.
 *
 * <pre>
 * SteadyBench CAPTURE RESULTS.properties KEY inspected|uninspected WARMUP PASSES
 * </pre>
 *
 * Writes {@code KEY.runs} (each timed pass, seconds) and the collector's young and full
 * collections and time over the timed passes, per pass.
 */
public final class SteadyBench {
    private SteadyBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6 || !args[3].matches("inspected|uninspected")) {
            System.err.println("usage: SteadyBench CAPTURE RESULTS.properties KEY inspected|uninspected WARMUP PASSES");
            System.exit(2);
        }
        Path capture = Path.of(args[0]);
        Results out = new Results(Path.of(args[1]));
        String key = args[2];
        boolean inspected = args[3].equals("inspected");
        int warmup = Integer.parseInt(args[4]);
        int passes = Integer.parseInt(args[5]);
        long[] packets = new long[1];
        for (int i = 0; i < warmup; i++) {
            Pipelines.pass(capture, inspected, packets);
        }
        long[] before = collectors();
        Samples times = new Samples();
        for (int i = 0; i < passes; i++) {
            times.add(Pipelines.pass(capture, inspected, packets));
        }
        long[] after = collectors();
        out.put(key + ".runs", times.runs());
        out.put(key + ".packets", packets[0]);
        out.put(key + ".young.collections.per.pass", (double) (after[0] - before[0]) / passes);
        out.put(key + ".young.seconds.per.pass", (after[1] - before[1]) / 1e3 / passes);
        out.put(key + ".full.collections.per.pass", (double) (after[2] - before[2]) / passes);
        out.put(key + ".full.seconds.per.pass", (after[3] - before[3]) / 1e3 / passes);
        out.write();
        System.err.printf("%s: %d passes, median %.3f s%n", key, passes, times.median() / 1e9);
    }

    /**
     * Young collections and their milliseconds, then full ones and theirs. The serial
     * collector's beans are "Copy" (young) and "MarkSweepCompact" (full); any other collector's
     * young bean names itself "Young" or "Scavenge".
     */
    private static long[] collectors() {
        long[] r = new long[4];
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            String n = gc.getName();
            int at = n.equals("Copy") || n.contains("Young") || n.contains("Scavenge") ? 0 : 2;
            r[at] += gc.getCollectionCount();
            r[at + 1] += gc.getCollectionTime();
        }
        return r;
    }
}
