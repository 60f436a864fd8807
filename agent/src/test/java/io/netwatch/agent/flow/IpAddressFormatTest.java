package io.netwatch.agent.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class IpAddressFormatTest {
    @Test
    void rfc5952() {
        assertEquals("2001:db8::1", IpAddressFormat.format(6, 0x20010db800000000L, 1L));
        assertEquals("::", IpAddressFormat.format(6, 0, 0));
        assertEquals("::1", IpAddressFormat.format(6, 0, 1));
        assertEquals("fe80::", IpAddressFormat.format(6, 0xfe80000000000000L, 0));
        // A single zero group is not compressed; the longest run is; the first of equal runs is.
        assertEquals("2001:db8:0:1:1:1:1:1", IpAddressFormat.format(6, 0x20010db800000001L, 0x0001000100010001L));
        assertEquals("2001::1:0:1", IpAddressFormat.format(6, 0x2001000000000000L, 0x0000000100000001L));
        assertEquals("2001:db8::1:0:0:1", IpAddressFormat.format(6, 0x20010db800000000L, 0x0001000000000001L));
        assertEquals("192.0.2.33", IpAddressFormat.format(4, 0, 0x0000FFFFC0000221L));
    }
}
