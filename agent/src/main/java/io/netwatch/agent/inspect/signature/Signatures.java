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
 * {@code *.rules} file of a directory), compiled into one {@link RuleSet}. {@link #reload()}
 * reads them again and swaps the set atomically; flows already under inspection finish with
 * the set they started with. A rule that cannot be read is refused with its file, line and
 * reason, and the rest still load, as Suricata does; a file that cannot be read at all keeps
 * the previous set in force.
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
    private volatile RuleSet current;
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

    /** What one load gave: the rules in force after it, and every refused rule. */
    public record LoadReport(RuleSet rules, List<RuleError> errors, String failure) {
        public LoadReport {
            errors = List.copyOf(errors);
        }

        /** True when the files were read (some rules may still have been refused). */
        public boolean loaded() {
            return failure == null;
        }
    }

    private Signatures(List<Path> paths, boolean bundled, RuleVariables vars, int payloadDepth) {
        this.paths = List.copyOf(paths);
        this.bundled = bundled;
        this.vars = vars;
        if (payloadDepth < 64 || payloadDepth > (1 << 20)) {
            throw new IllegalArgumentException("signature payload depth must be 64 bytes to 1 MiB, not " + payloadDepth);
        }
        this.payloadDepth = payloadDepth;
    }

    /** No rules at all. */
    public static Signatures none() {
        Signatures s = new Signatures(List.of(), false, RuleVariables.defaults(), DEFAULT_PAYLOAD_DEPTH);
        s.current = RuleSet.EMPTY;
        s.last = new LoadReport(RuleSet.EMPTY, List.of(), null);
        return s;
    }

    /** The bundled default rules only (read and compiled once per process). */
    public static Signatures bundled() {
        Signatures s = new Signatures(List.of(), true, RuleVariables.defaults(), DEFAULT_PAYLOAD_DEPTH);
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
        Signatures s = new Signatures(paths, bundled, vars, payloadDepth);
        for (Path p : paths) {
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("rules path " + p + " does not exist");
            }
        }
        LoadReport r = s.read();
        if (!r.loaded()) {
            throw new IllegalArgumentException(r.failure());
        }
        s.current = r.rules();
        s.last = r;
        return s;
    }

    /** The set in force. */
    public RuleSet current() {
        return current;
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

    /** The files in force now: the paths given, with directories expanded. For change detection. */
    public List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            out.addAll(ruleFiles(p));
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
            }
            reloads.incrementAndGet();
        } else {
            failedReloads.incrementAndGet();
            r = new LoadReport(current, r.errors(), r.failure());
        }
        last = r;
        return r;
    }

    private LoadReport read() {
        RuleParser parser = new RuleParser(vars);
        List<Rule> rules = new ArrayList<>();
        List<RuleError> errors = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        // The file being read, for an error that does not name it (a read that failed below the
        // file, EIO, is a bare IOException): found in review, "cannot read rules: java.io.IOException:
        // Input/output error".
        Path reading = null;
        try {
            if (bundled) {
                sources.add(BUNDLED_NAME);
                add(parser.parse(bundledText(), BUNDLED_NAME), rules, errors);
            }
            for (Path p : paths) {
                reading = p;
                for (Path f : ruleFiles(p)) {
                    reading = f;
                    long size = Files.size(f);
                    if (size > MAX_FILE_BYTES) {
                        return new LoadReport(RuleSet.EMPTY, errors, "rule file " + f + " is larger than "
                                + MAX_FILE_BYTES + " bytes");
                    }
                    sources.add(f.toString());
                    add(parser.parse(io.netwatch.common.TextFiles.readUtf8(f), f.toString()), rules, errors);
                }
            }
        } catch (io.netwatch.common.TextFiles.NotUtf8 e) {
            return new LoadReport(RuleSet.EMPTY, errors, "rule file " + e.getMessage());
        } catch (io.netwatch.common.TextFiles.NotSmallFile e) {
            return new LoadReport(RuleSet.EMPTY, errors, "rule file " + e.getMessage() + "; name a rules file or "
                    + "a directory of *.rules files");
        } catch (IOException | UncheckedIOException e) {
            IOException cause = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
            return new LoadReport(RuleSet.EMPTY, errors, reading == null ? "cannot read rules: " + e
                    : "cannot read " + (Files.isDirectory(reading) ? "the rules directory " : "rule file ") + reading
                    + ": " + io.netwatch.common.TextFiles.whyUnreadable(cause));
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
        try {
            return new LoadReport(RuleSet.compile(unique, sources), errors, null);
        } catch (IllegalArgumentException e) {
            // The automaton's bound: keep the most rules that fit, in load order (the bundled ones
            // first), and refuse the rest by name, as any other rule that cannot load.
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
            return new LoadReport(kept, errors, null);
        }
    }

    /** A loaded rule refused after all, named by the file and line in its origin ("file:line"). */
    private static RuleError refusal(Rule r, String reason) {
        String[] at = r.origin().split(":(?=\\d+$)");
        return new RuleError(at[0], Integer.parseInt(at[1]), reason);
    }

    private static void add(RuleParser.Result r, List<Rule> rules, List<RuleError> errors) {
        rules.addAll(r.rules());
        errors.addAll(r.errors());
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
