package io.netwatch.agent.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The registered-domain split, and its memo: a remembered answer is the one the lookup gives. */
class RegisteredDomainTest {
    @Test
    void splitsAtThePublicSuffixPlusOneLabel() {
        assertEquals(new RegisteredDomain.Split("example.co.uk", "a.b"), RegisteredDomain.of("a.b.example.co.uk"));
        assertEquals(new RegisteredDomain.Split("example.org", "api"), RegisteredDomain.of("API.Example.org."));
        assertEquals(new RegisteredDomain.Split("corp.internal", "db"), RegisteredDomain.of("db.corp.internal"));
        assertNull(RegisteredDomain.of("co.uk"));
        assertNull(RegisteredDomain.of("localhost"));
    }

    /**
     * Names come with a dot or backslash inside a label escaped ({@code DnsQuestion.escapedName}):
     * only the other dots part labels. Split at every printed dot, the labels {@code x.google}
     * and {@code com} were under google.com.
     */
    @Test
    void aDotInsideALabelDoesNotPartLabels() {
        assertNull(RegisteredDomain.of("data.x\\.google.com"), "x.google is no hostname label: no registered domain");
        assertNull(RegisteredDomain.of("data.x\\.google.com."));
        assertEquals(new RegisteredDomain.Split("attacker.net", "data.www\\.google\\.com"),
                RegisteredDomain.of("data.www\\.google\\.com.attacker.net"));
        assertEquals(new RegisteredDomain.Split("example.com", "a\\\\"), RegisteredDomain.of("a\\\\.example.com"),
                "a label ending in a backslash, then a dot between labels");
        assertEquals(new RegisteredDomain.Split("example.com", "a\\\\\\.b"), RegisteredDomain.of("a\\\\\\.b.example.com"),
                "a backslash and a dot in one label");
        assertNull(RegisteredDomain.of("example\\.com"), "one label");
        assertNull(RegisteredDomain.of("x.example\\."), "a label ending in a dot is not a trailing dot");
        assertTrue(TrustedZones.defaults().covers("a\\\\.svc.cluster.local"));
        assertFalse(TrustedZones.defaults().covers("a.svc\\.cluster.local"), "under the label svc.cluster");
        assertFalse(TrustedZones.defaults().covers("svc.cluster\\.local"), "one label, cluster.local");
        assertFalse(TrustedZones.defaults().covers("x.cluster.local\\."), "under the label local.");
        assertFalse(RegisteredDomain.query("a.svc\\.cluster.local").passedOver());
    }

    @Test
    void namesThatShareMemoSlotsKeepTheirOwnAnswers() {
        // Far more names than the memo holds, asked again and again in a skewed order: every
        // answer must be the one the name got when first looked up, whichever way of its set it
        // was found in or pushed out of.
        SplittableRandom rnd = new SplittableRandom(11);
        String[] zones = {"example.org", "example.co.uk", "corp.example", "svc.test", "example.com.au"};
        Map<String, RegisteredDomain.Split> first = new HashMap<>();
        for (int i = 0; i < 60_000; i++) {
            int rank = (int) Math.min(59_999, -Math.log(1 - rnd.nextDouble()) * 12_000);
            String name = "h" + rank + "." + zones[rank % zones.length];
            RegisteredDomain.Query query = RegisteredDomain.query(name);
            assertFalse(query.passedOver(), name);
            RegisteredDomain.Split split = query.split();
            RegisteredDomain.Split before = first.putIfAbsent(name, split);
            if (before != null) {
                assertEquals(before, split, name);
            }
            assertEquals(zones[rank % zones.length], split.domain(), name);
            assertEquals("h" + rank, split.subdomain(), name);
        }
    }

    @Test
    void queriesInTheClusterZonesAndEmptyOnesArePassedOverEachTimeTheyAreAsked() {
        for (int round = 0; round < 3; round++) {
            assertTrue(RegisteredDomain.query("api.default.svc.cluster.local").passedOver());
            assertTrue(RegisteredDomain.query("4.3.2.10.in-addr.arpa.").passedOver());
            assertTrue(RegisteredDomain.query("").passedOver());
            RegisteredDomain.Query outside = RegisteredDomain.query("evilcluster.local");
            assertFalse(outside.passedOver(), "a label boundary, not a suffix of text");
            assertEquals(new RegisteredDomain.Split("evilcluster.local", ""), outside.split());
            RegisteredDomain.Query bare = RegisteredDomain.query("co.uk");
            assertFalse(bare.passedOver());
            assertNull(bare.split(), "a bare public suffix has no registered domain");
        }
    }

    @Test
    void namesUnderOneDomainShareItsString() {
        String first = RegisteredDomain.of("api.shared-domain.example.org").domain();
        assertEquals("example.org", first);
        for (String name : new String[] {"www.example.org", "EXAMPLE.ORG.", "a.b.c.example.org"}) {
            assertSame(first, RegisteredDomain.of(name).domain(), name);
        }
    }
}
