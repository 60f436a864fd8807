package io.netwatch.agent.inspect.signature;

import java.nio.ByteBuffer;

/**
 * Signature matching state of one flow: the rule set it started with, the rules that fired
 * (each fires once per flow), and for each direction the automaton's place in the payload and
 * the payload's first bytes, kept up to the payload depth so that a rule's other contents
 * can be checked around the fast pattern, even when they arrive in later segments.
 * Single-threaded: lives in the flow's inspection state.
 */
public final class FlowSignatures {
    /** Rules waiting (their fast pattern seen, their other contents not yet) per direction, at most. */
    static final int MAX_ARMED = 32;

    private final RuleSet rules;
    /** Payload bytes matched per direction: the configured depth, or less when no rule reaches further. */
    private final int depthToServer;
    private final int depthToClient;
    /** Datagram payload bytes matched per direction, in all. */
    private final int datagramBudget;
    /** Made when a rule first fires: most flows fire none. */
    private RuleSet.Fired fired;
    /** Made when a rule is first checked: most flows never arm one. */
    private ContentVerifier verifier;
    /** Made when the direction's payload is first matched or stopped: most UDP flows never are. */
    private Payload toServer;
    private Payload toClient;
    private long armedOverflow;
    /**
     * Bytes of the payload arrays both directions hold, kept up to date as they are taken and
     * given back: the budget asks after every segment, and reading the arrays' lengths would
     * load both directions' state (the other one seldom in the processor's cache).
     */
    private int keptBytes;
    private final PayloadBuffers buffers;

    /**
     * @param depth payload bytes matched per direction of a stream (and per datagram)
     * @param tcp   the flow's transport: rules for the other one are not looked for
     */
    public FlowSignatures(RuleSet rules, int depth, boolean tcp) {
        this(rules, depth, tcp, new PayloadBuffers(depth));
    }

    /** As above, the payload bytes kept in arrays from {@code buffers} (given back by {@link #release}). */
    public FlowSignatures(RuleSet rules, int depth, boolean tcp, PayloadBuffers buffers) {
        this.buffers = buffers;
        this.rules = rules;
        this.depthToServer = Math.min(depth, rules.payloadReach(tcp, true));
        this.depthToClient = Math.min(depth, rules.payloadReach(tcp, false));
        this.datagramBudget = depth;
    }

    private Payload payload(boolean toServerSide) {
        if (toServerSide) {
            if (toServer == null) {
                toServer = new Payload(true);
            }
            return toServer;
        }
        if (toClient == null) {
            toClient = new Payload(false);
        }
        return toClient;
    }

    /** True when rule {@code r} fired in this flow already. */
    boolean hasFired(int r) {
        return fired != null && fired.contains(r);
    }

    /** Notes that rule {@code r} fired: it does not fire again in this flow. */
    void fire(int r) {
        if (fired == null) {
            fired = new RuleSet.Fired();
        }
        fired.add(r);
    }

    ContentVerifier verifier() {
        if (verifier == null) {
            verifier = new ContentVerifier();
        }
        return verifier;
    }

    public RuleSet rules() {
        return rules;
    }

    /** True when payload rules have nothing more to see in this direction. */
    public boolean payloadDone(boolean toServerSide) {
        Payload p = toServerSide ? toServer : toClient;
        int depth = toServerSide ? depthToServer : depthToClient;
        return depth == 0 || p != null && (p.stopped || p.length >= depth || p.seen >= datagramBudget);
    }

    /**
     * Matches the next in-order bytes of one direction of a TCP stream.
     *
     * @param ctx the header facts for these bytes ({@code toServer} set)
     */
    public void stream(ByteBuffer b, int off, int len, MatchContext ctx, AlertListener out) {
        if (!rules.hasPayloadRules()) {
            return;
        }
        int depth = ctx.toServer ? depthToServer : depthToClient;
        if (depth == 0) {
            return;
        }
        Payload p = payload(ctx.toServer);
        int n = Math.min(len, depth - p.length);
        if (n <= 0 || p.stopped) {
            return;
        }
        p.append(b, off, n);
        int waiting = p.armedCount;
        p.scan(p.length - n, n, ctx, out);
        p.verify(waiting, ctx, out);
        if (p.length >= depth) {
            // No byte will follow: rules still waiting can never be satisfied.
            p.release();
        }
    }

    /**
     * Matches one datagram's payload on its own, as long as fewer than {@code depth} payload
     * bytes went by in its direction: the start of a UDP exchange, like a stream's.
     */
    public void datagram(ByteBuffer b, int off, int len, MatchContext ctx, AlertListener out) {
        if (!rules.hasPayloadRules()) {
            return;
        }
        int depth = ctx.toServer ? depthToServer : depthToClient;
        if (depth == 0) {
            return;
        }
        Payload p = payload(ctx.toServer);
        if (p.seen >= datagramBudget || p.stopped) {
            return;
        }
        p.seen += len;
        p.length = 0;
        p.armedCount = 0;
        int n = Math.min(len, depth);
        p.append(b, off, n);
        p.state = 0;
        p.scan(0, n, ctx, out);
        p.length = 0;
        if (p.seen >= datagramBudget) {
            p.release();
        }
    }

    /** Matches the rules that look at one parsed message's buffers. */
    public void fields(Buffer.Group group, FieldSource fields, MatchContext ctx, AlertListener out) {
        rules.matchFields(group, fields, ctx, () -> this, out);
    }

    /**
     * Stops payload matching in one direction: its handshake is over and what follows is
     * encrypted (TLS, SSH), where content rules could only match by chance.
     */
    public void stopPayload(boolean toServerSide) {
        if ((toServerSide ? depthToServer : depthToClient) == 0) {
            return; // never matched: done already
        }
        Payload p = payload(toServerSide);
        p.stopped = true;
        p.release();
    }

    /** Bytes of the payload arrays both directions hold now: for the inspection budget. */
    public int keptBytes() {
        return keptBytes;
    }

    /** The flow has ended: its payload arrays go back for other flows. */
    public void release() {
        if (toServer != null) {
            toServer.release();
        }
        if (toClient != null) {
            toClient.release();
        }
    }

    /** Candidate rules dropped because too many waited at once in one direction. */
    public long armedOverflow() {
        return armedOverflow;
    }

    /** One direction's payload: the automaton's state, the bytes so far, the rules waiting on them. */
    private final class Payload implements MultiPatternMatcher.Hits {
        /** The direction: which automaton and anchored patterns apply. */
        final boolean toServerSide;
        int state;
        /** No more payload is matched in this direction. */
        boolean stopped;
        /** Datagram payload bytes seen (UDP). */
        long seen;
        byte[] bytes;
        int length;
        /** Made at the first hit: most directions never arm a rule. */
        int[] armed;
        int armedCount;
        /** A view of {@link #bytes} for the rules' checks, made again only when the array changes. */
        private ByteBuffer view;
        /** The header facts and the listener of the bytes being scanned, for candidates checked as they are found. */
        private MatchContext ctx;
        private AlertListener out;
        /**
         * The rules whose match a suppression covered in the bytes being scanned, made at the
         * first: the rule stays unfired, and each later occurrence of its fast pattern there
         * would check it again on all the bytes so far and count one more suppressed alert.
         */
        private RuleSet.Fired suppressed;

        Payload(boolean toServerSide) {
            this.toServerSide = toServerSide;
        }

        /**
         * Looks for the fast patterns in the {@code n} kept bytes from {@code from}: the
         * direction's automaton (resumed from {@link #state}), and the anchored patterns that
         * end within them, compared at the payload's start. The bytes are the kept array:
         * scanning it is cheaper than reading the capture buffer again.
         */
        void scan(int from, int n, MatchContext ctx, AlertListener out) {
            this.ctx = ctx;
            this.out = out;
            this.suppressed = null;
            MultiPatternMatcher m = rules.payloadMatcher(toServerSide);
            if (m != null) {
                state = m.scan(state, bytes, from, n, from, this);
            }
            byte[][] anchored = rules.anchoredPatterns(toServerSide);
            for (int k = 0; k < anchored.length; k++) {
                int len = anchored[k].length;
                if (len > from && len <= from + n && startsWithFolded(anchored[k])) {
                    hit(rules.anchoredBase(toServerSide) + k, len);
                }
            }
        }

        /** The kept bytes begin with {@code folded}, ASCII letters of either case. */
        private boolean startsWithFolded(byte[] folded) {
            for (int i = 0; i < folded.length; i++) {
                if (MultiPatternMatcher.fold(bytes[i]) != folded[i]) {
                    return false;
                }
            }
            return true;
        }

        /** Keeps {@code n} more bytes; {@code length + n} never exceeds the depth. */
        void append(ByteBuffer b, int off, int n) {
            if (bytes == null) {
                bytes = buffers.take(length + n);
                keptBytes += bytes.length;
            } else if (length + n > bytes.length) {
                byte[] larger = buffers.take(length + n);
                System.arraycopy(bytes, 0, larger, 0, length);
                buffers.give(bytes);
                keptBytes += larger.length - bytes.length;
                bytes = larger;
            }
            b.get(off, bytes, length, n);
            length += n;
        }

        /** Gives the array back; the counts stay, so the direction stays done. */
        void release() {
            if (bytes != null) {
                keptBytes -= bytes.length;
                buffers.give(bytes);
                bytes = null;
            }
            armedCount = 0;
        }

        /**
         * A fast pattern was found: each of its rules is checked now, on all the bytes so far
         * (the segment is kept whole before the scan), and only one that may yet match waits:
         * its other contents not seen yet, or its application protocol not named yet. A rule
         * that matches or that this flow's header rules out takes no place among the waiting,
         * whose bound a sender could otherwise fill with decoys, in one segment, ahead of the
         * rule it means to slip past. Past the bound a candidate is dropped and counted.
         */
        @Override
        public void hit(int pattern, long end) {
            for (int r : rules.payloadCandidates(toServerSide, pattern)) {
                if (hasFired(r) || isArmed(r) || suppressed != null && suppressed.contains(r)) {
                    continue;
                }
                Rule rule = rules.rule(r);
                if (!ctx.admits(rule)) {
                    if (!(ctx.appProto.isEmpty() && rule.protocol().isApplication())) {
                        continue; // not for this flow's bytes, whatever follows
                    }
                } else if (rules.verifyPayload(r, view(), length, verifier())) {
                    if (out.alert(rule, Buffer.PAYLOAD)) {
                        fire(r);
                    } else {
                        if (suppressed == null) {
                            suppressed = new RuleSet.Fired();
                        }
                        suppressed.add(r);
                    }
                    continue;
                }
                if (armed == null) {
                    armed = new int[4];
                } else if (armedCount == armed.length) {
                    if (armedCount == MAX_ARMED) {
                        armedOverflow++;
                        rules.countArmedOverflow();
                        continue;
                    }
                    armed = java.util.Arrays.copyOf(armed, Math.min(MAX_ARMED, armedCount * 2));
                }
                armed[armedCount++] = r;
            }
        }

        private ByteBuffer view() {
            if (view == null || view.array() != bytes) {
                view = ByteBuffer.wrap(bytes);
            }
            return view;
        }

        private boolean isArmed(int r) {
            for (int i = 0; i < armedCount; i++) {
                if (armed[i] == r) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Checks again, on all the bytes so far, the first {@code waiting} rules, those that
         * waited before this scan (the scan checked the ones it found); a rule that fires, or
         * that the flow's now named protocol rules out, stops waiting.
         */
        void verify(int waiting, MatchContext ctx, AlertListener out) {
            if (waiting == 0) {
                return;
            }
            // Downward: a rule moved into a freed place comes from above it, checked already or new.
            for (int i = Math.min(waiting, armedCount) - 1; i >= 0; i--) {
                int r = armed[i];
                Rule rule = rules.rule(r);
                boolean drop = false;
                if (!ctx.admits(rule)) {
                    // A rule for an application protocol waits while the flow's is not named yet.
                    drop = !(ctx.appProto.isEmpty() && rule.protocol().isApplication());
                } else if (rules.verifyPayload(r, view(), length, verifier())) {
                    if (out.alert(rule, Buffer.PAYLOAD)) {
                        fire(r);
                    }
                    drop = true;
                }
                if (drop) {
                    armed[i] = armed[--armedCount];
                }
            }
        }
    }
}
