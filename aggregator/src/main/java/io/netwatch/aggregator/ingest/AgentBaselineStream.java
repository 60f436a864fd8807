package io.netwatch.aggregator.ingest;

import io.netwatch.aggregator.baseline.BaselineSnapshot;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.BaselineUpdate;
import java.util.List;

/**
 * The baseline stream of one agent: the latest {@link BaselineSnapshot} in parts, only while
 * the transport is ready. Holds no copy, only a cursor into the shared immutable snapshot: a
 * slow agent costs nothing, and when a newer snapshot appears mid-way the agent is sent the
 * newer one from its first part (it keeps its old copy until a last part arrives). Used on the
 * publisher's tick thread only.
 */
final class AgentBaselineStream {
    private final AgentChannel channel;
    private final int partSize;
    private BaselineSnapshot sending;
    private int nextPart;
    private long sentId;
    private long snapshotsSent;
    private long partsSent;

    AgentBaselineStream(AgentChannel channel, int partSize) {
        this.channel = channel;
        this.partSize = partSize;
    }

    /**
     * Sends what the transport takes, at most {@code maxParts} parts. An empty baseline (an
     * aggregator that has learned nothing yet, say restarted without {@code baseline.file}) is
     * never sent: it would wipe the agent's copy, which is then the best knowledge there is. One
     * emptied by expiry is sent (one part, no edges): the agent's copy must lose those edges too.
     */
    void flush(BaselineSnapshot latest, int maxParts) {
        if (latest == null || latest.edges().isEmpty() && !latest.emptied() || latest.id() == sentId) {
            return;
        }
        if (sending == null || sending.id() != latest.id()) {
            sending = latest;
            nextPart = 0;
        }
        List<?> edges = sending.edges();
        int parts = Math.max(1, (edges.size() + partSize - 1) / partSize);
        for (int n = 0; n < maxParts && channel.isReady(); n++) {
            int from = nextPart * partSize;
            int to = Math.min(edges.size(), from + partSize);
            boolean last = nextPart == parts - 1;
            channel.send(AggregatorMessage.newBuilder().setBaseline(BaselineUpdate.newBuilder().setFullSnapshot(true)
                    .setSnapshotId(sending.id()).setPart(nextPart).setLastPart(last)
                    .addAllEdges(sending.edges().subList(from, to))).build());
            partsSent++;
            nextPart++;
            if (last) {
                sentId = sending.id();
                snapshotsSent++;
                sending = null;
                return;
            }
        }
    }

    long snapshotsSent() {
        return snapshotsSent;
    }

    long partsSent() {
        return partsSent;
    }
}
