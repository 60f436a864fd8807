package io.netwatch.aggregator.ingest;

import io.netwatch.proto.flow.v1.LossCounter;
import io.netwatch.proto.flow.v1.LossReason;
import io.netwatch.proto.flow.v1.LossReport;
import io.netwatch.proto.ingest.v1.AgentStatus;
import java.util.EnumMap;
import java.util.Map;

/**
 * Bounds what an agent's status and loss report keep in the registry: the latest of each is
 * kept for as long as the agent is known and goes whole into every {@code GetAgents} answer,
 * which past 4 MiB no client takes (found in review: one status of 3,000 source states made
 * {@code GetAgents} fail RESOURCE_EXHAUSTED for every caller). Nothing is refused, since an
 * agent replaying a pcapng file of thousands of interfaces sends a counter for each: the
 * counters past {@link #MAX_NAMED_COUNTERS} are summed per reason into one counter, so every
 * total stays right, and the source states past {@link #MAX_SOURCE_STATES} are said in one
 * line. A report that had to be cut is said by {@link #trimmed}.
 */
final class AgentReports {
    /** Source states kept of one status; the rest are counted in one more line. */
    static final int MAX_SOURCE_STATES = 64;
    /** Characters kept of one source state ("eth0: capturing", or a file's path and state). */
    static final int MAX_STATE_CHARS = 256;
    /** Loss counters kept as sent; the rest are summed, one counter per reason. */
    static final int MAX_NAMED_COUNTERS = 1024;
    /** Characters kept of a counter's interface name (Linux's are at most 15). */
    static final int MAX_INTERFACE_CHARS = 64;

    private AgentReports() {
    }

    /** The status as kept: {@code status} itself when it is within the bounds. */
    static AgentStatus bounded(AgentStatus status) {
        if (!trimmed(status)) {
            return status;
        }
        AgentStatus.Builder b = status.toBuilder().clearSourceStates();
        int kept = Math.min(status.getSourceStatesCount(), MAX_SOURCE_STATES);
        for (int i = 0; i < kept; i++) {
            b.addSourceStates(cut(status.getSourceStates(i), MAX_STATE_CHARS));
        }
        if (status.getSourceStatesCount() > kept) {
            b.addSourceStates("(" + (status.getSourceStatesCount() - kept) + " more sources not kept)");
        }
        return b.build();
    }

    /** Whether {@link #bounded(AgentStatus)} changes the status. */
    static boolean trimmed(AgentStatus status) {
        if (status.getSourceStatesCount() > MAX_SOURCE_STATES) {
            return true;
        }
        for (String s : status.getSourceStatesList()) {
            if (s.length() > MAX_STATE_CHARS) {
                return true;
            }
        }
        return false;
    }

    /**
     * The loss report as kept, named for {@code node} (the stream's, as its records are): the
     * first {@link #MAX_NAMED_COUNTERS} counters with their interface names cut, the rest summed
     * per reason (a reason this server does not know as UNKNOWN) under the interface
     * "(N more)". Counts are uint64: the sums saturate at its largest value.
     */
    static LossReport bounded(LossReport loss, String node) {
        if (!trimmed(loss) && loss.getNodeName().equals(node)) {
            return loss;
        }
        LossReport.Builder b = loss.toBuilder().setNodeName(node).clearCounters();
        int kept = Math.min(loss.getCountersCount(), MAX_NAMED_COUNTERS);
        for (int i = 0; i < kept; i++) {
            LossCounter c = loss.getCounters(i);
            b.addCounters(c.getInterface().length() <= MAX_INTERFACE_CHARS ? c
                    : c.toBuilder().setInterface(cut(c.getInterface(), MAX_INTERFACE_CHARS)).build());
        }
        Map<LossReason, long[]> rest = new EnumMap<>(LossReason.class);
        for (int i = kept; i < loss.getCountersCount(); i++) {
            LossCounter c = loss.getCounters(i);
            LossReason reason = c.getReason() == LossReason.UNRECOGNIZED ? LossReason.LOSS_REASON_UNKNOWN : c.getReason();
            long[] sum = rest.computeIfAbsent(reason, r -> new long[2]);
            sum[0] = saturatedAdd(sum[0], c.getCount());
            sum[1]++;
        }
        rest.forEach((reason, sum) -> b.addCounters(LossCounter.newBuilder().setReason(reason)
                .setInterface("(" + sum[1] + " more)").setCount(sum[0])));
        return b.build();
    }

    /** Whether {@link #bounded(LossReport, String)} cuts the report (its node name aside). */
    static boolean trimmed(LossReport loss) {
        if (loss.getCountersCount() > MAX_NAMED_COUNTERS) {
            return true;
        }
        for (LossCounter c : loss.getCountersList()) {
            if (c.getInterface().length() > MAX_INTERFACE_CHARS) {
                return true;
            }
        }
        return false;
    }

    /** {@code a + b} as unsigned 64-bit counts, the largest (-1 here) when it would wrap. */
    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return Long.compareUnsigned(sum, a) < 0 ? -1L : sum;
    }

    private static String cut(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        // Never half a surrogate pair: the kept text must stay valid UTF-8 on the wire.
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end) + "...";
    }
}
