package io.netwatch.agent.decode;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.IpAddressFormat;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PacketDecoderTest {
    private final PacketDecoder decoder = new PacketDecoder();

    @Test
    void decodesEthernetIpv4Tcp() {
        byte[] f = ethernetIpv4Tcp(ipv4(10, 0, 0, 1), 40000, ipv4(10, 0, 0, 2), 80, 0x02, 5);
        DecodedPacket p = decoder.decode(buffer(f), LinkType.ETHERNET);
        assertTrue(p.ok(), p.error.label());
        assertEquals(4, p.ipVersion);
        assertEquals("10.0.0.1", IpAddressFormat.format(4, p.srcHi, p.srcLo));
        assertEquals("10.0.0.2", IpAddressFormat.format(4, p.dstHi, p.dstLo));
        assertEquals(6, p.protocol);
        assertEquals(40000, p.srcPort);
        assertEquals(80, p.dstPort);
        assertEquals(0x02, p.tcpFlags);
        assertEquals(5, p.payloadLength);
        assertEquals(14 + 20 + 20, p.payloadOffset);
    }

    @Test
    void stackedVlanTagsAreKeptOutermostFirst() {
        byte[] f = ethernet(0x0800, ipv4Packet(ipv4(1, 1, 1, 1), ipv4(2, 2, 2, 2), 17, udp(53, 5353, 0)), 100, 200, 300);
        DecodedPacket p = decoder.decode(buffer(f), LinkType.ETHERNET);
        assertTrue(p.ok());
        assertEquals(3, p.vlanCount);
        assertArrayEquals(new int[] {100, 200, 300}, Arrays.copyOf(p.vlanIds, 3));
        assertEquals(17, p.protocol);
    }

    @Test
    void tooManyVlanTagsIsANamedError() {
        int[] tags = new int[DecodedPacket.MAX_VLAN_TAGS + 1];
        Arrays.fill(tags, 7);
        byte[] f = ethernet(0x0800, ipv4Packet(ipv4(1, 1, 1, 1), ipv4(2, 2, 2, 2), 17, udp(1, 2, 0)), tags);
        assertEquals(DecodeError.TOO_MANY_VLAN_TAGS, decoder.decode(buffer(f), LinkType.ETHERNET).error);
    }

    @Test
    void ipv6WithHopByHopAndDestinationOptions() {
        byte[] udp = udp(1234, 53, 4);
        byte[] ext = new byte[16 + udp.length];
        ext[0] = 60; // hop-by-hop → destination options
        ext[1] = 0; // 8 bytes
        ext[8] = 17; // destination options → UDP
        ext[9] = 0;
        System.arraycopy(udp, 0, ext, 16, udp.length);
        byte[] f = ethernet(0x86DD, ipv6Packet(ipv6("20010db8000000000000000000000001"),
                ipv6("20010db8000000000000000000000002"), 0, ext));
        DecodedPacket p = decoder.decode(buffer(f), LinkType.ETHERNET);
        assertTrue(p.ok(), p.error.label());
        assertEquals(6, p.ipVersion);
        assertEquals(17, p.protocol);
        assertEquals(1234, p.srcPort);
        assertEquals("2001:db8::1", IpAddressFormat.format(6, p.srcHi, p.srcLo));
    }

    @Test
    void nonFirstFragmentsAreCountedNotKeyed() {
        byte[] ip = ipv4Packet(ipv4(1, 1, 1, 1), ipv4(2, 2, 2, 2), 17, udp(1, 2, 8));
        ip[6] = 0x00;
        ip[7] = 0x10; // offset 16 * 8 bytes
        assertEquals(DecodeError.UNREASSEMBLED_FRAGMENT, decoder.decode(buffer(ip), LinkType.RAW).error);
    }

    @Test
    void linuxCookedV1AndV2AndRawAndNull() {
        byte[] ip = ipv4Packet(ipv4(192, 168, 1, 1), ipv4(192, 168, 1, 2), 6, tcp(1, 2, 0x10, 0));
        byte[] sll = new byte[16 + ip.length];
        sll[14] = 0x08;
        System.arraycopy(ip, 0, sll, 16, ip.length);
        assertTrue(decoder.decode(buffer(sll), LinkType.LINUX_SLL).ok());
        byte[] sll2 = new byte[20 + ip.length];
        sll2[0] = 0x08;
        System.arraycopy(ip, 0, sll2, 20, ip.length);
        assertTrue(decoder.decode(buffer(sll2), LinkType.LINUX_SLL2).ok());
        assertTrue(decoder.decode(buffer(ip), LinkType.RAW).ok());
        assertTrue(decoder.decode(buffer(ip), LinkType.IPV4).ok());
        byte[] nullLe = new byte[4 + ip.length];
        nullLe[0] = 2; // AF_INET, little-endian host
        System.arraycopy(ip, 0, nullLe, 4, ip.length);
        assertTrue(decoder.decode(buffer(nullLe), LinkType.NULL).ok());
        byte[] nullBe = nullLe.clone();
        nullBe[0] = 0;
        nullBe[3] = 2;
        assertTrue(decoder.decode(buffer(nullBe), LinkType.NULL).ok());
    }

    @Test
    void arpIsNotIpAndUnknownLinkTypeIsNamed() {
        byte[] arp = ethernet(0x0806, new byte[28]);
        assertEquals(DecodeError.NOT_IP, decoder.decode(buffer(arp), LinkType.ETHERNET).error);
        assertEquals(DecodeError.UNSUPPORTED_LINK_TYPE, decoder.decode(buffer(arp), 147).error);
    }

    @Test
    void badHeadersAreNamedErrors() {
        byte[] ip = ipv4Packet(ipv4(1, 1, 1, 1), ipv4(2, 2, 2, 2), 6, tcp(1, 2, 0x02, 0));
        byte[] badIhl = ip.clone();
        badIhl[0] = 0x44;
        assertEquals(DecodeError.BAD_IPV4_HEADER_LENGTH, decoder.decode(buffer(badIhl), LinkType.RAW).error);
        byte[] badTotal = ip.clone();
        badTotal[2] = 0;
        badTotal[3] = 10;
        assertEquals(DecodeError.BAD_IP_TOTAL_LENGTH, decoder.decode(buffer(badTotal), LinkType.RAW).error);
        byte[] badTcp = ip.clone();
        badTcp[20 + 12] = 0x10; // data offset 1 word
        assertEquals(DecodeError.BAD_TCP_HEADER_LENGTH, decoder.decode(buffer(badTcp), LinkType.RAW).error);
        byte[] badVersion = ip.clone();
        badVersion[0] = 0x55;
        assertEquals(DecodeError.BAD_IP_VERSION, decoder.decode(buffer(badVersion), LinkType.RAW).error);
    }

    @Test
    void truncationAtEveryLengthNeverThrowsAndIsNamed() {
        byte[] f = ethernetIpv4Tcp(ipv4(10, 0, 0, 1), 1, ipv4(10, 0, 0, 2), 2, 0x02, 0);
        for (int len = 0; len < f.length; len++) {
            DecodedPacket p = decoder.decode(ByteBuffer.wrap(f, 0, len).slice(), LinkType.ETHERNET);
            assertFalse(p.ok(), "a frame cut at " + len + " bytes cannot be complete");
            assertNotEquals(DecodeError.NONE, p.error);
        }
    }

    @Test
    void capturedShortOfTheIpLengthIsDecodedAsFarAsItGoes() {
        byte[] f = ethernetIpv4Tcp(ipv4(10, 0, 0, 1), 1, ipv4(10, 0, 0, 2), 2, 0x18, 1000);
        DecodedPacket p = decoder.decode(ByteBuffer.wrap(f, 0, 14 + 20 + 20 + 10).slice(), LinkType.ETHERNET);
        assertTrue(p.ok());
        assertTrue(p.truncated);
        assertEquals(10, p.payloadLength);
    }

    @Test
    void randomBytesNeverThrow() {
        Random r = new Random(42);
        int[] links = {LinkType.ETHERNET, LinkType.RAW, LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.NULL, LinkType.IPV6};
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[r.nextInt(120)];
            r.nextBytes(b);
            if (b.length > 0 && r.nextBoolean()) {
                b[0] = (byte) (r.nextBoolean() ? 0x45 : 0x60);
            }
            decoder.decode(ByteBuffer.wrap(b), links[i % links.length]);
        }
    }
}
