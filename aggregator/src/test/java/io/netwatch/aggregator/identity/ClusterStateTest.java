package io.netwatch.aggregator.identity;

import static io.netwatch.aggregator.identity.ClusterObjects.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Orders of events an informer delivers that a live watch alone does not show: a relist after
 * a broken watch (410 Gone) reports each object's latest state, in the API server's order
 * (by name), as updates from what the informer last had, and deletions only for names that
 * are gone. Fed to {@link ClusterState} directly, as the informers would.
 */
class ClusterStateTest {
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong(1_700_000_000L * SECOND);
    private IdentityIndex index;
    private PolicyHistory history;
    private ClusterState state;

    @BeforeEach
    void start() {
        index = new IdentityIndex();
        history = new PolicyHistory(PolicyHistory.DEFAULT_MAX_VERSIONS);
        state = new ClusterState(index, history, clock::get);
        state.markSynced();
    }

    private String holder(String ip) {
        AddressHolder h = index.current(IpKey.parse(ip));
        return h == null ? null : h.workload().getPodName();
    }

    private static Pod created(Pod p, String at) {
        p.getMetadata().setCreationTimestamp(at);
        return p;
    }

    @Test
    void aPodReplacedUnderItsNameWhileTheWatchWasDownLetsGoOfTheOldOnesAddress() {
        Pod old = pod("shop", "db-0", "10.244.1.31", Map.of("app", "db"), null);
        state.pod(old);
        assertEquals("db-0", holder("10.244.1.31"));

        // Deleted and created again (a StatefulSet's pod, on another node) during the gap:
        // the relist brings the new object as an update of the old name, with another uid.
        clock.addAndGet(60 * SECOND);
        Pod fresh = pod("shop", "db-0", "10.244.2.40", Map.of("app", "db"), null);
        state.pod(fresh);

        assertNull(holder("10.244.1.31"), "the old db-0's address is nobody's now");
        assertEquals("db-0", holder("10.244.2.40"));
        assertEquals(1, state.podCount());
        state.refreshSnapshot();
        assertEquals(1, history.current().pods().size(), "policies see one db-0");

        // The old object's deletion, should it still come, changes nothing.
        state.podGone(old);
        assertEquals("db-0", holder("10.244.2.40"));
        assertEquals(1, state.podCount());
    }

    @Test
    void aRelistThatBringsTheOldHolderOfAReusedAddressLastLeavesItWithTheNewPod() {
        // cart-1 ended (its containers are gone, its object is held by a finalizer) and the
        // node gave its address to zoo-1. The relist sends the pods by name: zoo-1 first.
        Pod old = created(pod("shop", "cart-1", "10.244.1.33", Map.of("app", "cart"), null), "2024-05-01T10:00:00Z");
        Pod reused = created(pod("shop", "zoo-1", "10.244.1.33", Map.of("app", "zoo"), null), "2024-05-01T12:00:00Z");
        state.pod(reused);
        state.pod(old);
        assertEquals("zoo-1", holder("10.244.1.33"), "the newer pod holds it");

        state.podGone(old);
        assertEquals("zoo-1", holder("10.244.1.33"));
        assertEquals(1, state.staleClaims());
    }

    @Test
    void aNewerPodTakesAnAddressWhoseOldHoldersDeletionHasNotArrived() {
        Pod old = created(pod("shop", "a", "10.244.1.34", Map.of("app", "a"), null), "2024-05-01T10:00:00Z");
        Pod reused = created(pod("shop", "b", "10.244.1.34", Map.of("app", "b"), null), "2024-05-01T12:00:00Z");
        state.pod(old);
        state.pod(reused);
        assertEquals("b", holder("10.244.1.34"));
        assertEquals(0, state.staleClaims());
    }

    @Test
    void withoutCreationTimesTheLaterClaimWins() {
        state.pod(pod("shop", "a", "10.244.1.35", Map.of("app", "a"), null));
        state.pod(pod("shop", "b", "10.244.1.35", Map.of("app", "b"), null));
        assertEquals("b", holder("10.244.1.35"));
    }
}
