package io.netwatch.aggregator.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.aggregator.identity.AddressHolder;
import io.netwatch.aggregator.identity.IdentityIndex;
import io.netwatch.aggregator.identity.IpKey;
import io.netwatch.aggregator.store.IdentityStreamCounters;
import io.netwatch.proto.flow.v1.Workload;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.IdentityEntry;
import io.netwatch.proto.ingest.v1.IdentityUpdate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The identity stream to one agent, driven tick by tick against a fake channel whose
 * readiness the test sets: snapshot first and in parts, then batched changes, the latest
 * per address for a slow agent, a fresh snapshot when too much waits, the budget per tick.
 */
class IdentityPublisherTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * S;

    /** Records what is sent; ready as the test says. */
    static final class FakeChannel implements AgentChannel {
        final List<IdentityUpdate> sent = new ArrayList<>();
        boolean ready = true;

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void send(AggregatorMessage m) {
            sent.add(m.getIdentity());
        }
    }

    private static AddressHolder pod(String name) {
        return new AddressHolder("uid-" + name, Workload.newBuilder().setNamespace("shop").setPodName(name).build(),
                null, List.of());
    }

    private static IpKey ip(int i) {
        return IpKey.parse("10.0." + (i >> 8) + "." + (i & 255));
    }

    /** What an agent applying {@code updates} in order would hold (a snapshot replaces). */
    private static Map<String, String> replay(List<IdentityUpdate> updates) {
        Map<String, String> copy = new HashMap<>();
        Map<String, String> staging = null;
        for (IdentityUpdate u : updates) {
            if (u.getFullSnapshot()) {
                if (u.getPart() == 0) {
                    staging = new HashMap<>();
                }
                for (IdentityEntry e : u.getEntriesList()) {
                    staging.put(e.getIp(), e.getWorkload().getPodName());
                }
                if (u.getLastPart()) {
                    copy = staging;
                }
            } else {
                for (IdentityEntry e : u.getEntriesList()) {
                    copy.put(e.getIp(), e.getWorkload().getPodName());
                }
                u.getRemovedIpsList().forEach(copy::remove);
            }
        }
        return copy;
    }

    private static IdentityIndex index() {
        return new IdentityIndex(100_000, 4, Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofSeconds(2));
    }

    private static AgentIdentityStream stream(IdentityIndex index, FakeChannel channel, IdentityStreamConfig config,
                                              IdentityStreamCounters counters) {
        IdentityPublisher publisher = new IdentityPublisher(index, () -> true, config);
        index.listen(publisher);
        return publisher.subscribe(channel, counters);
    }

    @Test
    void theSnapshotComesFirstInPartsThenChangesIncludingAnAddressReusedByANewPod() {
        IdentityIndex index = index();
        for (int i = 1; i <= 5; i++) {
            index.claim(ip(i), pod("p-" + i), T0);
        }
        FakeChannel ch = new FakeChannel();
        IdentityStreamCounters counters = new IdentityStreamCounters();
        AgentIdentityStream s = stream(index, ch, new IdentityStreamConfig(2, 100, Duration.ofHours(1), 100), counters);
        s.flush(true);
        assertEquals(3, ch.sent.size(), "5 entries in parts of 2");
        assertTrue(ch.sent.stream().allMatch(IdentityUpdate::getFullSnapshot));
        assertEquals(List.of(0, 1, 2), ch.sent.stream().map(IdentityUpdate::getPart).toList());
        assertEquals(List.of(false, false, true), ch.sent.stream().map(IdentityUpdate::getLastPart).toList());
        assertEquals(1, ch.sent.stream().map(IdentityUpdate::getSnapshotId).distinct().count());
        assertEquals(5, replay(ch.sent).size());

        index.release(ip(1), "uid-p-1", T0 + 10 * S);
        index.claim(ip(1), pod("q-1"), T0 + 11 * S); // the address reused by a new pod
        index.release(ip(2), "uid-p-2", T0 + 12 * S);
        s.flush(true);
        List<IdentityUpdate> changes = ch.sent.subList(3, ch.sent.size());
        assertEquals(1, changes.size(), "changes batched into one update");
        assertFalse(changes.getFirst().getFullSnapshot());
        Map<String, String> agent = replay(ch.sent);
        assertEquals("q-1", agent.get("10.0.0.1"));
        assertFalse(agent.containsKey("10.0.0.2"));
        assertEquals(4, agent.size());
        assertEquals(1, counters.totals().snapshots());
        assertEquals(1, counters.totals().updates());
        assertEquals(1, counters.totals().removals());
    }

    @Test
    void aSlowAgentGetsOnlyTheLatestChangeOfEachAddress() {
        IdentityIndex index = index();
        index.claim(ip(1), pod("a-1"), T0);
        FakeChannel ch = new FakeChannel();
        IdentityStreamCounters counters = new IdentityStreamCounters();
        AgentIdentityStream s = stream(index, ch, new IdentityStreamConfig(100, 1000, Duration.ofHours(1), 100),
                counters);
        s.flush(true);
        ch.ready = false;
        for (int k = 2; k <= 10; k++) {
            index.claim(ip(1), pod("a-" + k), T0 + k * S);
        }
        s.flush(true);
        assertEquals(1, ch.sent.size(), "nothing written while the transport is not ready");
        ch.ready = true;
        s.flush(true);
        assertEquals(2, ch.sent.size());
        IdentityUpdate u = ch.sent.get(1);
        assertEquals(1, u.getEntriesCount());
        assertEquals("a-10", u.getEntries(0).getWorkload().getPodName());
        assertEquals(8, counters.totals().coalesced());
    }

    @Test
    void tooManyWaitingChangesAreDroppedForAFreshSnapshotAndCounted() {
        IdentityIndex index = index();
        FakeChannel ch = new FakeChannel();
        IdentityStreamCounters counters = new IdentityStreamCounters();
        AgentIdentityStream s = stream(index, ch, new IdentityStreamConfig(1000, 10_000, Duration.ofHours(1), 50),
                counters);
        s.flush(true);
        assertEquals(1, ch.sent.size(), "an empty cluster is an empty snapshot");
        ch.ready = false;
        for (int i = 1; i <= 200; i++) {
            index.claim(ip(i), pod("p-" + i), T0);
        }
        assertEquals(1, counters.totals().resyncs());
        ch.ready = true;
        s.flush(true);
        IdentityUpdate resync = ch.sent.get(1);
        assertTrue(resync.getFullSnapshot());
        assertTrue(resync.getLastPart());
        assertEquals(200, resync.getEntriesCount(), "the fresh snapshot has every address");
        assertEquals(2, ch.sent.size(), "and nothing else: the dropped changes are in it");
        assertEquals(200, replay(ch.sent).size());
    }

    @Test
    void noMoreThanTheBudgetIsSentPerTick() {
        IdentityIndex index = index();
        for (int i = 1; i <= 100; i++) {
            index.claim(ip(i), pod("p-" + i), T0);
        }
        FakeChannel ch = new FakeChannel();
        AgentIdentityStream s = stream(index, ch, new IdentityStreamConfig(10, 30, Duration.ofHours(1), 1000),
                new IdentityStreamCounters());
        int ticks = 0;
        int before = 0;
        while (replay(ch.sent).size() < 100 || ch.sent.isEmpty() || !ch.sent.getLast().getLastPart()) {
            s.flush(true);
            int entries = ch.sent.subList(before, ch.sent.size()).stream().mapToInt(IdentityUpdate::getEntriesCount)
                    .sum();
            assertTrue(entries <= 30, "tick " + ticks + " sent " + entries);
            before = ch.sent.size();
            ticks++;
            assertTrue(ticks < 10, "snapshot never finished");
        }
        assertEquals(4, ticks, "100 entries at 30 a tick");
    }

    @Test
    void noSnapshotIsSentBeforeTheClusterIsListed() {
        IdentityIndex index = index();
        FakeChannel ch = new FakeChannel();
        AgentIdentityStream s = stream(index, ch, IdentityStreamConfig.defaults(), new IdentityStreamCounters());
        s.flush(false);
        assertTrue(ch.sent.isEmpty(), "an empty snapshot now would wipe the agent's copy");
        index.claim(ip(1), pod("a-1"), T0);
        s.flush(true);
        assertEquals(Map.of("10.0.0.1", "a-1"), replay(ch.sent));
    }

    @Test
    void aClosedStreamIsToldNothingMore() {
        IdentityIndex index = index();
        FakeChannel ch = new FakeChannel();
        IdentityPublisher publisher = new IdentityPublisher(index, () -> true, IdentityStreamConfig.defaults());
        index.listen(publisher);
        AgentIdentityStream s = publisher.subscribe(ch, new IdentityStreamCounters());
        s.flush(true);
        publisher.unsubscribe(s);
        index.claim(ip(1), pod("a-1"), T0);
        s.flush(true);
        assertEquals(1, ch.sent.size());
        assertEquals(0, publisher.streams());
        publisher.close();
    }

    @Test
    void badSettingsNameWhatToFix() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new IdentityStreamConfig(20_000, 10, Duration.ofSeconds(1), 10));
        assertTrue(e.getMessage().contains("maxEntriesPerMessage"), e.getMessage());
    }
}
