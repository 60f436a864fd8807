package io.netwatch.agent.inspect.signature;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;

/**
 * Aho-Corasick automaton over bytes, compiled to a full transition table: one array read
 * per input byte, whatever the number of patterns, no allocation while scanning. Matching
 * folds ASCII letters to lower case, so each candidate is then checked exactly by the rule
 * that owns it (case-sensitive contents, offsets).
 *
 * <p>The table's width is the number of distinct (folded) bytes that occur in the patterns
 * plus one for all others, which keeps a few hundred rules in well under a megabyte.
 * Scanning can stop and resume: the state after one chunk of a stream is where the next
 * starts, so a pattern split across TCP segments is still found.
 */
public final class MultiPatternMatcher {
    /**
     * Most automaton states (about the total bytes of all patterns): a bound on the build's
     * memory. The table's cells ({@link #MAX_CELLS}) are the tighter bound for most rule sets.
     */
    public static final int MAX_STATES = 1 << 20;
    /** Most cells of the transition table (states times columns), 4 bytes each: 32 MiB. */
    public static final long MAX_CELLS = 1L << 23;

    /** Receives each pattern found; {@code end} is the offset just past its last byte. */
    @FunctionalInterface
    public interface Hits {
        void hit(int pattern, long end);
    }

    private static final byte[] FOLD = new byte[256];

    static {
        for (int i = 0; i < 256; i++) {
            FOLD[i] = (byte) (i >= 'A' && i <= 'Z' ? i + 32 : i);
        }
    }

    /** The byte as the automaton reads it: ASCII letters in lower case, every other byte as it is. */
    static byte fold(byte b) {
        return FOLD[b & 0xFF];
    }

    private final int width;
    /** Input byte to column: its folded value's class. */
    private final int[] column = new int[256];
    /**
     * {@code next[row + column]}, where a state's row is its number times the width: the table
     * holds rows, not numbers, so a step is one add and one read. A state with patterns ending
     * in it is stored as {@code ~row} (negative), so the scan tests for output with the sign.
     */
    private final int[] next;
    /** Patterns ending at a state (its own and its suffixes'): {@code outputs[outStart[s] .. outStart[s+1])}. */
    private final int[] outStart;
    private final int[] outputs;
    private final int patterns;
    /**
     * {@code starts[column(a) * width + column(b)]}: whether some pattern begins with the bytes
     * a, b (or is one byte long and begins with a). At the root, a pair that begins no pattern
     * lets the scan step past its first byte without entering the automaton.
     */
    private final boolean[] starts;
    /**
     * The shortest pattern's length, when it is at least {@link #MIN_SKIP_WINDOW}: at the root,
     * the pair of bytes that ends the next {@code window} bytes tells how far the scan can step
     * (see {@link #shift}). Zero when the patterns are too short for that to pay.
     */
    private final int window;
    /**
     * {@code shift[column(a) * width + column(b)]}: when a, b are the last two of the next
     * {@link #window} bytes, how many of those bytes can begin no pattern (Wu and Manber's shift,
     * on pairs): the least, over the patterns and the places j (1 to window - 1) where the
     * pair is their bytes j - 1, j, of window - 1 - j; window - 1 for a pair in none of them.
     * Null when {@link #window} is zero.
     */
    private final byte[] shift;

    /** The shortest pattern that turns the root's skipping on: shorter ones would step too little to pay. */
    static final int MIN_SKIP_WINDOW = 8;
    /** The window is capped so that a shift fits in a byte. */
    static final int MAX_SKIP_WINDOW = 128;

    private MultiPatternMatcher(int width, int[] next, int[] outStart, int[] outputs, int patterns, int[] column,
                                boolean[] starts, int window, byte[] shift) {
        this.width = width;
        this.starts = starts;
        this.window = window;
        this.shift = shift;
        this.next = next;
        this.outStart = outStart;
        this.outputs = outputs;
        this.patterns = patterns;
        System.arraycopy(column, 0, this.column, 0, 256);
    }

    /** Builds the automaton; pattern {@code i} of the list is reported as {@code i}. */
    public static MultiPatternMatcher build(List<byte[]> patterns) {
        int[] column = new int[256];
        int width = 1;
        boolean[] used = new boolean[256];
        long total = 1;
        for (byte[] p : patterns) {
            if (p.length == 0) {
                throw new IllegalArgumentException("empty pattern");
            }
            total += p.length;
            for (byte b : p) {
                used[FOLD[b & 0xFF] & 0xFF] = true;
            }
        }
        if (total > MAX_STATES) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the rules' contents add up to %,d"
                    + " bytes, more than the %,d one automaton holds: load fewer rules, or shorter contents", total,
                    MAX_STATES));
        }
        int[] classOfFolded = new int[256];
        int columns = 1;
        for (boolean u : used) {
            columns += u ? 1 : 0;
        }
        if (total * columns > MAX_CELLS) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the rules' contents (%,d bytes"
                    + " over %d distinct byte values) would make an automaton of %,d MiB, more than the %d MiB one may"
                    + " take: load fewer rules, or shorter contents", total, columns - 1, total * columns * 4 >> 20,
                    MAX_CELLS * 4 >> 20));
        }
        for (int c = 0; c < 256; c++) {
            if (used[c]) {
                classOfFolded[c] = width++;
            }
        }
        for (int b = 0; b < 256; b++) {
            column[b] = classOfFolded[FOLD[b] & 0xFF];
        }

        // Trie (goto function) in a growable table; -1 = no edge.
        int capacity = (int) total;
        int[] go = new int[capacity * width];
        Arrays.fill(go, -1);
        int states = 1;
        int[][] own = new int[capacity][];
        for (int i = 0; i < patterns.size(); i++) {
            int s = 0;
            for (byte b : patterns.get(i)) {
                int col = column[b & 0xFF];
                int t = go[s * width + col];
                if (t < 0) {
                    t = states++;
                    go[s * width + col] = t;
                }
                s = t;
            }
            own[s] = own[s] == null ? new int[] {i} : append(own[s], i);
        }

        // Breadth-first: failure links, the full transition table, outputs merged along failures.
        int[] next = new int[states * width];
        int[] fail = new int[states];
        int[][] out = new int[states][];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        out[0] = own[0] == null ? new int[0] : own[0];
        for (int col = 0; col < width; col++) {
            int t = go[col];
            if (t > 0) {
                next[col] = t;
                fail[t] = 0;
                queue.add(t);
            } else {
                next[col] = 0;
            }
        }
        while (!queue.isEmpty()) {
            int s = queue.poll();
            int[] mine = own[s] == null ? new int[0] : own[s];
            int[] inherited = out[fail[s]];
            out[s] = inherited.length == 0 ? mine : concat(mine, inherited);
            for (int col = 0; col < width; col++) {
                int t = go[s * width + col];
                if (t > 0) {
                    fail[t] = next[fail[s] * width + col];
                    next[s * width + col] = t;
                    queue.add(t);
                } else {
                    next[s * width + col] = next[fail[s] * width + col];
                }
            }
        }
        int[] outStart = new int[states + 1];
        int n = 0;
        for (int s = 0; s < states; s++) {
            outStart[s] = n;
            n += out[s].length;
        }
        outStart[states] = n;
        int[] outputs = new int[n];
        for (int s = 0; s < states; s++) {
            System.arraycopy(out[s], 0, outputs, outStart[s], out[s].length);
        }
        for (int i = 0; i < next.length; i++) {
            int t = next[i];
            next[i] = outStart[t] != outStart[t + 1] ? ~(t * width) : t * width;
        }
        boolean[] starts = new boolean[width * width];
        for (byte[] p : patterns) {
            int first = column[p[0] & 0xFF] * width;
            if (p.length == 1) {
                Arrays.fill(starts, first, first + width, true);
            } else {
                starts[first + column[p[1] & 0xFF]] = true;
            }
        }
        int shortest = patterns.stream().mapToInt(p -> p.length).min().orElse(0);
        int window = shortest >= MIN_SKIP_WINDOW ? Math.min(shortest, MAX_SKIP_WINDOW) : 0;
        byte[] shift = null;
        if (window > 0) {
            shift = new byte[width * width];
            Arrays.fill(shift, (byte) (window - 1));
            for (byte[] p : patterns) {
                for (int j = 1; j < window; j++) {
                    int pair = column[p[j - 1] & 0xFF] * width + column[p[j] & 0xFF];
                    shift[pair] = (byte) Math.min(shift[pair], window - 1 - j);
                }
            }
        }
        return new MultiPatternMatcher(width, next, outStart, outputs, patterns.size(), column, starts, window, shift);
    }

    /** The state before any input (states are opaque ints: resume a scan with what the last returned). */
    public int start() {
        return 0;
    }

    public int patterns() {
        return patterns;
    }

    /** The window the root steps over by (see {@link #shift}); 0 when the patterns are too short. */
    int skipWindow() {
        return window;
    }

    /** Bytes the automaton's tables take, for the rule set's report. */
    public long memoryBytes() {
        return 4L * (next.length + outStart.length + outputs.length + column.length) + starts.length
                + (shift == null ? 0 : shift.length);
    }

    /**
     * Feeds {@code len} bytes from {@code off} and reports every pattern that ends in them.
     *
     * @param state where the previous chunk left off ({@link #start()} for a new buffer)
     * @param base  the stream offset of {@code b[off]}, added to reported end offsets
     * @return the state to resume from
     */
    public int scan(int state, byte[] b, int off, int len, long base, Hits hits) {
        int row = state;
        final int[] next = this.next;
        final int[] column = this.column;
        final boolean[] starts = this.starts;
        final int width = this.width;
        final int end = off + len;
        final int lastPair = end - 1;
        final byte[] shift = this.shift;
        final int window = this.window;
        int i = off;
        while (i < end) {
            if (row == 0 && shift != null && i + window <= end) {
                // At the root with the next window of bytes all here: step over the places
                // where no pattern can begin, as far as the pair that ends the window allows;
                // where one may, a pair that begins no pattern still steps one byte.
                int s = shift[column[b[i + window - 2] & 0xFF] * width + column[b[i + window - 1] & 0xFF]];
                if (s > 0) {
                    i += s;
                    continue;
                }
                if (!starts[column[b[i] & 0xFF] * width + column[b[i + 1] & 0xFF]]) {
                    i++;
                    continue;
                }
            } else if (row == 0 && i < lastPair) {
                // At the root, where most bytes of most payloads leave the automaton: a byte that
                // begins no pattern with the byte after it is stepped over. Each byte's column is
                // read once, and kept for the pair it begins. The chunk's last byte, whose
                // successor is not here yet, goes into the automaton.
                int here = column[b[i] & 0xFF] * width;
                while (i < lastPair) {
                    int after = column[b[i + 1] & 0xFF];
                    if (starts[here + after]) {
                        break;
                    }
                    here = after * width;
                    i++;
                }
            }
            int t = next[row + column[b[i] & 0xFF]];
            if (t < 0) {
                row = ~t;
                report(row, base + (i - off) + 1, hits);
            } else {
                row = t;
            }
            i++;
        }
        return row;
    }

    private void report(int row, long end, Hits hits) {
        int s = row / width;
        for (int k = outStart[s], to = outStart[s + 1]; k < to; k++) {
            hits.hit(outputs[k], end);
        }
    }

    private static int[] append(int[] a, int v) {
        int[] r = Arrays.copyOf(a, a.length + 1);
        r[a.length] = v;
        return r;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
