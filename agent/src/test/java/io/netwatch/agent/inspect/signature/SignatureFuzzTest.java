package io.netwatch.agent.inspect.signature;

import static org.junit.jupiter.api.Assertions.*;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets for the signature engine: the rule reader and the threshold.config reader on
 * any text (rule and threshold files are user input), and the matcher on any payload split
 * into any chunks, and the table of counts thresholds keep on any sequence of matches. Seeds:
 * {@code SignatureFuzzTestInputs/readsAnyRuleText/}, {@code .../readsAnyThresholdText/},
 * {@code .../matchesAnyPayload/} and {@code .../countsAnyMatchSequence/}.
 */
class SignatureFuzzTest {
    private static final RuleSet BUNDLED = Signatures.bundled().current();

    /** Input: rule text (UTF-8). */
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void readsAnyRuleText(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        RuleParser.Result r = new RuleParser(RuleVariables.defaults()).parse(text, "fuzz.rules");
        long lines = text.split("\r?\n", -1).length;
        for (RuleError e : r.errors()) {
            assertTrue(e.line() >= 1 && e.line() <= lines, "error line in range: " + e);
            assertFalse(e.reason().isBlank());
        }
        assertTrue(r.rules().size() + r.errors().size() <= lines);
        RuleSet set;
        try {
            List<Rule> unique = new ArrayList<>();
            Set<Integer> sids = new HashSet<>();
            for (Rule rule : r.rules()) {
                if (sids.add(rule.sid())) {
                    unique.add(rule);
                }
            }
            set = RuleSet.compile(unique, List.of("fuzz.rules"));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains("more than the")) {
                // Contents past the automaton's bound: refused, as they should be.
                return;
            }
            throw e;
        }
        // Whatever was read also matches without failing, on the text itself as payload.
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        match(set, payload, List.of(payload.length));
    }

    /** Input: threshold.config text (UTF-8). */
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void readsAnyThresholdText(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        ThresholdParser.Result r = new ThresholdParser(RuleVariables.defaults()).parse(text, "fuzz.config");
        long lines = text.split("\r?\n", -1).length;
        for (RuleError e : r.errors()) {
            assertTrue(e.line() >= 1 && e.line() <= lines, "error line in range: " + e);
            assertFalse(e.reason().isBlank());
        }
        for (Suppression s : r.suppressions()) {
            assertTrue(s.line() >= 1 && s.line() <= lines, "line in range: " + s);
            assertTrue(s.sid() > 0 || s.track() != Suppression.Track.RULE, "never every alert: " + s);
        }
        for (ThresholdLine t : r.thresholds()) {
            assertTrue(t.line() >= 1 && t.line() <= lines, "line in range: " + t);
            assertTrue(t.threshold().count() >= 1 && t.threshold().seconds() >= 1, "a count and a window: " + t);
        }
        assertTrue(r.suppressions().size() + r.thresholds().size() + r.errors().size() <= lines);
        // Whatever was read is asked of an alert without failing, from and to any address.
        Suppressions in = Suppressions.of(r.suppressions());
        MatchContext m = new MatchContext();
        m.srcLo = 0xFFFF_0A00_0001L;
        m.dstHi = 0x2001_0db8_0000_0000L;
        for (Suppression s : r.suppressions()) {
            in.match(s.sid(), m);
            in.match(s.sid() + 1, m);
        }
        // And counted, at any capture time, in a table that stays within its bound.
        Thresholds thresholds = Thresholds.of(r.thresholds());
        ThresholdTable table = new ThresholdTable(4);
        long[] times = {0, 1, Long.MAX_VALUE, Long.MIN_VALUE, 1_700_000_000_000_000_000L};
        for (ThresholdLine t : thresholds.lines()) {
            for (long now : times) {
                table.admits(t.threshold(), Math.max(1, t.sid()), m, now);
            }
        }
        assertTrue(table.size() <= 4);
    }

    /** Addresses the table target's matches come from and go to: few, so that keys repeat; the last two v6. */
    private static final long[][] ADDRESSES = {{0, 0xFFFF_0A00_0001L}, {0, 0xFFFF_0A00_0002L},
            {0x2001_0db8_0000_0000L, 1}, {0xFFFF_FFFF_FFFF_FFFFL, 0}};
    /** Capture time the table target's clock starts at, nanoseconds since the epoch. */
    private static final long START = 1_700_000_000_000_000_000L;

    /**
     * Fuzz target for {@link ThresholdTable}: a sequence of matches, each asked of a table of a
     * small bound and of a plain model of what its class comment says (the alert decided from
     * the match's number in its window, the window's end in exact arithmetic, room made from
     * the least recently used entries, one whose window passed first). They must agree on every
     * answer, on the entries kept and the evictions; the matches held back, counted by type,
     * are those that did not alert.
     *
     * <p>Input layout: the first byte's low 3 bits are the bound less one (1 to 8); bit 3 lets the
     * clock step back and jump to the ends of a long. Then 3 bytes a match: the threshold (bits
     * 0-1 its type, 2-3 its track, 4-6 its count less one, bit 7 seconds 1 or 2), the key (bits
     * 0-1 the sid less one, 2-3 the source, 4-5 the destination, among {@code ADDRESSES}), and
     * the clock's step (forward 0 to 2.55 s in steps of 10 ms; with bit 3, below 200 a step of -1
     * to 1 s, from 200 on a jump to one of the far times). Seeds:
     * {@code SignatureFuzzTestInputs/countsAnyMatchSequence/}.
     */
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void countsAnyMatchSequence(FuzzedDataProvider data) {
        byte[] in = data.consumeRemainingAsBytes();
        if (in.length == 0) {
            return;
        }
        int capacity = 1 + (in[0] & 7);
        boolean free = (in[0] & 8) != 0;
        long[] far = {Long.MIN_VALUE, Long.MAX_VALUE, 0, -1, START};
        ThresholdTable table = new ThresholdTable(capacity);
        TableModel model = new TableModel(capacity);
        long now = START;
        long held = 0;
        MatchContext m = new MatchContext();
        for (int at = 1; at + 3 <= in.length; at += 3) {
            int t = in[at] & 0xff;
            int k = in[at + 1] & 0xff;
            int step = in[at + 2] & 0xff;
            Threshold threshold = new Threshold(Threshold.Type.values()[t & 3], Threshold.Track.values()[t >>> 2 & 3],
                    1 + (t >>> 4 & 7), 1 + (t >>> 7));
            int sid = 1 + (k & 3);
            long[] src = ADDRESSES[k >>> 2 & 3];
            long[] dst = ADDRESSES[k >>> 4 & 3];
            m.srcHi = src[0];
            m.srcLo = src[1];
            m.dstHi = dst[0];
            m.dstLo = dst[1];
            if (!free) {
                now += step * 10_000_000L;
            } else if (step < 200) {
                now += (step - 100) * 10_000_000L;
            } else {
                now = far[step % far.length];
            }
            boolean alert = table.admits(threshold, sid, m, now);
            boolean expected = model.admits(threshold, sid, src, dst, now);
            long when = now;
            assertEquals(expected, alert, () -> "sid " + sid + " " + threshold + " at " + when);
            held += alert ? 0 : 1;
            assertEquals(model.entries.size(), table.size(), "entries kept");
            assertEquals(model.evictions, table.evictions(), "evictions");
            assertTrue(table.size() <= capacity);
            long heldBack = 0;
            for (Threshold.Type type : Threshold.Type.values()) {
                heldBack += table.heldBack(type);
            }
            assertEquals(held, heldBack, "every match held back is counted, once");
        }
    }

    /**
     * What {@link ThresholdTable} is documented to do, written plainly: keys as records, a
     * window's matches numbered from 1, times compared exactly.
     */
    private static final class TableModel {
        record Key(int sid, Threshold.Track track, Set<List<Long>> addresses) {
        }

        static final class Count {
            Threshold threshold;
            long start;
            long n;
        }

        final int capacity;
        final LinkedHashMap<Key, Count> entries = new LinkedHashMap<>(16, 0.75f, true);
        long evictions;

        TableModel(int capacity) {
            this.capacity = capacity;
        }

        boolean admits(Threshold t, int sid, long[] src, long[] dst, long now) {
            if (t.type() == Threshold.Type.THRESHOLD && t.count() == 1) {
                return true;
            }
            List<Long> s = List.of(src[0], src[1]);
            List<Long> d = List.of(dst[0], dst[1]);
            Set<List<Long>> addresses = switch (t.track()) {
                case BY_SRC -> Set.of(s);
                case BY_DST -> Set.of(d);
                case BY_RULE -> Set.of();
                case BY_BOTH -> new HashSet<>(List.of(s, d));
            };
            Key key = new Key(sid, t.track(), addresses);
            Count c = entries.get(key);
            if (c == null) {
                if (entries.size() >= capacity) {
                    makeRoom(now);
                }
                c = new Count();
                entries.put(key, c);
            }
            if (c.threshold == null || !c.threshold.equals(t) || !within(now, c)) {
                c.threshold = t;
                c.start = now;
                c.n = 1;
            } else {
                c.n++;
            }
            long n = c.n;
            long count = t.count();
            return switch (t.type()) {
                case LIMIT -> n <= count;
                case THRESHOLD -> n % count == 0;
                case BOTH -> n == count;
                case DETECTION_FILTER -> n > count;
            };
        }

        /** At most the window after the start, or before the start (a clock stepped back). */
        static boolean within(long now, Count c) {
            BigInteger elapsed = BigInteger.valueOf(now)
                    .subtract(BigInteger.valueOf(c.start));
            return elapsed.signum() < 0
                    || elapsed.compareTo(BigInteger.valueOf(c.threshold.seconds()).multiply(
                            BigInteger.valueOf(1_000_000_000L))) <= 0;
        }

        void makeRoom(long now) {
            Iterator<Count> it = entries.values().iterator();
            for (int i = 0; i < ThresholdTable.SAMPLE && it.hasNext(); i++) {
                if (!within(now, it.next())) {
                    it.remove();
                    return;
                }
            }
            it = entries.values().iterator();
            it.next();
            it.remove();
            evictions++;
        }
    }

    /** Input: a chunking (a few sizes) then payload bytes, matched by the bundled rules. */
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void matchesAnyPayload(FuzzedDataProvider data) {
        List<Integer> chunks = new ArrayList<>();
        int n = data.consumeInt(0, 8);
        for (int i = 0; i < n; i++) {
            chunks.add(data.consumeInt(1, 2048));
        }
        byte[] payload = data.consumeRemainingAsBytes();
        chunks.add(Math.max(1, payload.length));
        // Each direction has its own automaton: toward clients the bundled patterns are long,
        // and the scan steps over windows of bytes.
        for (boolean toServer : new boolean[] {true, false}) {
            List<Integer> sids = match(BUNDLED, payload, chunks, toServer);
            // Splitting the stream differently finds the same rules (the automaton resumes across chunks).
            assertEquals(sids, match(BUNDLED, payload, List.of(Math.max(1, payload.length)), toServer));
        }
    }

    private static List<Integer> match(RuleSet set, byte[] payload, List<Integer> chunks) {
        return match(set, payload, chunks, true);
    }

    /** The sids of the rules that fired, in increasing order. */
    private static List<Integer> match(RuleSet set, byte[] payload, List<Integer> chunks, boolean toServer) {
        FlowSignatures f = new FlowSignatures(set, Signatures.DEFAULT_PAYLOAD_DEPTH, true);
        MatchContext ctx = new MatchContext();
        ctx.tcp = true;
        ctx.toServer = toServer;
        ctx.appProto = "http";
        ctx.ipVersion = 4;
        List<Integer> fired = new ArrayList<>();
        int off = 0;
        for (int i = 0; off < payload.length; i = Math.min(i + 1, chunks.size() - 1)) {
            int len = Math.min(chunks.get(i), payload.length - off);
            f.stream(ByteBuffer.wrap(payload), off, len, ctx, (rule, buffer) -> { fired.add(rule.sid()); return true; });
            off += len;
        }
        f.datagram(ByteBuffer.wrap(payload), 0, payload.length, ctx, (rule, buffer) -> true);
        f.fields(Buffer.Group.HTTP_REQUEST, b -> new byte[][] {payload}, ctx,
                (rule, buffer) -> { fired.add(rule.sid()); return true; });
        assertEquals(fired.size(), new HashSet<>(fired).size(), "each rule at most once per flow");
        return fired.stream().sorted().toList();
    }
}
