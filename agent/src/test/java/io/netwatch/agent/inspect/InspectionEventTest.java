package io.netwatch.agent.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** Endpoints spelt when first asked for read as endpoints given as text. */
class InspectionEventTest {
    @Test
    void endpointsSpeltLateEqualTheSameEndpointsGivenAsText() {
        InspectionEvent.Endpoints late = InspectionEvent.Endpoints.of(4, 0, 0x0A00_0001L, 40000, 0, 0xC000_0201L, 53, "udp");
        InspectionEvent.Endpoints text = new InspectionEvent.Endpoints("10.0.0.1", 40000, "192.0.2.1", 53, "udp");
        assertEquals(text, late);
        assertEquals(late, text);
        assertEquals(text.hashCode(), late.hashCode());
        assertEquals(text.toString(), late.toString());
        assertEquals("10.0.0.1", late.srcIp());
        assertSame(late.srcIp(), late.srcIp(), "spelt once");
        assertEquals("192.0.2.1", late.dstIp());
        assertNotEquals(text, new InspectionEvent.Endpoints("10.0.0.1", 40000, "192.0.2.1", 53, "tcp"));
        assertNotEquals(text, new InspectionEvent.Endpoints("10.0.0.1", 40001, "192.0.2.1", 53, "udp"));
    }

    @Test
    void ipv6EndpointsAreSpeltAsFlowRecordsSpellThem() {
        InspectionEvent.Endpoints late = InspectionEvent.Endpoints.of(6, 0x2001_0DB8_0000_0000L, 1, 443,
                0xFE80_0000_0000_0000L, 0x0000_0000_C000_0201L, 50000, "quic");
        assertEquals("2001:db8::1", late.srcIp());
        assertEquals("fe80::c000:201", late.dstIp());
        assertEquals(443, late.srcPort());
        assertEquals(50000, late.dstPort());
        assertEquals("quic", late.transport());
    }
}
