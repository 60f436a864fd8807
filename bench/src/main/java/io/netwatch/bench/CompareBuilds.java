package io.netwatch.bench;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Two builds of the agent timed against each other in one JVM, on one capture: each round
 * runs the pipeline with and without payload inspection under build A and under build B, the
 * order of the two builds alternating from round to round. A change too small to show in
 * {@code bench/run.sh}, whose rounds spread by ten points or more on a shared machine, shows
 * in the ratio of the two builds' times taken minutes, not hours, apart.
 *
 * <p>Each build gets a class loader of its own over its agent, common and proto classes and
 * the third-party jars, with this module's {@link Pipelines} loaded again inside it, so both
 * run the same benchmark code against their own agent. Run by {@code bench/compare.sh}.
 *
 * <pre>
 * CompareBuilds FILE ROUNDS LIB_DIR BENCH_CLASSES NAME_A CLASSES_A[:MORE] NAME_B CLASSES_B[:MORE]
 * </pre>
 */
public final class CompareBuilds {
    private static final int WARMUP_ROUNDS = 2;

    private CompareBuilds() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println("usage: CompareBuilds FILE ROUNDS LIB_DIR BENCH_CLASSES NAME_A CLASSES_A NAME_B CLASSES_B");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        List<URL> libs = thirdParty(Path.of(args[2]));
        URL bench = Path.of(args[3]).toUri().toURL();
        String[] names = {args[4], args[6]};
        Method[] pass = {passOf(bench, args[5], libs), passOf(bench, args[7], libs)};

        // times[build][inspected][round]
        long[][][] times = new long[2][2][rounds];
        long packets = -1;
        for (int r = 0; r < WARMUP_ROUNDS + rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int build = r % 2 == 0 ? k : 1 - k;
                for (int inspected = 0; inspected < 2; inspected++) {
                    System.gc();
                    long[] seen = new long[1];
                    long ns = run(pass[build], file, inspected == 1, seen);
                    if (packets < 0) {
                        packets = seen[0];
                    } else if (seen[0] != packets) {
                        throw new IllegalStateException(names[build] + " saw " + seen[0] + " packets, not " + packets);
                    }
                    if (r >= WARMUP_ROUNDS) {
                        times[build][inspected][r - WARMUP_ROUNDS] = ns;
                    }
                }
            }
        }

        System.out.printf(Locale.ROOT, "%s: %,d packets, %d rounds after %d warm-up rounds%n", file.getFileName(),
                packets, rounds, WARMUP_ROUNDS);
        System.out.printf(Locale.ROOT, "%-12s %22s %22s %26s%n", "build", "without inspection s", "with inspection s",
                "loss to inspection");
        for (int b = 0; b < 2; b++) {
            double[] loss = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                loss[i] = 100 * (1 - (double) times[b][0][i] / times[b][1][i]);
            }
            System.out.printf(Locale.ROOT, "%-12s %10.3f (%.3f min) %10.3f (%.3f min) %9.1f %% (%.1f to %.1f)%n",
                    names[b], median(seconds(times[b][0])), min(seconds(times[b][0])), median(seconds(times[b][1])),
                    min(seconds(times[b][1])), median(loss), min(loss), max(loss));
        }
        for (int inspected = 1; inspected >= 0; inspected--) {
            double[] ratio = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                ratio[i] = (double) times[1][inspected][i] / times[0][inspected][i];
            }
            double[] interval = medianInterval(ratio);
            String ci = interval == null ? "too few rounds for a 95 % interval"
                    : String.format(Locale.ROOT, "95 %% interval %.3f to %.3f", interval[0], interval[1]);
            System.out.printf(Locale.ROOT, "%s / %s time, %s inspection: %.3f by the median round (%s; rounds %.3f to "
                    + "%.3f)%n", names[1], names[0], inspected == 1 ? "with" : "without", median(ratio), ci, min(ratio),
                    max(ratio));
        }
    }

    /**
     * A distribution-free interval of at least 95 % confidence for the median of what {@code v}
     * samples: the k-th smallest and the k-th largest value, k the largest rank whose
     * binomial tail, P(Bin(n, 1/2) < k), is at most 2.5 %. It assumes only that rounds are
     * independent, not that their times are normal (they are not: a slow spell of the machine
     * stretches a few rounds by half). An interval that holds 1 is a change not told from
     * noise. Null below 6 rounds, where no such k exists.
     */
    static double[] medianInterval(double[] v) {
        int n = v.length;
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        // tail = P(Bin(n, 1/2) <= j), summed as j grows; k = j + 1 while it stays within 2.5 %.
        double term = Math.pow(0.5, n);
        double tail = term;
        int k = 0;
        for (int j = 0; tail <= 0.025 && j < n; j++) {
            k = j + 1;
            term = term * (n - j) / (j + 1);
            tail += term;
        }
        return k == 0 ? null : new double[] {s[k - 1], s[n - k]};
    }

    /** The jars of {@code lib} but Netwatch's own, which each build brings as classes. */
    private static List<URL> thirdParty(Path lib) throws IOException {
        List<URL> urls = new ArrayList<>();
        try (Stream<Path> jars = Files.list(lib)) {
            for (Path jar : jars.sorted().toList()) {
                if (jar.toString().endsWith(".jar") && !jar.getFileName().toString().startsWith("netwatch-")) {
                    urls.add(jar.toUri().toURL());
                }
            }
        }
        return urls;
    }

    /**
     * {@link Pipelines#pass} as loaded from the classes {@code classPath} (colon-separated
     * directories) names, the build's own bench classes among them, then {@code bench}'s.
     * Each build's own {@link Pipelines} wires its reference pipeline: one written for another
     * build may call what this one lacks.
     */
    private static Method passOf(URL bench, String classPath, List<URL> libs) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String dir : classPath.split(":")) {
            Path p = Path.of(dir);
            if (!Files.isDirectory(p)) {
                throw new IllegalArgumentException("no such class directory: " + dir + " (was the build made?)");
            }
            urls.add(p.toUri().toURL());
        }
        urls.add(bench);
        urls.addAll(libs);
        // The platform loader as parent: nothing of the agent or of this module comes from the
        // application class path, so each build links to its own classes only.
        URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        Class<?> pipelines = Class.forName(Pipelines.class.getName(), true, loader);
        return pipelines.getMethod("pass", Path.class, boolean.class, long[].class);
    }

    private static long run(Method pass, Path file, boolean inspected, long[] seen) throws Exception {
        try {
            return (long) pass.invoke(null, file, inspected, seen);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    private static double[] seconds(long[] ns) {
        double[] s = new double[ns.length];
        for (int i = 0; i < ns.length; i++) {
            s[i] = ns[i] / 1e9;
        }
        return s;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElseThrow();
    }

    private static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElseThrow();
    }
}
