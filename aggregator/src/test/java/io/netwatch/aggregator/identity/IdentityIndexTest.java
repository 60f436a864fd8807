package io.netwatch.aggregator.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netwatch.proto.flow.v1.Workload;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdentityIndexTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * S;
    private static final IpKey IP = IpKey.parse("10.0.0.1");

    private static AddressHolder pod(String name) {
        return new AddressHolder("uid-" + name, Workload.newBuilder().setNamespace("ns").setPodName(name).build(),
                null, List.of());
    }

    private static IdentityIndex index() {
        return new IdentityIndex(4, 3, Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofSeconds(2));
    }

    private static String name(AddressHolder h) {
        return h == null ? null : h.workload().getPodName();
    }

    @Test
    void aHolderAnswersFromItsClaimUntilItsReleasePlusClockSkew() {
        IdentityIndex i = index();
        i.claim(IP, pod("a"), T0);
        i.release(IP, "uid-a", T0 + 60 * S);
        assertEquals("a", name(i.at(IP, T0 - 5 * S)), "within the lead before the claim");
        assertNull(i.at(IP, T0 - 11 * S), "before the lead");
        assertEquals("a", name(i.at(IP, T0 + 30 * S)));
        assertEquals("a", name(i.at(IP, T0 + 61 * S)), "within the skew after the release");
        assertNull(i.at(IP, T0 + 63 * S), "nobody's after that");
        assertNull(i.current(IP));
    }

    @Test
    void aReleaseByAnObjectThatNoLongerHoldsTheAddressChangesNothing() {
        IdentityIndex i = index();
        i.claim(IP, pod("a"), T0);
        i.claim(IP, pod("b"), T0 + 10 * S);
        i.release(IP, "uid-a", T0 + 20 * S);
        assertEquals("b", name(i.current(IP)));
        assertEquals("a", name(i.at(IP, T0 + 9 * S)), "a still held it: b's lead does not take it back");
        assertEquals(1, i.stats().conflicts());
    }

    @Test
    void anAddressThatChangesHandsWithinTheLeadAnswersWhoHeldItThen() {
        IdentityIndex i = new IdentityIndex(4, 8, Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofSeconds(2));
        // Short-lived pods one after another on one address (a crash-looping job, say), each
        // within the lead of the ones after it.
        for (int n = 0; n < 4; n++) {
            i.claim(IP, pod("p" + n), T0 + n * S);
        }
        for (int n = 0; n < 4; n++) {
            assertEquals("p" + n, name(i.at(IP, T0 + n * S + S / 2)), "the holder at " + n + ".5 s");
        }
        assertEquals("p0", name(i.at(IP, T0 - 5 * S)), "before all of them: the first one's lead");
        i.release(IP, "uid-p3", T0 + 4 * S);
        i.claim(IP, pod("p4"), T0 + 9 * S);
        assertEquals("p3", name(i.at(IP, T0 + 3 * S + S / 2)), "p4's lead does not reach into p3's tenure");
        assertEquals("p4", name(i.at(IP, T0 + 4 * S + S / 2)), "after p3 let go, within p4's lead and p3's skew: "
                + "the lead is tried first");
        assertEquals("p4", name(i.at(IP, T0 + 7 * S)), "after p3 let go, beyond its skew, within p4's lead");
    }

    @Test
    void claimingAnUnchangedIdentityAgainKeepsOneTenure() {
        IdentityIndex i = index();
        AddressHolder a = pod("a");
        i.claim(IP, a, T0);
        i.claim(IP, pod("a"), T0 + S);
        assertEquals(1, i.history(IP).length);
        assertSame(a, i.current(IP));
    }

    @Test
    void historiesAndAddressesAreBoundedAndWhatTheBoundsCostIsCounted() {
        IdentityIndex i = index();
        for (int n = 0; n < 5; n++) {
            i.claim(IP, pod("p" + n), T0 + n * S);
        }
        assertEquals(3, i.history(IP).length, "at most 3 tenures");
        assertEquals(2, i.stats().tenuresDropped());
        // 9.5 s before p0's claim: within p0's 10 s lead, before any later claim's, so only p0 could answer.
        assertNull(i.at(IP, T0 + S / 2 - 10 * S), "the oldest fell off, yet still answers within its lead");
        assertEquals("p2", name(i.history(IP)[0].holder()), "the two oldest fell off, not the newest");
        for (int n = 2; n <= 5; n++) {
            i.claim(IpKey.parse("10.0.0." + n), pod("q" + n), T0);
        }
        assertEquals(4, i.stats().addresses());
        assertEquals(1, i.stats().refused(), "the fifth address");
        assertNull(i.current(IpKey.parse("10.0.0.5")));
    }

    @Test
    void endedTenuresArePrunedAfterTheirGraceAndEmptyAddressesGo() {
        IdentityIndex i = index();
        i.claim(IP, pod("a"), T0);
        i.release(IP, "uid-a", T0 + 10 * S);
        i.claim(IP, pod("b"), T0 + 100 * S);
        i.prune(T0 + 100 * S + 4 * 60 * S);
        assertEquals(2, i.history(IP).length, "a is kept within the grace after b took the address");
        i.prune(T0 + 100 * S + 5 * 60 * S);
        assertEquals(1, i.history(IP).length);
        i.release(IP, "uid-b", T0 + 1000 * S);
        i.prune(T0 + 1000 * S + 5 * 60 * S);
        assertEquals(0, i.stats().addresses());
        assertEquals(2, i.stats().pruned());
    }

    @Test
    void keysOfBothFamiliesAndTheirNetworks() {
        assertEquals("203.0.113.0/24", IpKey.parse("203.0.113.77").network(24));
        assertEquals("2001:db8:1::/48", IpKey.parse("2001:db8:1:2::5").network(48));
        assertEquals("2001:db8::5", IpKey.parse("2001:0db8:0:0::5").toString());
        assertNull(IpKey.parse("example.com"));
        assertNull(IpKey.parse(""));
    }
}
