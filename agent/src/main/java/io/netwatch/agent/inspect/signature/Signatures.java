package io.netwatch.agent.inspect.signature;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The rules in force: the bundled default set and the user's rule files (a file, or every
 * {@code *.rules} file of a directory), compiled into one {@link RuleSet}, less the sids the
 * user disabled, and the suppressions and thresholds of the user's threshold.config ({@link
 * RuleTuning}). {@link #reload()} reads them again and swaps them all; flows already under
 * inspection finish with the set they started with, while the suppressions and thresholds in
 * force are asked at each alert (the counts thresholds keep are the inspection's, in its
 * {@link ThresholdTable}: a threshold a reload leaves as it was counts on). A rule
 * or a threshold line that cannot be read is refused with its file, line and reason, and the
 * rest still load, as Suricata does; a file that cannot be read at all keeps the previous set
 * and suppressions in force.
 */
public final class Signatures {
    /** The bundled rules, a classpath resource. */
    public static final String BUNDLED_RESOURCE = "default.rules";
    public static final String BUNDLED_NAME = "bundled:default.rules";
    /** Payload bytes matched per direction of a flow, by default. */
    public static final int DEFAULT_PAYLOAD_DEPTH = 4096;
    /** Largest rule file read, bytes. */
    public static final long MAX_FILE_BYTES = 16L << 20;

    private static volatile LoadReport bundledCache;

    private final List<Path> paths;
    private final boolean bundled;
    private final RuleVariables vars;
    private final int payloadDepth;
    private final RuleTuning tuning;
    private volatile RuleSet current;
    /** The suppressions in force, swapped with {@link #current}. */
    private volatile Suppressions suppressions = Suppressions.NONE;
    /** The threshold file's lines in force, swapped with {@link #current}. */
    private volatile Thresholds thresholds = Thresholds.NONE;
    /** Alerts suppressed, by {@link Suppression.Track} ordinal: a count across reloads. */
    private final java.util.concurrent.atomic.AtomicLongArray suppressed =
            new java.util.concurrent.atomic.AtomicLongArray(Suppression.Track.values().length);
    private volatile LoadReport last;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong failedReloads = new AtomicLong();
    /**
     * Guards the swap of {@link #current} in a reload against {@link #verifyGiveUps()}, which must
     * read the retired sets' sum and the new set's count together. Not the reload's own lock,
     * held while files are read and compiled: a scrape must not wait for that.
     */
    private final Object giveUps = new Object();
    /**
     * Give-ups of the sets replaced by reloads, as they stood at the swap (a check still running
     * on a replaced set when it is swapped out is not counted); guarded by {@link #giveUps}.
     */
    private long retiredGiveUps;
    /** The retired sets' {@link RuleSet#armedOverflows()}, as {@link #retiredGiveUps} is of theirs. */
    private long retiredArmedOverflows;

    /**
     * What one load gave: the rules, suppressions and threshold lines in force after it, every
     * refused rule, and every refused threshold line, tuning sid that names no loaded rule, or
     * threshold line another overrides ({@code tuningErrors}).
     */
    public record LoadReport(RuleSet rules, List<RuleError> errors, String failure, Suppressions suppressions,
                             Thresholds thresholds, List<RuleError> tuningErrors) {
        public LoadReport {
            errors = List.copyOf(errors);
            tuningErrors = List.copyOf(tuningErrors);
        }

        /** A load that could not read its files: {@code failure} says which and why. */
        static LoadReport failed(List<RuleError> errors, String failure) {
            return new LoadReport(RuleSet.EMPTY, errors, failure, Suppressions.NONE, Thresholds.NONE, List.of());
        }

        /** True when the files were read (some rules may still have been refused). */
        public boolean loaded() {
            return failure == null;
        }
    }

    private Signatures(List<Path> paths, boolean bundled, RuleVariables vars, int payloadDepth, RuleTuning tuning) {
        this.paths = List.copyOf(paths);
        this.bundled = bundled;
        this.vars = vars;
        this.tuning = java.util.Objects.requireNonNull(tuning, "tuning");
        if (payloadDepth < 64 || payloadDepth > (1 << 20)) {
            throw new IllegalArgumentException("signature payload depth must be 64 bytes to 1 MiB, not " + payloadDepth);
        }
        this.payloadDepth = payloadDepth;
    }

    /** No rules at all. */
    public static Signatures none() {
        Signatures s = new Signatures(List.of(), false, RuleVariables.defaults(), DEFAULT_PAYLOAD_DEPTH,
                RuleTuning.NONE);
        s.current = RuleSet.EMPTY;
        s.last = new LoadReport(RuleSet.EMPTY, List.of(), null, Suppressions.NONE, Thresholds.NONE, List.of());
        return s;
    }

    /** The bundled default rules only (read and compiled once per process). */
    public static Signatures bundled() {
        Signatures s = new Signatures(List.of(), true, RuleVariables.defaults(), DEFAULT_PAYLOAD_DEPTH,
                RuleTuning.NONE);
        LoadReport r = bundledCache;
        if (r == null) {
            r = s.read();
            bundledCache = r;
        }
        s.current = r.rules();
        s.last = r;
        return s;
    }

    /**
     * Loads the rules once; the caller reports {@link #lastLoad()}'s errors.
     *
     * @param paths   rule files or directories of {@code *.rules} files
     * @param bundled include the bundled default rules
     * @throws IllegalArgumentException when a path does not exist or cannot be read: a mistake to fix before start
     */
    public static Signatures load(List<Path> paths, boolean bundled, RuleVariables vars, int payloadDepth) {
        return load(paths, bundled, vars, payloadDepth, RuleTuning.NONE);
    }

    /**
     * Loads the rules once, less the sids {@code tuning} disables, with its threshold file's
     * suppressions and thresholds; the caller reports {@link #lastLoad()}'s errors and tuning errors.
     *
     * @throws IllegalArgumentException when a path or the threshold file does not exist or cannot be read
     */
    public static Signatures load(List<Path> paths, boolean bundled, RuleVariables vars, int payloadDepth,
                                  RuleTuning tuning) {
        Signatures s = new Signatures(paths, bundled, vars, payloadDepth, tuning);
        for (Path p : paths) {
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("rules path " + p + " does not exist");
            }
        }
        if (tuning.thresholdFile() != null && !Files.exists(tuning.thresholdFile())) {
            throw new IllegalArgumentException("threshold file " + tuning.thresholdFile() + " does not exist");
        }
        LoadReport r = s.read();
        if (!r.loaded()) {
            throw new IllegalArgumentException(r.failure());
        }
        s.current = r.rules();
        s.suppressions = r.suppressions();
        s.thresholds = r.thresholds();
        s.last = r;
        return s;
    }

    /** The set in force. */
    public RuleSet current() {
        return current;
    }

    /** The suppressions in force. */
    public Suppressions suppressions() {
        return suppressions;
    }

    /**
     * Whether an alert of {@code rule}, whose matched bytes went as {@code m} says, is
     * suppressed by a line in force now (counted, by the line's track, when it is). Asked only
     * once a rule has matched: never on the packet path.
     */
    public boolean suppress(Rule rule, MatchContext m) {
        Suppression s = suppressions.match(rule.sid(), m);
        if (s == null) {
            return false;
        }
        suppressed.incrementAndGet(s.track().ordinal());
        return true;
    }

    /**
     * The threshold file's lines in force, which with the rules' own keywords say which
     * threshold an alert follows ({@link Thresholds#forRule}).
     */
    public Thresholds thresholds() {
        return thresholds;
    }

    /** The counts thresholds keep at most: a bound for each inspection's {@link ThresholdTable}. */
    public int thresholdEntries() {
        return tuning.thresholdEntries();
    }

    /** Alerts suppressed by lines of {@code track}, by every set of suppressions in force so far. */
    public long suppressed(Suppression.Track track) {
        return suppressed.get(track.ordinal());
    }

    public int payloadDepth() {
        return payloadDepth;
    }

    public LoadReport lastLoad() {
        return last;
    }

    public long reloads() {
        return reloads.get();
    }

    public long failedReloads() {
        return failedReloads.get();
    }

    /**
     * Rule checks abandoned at their work bound, by every set this has put in force: a counter
     * that a reload, which brings a set with none of its own, must not take back to 0.
     */
    public long verifyGiveUps() {
        synchronized (giveUps) {
            return retiredGiveUps + current.verifyGiveUps();
        }
    }

    /** Candidate rules not kept waiting past their bound ({@link RuleSet#armedOverflows()}), by every set in force so far. */
    public long armedOverflows() {
        synchronized (giveUps) {
            return retiredArmedOverflows + current.armedOverflows();
        }
    }

    /**
     * The files in force now: the paths given, with directories expanded, and the threshold
     * file. For change detection.
     */
    public List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            out.addAll(ruleFiles(p));
        }
        if (tuning.thresholdFile() != null) {
            out.add(tuning.thresholdFile());
        }
        return out;
    }

    /**
     * Reads the rules again and puts the new set in force, unless a file could not be read,
     * in which case the previous set stays. Safe to call from any thread.
     */
    public synchronized LoadReport reload() {
        LoadReport r = read();
        if (r.loaded()) {
            synchronized (giveUps) {
                retiredGiveUps += current.verifyGiveUps();
                retiredArmedOverflows += current.armedOverflows();
                current = r.rules();
                suppressions = r.suppressions();
                thresholds = r.thresholds();
            }
            reloads.incrementAndGet();
        } else {
            failedReloads.incrementAndGet();
            r = new LoadReport(current, r.errors(), r.failure(), suppressions, thresholds, r.tuningErrors());
        }
        last = r;
        return r;
    }

    private LoadReport read() {
        RuleParser parser = new RuleParser(vars);
        Set<Integer> disabled = Set.copyOf(tuning.disabledSids());
        // The disabled sids of rules left unread, which are no typo.
        Set<Integer> disabledUnread = new HashSet<>();
        List<Rule> rules = new ArrayList<>();
        List<RuleError> errors = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        ThresholdParser.Result threshold = null;
        // The file being read, for an error that does not name it (a read that failed below the
        // file, EIO, is a bare IOException): found in review, "cannot read rules: java.io.IOException:
        // Input/output error".
        Path reading = null;
        try {
            if (bundled) {
                sources.add(BUNDLED_NAME);
                add(parser.parse(bundledText(), BUNDLED_NAME, disabled), rules, errors, disabledUnread);
            }
            for (Path p : paths) {
                reading = p;
                for (Path f : ruleFiles(p)) {
                    reading = f;
                    long size = Files.size(f);
                    if (size > MAX_FILE_BYTES) {
                        return LoadReport.failed(errors, "rule file " + f + " is larger than " + MAX_FILE_BYTES
                                + " bytes");
                    }
                    sources.add(f.toString());
                    add(parser.parse(io.netwatch.common.TextFiles.readUtf8(f), f.toString(), disabled), rules, errors,
                            disabledUnread);
                }
            }
            Path t = tuning.thresholdFile();
            if (t != null) {
                reading = t;
                if (Files.size(t) > MAX_FILE_BYTES) {
                    return LoadReport.failed(errors, "threshold file " + t + " is larger than " + MAX_FILE_BYTES
                            + " bytes");
                }
                threshold = new ThresholdParser(vars).parse(io.netwatch.common.TextFiles.readUtf8(t), t.toString());
            }
        } catch (io.netwatch.common.TextFiles.NotUtf8 e) {
            return LoadReport.failed(errors, kind(reading) + e.getMessage());
        } catch (io.netwatch.common.TextFiles.NotSmallFile e) {
            return LoadReport.failed(errors, kind(reading) + e.getMessage() + (isThresholdFile(reading)
                    ? "; name a threshold.config file" : "; name a rules file or a directory of *.rules files"));
        } catch (IOException | UncheckedIOException e) {
            IOException cause = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
            return LoadReport.failed(errors, reading == null ? "cannot read rules: " + e
                    : "cannot read " + (Files.isDirectory(reading) ? "the rules directory " : kind(reading)) + reading
                    + ": " + io.netwatch.common.TextFiles.whyUnreadable(cause));
        }
        List<RuleError> tuningErrors = new ArrayList<>();
        // Disabled rules go before anything else looks at them: a disabled sid used twice is no clash.
        if (!disabled.isEmpty()) {
            Set<Integer> read = new HashSet<>(disabledUnread);
            rules.forEach(r -> read.add(r.sid()));
            for (int sid : tuning.disabledSids()) {
                if (!read.contains(sid)) {
                    tuningErrors.add(new RuleError(RuleTuning.DISABLED_NAME, 0, "no rule read has sid " + sid
                            + " (a typo?): it disables nothing"));
                }
            }
            rules.removeIf(r -> disabled.contains(r.sid()));
        }
        // A later rule reusing a sid is refused, so that the first one keeps its meaning.
        Set<Integer> sids = new HashSet<>();
        List<Rule> unique = new ArrayList<>();
        for (Rule r : rules) {
            if (sids.add(r.sid())) {
                unique.add(r);
            } else {
                String first = rules.stream().filter(o -> o.sid() == r.sid()).findFirst().orElseThrow().origin();
                errors.add(refusal(r, "sid " + r.sid() + " is already used at " + first));
            }
        }
        RuleSet set = compile(unique, sources, errors);
        Suppressions suppressions = Suppressions.NONE;
        Thresholds thresholds = Thresholds.NONE;
        if (threshold != null) {
            List<RuleError> lines = new ArrayList<>(threshold.errors());
            Set<Integer> loaded = new HashSet<>();
            set.rules().forEach(r -> loaded.add(r.sid()));
            for (Suppression s : threshold.suppressions()) {
                // As Suricata warns of it ("can't suppress sid ...: unknown rule"): most likely a typo.
                if (s.sid() != 0 && !loaded.contains(s.sid())) {
                    lines.add(unknownSid(s.source(), s.line(), s.sid(), disabled, "suppresses nothing"));
                }
            }
            thresholds = Thresholds.of(threshold.thresholds());
            for (ThresholdLine t : threshold.thresholds()) {
                if (t.sid() != 0 && !loaded.contains(t.sid())) {
                    lines.add(unknownSid(t.source(), t.line(), t.sid(), disabled, "limits nothing"));
                }
            }
            for (Thresholds.Overridden o : thresholds.overridden()) {
                lines.add(new RuleError(o.line().source(), o.line().line(), o.line().sid() == 0
                        ? "sig_id 0 has a threshold at line " + o.by().line() + " already, which Suricata applies"
                        + " first: this line has no effect"
                        : "sid " + o.line().sid() + " has another threshold at line " + o.by().line() + ", which"
                        + " replaces this one, as in Suricata: this line has no effect"));
            }
            lines.sort(java.util.Comparator.comparingInt(RuleError::line));
            tuningErrors.addAll(lines);
            suppressions = Suppressions.of(threshold.suppressions());
        }
        // In file and line order, as a reader goes through them: a sid refused as used twice, or
        // a rule past the automaton's bound, is found after every file is read (found by a new
        // user: lines 2 and 5, then 3).
        errors.sort(java.util.Comparator.comparingInt((RuleError e) -> sourceOrder(sources, e.source()))
                .thenComparingInt(RuleError::line));
        return new LoadReport(set, errors, null, suppressions, thresholds, tuningErrors);
    }

    /** A threshold file's line naming a sid no loaded rule has: disabled, or most likely a typo. */
    private static RuleError unknownSid(String source, int line, int sid, Set<Integer> disabled, String nothing) {
        return new RuleError(source, line, disabled.contains(sid)
                ? "sid " + sid + " is disabled (" + RuleTuning.DISABLED_NAME + "): this line has no effect"
                : "no loaded rule has sid " + sid + " (a typo?): this line " + nothing);
    }

    /**
     * The rules compiled. At the automaton's bound: the most rules that fit, in load order (the
     * bundled ones first), with the rest refused by name into {@code errors}, as any other rule
     * that cannot load.
     */
    private static RuleSet compile(List<Rule> unique, List<String> sources, List<RuleError> errors) {
        try {
            return RuleSet.compile(unique, sources);
        } catch (IllegalArgumentException e) {
            // The search keeps the largest set it built, so that it is not built again.
            int fit = 0;
            int over = unique.size();
            RuleSet kept = RuleSet.compile(List.of(), sources);
            while (over - fit > 1) {
                int mid = (fit + over) >>> 1;
                try {
                    kept = RuleSet.compile(unique.subList(0, mid), sources);
                    fit = mid;
                } catch (IllegalArgumentException tooMany) {
                    over = mid;
                }
            }
            for (Rule r : unique.subList(fit, unique.size())) {
                errors.add(refusal(r, "not loaded: the " + fit + " rules before it fill the payload automaton ("
                        + (MultiPatternMatcher.MAX_CELLS * 4 >> 20) + " MiB)"));
            }
            return kept;
        }
    }

    private boolean isThresholdFile(Path p) {
        return p != null && p.equals(tuning.thresholdFile());
    }

    /** How an error names the file being read: "rule file ", or "threshold file ". */
    private String kind(Path p) {
        return isThresholdFile(p) ? "threshold file " : "rule file ";
    }

    /** Where {@code source} was read among {@code sources}; after them all when it is none of them. */
    private static int sourceOrder(List<String> sources, String source) {
        int i = sources.indexOf(source);
        return i < 0 ? sources.size() : i;
    }

    /** A loaded rule refused after all, named by the file and line in its origin ("file:line"). */
    private static RuleError refusal(Rule r, String reason) {
        String[] at = r.origin().split(":(?=\\d+$)");
        return new RuleError(at[0], Integer.parseInt(at[1]), reason);
    }

    private static void add(RuleParser.Result r, List<Rule> rules, List<RuleError> errors,
                            Set<Integer> disabledUnread) {
        rules.addAll(r.rules());
        errors.addAll(r.errors());
        disabledUnread.addAll(r.disabledUnread());
    }

    /**
     * The rule files a path names: the file itself, or a directory's {@code *.rules} files
     * (dot files skipped), in name order; a directory may hold none.
     */
    public static List<Path> ruleFiles(Path p) {
        if (!Files.isDirectory(p)) {
            return List.of(p);
        }
        try (Stream<Path> s = Files.list(p)) {
            // Kubernetes mounts ConfigMaps with hidden ..data links beside the files: skip dot files.
            return s.filter(f -> f.getFileName().toString().endsWith(".rules") && !f.getFileName().toString().startsWith("."))
                    .filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String bundledText() throws IOException {
        try (InputStream in = Signatures.class.getResourceAsStream(BUNDLED_RESOURCE)) {
            if (in == null) {
                throw new IOException("the bundled rules " + BUNDLED_RESOURCE + " are missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Calls {@code onChange} with each reload's report when a rule file's content changes. */
    public RuleWatcher watch(java.time.Duration period, Consumer<LoadReport> onChange) {
        return new RuleWatcher(this, period, onChange);
    }
}
