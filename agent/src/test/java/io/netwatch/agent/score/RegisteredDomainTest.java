package io.netwatch.agent.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

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
            RegisteredDomain.Split split = RegisteredDomain.of(name);
            RegisteredDomain.Split before = first.putIfAbsent(name, split);
            if (before != null) {
                assertEquals(before, split, name);
            }
            assertEquals(zones[rank % zones.length], split.domain(), name);
            assertEquals("h" + rank, split.subdomain(), name);
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
