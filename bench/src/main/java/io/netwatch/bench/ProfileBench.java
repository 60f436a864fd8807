package io.netwatch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import one.profiler.AsyncProfiler;
import one.profiler.Counter;

/**
 * Where payload inspection's time goes: the pipeline with and without it, passes alternated on
 * one capture as {@link CompareBuilds} times them, each pass sampled by async-profiler (every
 * thread of the JVM, so the collector's and the compiler's time too), and the two profiles set
 * against each other: the frames the inspected passes spend more samples in. async-profiler
 * samples wherever a thread is, where a profiler that waits for a safepoint (JFR's method
 * samples) moves a sample to the next poll, often into another method than the one that took
 * the time. Not a test; {@code bench/profile.sh} runs it.
 *
 * <pre>
 * ProfileBench FILE ROUNDS OUT_DIR [TOP]
 * </pre>
 *
 * <p>With {@code -Dnetwatch.profile.event=alloc} the samples are heap allocations instead of CPU
 * time: each stack counts the bytes allocated there (async-profiler's TLAB-driven sampling, one
 * sample about every 256 KiB), which says what the collector's extra time is for. With
 * {@code -Dnetwatch.profile.inspection=floor} the inspected side is {@link
 * Pipelines#inspectionFloor}: the inspection stage with no parser and no rule.
 *
 * <p>Writes each side's stacks, summed over its passes, as {@code uninspected.collapsed} and
 * {@code inspected.collapsed} (one stack a line, frames separated by semicolons, the thread
 * first, then the sample count: what flame graph tools read) into {@code OUT_DIR}, and prints
 * the comparison.
 */
public final class ProfileBench {
    private static final int WARMUP_ROUNDS = 2;
    /**
     * A lambda's class, named after the class that made it and an address: the two sides make
     * the same calls from different places (the reference pipeline is wired here, the other by
     * {@code Pipeline.create}), so only the method is kept.
     */
    private static final Pattern LAMBDA = Pattern.compile("[\\w/$]*\\$\\$Lambda[\\w/$.]*?\\.(?=\\w+(;|$))");

    private ProfileBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3 || args.length > 4) {
            System.err.println("usage: ProfileBench FILE ROUNDS OUT_DIR [TOP]");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        Path out = Path.of(args[2]);
        int top = args.length == 4 ? Integer.parseInt(args[3]) : 40;
        AsyncProfiler profiler = AsyncProfiler.getInstance();
        boolean alloc = "alloc".equals(System.getProperty("netwatch.profile.event", "cpu"));
        String event = alloc ? "alloc" : event(profiler);
        String start = alloc ? "start,event=alloc,alloc=256k,threads" : "start,event=" + event + ",interval=1ms,threads";
        Counter counter = alloc ? Counter.TOTAL : Counter.SAMPLES;
        boolean floor = "floor".equals(System.getProperty("netwatch.profile.inspection", "all"));

        List<Map<String, Long>> stacks = List.of(new HashMap<>(), new HashMap<>());
        List<List<Long>> times = List.of(new ArrayList<>(), new ArrayList<>());
        long packets = -1;
        for (int r = 0; r < WARMUP_ROUNDS + rounds; r++) {
            boolean profiled = r >= WARMUP_ROUNDS;
            for (int k = 0; k < 2; k++) {
                int inspected = r % 2 == 0 ? k : 1 - k;
                System.gc();
                if (profiled) {
                    profiler.execute(start);
                }
                long[] seen = new long[1];
                long ns = Pipelines.pass(file, inspected == 0 ? Pipelines::uninspected
                        : floor ? Pipelines::inspectionFloor : Pipelines::inspected, seen);
                if (profiled) {
                    profiler.execute("stop");
                    add(stacks.get(inspected), profiler.dumpCollapsed(counter));
                    times.get(inspected).add(ns);
                }
                if (packets < 0) {
                    packets = seen[0];
                } else if (seen[0] != packets) {
                    throw new IllegalStateException("a pass saw " + seen[0] + " packets, another " + packets);
                }
            }
        }
        Files.createDirectories(out);
        write(out.resolve("uninspected.collapsed"), stacks.get(0));
        write(out.resolve("inspected.collapsed"), stacks.get(1));
        System.out.print(report(file, packets, rounds, event, times, stacks, top));
    }

    /** perf_events' CPU clock where the kernel lets us, else the interval timer (containers often forbid perf). */
    private static String event(AsyncProfiler profiler) throws IOException {
        try {
            profiler.execute("start,event=cpu,interval=1ms");
            profiler.execute("stop");
            return "cpu";
        } catch (IllegalStateException | IllegalArgumentException perfRefused) {
            return "itimer";
        }
    }

    private static void add(Map<String, Long> into, String collapsed) {
        for (String line : collapsed.split("\n")) {
            int space = line.lastIndexOf(' ');
            if (space <= 0) {
                continue;
            }
            String stack = LAMBDA.matcher(line.substring(0, space)).replaceAll("lambda.");
            into.merge(stack, Long.parseLong(line.substring(space + 1)), Long::sum);
        }
    }

    private static void write(Path path, Map<String, Long> stacks) throws IOException {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(stacks).forEach((stack, n) -> sb.append(stack).append(' ').append(n).append('\n'));
        Files.writeString(path, sb);
    }

    /** Samples per frame: inclusive (each frame once per stack) and self (the stack's last frame). */
    private record Frames(long total, Map<String, Long> inclusive, Map<String, Long> self, Map<String, Long> threads) {
        static Frames of(Map<String, Long> stacks) {
            long total = 0;
            Map<String, Long> inclusive = new HashMap<>();
            Map<String, Long> self = new HashMap<>();
            Map<String, Long> threads = new HashMap<>();
            for (var e : stacks.entrySet()) {
                String[] frames = e.getKey().split(";");
                long n = e.getValue();
                total += n;
                threads.merge(threadKind(frames[0]), n, Long::sum);
                Set<String> seen = new HashSet<>();
                for (int i = 1; i < frames.length; i++) {
                    String f = shortName(frames[i]);
                    if (seen.add(f)) {
                        inclusive.merge(f, n, Long::sum);
                    }
                }
                self.merge(shortName(frames[frames.length - 1]), n, Long::sum);
            }
            return new Frames(total, inclusive, self, threads);
        }
    }

    /** The thread's part: the capture thread, the collector, the JIT compilers, or the rest. */
    static String threadKind(String threadFrame) {
        String t = threadFrame.toLowerCase(Locale.ROOT);
        int kind = t.contains("main") ? 0
                : t.contains("vm thread") || t.contains("gc") ? 1
                : t.contains("compiler") ? 2 : 3;
        return THREAD_KINDS[kind];
    }

    /**
     * {@code io/netwatch/agent/inspect/FlowInspection.packet} as {@code FlowInspection.packet};
     * native frames as they are.
     */
    static String shortName(String frame) {
        int paren = frame.indexOf('(');
        String f = paren > 0 ? frame.substring(0, paren) : frame;
        int dot = f.lastIndexOf('.');
        int slash = f.lastIndexOf('/', dot < 0 ? f.length() - 1 : dot);
        return slash >= 0 && dot > slash ? f.substring(slash + 1) : f;
    }

    static String report(Path file, long packets, int rounds, String event, List<List<Long>> times,
                         List<Map<String, Long>> stacks, int top) {
        Frames un = Frames.of(stacks.get(0));
        Frames in = Frames.of(stacks.get(1));
        long diff = in.total() - un.total();
        StringBuilder sb = new StringBuilder();
        boolean alloc = "alloc".equals(event);
        line(sb, "%s: %,d packets, %d rounds profiled after %d warm-up rounds, async-profiler event %s%s",
                file.getFileName(), packets, rounds, WARMUP_ROUNDS, event,
                alloc ? " (\"samples\" are bytes allocated, summed over the rounds)" : " every 1 ms");
        line(sb, "%-20s %10s %9s %15s %10s %9s %7s", "", "pass (s)", "samples", "capture thread", "collector",
                "compiler", "other");
        line(sb, "%-20s %10.3f %s", "without inspection", median(times.get(0)) / 1e9, byThread(un, null));
        line(sb, "%-20s %10.3f %s", "with inspection", median(times.get(1)) / 1e9, byThread(in, null));
        line(sb, "%-20s %10s %s", "more with inspection", "", byThread(in, un));
        if (diff <= 0) {
            line(sb, "No more samples with inspection than without: nothing to set against each other.");
            return sb.toString();
        }
        line(sb, "");
        line(sb, "Frames with the most more samples with inspection, the frame and what it calls (share of the %,d):",
                diff);
        table(sb, un.inclusive(), in.inclusive(), diff, top);
        line(sb, "");
        line(sb, "The same, the frame's own samples only:");
        table(sb, un.self(), in.self(), diff, top);
        return sb.toString();
    }

    /** The kinds of thread {@link #threadKind} tells apart, in the report's order. */
    private static final String[] THREAD_KINDS = {"capture thread", "collector", "compiler", "other"};

    /** A row's samples in all and by kind of thread: {@code f}'s, or less {@code minus}'s when given. */
    private static String byThread(Frames f, Frames minus) {
        StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%,9d",
                f.total() - (minus == null ? 0 : minus.total())));
        int[] widths = {15, 10, 9, 7};
        for (int k = 0; k < THREAD_KINDS.length; k++) {
            long n = f.threads().getOrDefault(THREAD_KINDS[k], 0L)
                    - (minus == null ? 0 : minus.threads().getOrDefault(THREAD_KINDS[k], 0L));
            row.append(String.format(Locale.ROOT, " %," + widths[k] + "d", n));
        }
        return row.toString();
    }

    private static void table(StringBuilder sb, Map<String, Long> un, Map<String, Long> in, long diff, int top) {
        Set<String> frames = new HashSet<>(in.keySet());
        frames.addAll(un.keySet());
        String[] sorted = frames.stream()
                .sorted((a, b) -> Long.compare(in.getOrDefault(b, 0L) - un.getOrDefault(b, 0L),
                        in.getOrDefault(a, 0L) - un.getOrDefault(a, 0L)))
                .limit(top).toArray(String[]::new);
        line(sb, "  %7s %8s %8s %8s  %s", "share", "more", "with", "without", "frame");
        for (String f : sorted) {
            long more = in.getOrDefault(f, 0L) - un.getOrDefault(f, 0L);
            if (more <= 0) {
                break;
            }
            line(sb, "  %6.1f%% %,8d %,8d %,8d  %s", 100.0 * more / diff, more, in.getOrDefault(f, 0L),
                    un.getOrDefault(f, 0L), f);
        }
    }

    private static double median(List<Long> xs) {
        long[] a = xs.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        return a.length == 0 ? Double.NaN : a[a.length / 2];
    }

    private static void line(StringBuilder sb, String format, Object... args) {
        sb.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
