package io.netwatch.agent.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.agent.identity.IdentityUpdates.Problem;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import io.netwatch.proto.ingest.v1.IdentityEntry;
import io.netwatch.proto.ingest.v1.IdentityUpdate;
import org.junit.jupiter.api.Test;

/** The agent's identity copy: snapshots in parts, changes, the bound, and hostile updates. */
class IdentityUpdatesTest {
    private static Workload pod(String name) {
        return Workload.newBuilder().setNamespace("shop").setPodName(name).setWorkloadKind("Deployment")
                .setWorkloadName(name.replaceAll("-\\d+$", "")).putLabels("app", "x").build();
    }

    private static IdentityEntry entry(String ip, Workload w) {
        return IdentityEntry.newBuilder().setIp(ip).setWorkload(w).build();
    }

    private static IdentityUpdate part(long id, int part, boolean last, IdentityEntry... entries) {
        return IdentityUpdate.newBuilder().setFullSnapshot(true).setSnapshotId(id).setPart(part).setLastPart(last)
                .addAllEntries(java.util.List.of(entries)).build();
    }

    private static IdentityUpdate delta(IdentityEntry... entries) {
        return IdentityUpdate.newBuilder().addAllEntries(java.util.List.of(entries)).build();
    }

    @Test
    void aSnapshotInPartsReplacesTheCopyOnlyWhenItsLastPartArrives() {
        IdentityUpdates u = new IdentityUpdates(new IdentityCache(100));
        u.apply(part(1, 0, true, entry("10.0.0.1", pod("old-1"))));
        assertEquals("old-1", u.cache().lookup("10.0.0.1").getPodName());

        u.apply(part(2, 0, false, entry("10.0.0.2", pod("web-1"))));
        u.apply(part(2, 1, false, entry("10.0.0.3", pod("web-2"))));
        assertEquals("old-1", u.cache().lookup("10.0.0.1").getPodName(), "half a snapshot changes nothing");
        assertNull(u.cache().lookup("10.0.0.2"));
        u.apply(part(2, 2, true, entry("10.0.0.4", pod("db-1"))));

        assertNull(u.cache().lookup("10.0.0.1"), "a snapshot replaces the copy: what it lacks is gone");
        assertEquals("web-1", u.cache().lookup("10.0.0.2").getPodName());
        assertEquals("db-1", u.cache().lookup("10.0.0.4").getPodName());
        assertEquals(3, u.cache().size());
        assertEquals(2, u.snapshots());
    }

    @Test
    void anEmptySnapshotEmptiesTheCopy() {
        IdentityUpdates u = new IdentityUpdates(new IdentityCache(100));
        u.apply(part(1, 0, true, entry("10.0.0.1", pod("a-1"))));
        u.apply(part(2, 0, true));
        assertEquals(0, u.cache().size());
    }

    @Test
    void aSnapshotWhosePartsComeOutOfOrderIsDroppedAndTheOldCopyStays() {
        IdentityUpdates u = new IdentityUpdates(new IdentityCache(100));
        u.apply(part(1, 0, true, entry("10.0.0.1", pod("a-1"))));
        u.apply(part(2, 0, false, entry("10.0.0.2", pod("b-1"))));
        u.apply(part(2, 2, true, entry("10.0.0.3", pod("c-1")))); // part 1 missing
        u.apply(part(3, 1, true, entry("10.0.0.4", pod("d-1")))); // no part 0
        assertEquals(2, u.problems(Problem.SNAPSHOT_OUT_OF_ORDER));
        assertEquals("a-1", u.cache().lookup("10.0.0.1").getPodName());
        assertNull(u.cache().lookup("10.0.0.2"));
        assertEquals(1, u.cache().size());

        u.apply(part(5, 0, false, entry("10.0.0.5", pod("e-1"))));
        u.apply(part(6, 0, true, entry("10.0.0.6", pod("f-1")))); // a new snapshot cuts the old one short
        assertEquals(3, u.problems(Problem.SNAPSHOT_OUT_OF_ORDER));
        assertNull(u.cache().lookup("10.0.0.5"));
        assertEquals("f-1", u.cache().lookup("10.0.0.6").getPodName());
    }

    @Test
    void changesUpsertAndRemoveAndAReusedAddressTakesTheNewHolder() {
        IdentityUpdates u = new IdentityUpdates(new IdentityCache(100));
        u.apply(part(1, 0, true, entry("10.0.0.1", pod("web-1")), entry("10.0.0.2", pod("db-1"))));
        u.apply(delta(entry("10.0.0.1", pod("web-2")), entry("10.0.0.3", pod("cache-1"))));
        u.apply(IdentityUpdate.newBuilder().addRemovedIps("10.0.0.2").build());
        assertEquals("web-2", u.cache().lookup("10.0.0.1").getPodName());
        assertEquals("cache-1", u.cache().lookup("10.0.0.3").getPodName());
        assertNull(u.cache().lookup("10.0.0.2"));
        assertEquals(2, u.deltas());
        assertEquals(2, u.upserts());
        assertEquals(1, u.removals());
    }

    @Test
    void addressesAreKeyedAsTheAgentWritesThemSoAnyLiteralFormMatchesAFlow() {
        assertEquals("2001:db8::1", IdentityUpdates.canonical("2001:DB8:0:0:0:0:0:1"));
        assertEquals("10.1.2.3", IdentityUpdates.canonical("10.1.2.3"));
        assertEquals("10.1.2.3", IdentityUpdates.canonical("::ffff:10.1.2.3"));
        IdentityUpdates u = new IdentityUpdates(new IdentityCache(10));
        u.apply(delta(entry("2001:DB8::0:1", pod("v6-1"))));
        assertEquals("v6-1", u.cache().lookup("2001:db8::1").getPodName());
    }

    @Test
    void hostileEntriesAreCountedAndSkippedAndTheRestApplies() {
        IdentityUpdates u = new IdentityUpdates(new IdentityCache(100));
        String[] bad = {"", "example.com", "1", "10.0.0", "10.0.0.256", "fe80::1%eth0", "[::1]", "10.0.0.1 ",
                "1".repeat(200), "::g", "1.2.3.4.5", "0x0a.0.0.1"};
        IdentityUpdate.Builder b = IdentityUpdate.newBuilder();
        for (String ip : bad) {
            b.addEntries(entry(ip, pod("evil-1")));
        }
        b.addEntries(entry("10.0.0.9", pod("good-1")));
        b.addEntries(IdentityEntry.newBuilder().setIp("10.0.0.10")); // no workload
        b.addEntries(entry("10.0.0.11", Workload.newBuilder().putLabels("k", "v".repeat(20_000)).build()));
        b.addRemovedIps("not-an-ip");
        u.apply(b.build());
        assertEquals(bad.length + 1, u.problems(Problem.BAD_ADDRESS));
        assertEquals(2, u.problems(Problem.BAD_WORKLOAD));
        assertEquals(1, u.cache().size());
        assertEquals("good-1", u.cache().lookup("10.0.0.9").getPodName());
    }

    @Test
    void anUpdateLargerThanTheLimitIsSkippedWholeAndCounted() {
        IdentityUpdates u = new IdentityUpdates(new IdentityCache(100_000));
        IdentityUpdate.Builder b = IdentityUpdate.newBuilder();
        for (int i = 0; i <= IdentityUpdates.MAX_ENTRIES_PER_UPDATE; i++) {
            b.addEntries(entry("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), pod("p-1")));
        }
        u.apply(b.build());
        u.apply(b.setFullSnapshot(true).setLastPart(true).build());
        assertEquals(2, u.problems(Problem.OVERSIZED_UPDATE));
        assertEquals(0, u.cache().size());
        assertEquals(0, u.snapshots());
    }

    @Test
    void theBoundHoldsTheLeastRecentlyUsedAddressGoesAndEvictionsAreCounted() {
        IdentityCache cache = new IdentityCache(3);
        IdentityUpdates u = new IdentityUpdates(cache);
        u.apply(delta(entry("10.0.0.1", pod("a-1")), entry("10.0.0.2", pod("b-1")), entry("10.0.0.3", pod("c-1"))));
        assertEquals("a-1", cache.lookup("10.0.0.1").getPodName()); // used: 10.0.0.2 is now the eldest
        u.apply(delta(entry("10.0.0.4", pod("d-1")), entry("10.0.0.5", pod("e-1"))));
        assertEquals(3, cache.size());
        assertEquals(2, cache.evicted());
        assertNull(cache.lookup("10.0.0.2"));
        assertNull(cache.lookup("10.0.0.3"));
        assertEquals("a-1", cache.lookup("10.0.0.1").getPodName());
    }

    @Test
    void aSnapshotLargerThanTheBoundKeepsWhatFitsAndCountsTheRest() {
        IdentityCache cache = new IdentityCache(2);
        IdentityUpdates u = new IdentityUpdates(cache);
        u.apply(part(1, 0, false, entry("10.0.0.1", pod("a-1")), entry("10.0.0.2", pod("b-1"))));
        u.apply(part(1, 1, true, entry("10.0.0.3", pod("c-1")), entry("10.0.0.4", pod("d-1")),
                entry("10.0.0.1", pod("a-2"))));
        assertEquals(2, cache.size());
        assertEquals(2, cache.refused());
        assertEquals("a-2", cache.lookup("10.0.0.1").getPodName(), "an address already in still takes its update");
    }

    @Test
    void changesBetweenTheFirstAndLastPartsOfASnapshotStageNoMoreThanTheBound() {
        // The aggregator sends no change in the middle of a snapshot; something posing as it
        // may send changes without end after a first part and never the last one.
        IdentityCache cache = new IdentityCache(100);
        IdentityUpdates u = new IdentityUpdates(cache);
        u.apply(part(1, 0, false, entry("10.0.0.1", pod("a-1"))));
        for (int round = 0; round < 4; round++) {
            IdentityUpdate.Builder b = IdentityUpdate.newBuilder();
            for (int i = 0; i < 1000; i++) {
                int n = round * 1000 + i;
                b.addEntries(entry("10.1." + (n >> 8 & 255) + "." + (n & 255), pod("p-1")));
            }
            u.apply(b.build());
        }
        assertTrue(u.staged() <= 100, "staged " + u.staged());
        u.apply(part(1, 1, true));
        assertEquals(100, cache.size());
        assertEquals("a-1", cache.lookup("10.0.0.1").getPodName());
    }

    @Test
    void aCacheOfNoEntriesIsRefusedWithTheOptionToFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new IdentityCache(0));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
    }

    @Test
    void flowsAreLabelledFromTheCopyOnceAtExportAndUnknownEndsStayBare() {
        IdentityCache cache = new IdentityCache(10);
        new IdentityUpdates(cache).apply(delta(entry("10.0.0.1", pod("web-1"))));
        FlowIdentities labels = new FlowIdentities(cache);
        Flow f = Flow.newBuilder().setSource(Endpoint.newBuilder().setIp("10.0.0.1").setPort(40000))
                .setDestination(Endpoint.newBuilder().setIp("93.184.216.34").setPort(443)).build();
        Flow out = labels.label(f);
        assertEquals("web-1", out.getSource().getWorkload().getPodName());
        assertEquals(40000, out.getSource().getPort());
        assertFalse(out.getDestination().hasWorkload());
        assertEquals(1, labels.labelled());
        assertEquals(1, labels.unknown());

        Flow unknown = Flow.newBuilder().setSource(Endpoint.newBuilder().setIp("10.9.9.9"))
                .setDestination(Endpoint.newBuilder().setIp("10.9.9.8")).build();
        assertSame(unknown, labels.label(unknown), "nothing known, nothing built");
    }
}
