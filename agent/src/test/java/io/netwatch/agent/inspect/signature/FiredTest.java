package io.netwatch.agent.inspect.signature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The rules fired in one flow: each once, in memory that follows what fired, not the set's size. */
class FiredTest {
    @Test
    void oneRuleOfALargeSetTakesAFewBytesNotABitPerRuleBeforeIt() {
        // Found in review: a bit per rule up to the one that fired made a flow that fired the
        // last of 100,000 rules hold 12.5 KB, outside the inspection budget, in every such flow.
        RuleSet.Fired f = new RuleSet.Fired();
        f.add(99_999);
        assertTrue(f.contains(99_999));
        assertFalse(f.contains(99_998));
        assertTrue(f.bytes() <= 64, f.bytes() + " bytes");
    }

    @Test
    void manyRulesFiredTakeNoMoreThanABitPerRule() {
        RuleSet.Fired f = new RuleSet.Fired();
        for (int r = 0; r < 2_000; r += 2) {
            f.add(r);
        }
        f.add(2_000); // again, out of order
        f.add(10);
        for (int r = 0; r <= 2_000; r++) {
            assertEquals(r % 2 == 0, f.contains(r), "rule " + r);
        }
        assertTrue(f.bytes() <= 2_001 / 8 + 64, f.bytes() + " bytes");
    }

    @Test
    void aHighRuleAfterManyLowOnesTakesTheIndicesNotTheBits() {
        RuleSet.Fired f = new RuleSet.Fired();
        for (int r = 0; r < 200; r++) {
            f.add(r);
        }
        f.add(99_999);
        for (int r = 0; r < 200; r++) {
            assertTrue(f.contains(r), "rule " + r);
        }
        assertTrue(f.contains(99_999));
        assertFalse(f.contains(200));
        assertTrue(f.bytes() <= 2 * 201 * Integer.BYTES, f.bytes() + " bytes");
    }

    @Test
    void fewRulesAnywhereAreEachRememberedOnce() {
        RuleSet.Fired f = new RuleSet.Fired();
        int[] rules = {5_000, 3, 64, 63, 70_000, 0, 1_000_000};
        for (int r : rules) {
            assertFalse(f.contains(r));
            f.add(r);
            f.add(r);
        }
        for (int r : rules) {
            assertTrue(f.contains(r), "rule " + r);
        }
        assertFalse(f.contains(1));
        assertFalse(f.contains(65));
        assertFalse(f.contains(999_999));
    }
}
