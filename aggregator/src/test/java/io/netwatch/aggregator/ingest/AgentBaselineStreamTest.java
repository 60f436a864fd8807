package io.netwatch.aggregator.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.aggregator.baseline.BaselineSnapshot;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.BaselineEdge;
import io.netwatch.proto.ingest.v1.BaselineUpdate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One agent's baseline stream: parts in order, only while ready, a newer snapshot starts over. */
class AgentBaselineStreamTest {
    private boolean ready = true;
    private final List<BaselineUpdate> sent = new ArrayList<>();
    private final AgentChannel channel = new AgentChannel() {
        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void send(AggregatorMessage message) {
            sent.add(message.getBaseline());
        }
    };

    private static BaselineSnapshot snapshot(long id, int edges) {
        List<BaselineEdge> list = new ArrayList<>();
        for (int i = 0; i < edges; i++) {
            list.add(BaselineEdge.newBuilder().setSource("a/Deployment/x").setDestination("10.0." + i + ".0/24")
                    .setPort(443).setIpProtocol(6).build());
        }
        return new BaselineSnapshot(id, list);
    }

    @Test
    void aSnapshotGoesInPartsOnlyWhileTheTransportIsReadyAndOnce() {
        AgentBaselineStream s = new AgentBaselineStream(channel, 10);
        BaselineSnapshot snap = snapshot(1, 25);
        ready = false;
        s.flush(snap, 8);
        assertEquals(List.of(), sent, "nothing is written while gRPC says not ready");
        ready = true;
        s.flush(snap, 2);
        assertEquals(2, sent.size(), "at most the parts allowed per tick");
        s.flush(snap, 8);
        assertEquals(3, sent.size());
        assertEquals(List.of(0, 1, 2), sent.stream().map(BaselineUpdate::getPart).toList());
        assertEquals(List.of(false, false, true), sent.stream().map(BaselineUpdate::getLastPart).toList());
        assertEquals(25, sent.stream().mapToInt(BaselineUpdate::getEdgesCount).sum());
        assertTrue(sent.stream().allMatch(u -> u.getFullSnapshot() && u.getSnapshotId() == 1));
        s.flush(snap, 8);
        assertEquals(3, sent.size(), "a snapshot the agent has is not sent again");
        assertEquals(1, s.snapshotsSent());
    }

    @Test
    void aNewerSnapshotMidWayStartsOverFromItsFirstPart() {
        AgentBaselineStream s = new AgentBaselineStream(channel, 10);
        s.flush(snapshot(1, 30), 1);
        s.flush(snapshot(2, 5), 8);
        assertEquals(2, sent.size());
        assertEquals(0, sent.get(1).getPart());
        assertEquals(2, sent.get(1).getSnapshotId());
        assertTrue(sent.get(1).getLastPart());
        s.flush(new BaselineSnapshot(3, List.of()), 8);
        assertEquals(2, sent.size(), "an empty baseline would wipe the agent's copy: never sent");
    }

    @Test
    void aBaselineEmptiedByExpiryIsSentAsOneEmptyLastPart() {
        AgentBaselineStream s = new AgentBaselineStream(channel, 10);
        s.flush(snapshot(1, 3), 8);
        s.flush(new BaselineSnapshot(2, List.of(), true), 8);
        assertEquals(2, sent.size(), "every edge expired: the agent's copy must lose them too");
        BaselineUpdate emptied = sent.get(1);
        assertEquals(2, emptied.getSnapshotId());
        assertEquals(0, emptied.getPart());
        assertTrue(emptied.getLastPart() && emptied.getFullSnapshot());
        assertEquals(0, emptied.getEdgesCount());
        s.flush(new BaselineSnapshot(2, List.of(), true), 8);
        assertEquals(2, sent.size(), "once");
    }
}
