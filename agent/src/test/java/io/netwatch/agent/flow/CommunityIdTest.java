package io.netwatch.agent.flow;

import static io.netwatch.agent.Frames.ipv4;
import static io.netwatch.agent.Frames.ipv6;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Expected values are what tshark 4.0.17 ({@code --enable-protocol communityid}) computed for
 * these conversations in samples/demo.pcap and the shared corpus.
 */
class CommunityIdTest {
    private final CommunityId id = new CommunityId(0);

    @Test
    void tcpAndUdpOverIpv4InEitherDirection() {
        assertEquals("1:UzCgBxCU2wg4GItzQccIR4soSHw=", id.compute(ipv4(10, 99, 0, 10), 53752, ipv4(10, 99, 0, 20), 443, 6));
        assertEquals("1:UzCgBxCU2wg4GItzQccIR4soSHw=", id.compute(ipv4(10, 99, 0, 20), 443, ipv4(10, 99, 0, 10), 53752, 6));
        assertEquals("1:QdNm8EtTWahOjsyN/EB4Cz77vuE=", id.compute(ipv4(10, 99, 0, 10), 54172, ipv4(10, 99, 0, 53), 53, 17));
    }

    @Test
    void icmpEchoPairsRequestAndReply() {
        assertEquals("1:o1Oc3PgTaKvR3ORk0Xco8fGH18w=", id.compute(ipv4(10, 99, 0, 10), 8, ipv4(10, 99, 0, 20), 0, 1));
        assertEquals("1:o1Oc3PgTaKvR3ORk0Xco8fGH18w=", id.compute(ipv4(10, 99, 0, 20), 0, ipv4(10, 99, 0, 10), 0, 1));
    }

    @Test
    void tcpAndUdpOverIpv6() {
        assertEquals("1:1FSzoKTN3kdS1kVgew4uLcB0OVI=", id.compute(ipv6("20010db8000000000000000000000001"), 12345,
                ipv6("262000fe000000000000000000000009"), 53, 17));
        assertEquals("1:sWDR1T34CEKcmYiM7vVZG2Jabyo=", id.compute(ipv6("fd990000000000000000000000000020"), 80,
                ipv6("fd990000000000000000000000000010"), 43768, 6));
    }
}
