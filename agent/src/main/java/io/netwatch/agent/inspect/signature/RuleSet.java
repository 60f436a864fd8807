package io.netwatch.agent.inspect.signature;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rules compiled for matching: for each buffer (for the payload, each direction), one
 * automaton over the fast patterns of the rules that look there, and for each pattern the
 * rules it may fire. A hit is only a candidate: the rule's header and all its contents are then
 * checked exactly.
 *
 * <p>Immutable once built, shared by every flow; a reload builds a new one and flows started
 * under the old one finish with it.
 */
public final class RuleSet {
    public static final RuleSet EMPTY = new RuleSet(List.of(), List.of());

    private final List<Rule> rules;
    private final List<String> sources;
    /** The automata of the parsed messages' buffers (the payload's are {@link #payload}). */
    private final EnumMap<Buffer, MultiPatternMatcher> matchers = new EnumMap<>(Buffer.class);
    /**
     * The payload's patterns per direction, toward the server ({@code [0]}) and toward the
     * client ({@code [1]}): each direction's automaton holds only the rules that look there, so
     * that the bounded shell-banner rules, all a response is scanned for by default, are long
     * enough for the scan to step over most bytes.
     */
    private final Patterns[] payload = new Patterns[2];
    /** Per {@link Buffer.Group} ordinal: the buffers holding the fast patterns of that group's rules. */
    private final Buffer[][] buffersFor = new Buffer[Buffer.Group.values().length][];
    /** For each buffer, pattern index to the rules whose fast pattern it is. */
    private final EnumMap<Buffer, int[][]> candidates = new EnumMap<>(Buffer.class);
    /** For each rule, its contents grouped by buffer. */
    private final List<EnumMap<Buffer, List<ContentMatch>>> contents = new ArrayList<>();
    private final AtomicLong verifyGiveUps = new AtomicLong();
    /** Candidates not kept waiting because a direction of a flow had {@link FlowSignatures#MAX_ARMED} waiting. */
    private final AtomicLong armedOverflows = new AtomicLong();
    /**
     * Payload bytes the rules can look at, by transport (TCP, UDP) and direction (toward the
     * server, toward the client): 0 when no payload rule applies, {@link Integer#MAX_VALUE} when
     * some rule is unbounded. Index: {@code (tcp ? 0 : 2) + (toServer ? 0 : 1)}.
     */
    private final int[] reach = new int[4];

    private RuleSet(List<Rule> rules, List<String> sources) {
        this.rules = List.copyOf(rules);
        this.sources = List.copyOf(sources);
        for (Rule r : this.rules) {
            int bytes = payloadReach(r);
            for (int i = 0; i < 4; i++) {
                boolean tcp = i < 2;
                boolean toServer = i % 2 == 0;
                boolean direction = toServer ? r.flow() != Rule.FlowDirection.TO_CLIENT
                        : r.flow() != Rule.FlowDirection.TO_SERVER;
                if (direction && r.protocol().mayMatch(tcp)) {
                    reach[i] = Math.max(reach[i], bytes);
                }
            }
        }
        EnumMap<Buffer, Patterns> fields = new EnumMap<>(Buffer.class);
        Patterns toServer = new Patterns();
        Patterns toClient = new Patterns();
        for (int r = 0; r < this.rules.size(); r++) {
            Rule rule = this.rules.get(r);
            EnumMap<Buffer, List<ContentMatch>> byBuffer = new EnumMap<>(Buffer.class);
            for (ContentMatch c : rule.contents()) {
                byBuffer.computeIfAbsent(c.buffer(), b -> new ArrayList<>()).add(c);
            }
            byBuffer.replaceAll((b, l) -> List.copyOf(l));
            contents.add(byBuffer);
            ContentMatch fast = rule.fastPattern();
            byte[] folded = fold(fast.patternView());
            if (fast.buffer() != Buffer.PAYLOAD) {
                fields.computeIfAbsent(fast.buffer(), b -> new Patterns()).add(folded, r, false);
                continue;
            }
            // Payload rules: one automaton per direction, with the rules that look there.
            boolean anchored = anchored(fast);
            if (rule.flow() != Rule.FlowDirection.TO_CLIENT) {
                toServer.add(folded, r, anchored);
            }
            if (rule.flow() != Rule.FlowDirection.TO_SERVER) {
                toClient.add(folded, r, anchored);
            }
        }
        for (Map.Entry<Buffer, Patterns> e : fields.entrySet()) {
            Patterns built = e.getValue().build();
            matchers.put(e.getKey(), built.matcher);
            candidates.put(e.getKey(), built.candidates);
        }
        payload[0] = toServer.build();
        payload[1] = toClient.build();
        for (Buffer.Group g : Buffer.Group.values()) {
            // A message is matched on the rules of its own group only (see fieldsMatch): the
            // buffers to scan are those that hold such a rule's fast pattern.
            buffersFor[g.ordinal()] = rules.stream().filter(r -> r.checkedOn(g)).map(r -> r.fastPattern().buffer())
                    .distinct().sorted().toArray(Buffer[]::new);
        }
    }

    /**
     * Compiles rules read from {@code sources}. Duplicate sids must have been refused before.
     *
     * @throws IllegalArgumentException when two rules share a sid or the patterns exceed the automaton's bound
     */
    public static RuleSet compile(List<Rule> rules, List<String> sources) {
        Map<Integer, Rule> bySid = new HashMap<>();
        for (Rule r : rules) {
            Rule before = bySid.putIfAbsent(r.sid(), r);
            if (before != null) {
                throw new IllegalArgumentException("sid " + r.sid() + " is used by " + before.origin() + " and "
                        + r.origin());
            }
        }
        return new RuleSet(rules, sources);
    }

    public List<Rule> rules() {
        return rules;
    }

    /** Files (or bundled resources) the rules came from. */
    public List<String> sources() {
        return sources;
    }

    public int size() {
        return rules.size();
    }

    /** True when some rule looks at payload bytes: otherwise streams need not be followed for rules. */
    public boolean hasPayloadRules() {
        return payload[0].size() + payload[1].size() > 0;
    }

    /** True when some rule is checked on messages of this group (see {@link #matchFields}). */
    public boolean hasRulesFor(Buffer.Group group) {
        return buffersFor[group.ordinal()].length > 0;
    }

    /**
     * How far into a direction's payload any rule can match: the largest end a rule's
     * positions allow, 0 when no payload rule applies to that direction, {@link Integer#MAX_VALUE}
     * when some rule is unbounded. Scanning stops there, whatever the payload depth.
     */
    public int payloadReach(boolean tcp, boolean toServer) {
        return reach[(tcp ? 0 : 2) + (toServer ? 0 : 1)];
    }

    /** The end of the payload a rule's contents can reach, or {@link Integer#MAX_VALUE}. */
    static int payloadReach(Rule r) {
        long reach = 0;
        long previous = 0;
        boolean any = false;
        for (ContentMatch c : r.contents()) {
            if (c.buffer() != Buffer.PAYLOAD) {
                continue;
            }
            any = true;
            long end;
            int len = c.patternView().length;
            if (c.startsWith()) {
                end = len;
            } else if (c.relative()) {
                int distance = c.distance() == ContentMatch.UNSET ? 0 : c.distance();
                end = c.within() == ContentMatch.UNSET ? Integer.MAX_VALUE : previous + distance + c.within();
            } else if (c.depth() != ContentMatch.UNSET) {
                end = (c.offset() == ContentMatch.UNSET ? 0 : c.offset()) + (long) c.depth();
            } else {
                end = Integer.MAX_VALUE;
            }
            if (c.endsWith()) {
                end = Integer.MAX_VALUE;
            }
            previous = Math.min(end, Integer.MAX_VALUE);
            reach = Math.max(reach, previous);
        }
        return any ? (int) Math.min(reach, Integer.MAX_VALUE) : 0;
    }

    /** Bytes the automata take. */
    public long memoryBytes() {
        long n = 0;
        for (MultiPatternMatcher m : matchers.values()) {
            n += m.memoryBytes();
        }
        for (Patterns p : payload) {
            n += p.matcher == null ? 0 : p.matcher.memoryBytes();
        }
        return n;
    }

    /** Rule checks that gave up at {@link ContentVerifier#MAX_STEPS}, since this set was built. */
    public long verifyGiveUps() {
        return verifyGiveUps.get();
    }

    /**
     * Rules whose fast pattern was found but that could not wait for their other contents:
     * {@link FlowSignatures#MAX_ARMED} rules already waited in that direction of the flow
     * (decoys a sender who knows the rules can send). They were not checked again there.
     */
    public long armedOverflows() {
        return armedOverflows.get();
    }

    void countArmedOverflow() {
        armedOverflows.incrementAndGet();
    }

    MultiPatternMatcher matcher(Buffer b) {
        return matchers.get(b);
    }

    /** The automaton over one direction's payload; null when no rule's fast pattern needs one there. */
    MultiPatternMatcher payloadMatcher(boolean toServer) {
        return payload[toServer ? 0 : 1].matcher;
    }

    /**
     * One direction's anchored fast patterns (folded): each can only match at the payload's
     * start, so it is compared there rather than looked for by the automaton. Pattern
     * {@code k} of the array is reported as {@code anchoredBase(toServer) + k}.
     */
    byte[][] anchoredPatterns(boolean toServer) {
        return payload[toServer ? 0 : 1].anchored;
    }

    int anchoredBase(boolean toServer) {
        Patterns p = payload[toServer ? 0 : 1];
        return p.matcher == null ? 0 : p.matcher.patterns();
    }

    /** The rules one direction's payload pattern may fire (the automaton's, then the anchored ones). */
    int[] payloadCandidates(boolean toServer, int pattern) {
        return payload[toServer ? 0 : 1].candidates[pattern];
    }

    int[] candidates(Buffer b, int pattern) {
        return candidates.get(b)[pattern];
    }

    Rule rule(int index) {
        return rules.get(index);
    }

    List<ContentMatch> contents(int rule, Buffer b) {
        return contents.get(rule).get(b);
    }

    /** Checks every content of rule {@code r} on the payload bytes {@code [0, len)}. */
    boolean verifyPayload(int r, ByteBuffer payload, int len, ContentVerifier v) {
        boolean ok = v.matches(contents(r, Buffer.PAYLOAD), payload, len);
        if (v.exhausted()) {
            verifyGiveUps.incrementAndGet();
        }
        return ok;
    }

    /**
     * Matches the rules whose buffers one parsed message offers, reporting each rule that
     * matches and was not fired already.
     *
     * @param flow the flow's rule state (the rules it fired, consulted and updated, and its
     *             verifier), asked for only when a fast pattern is found
     */
    public void matchFields(Buffer.Group group, FieldSource fields, MatchContext ctx,
                            java.util.function.Supplier<FlowSignatures> flow, AlertListener out) {
        Buffer[] buffers = buffersFor[group.ordinal()];
        if (buffers.length == 0) {
            return;
        }
        FieldHits hits = new FieldHits(group, fields, ctx, flow, out);
        for (Buffer buffer : buffers) {
            hits.buffer = buffer;
            MultiPatternMatcher m = matchers.get(buffer);
            for (byte[] value : fields.values(buffer)) {
                m.scan(0, value, 0, value.length, 0, hits);
            }
        }
    }

    /** The fast patterns found in one message's fields: each candidate rule is checked on all of them. */
    private final class FieldHits implements MultiPatternMatcher.Hits {
        private final Buffer.Group group;
        private final FieldSource fields;
        private final MatchContext ctx;
        /** The flow's rule state (the rules it fired, its verifier), asked for at the first candidate. */
        private final java.util.function.Supplier<FlowSignatures> flow;
        private final AlertListener out;
        /** The buffer being scanned. */
        Buffer buffer;
        /**
         * The rules whose match in this message a suppression covered, made at the first: the
         * rule stays unfired, and each later occurrence of a fast pattern of it in the message
         * would check it again and count one more suppressed alert.
         */
        private Fired suppressed;

        FieldHits(Buffer.Group group, FieldSource fields, MatchContext ctx,
                  java.util.function.Supplier<FlowSignatures> flow, AlertListener out) {
            this.group = group;
            this.fields = fields;
            this.ctx = ctx;
            this.flow = flow;
            this.out = out;
        }

        @Override
        public void hit(int pattern, long end) {
            for (int r : candidates(buffer, pattern)) {
                if (suppressed != null && suppressed.contains(r)) {
                    continue;
                }
                FlowSignatures state = flow.get();
                if (!state.hasFired(r) && fieldsMatch(r, group, fields, ctx, state.verifier())) {
                    if (out.alert(rules.get(r), buffer)) {
                        state.fire(r);
                    } else {
                        if (suppressed == null) {
                            suppressed = new Fired();
                        }
                        suppressed.add(r);
                    }
                }
            }
        }
    }

    private boolean fieldsMatch(int r, Buffer.Group group, FieldSource fields, MatchContext ctx, ContentVerifier v) {
        Rule rule = rules.get(r);
        if (!ctx.admits(rule)) {
            return false;
        }
        if (!rule.checkedOn(group)) {
            // A rule on request buffers only is checked on the request, in the request's
            // direction, once; a rule with a response buffer on the response (its request's
            // buffers come with it), as Suricata does; one on http.content_type alone on the
            // messages its flow names (see Rule#group).
            return false;
        }
        for (Map.Entry<Buffer, List<ContentMatch>> e : contents.get(r).entrySet()) {
            byte[][] values = fields.values(e.getKey());
            if (values.length == 0) {
                // An absent field is no buffer at all, not an empty one: nothing is inspected,
                // so even a negated content does not hold there, as in Suricata (whose 8.0 asks
                // for "absent: or_else" to match a missing field).
                return false;
            }
            boolean any = false;
            for (int i = 0; i < values.length && !any; i++) {
                any = v.matches(e.getValue(), ByteBuffer.wrap(values[i]), values[i].length);
                if (v.exhausted()) {
                    verifyGiveUps.incrementAndGet();
                }
            }
            if (!any) {
                return false;
            }
        }
        return true;
    }

    /**
     * A fast pattern that can only match at the payload's first byte: {@code startswith}, or
     * an absolute offset of 0 with a depth of its own length.
     */
    static boolean anchored(ContentMatch c) {
        if (c.relative()) {
            return false;
        }
        boolean atZero = c.offset() == ContentMatch.UNSET || c.offset() == 0;
        return c.startsWith() || atZero && c.depth() == c.patternView().length;
    }

    /**
     * The distinct fast patterns of one automaton and, for each, the rules it may fire. A
     * pattern that only anchored contents use is kept out of the automaton (see
     * {@link #anchored}); one that any other content uses goes in.
     */
    private static final class Patterns {
        private final Map<String, Integer> index = new HashMap<>();
        private final List<byte[]> patterns = new ArrayList<>();
        private final List<List<Integer>> owners = new ArrayList<>();
        private final List<Boolean> onlyAnchored = new ArrayList<>();
        /** Built: null when no pattern needs the automaton. */
        MultiPatternMatcher matcher;
        int[][] candidates;
        byte[][] anchored;

        void add(byte[] folded, int rule, boolean anchoredUse) {
            String key = new String(folded, java.nio.charset.StandardCharsets.ISO_8859_1);
            Integer p = index.get(key);
            if (p == null) {
                p = patterns.size();
                index.put(key, p);
                patterns.add(folded);
                owners.add(new ArrayList<>());
                onlyAnchored.add(true);
            }
            owners.get(p).add(rule);
            if (!anchoredUse) {
                onlyAnchored.set(p, false);
            }
        }

        int size() {
            return patterns.size();
        }

        /** Numbers the automaton's patterns first, then the anchored ones, and builds the automaton. */
        Patterns build() {
            List<byte[]> scanned = new ArrayList<>();
            List<byte[]> atStart = new ArrayList<>();
            List<int[]> scannedOwners = new ArrayList<>();
            List<int[]> atStartOwners = new ArrayList<>();
            for (int p = 0; p < patterns.size(); p++) {
                int[] o = owners.get(p).stream().mapToInt(Integer::intValue).toArray();
                if (onlyAnchored.get(p)) {
                    atStart.add(patterns.get(p));
                    atStartOwners.add(o);
                } else {
                    scanned.add(patterns.get(p));
                    scannedOwners.add(o);
                }
            }
            matcher = scanned.isEmpty() ? null : MultiPatternMatcher.build(scanned);
            anchored = atStart.toArray(new byte[0][]);
            scannedOwners.addAll(atStartOwners);
            candidates = scannedOwners.toArray(new int[0][]);
            return this;
        }
    }

    /** A pattern as the automaton reads it (see {@link MultiPatternMatcher#fold}). */
    private static byte[] fold(byte[] p) {
        byte[] f = new byte[p.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = MultiPatternMatcher.fold(p[i]);
        }
        return f;
    }

    /**
     * The rules that already fired in one flow, by their index in the set: each fires once per
     * flow, however many others fired before (a list capped at 64 let the 65th fire again on
     * every message). Held as whichever is smaller, the sorted indices (4 bytes a rule fired)
     * or a bit per rule up to the highest fired: a bit per rule alone made a flow that fired
     * one rule of index n hold n / 8 bytes, outside the inspection budget, so one message
     * matching the last rule of a large set cost kilobytes in every flow it came in. Each rule
     * recorded fired an alert. Single-threaded.
     */
    static final class Fired {
        /** The indices fired, sorted, in {@code [0, count)}; null while {@link #words} holds them. */
        private int[] few = new int[2];
        /** A bit per rule by index; null while {@link #few} holds them. */
        private long[] words;
        private int count;
        private int highest = -1;

        boolean contains(int r) {
            if (words != null) {
                int w = r >>> 6;
                return w < words.length && (words[w] & 1L << r) != 0;
            }
            return java.util.Arrays.binarySearch(few, 0, count, r) >= 0;
        }

        void add(int r) {
            if (r < 0 || contains(r)) {
                return;
            }
            count++;
            highest = Math.max(highest, r);
            long bitBytes = ((long) (highest >>> 6) + 1) * Long.BYTES;
            if ((long) count * Integer.BYTES <= bitBytes) {
                if (words != null) {
                    few = indices(words, count);
                    words = null;
                } else if (count > few.length) {
                    few = java.util.Arrays.copyOf(few, Math.min(count * 2, (int) (bitBytes / Integer.BYTES)));
                }
                int at = -java.util.Arrays.binarySearch(few, 0, count - 1, r) - 1;
                System.arraycopy(few, at, few, at + 1, count - 1 - at);
                few[at] = r;
            } else {
                if (words == null) {
                    words = new long[(highest >>> 6) + 1];
                    for (int i = 0; i < count - 1; i++) {
                        words[few[i] >>> 6] |= 1L << few[i];
                    }
                    few = null;
                } else if (words.length <= highest >>> 6) {
                    words = java.util.Arrays.copyOf(words, (highest >>> 6) + 1);
                }
                words[r >>> 6] |= 1L << r;
            }
        }

        /** The set bits' indices in order, with room for one more at the end. */
        private static int[] indices(long[] words, int room) {
            int[] out = new int[room];
            int n = 0;
            for (int w = 0; w < words.length; w++) {
                for (long bits = words[w]; bits != 0; bits &= bits - 1) {
                    out[n++] = w << 6 | Long.numberOfTrailingZeros(bits);
                }
            }
            return out;
        }

        /** Bytes the arrays take. */
        int bytes() {
            return words != null ? words.length * Long.BYTES : few.length * Integer.BYTES;
        }
    }
}
