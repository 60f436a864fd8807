package io.netwatch.agent.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Remembered address text is always what formatting gives, whatever collides in the table. */
class IpAddressNamesTest {
    @Test
    void everyLookupSpellsTheAddressAsFormattingDoes() {
        IpAddressNames names = new IpAddressNames(8);
        SplittableRandom rnd = new SplittableRandom(7);
        long[][] seen = new long[64][];
        for (int i = 0; i < 20_000; i++) {
            long[] a = rnd.nextInt(3) == 0 && i > 64 ? seen[rnd.nextInt(64)] : new long[] {
                rnd.nextBoolean() ? 4 : 6, 0, rnd.nextLong()};
            if (a[0] == 4) {
                a[2] &= 0xFFFF_FFFFL;
            } else {
                a[1] = rnd.nextInt(4) == 0 ? 0 : rnd.nextLong();
            }
            seen[i % 64] = a;
            assertEquals(IpAddressFormat.format((int) a[0], a[1], a[2]), names.of((int) a[0], a[1], a[2]));
        }
    }

    @Test
    void anIpv4AddressAndTheIpv6AddressWithTheSameBitsAreTwoNames() {
        IpAddressNames names = new IpAddressNames(1024);
        long lo = 0x0A00_0001L;
        assertEquals("10.0.0.1", names.of(4, 0, lo));
        assertEquals(IpAddressFormat.format(6, 0, lo), names.of(6, 0, lo));
        assertEquals("10.0.0.1", names.of(4, 0, lo));
    }

    @Test
    void aRepeatedAddressIsTheSameString() {
        IpAddressNames names = new IpAddressNames(1024);
        assertSame(names.of(4, 0, 0x0A00_0035L), names.of(4, 0, 0x0A00_0035L));
    }

    @Test
    void aDnsStyleCacheDotsTheIpv4TailOfAnIpv6Address() {
        long mapped = 0x0000_FFFF_C000_0201L;
        assertEquals("::ffff:192.0.2.1", new IpAddressNames(8, true).of(6, 0, mapped));
        assertEquals("::ffff:c000:201", new IpAddressNames(8).of(6, 0, mapped));
        assertEquals("2001:db8::1", new IpAddressNames(8, true).of(6, 0x2001_0DB8_0000_0000L, 1));
        assertEquals("192.0.2.1", new IpAddressNames(8, true).of(4, 0, 0xC000_0201L));
    }

    @Test
    void theCapacityIsAPowerOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new IpAddressNames(1000));
    }
}
