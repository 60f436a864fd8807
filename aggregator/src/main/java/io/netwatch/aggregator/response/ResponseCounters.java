package io.netwatch.aggregator.response;

import java.util.concurrent.atomic.LongAdder;

/** What the response stage counted: decisions by action and outcome, ignored offenses, commands, ended blocks. */
public final class ResponseCounters {
    /** Decision outcomes besides refusals (each refusal has its own slot). */
    public enum Outcome { BLOCKED, WOULD_BLOCK, FAILED }

    /** Offenses that led to no decision, by why. */
    public enum Ignored { NO_RULE, ALREADY_BLOCKED, MALFORMED, QUEUE_FULL }

    /** What happened to commands to the agents, and to their answers. */
    public enum Command {
        SENT, UNREACHABLE, CONFIRMED, FAILED, UNBLOCK_SENT, UNKNOWN_RESULT, RESULT_QUEUE_FULL,
        /** An unblock owed to a node without a stream, forgotten because {@link BlockDecisions#MAX_OWED} were owed. */
        UNBLOCK_FORGOTTEN,
        /** A quarantine label no longer tried because {@link BlockDecisions#MAX_OWED} were waiting. */
        LIFT_FORGOTTEN
    }

    /** How blocks ended; WITHDRAWN: their address became protected while they were in force. */
    public enum Ended { EXPIRED, REMOVED, FAILED, WITHDRAWN }

    private static final int SLOTS = Outcome.values().length + Refusal.values().length;
    private final LongAdder[] decisions = adders(BlockAction.values().length * SLOTS);
    private final LongAdder[] ignored = adders(Ignored.values().length);
    private final LongAdder[] commands = adders(Command.values().length);
    private final LongAdder[] ended = adders(Ended.values().length);

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    void decided(BlockAction action, Outcome outcome) {
        decisions[action.ordinal() * SLOTS + outcome.ordinal()].increment();
    }

    void refused(BlockAction action, Refusal refusal) {
        decisions[action.ordinal() * SLOTS + Outcome.values().length + refusal.ordinal()].increment();
    }

    void ignore(Ignored why) {
        ignored[why.ordinal()].increment();
    }

    void count(Command what) {
        commands[what.ordinal()].increment();
    }

    void end(Ended how) {
        ended[how.ordinal()].increment();
    }

    public long decisions(BlockAction action, Outcome outcome) {
        return decisions[action.ordinal() * SLOTS + outcome.ordinal()].sum();
    }

    public long refusals(BlockAction action, Refusal refusal) {
        return decisions[action.ordinal() * SLOTS + Outcome.values().length + refusal.ordinal()].sum();
    }

    public long ignored(Ignored why) {
        return ignored[why.ordinal()].sum();
    }

    public long commands(Command what) {
        return commands[what.ordinal()].sum();
    }

    public long ended(Ended how) {
        return ended[how.ordinal()].sum();
    }
}
