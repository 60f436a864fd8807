package io.netwatch.bench;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;

/**
 * Prints the benchmark's table from the stages' result files in one directory: env, file,
 * memory, live and live-sender (.properties). A stage that did not run is reported with the
 * reason its file gives, or as not run.
 *
 * <pre>
 * BenchReport RESULTS_DIR
 * </pre>
 */
public final class BenchReport {
    private static final double GOAL_TCPDUMP = 1.0;
    private static final double GOAL_SURICATA = 8.0;
    private static final double GOAL_BYTES_PER_FLOW = 128;

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: BenchReport RESULTS_DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Properties env = Results.read(dir.resolve("env.properties"));
        Properties file = Results.read(dir.resolve("file.properties"));
        Properties memory = Results.read(dir.resolve("memory.properties"));
        for (String run : new String[] {"uninspected.1", "inspected.1", "inspected.2", "uninspected.2"}) {
            // SteadyBench's four JVMs, each with a file of its own.
            file.putAll(Results.read(dir.resolve("steady-" + run + ".properties")));
        }
        Properties live = Results.read(dir.resolve("live.properties"));
        Properties sender = Results.read(dir.resolve("live-sender.properties"));
        StringBuilder sb = new StringBuilder();
        header(sb, env, file);
        readers(sb, file);
        memory(sb, memory);
        live(sb, live, sender);
        System.out.print(sb);
    }

    private static void header(StringBuilder sb, Properties env, Properties file) {
        line(sb, "");
        line(sb, "Netwatch whole-pipeline benchmark, %s", env.getProperty("date", "?"));
        line(sb, "machine: %s, %s CPUs (%s), %s, kernel %s, Java %s", env.getProperty("host", "?"),
                env.getProperty("cpus", "?"), env.getProperty("cpu", "?"),
                env.getProperty("memory", "?"), env.getProperty("kernel", "?"),
                file.getProperty("java.version", "?"));
        if (file.getProperty("jvm.options") != null) {
            line(sb, "Netwatch's JVM: %s (%s CPU seen, collector %s): the agent pod's", file.getProperty("jvm.options"),
                    file.getProperty("cpus", "?"), file.getProperty("jvm.gc", "?"));
        }
        line(sb, "source: %s", env.getProperty("source", "?"));
        line(sb, "load average (1, 5, 15 min) before: %s, after: %s", env.getProperty("load.before", "?"),
                env.getProperty("load.after", "?"));
        if (!file.isEmpty()) {
            line(sb, "capture: %s, %,d packets, %,d bytes (%s)", file.getProperty("file"),
                    lng(file, "file.packets"), lng(file, "file.bytes"), env.getProperty("capture", "?"));
        }
        line(sb, "");
    }

    private static void readers(StringBuilder sb, Properties f) {
        if (f.isEmpty()) {
            line(sb, "file readers: not measured (%s)", "the file stage did not run");
            return;
        }
        line(sb, "Readers, same file, same run (median of the rounds; external tools timed start to exit,");
        line(sb, "\"net\" = minus their start-up/exit time measured on a one-packet file)");
        line(sb, "  %-46s %9s %13s %13s", "reader", "median s", "packets/s", "net pkts/s");
        row(sb, f, "bare", "bare Java file read (1 byte per frame)");
        row(sb, f, "netwatch", "Netwatch: Pipeline.create(...), 1 thread");
        if (f.getProperty("netwatch.norules.pps") != null) {
            row(sb, f, "netwatch.norules", "  same, no signature rules loaded");
        }
        for (FileBench.ParserVariant v : FileBench.ParserVariant.values()) {
            if (f.getProperty("netwatch.parsers." + v.key + ".pps") != null) {
                row(sb, f, "netwatch.parsers." + v.key, "  same, " + v.label);
            }
        }
        if (f.getProperty("netwatch.uninspected.pps") != null) {
            row(sb, f, "netwatch.uninspected", "  all of it but payload inspection");
        }
        if (f.getProperty("netwatch.core.pps") != null) {
            row(sb, f, "netwatch.core", "  decode + flow table only");
        }
        row(sb, f, "tcpdump", "tcpdump -r FILE -w /dev/null");
        String unavailable = f.getProperty("suricata.unavailable");
        if (unavailable != null) {
            line(sb, "  suricata: not available (%s)", unavailable);
        } else {
            row(sb, f, "suricata.full", "suricata --runmode single, no rules");
            row(sb, f, "suricata.stock", "  same, shipped memcaps (stops reassembling)");
            if (f.getProperty("suricata.noparsers.pps") != null) {
                row(sb, f, "suricata.noparsers", "  first one, app-layer parsers off");
            }
            if (f.getProperty("suricata.full.engine.pps") != null) {
                line(sb, "  (Suricata's own \"time elapsed\": %.3f s full, %.3f s shipped memcaps%s)",
                        dbl(f, "suricata.full.engine.seconds"), dbl(f, "suricata.stock.engine.seconds"),
                        f.getProperty("suricata.noparsers.engine.seconds") == null ? ""
                                : String.format(Locale.ROOT, ", %.3f s without parsers",
                                        dbl(f, "suricata.noparsers.engine.seconds")));
            }
        }
        line(sb, "  Netwatch check: %,d flows, %,d records, %,d anomalies, %,d undecodable, %,d failed, "
                        + "%,d datagrams reassembled", lng(f, "netwatch.flows.created"),
                lng(f, "netwatch.flow.records"), lng(f, "netwatch.anomalies"), lng(f, "netwatch.decode.failed"),
                lng(f, "netwatch.packets.failed"), lng(f, "netwatch.datagrams.reassembled"));
        line(sb, "  Netwatch allocated %,.0f bytes of heap per packet on its thread (%,d bytes in the last run)",
                dbl(f, "netwatch.allocated.bytes.per.packet"), lng(f, "netwatch.allocated.bytes"));
        line(sb, "");
        double nw = dbl(f, "netwatch.pps");
        line(sb, "Ratios (against the references' net rates, which flatter them)");
        ratio(sb, "Netwatch / tcpdump read", nw / dbl(f, "tcpdump.net.pps"), GOAL_TCPDUMP);
        if (unavailable == null) {
            ratio(sb, "Netwatch / Suricata single", nw / dbl(f, "suricata.full.net.pps"), GOAL_SURICATA);
            line(sb, "  %-40s %7.2fx  (no goal: Suricata skips stream work past its memcap)",
                    "Netwatch / Suricata, shipped memcaps", nw / dbl(f, "suricata.stock.net.pps"));
        } else {
            line(sb, "  %-40s not measured: suricata not available (%s)", "Netwatch / Suricata single", unavailable);
        }
        line(sb, "  %-40s %7.2fx  (the reader alone; no goal)", "Netwatch / bare Java read",
                nw / dbl(f, "bare.pps"));
        if (f.getProperty("netwatch.core.pps") != null) {
            double core = dbl(f, "netwatch.core.pps");
            line(sb, "Decode + flow table only (the decoding issue's scope; the goals apply to it)");
            ratio(sb, "Netwatch core / tcpdump read", core / dbl(f, "tcpdump.net.pps"), GOAL_TCPDUMP);
            if (unavailable == null) {
                ratio(sb, "Netwatch core / Suricata single", core / dbl(f, "suricata.full.net.pps"), GOAL_SURICATA);
            }
        }
        if (f.getProperty("netwatch.uninspected.pps") != null) {
            double uninspected = dbl(f, "netwatch.uninspected.pps");
            line(sb, "Payload inspection (the pipeline with it against the same pipeline without it, in each round; "
                    + "the median of the rounds, and their range)");
            double[] lost = pairedLoss(f, "netwatch", "netwatch.uninspected");
            if (Double.isNaN(lost[0])) {
                // Figures from before the rounds' times were kept: the ratio of the medians.
                lost = new double[] {100 * (1 - nw / uninspected), Double.NaN, Double.NaN};
            }
            line(sb, "  %-40s %7.1f%%%s  goal <= 25%%: %s", "throughput lost to payload inspection", lost[0],
                    range(lost), lost[0] <= 25 ? "met" : "NOT met");
            if (!blank(f, "netwatch.norules.runs")) {
                double[] l = pairedLoss(f, "netwatch.norules", "netwatch.uninspected");
                line(sb, "  %-40s %7.1f%%%s  (no goal: the parsers and the detectors they feed, without the rules)",
                        "  the same, no signature rules loaded", l[0], range(l));
            }
            for (FileBench.ParserVariant v : FileBench.ParserVariant.values()) {
                if (!blank(f, "netwatch.parsers." + v.key + ".runs")) {
                    double[] l = pairedLoss(f, "netwatch.parsers." + v.key, "netwatch.uninspected");
                    line(sb, "  %-40s %7.1f%%%s  (no goal: inspection.parsers, rules loaded)", "  the same, " + v.label,
                            l[0], range(l));
                }
            }
            if (!blank(f, "netwatch.floor.runs")) {
                double[] l = pairedLoss(f, "netwatch.floor", "netwatch.uninspected");
                line(sb, "  %-40s %7.1f%%%s  (no goal: reassembly, protocol by payload, per-flow state; "
                        + "what every parser and rule adds to)", "  the same, no parser and no rule", l[0], range(l));
            }
            if (unavailable == null && !blank(f, "suricata.noparsers.runs") && !blank(f, "suricata.full.runs")) {
                double[] l = pairedLoss(f, "suricata.full", "suricata.noparsers");
                line(sb, "  %-40s %7.1f%%%s  (the yardstick: Suricata with no rules, its parsers on against off, "
                        + "net times)", "Suricata's loss to its app-layer parsers", l[0], range(l));
            }
            if (f.getProperty("netwatch.gc.seconds") != null) {
                line(sb, "  collector per pass (median): %.3f s in %s collections with inspection, %.3f s in %s without",
                        dbl(f, "netwatch.gc.seconds"), f.getProperty("netwatch.gc.collections"),
                        dbl(f, "netwatch.uninspected.gc.seconds"), f.getProperty("netwatch.uninspected.gc.collections"));
            }
            steady(sb, f);
        }
        line(sb, "");
    }

    /**
     * {@link SteadyBench}'s figures: both pipelines back to back with no collection between
     * passes, so that the full collections fall inside them. The loss is of the medians of the
     * two pipelines' passes (each from two JVMs, run without, with, with, without), not paired
     * within rounds: the pipelines ran in different JVMs.
     */
    private static void steady(StringBuilder sb, Properties f) {
        double[] with = concat(runs(f, "steady.inspected.1"), runs(f, "steady.inspected.2"));
        double[] without = concat(runs(f, "steady.uninspected.1"), runs(f, "steady.uninspected.2"));
        if (with.length == 0 || without.length == 0) {
            return;
        }
        double w = median(with);
        double wo = median(without);
        line(sb, "  %-40s %7.1f%%  (no collection between passes, as in an agent: full collections fall inside "
                + "them; medians of %d passes each, %.3f s against %.3f s)", "  the same, passes back to back",
                100 * (1 - wo / w), with.length, w, wo);
        line(sb, "  collector per pass back to back: %.3f s young and %.3f s full (%.2f full collections) with "
                        + "inspection, %.3f s young and %.3f s full (%.2f) without",
                mean(f, "steady.inspected", "young.seconds.per.pass"), mean(f, "steady.inspected", "full.seconds.per.pass"),
                mean(f, "steady.inspected", "full.collections.per.pass"),
                mean(f, "steady.uninspected", "young.seconds.per.pass"),
                mean(f, "steady.uninspected", "full.seconds.per.pass"),
                mean(f, "steady.uninspected", "full.collections.per.pass"));
    }

    /** The mean of {@code PREFIX.1.FIELD} and {@code PREFIX.2.FIELD} (the two JVMs ran as many passes). */
    private static double mean(Properties f, String prefix, String field) {
        return (dbl(f, prefix + ".1." + field) + dbl(f, prefix + ".2." + field)) / 2;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static void memory(StringBuilder sb, Properties m) {
        if (m.isEmpty() || m.getProperty("bytes.per.flow") == null) {
            line(sb, "Bytes per tracked flow: not measured (%s)", m.getProperty("reason", "the stage did not run"));
            line(sb, "");
            return;
        }
        double b = dbl(m, "bytes.per.flow");
        line(sb, "Flow table memory: %,d flows tracked, heap %,d -> %,d bytes (%s)", lng(m, "flows.active"),
                lng(m, "heap.before.bytes"), lng(m, "heap.after.bytes"), m.getProperty("gc"));
        line(sb, "  %-40s %7.1f B  goal <= %.0f: %s", "bytes per tracked flow", b, GOAL_BYTES_PER_FLOW,
                b <= GOAL_BYTES_PER_FLOW ? "met" : "NOT met");
        line(sb, "  %-40s %,.0f flows/s (decode + insert, no goal)", "filling rate", dbl(m, "fill.flows.per.second"));
        line(sb, "");
    }

    private static void live(StringBuilder sb, Properties live, Properties s) {
        if (live.isEmpty() || s.isEmpty() || s.getProperty("sent") == null) {
            String reason = s.getProperty("reason", live.getProperty("reason", "the stage did not run"));
            line(sb, "Live capture drop rate: not measured (%s)", reason);
            line(sb, "");
            return;
        }
        long sent = lng(s, "sent");
        long refused = lng(s, "refused");
        double seconds = dbl(s, "seconds");
        long counted = lng(live, "counted");
        long dropped = lng(live, "pcap.dropped");
        long received = lng(live, "pcap.received");
        long rx = lng(s, "rx.packets");
        line(sb, "Live capture: %s, %s flows, %.1f s; Netwatch's LiveCapture (defaults: %,d-byte buffer) + Pipeline",
                s.getProperty("path", "veth"), s.getProperty("flows", "?"), seconds, lng(live, "buffer.bytes"));
        if (live.getProperty("jvm.options") != null) {
            line(sb, "  in a JVM with %s (collector %s)", live.getProperty("jvm.options"), live.getProperty("jvm.gc", "?"));
        }
        line(sb, "  sent into the veth     %,15d  (%,.0f packets/s; sender counter; %,d more refused by the veth)",
                sent, sent / seconds, refused);
        line(sb, "  receiver RX counter    %,15d  (ip -s link on the capture end; rx_dropped %,d)", rx,
                lng(s, "rx.dropped"));
        line(sb, "  libpcap received       %,15d  (ps_recv, drops included)", received);
        line(sb, "  libpcap kernel drops   %,15d  (ps_drop: ring full)", dropped);
        line(sb, "  Netwatch counted       %,15d", counted);
        double rate = sent == 0 ? 0 : (sent - counted) / (double) sent;
        line(sb, "  %-40s %7.2f %%  ((sent - counted) / sent)", "drop rate", rate * 100);
        long diff = sent - (counted + dropped);
        line(sb, "  check sent == counted + dropped: %s", diff == 0 ? "holds exactly"
                : String.format(Locale.ROOT, "off by %,d (%.4f %% of sent)", diff, diff * 100.0 / Math.max(1, sent)));
        line(sb, "");
    }

    private static void row(StringBuilder sb, Properties f, String key, String label) {
        String net = f.getProperty(key + ".net.pps");
        line(sb, "  %-46s %9.3f %13s %13s", label, dbl(f, key + ".seconds"), rate(dbl(f, key + ".pps")),
                net == null ? "" : rate(Double.parseDouble(net)));
    }

    private static void ratio(StringBuilder sb, String label, double r, double goal) {
        line(sb, "  %-40s %7.2fx  goal >= %.1fx: %s", label, r, goal, r >= goal ? "met" : "NOT met");
    }

    private static String rate(double pps) {
        return String.format(Locale.ROOT, "%,.0f", pps);
    }

    private static long lng(Properties p, String key) {
        String v = p.getProperty(key);
        return v == null ? 0 : Long.parseLong(v.trim());
    }

    /**
     * The share of throughput {@code key} loses against {@code reference}, in percent, as the
     * median over the rounds of each round's own loss (1 - reference's time / key's time), and
     * that loss's least and greatest: the passes of one round ran seconds apart, while this
     * machine's speed drifts by up to a third over minutes, so a loss paired within its round
     * is free of the drift that a ratio of two medians, taken from different rounds, keeps.
     * When the reference also ran at the end of each round ({@code REFERENCE.end.runs}), the
     * mean of its two times is the round's reference. External tools' start-up time is
     * subtracted first. NaNs without the rounds' times.
     */
    static double[] pairedLoss(Properties f, String key, String reference) {
        double[] a = runs(f, key);
        double[] b = runs(f, reference);
        double[] atEnd = runs(f, reference + ".end");
        if (atEnd.length == b.length) {
            // The reference ran again at the round's end: the mean of the two brackets the
            // passes between them, so drift within the round cancels to first order.
            for (int i = 0; i < b.length; i++) {
                b[i] = (b[i] + atEnd[i]) / 2;
            }
        }
        int n = Math.min(a.length, b.length);
        if (n == 0) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        double[] loss = new double[n];
        for (int i = 0; i < n; i++) {
            // A net time at or below zero (a file so small that start-up is all) counts as a microsecond.
            loss[i] = 100 * (1 - Math.max(1e-6, b[i]) / Math.max(1e-6, a[i]));
        }
        java.util.Arrays.sort(loss);
        double median = n % 2 == 1 ? loss[n / 2] : (loss[n / 2 - 1] + loss[n / 2]) / 2;
        return new double[] {median, loss[0], loss[n - 1]};
    }

    /** The rounds' times of {@code key}, seconds, its start-up time subtracted when it has one. */
    private static double[] runs(Properties f, String key) {
        String runs = f.getProperty(key + ".runs");
        if (runs == null || runs.isBlank()) {
            return new double[0];
        }
        double startup = f.getProperty(key + ".startup.seconds") == null ? 0 : dbl(f, key + ".startup.seconds");
        return java.util.Arrays.stream(runs.trim().split("\\s+")).mapToDouble(t -> Double.parseDouble(t) - startup)
                .toArray();
    }

    private static boolean blank(Properties f, String key) {
        return f.getProperty(key) == null || f.getProperty(key).isBlank();
    }

    private static String range(double[] loss) {
        return Double.isNaN(loss[1]) ? "" : String.format(Locale.ROOT, " (%.1f to %.1f)", loss[1], loss[2]);
    }

    private static double dbl(Properties p, String key) {
        String v = p.getProperty(key);
        return v == null ? Double.NaN : Double.parseDouble(v.trim());
    }

    private static void line(StringBuilder sb, String format, Object... args) {
        sb.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
