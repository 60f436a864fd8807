package io.netwatch.agent.decode;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.IpAddressFormat;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PacketDecoderTest {
    private final PacketDecoder decoder = new PacketDecoder();

    @Test
    void decodesEthernetIpv4Tcp() {
        byte[] f = ethernetIpv4Tcp(ipv4(10, 0, 0, 1), 40000, ipv4(10, 0, 0, 2), 80, 0x02, 5);
        DecodedPacket d = decoder.decode(buffer(f), LinkType.ETHERNET);
        assertTrue(d.ok(), d.error.label());
        assertEquals(1, d.layerCount);
        IpLayer p = d.outer();
        assertEquals(4, p.ipVersion);
        assertEquals("10.0.0.1", IpAddressFormat.format(4, p.srcHi, p.srcLo));
        assertEquals("10.0.0.2", IpAddressFormat.format(4, p.dstHi, p.dstLo));
        assertEquals(6, p.protocol);
        assertEquals(40000, p.srcPort);
        assertEquals(80, p.dstPort);
        assertEquals(0x02, p.tcpFlags);
        assertEquals(1, p.tcpSeq);
        assertEquals(5, p.payloadLength);
        assertEquals(14 + 20 + 20, p.payloadOffset);
        assertTrue(p.flowable());
        assertEquals(0, p.depth);
    }

    @Test
    void stackedVlanTagsAreKeptOutermostFirst() {
        byte[] f = ethernet(0x0800, ipv4Packet(ipv4(1, 1, 1, 1), ipv4(2, 2, 2, 2), 17, udp(53, 5353, 0)), 100, 200, 300);
        DecodedPacket p = decoder.decode(buffer(f), LinkType.ETHERNET);
        assertTrue(p.ok());
        assertEquals(3, p.vlanCount);
        assertArrayEquals(new int[] {100, 200, 300}, Arrays.copyOf(p.vlanIds, 3));
        assertEquals(17, p.outer().protocol);
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
        DecodedPacket d = decoder.decode(buffer(f), LinkType.ETHERNET);
        assertTrue(d.ok(), d.error.label());
        IpLayer p = d.outer();
        assertEquals(6, p.ipVersion);
        assertEquals(17, p.protocol);
        assertEquals(1234, p.srcPort);
        assertEquals("2001:db8::1", IpAddressFormat.format(6, p.srcHi, p.srcLo));
    }

    @Test
    void fragmentsAreMarkedAndTheirTransportHeaderIsLeftForReassembly() {
        byte[] first = ipv4Packet(ipv4(1, 1, 1, 1), ipv4(2, 2, 2, 2), 17, udp(1, 2, 8));
        first[4] = 0x12;
        first[5] = 0x34; // id
        first[6] = 0x20; // MF, offset 0
        first[7] = 0;
        DecodedPacket d = decoder.decode(buffer(first), LinkType.RAW);
        assertTrue(d.ok());
        IpLayer l = d.outer();
        assertTrue(l.fragment && l.moreFragments && !l.transport && !l.flowable());
        assertEquals(0x1234, l.fragmentId);
        assertEquals(16, l.fragmentLength);
        assertEquals(20, l.payloadOffset, "the fragment's data starts after the IP header");

        byte[] later = first.clone();
        later[6] = 0x00;
        later[7] = 0x02; // offset 2 * 8 bytes, last fragment
        d = decoder.decode(buffer(later), LinkType.RAW);
        assertTrue(d.ok());
        l = d.outer();
        assertTrue(l.fragment && !l.moreFragments && !l.transport);
        assertEquals(16, l.fragmentOffset);
    }

    @Test
    void icmpErrorsAreMarkedSoTheyCreateNoFlow() {
        byte[] quoted = ipv4Packet(ipv4(2, 2, 2, 2), ipv4(1, 1, 1, 1), 17, udp(53, 1, 0));
        byte[] icmp = new byte[8 + quoted.length];
        icmp[0] = 3; // destination unreachable
        icmp[1] = 3;
        System.arraycopy(quoted, 0, icmp, 8, quoted.length);
        DecodedPacket d = decoder.decode(buffer(ipv4Packet(ipv4(1, 1, 1, 1), ipv4(2, 2, 2, 2), 1, icmp)), LinkType.RAW);
        assertTrue(d.outer().icmpError);
        assertFalse(d.outer().flowable());
        assertEquals(1, d.layerCount, "the quoted header is not decoded as a layer");
        DecodedPacket echo = decoder.decode(buffer(ipv4Packet(ipv4(1, 1, 1, 1), ipv4(2, 2, 2, 2), 1, icmp(8, 0))),
                LinkType.RAW);
        assertTrue(echo.outer().flowable());
    }

    private static byte[] vxlan(int vni, byte[] innerEthernet) {
        byte[] v = new byte[8 + innerEthernet.length];
        v[0] = 0x08;
        v[4] = (byte) (vni >> 16);
        v[5] = (byte) (vni >> 8);
        v[6] = (byte) vni;
        System.arraycopy(innerEthernet, 0, v, 8, innerEthernet.length);
        return v;
    }

    private static byte[] udpWith(int sport, int dport, byte[] payload) {
        byte[] u = udp(sport, dport, payload.length);
        System.arraycopy(payload, 0, u, 8, payload.length);
        return u;
    }

    @Test
    void vxlanGivesAnOuterAndAnInnerLayer() {
        byte[] inner = ethernetIpv4Tcp(ipv4(172, 16, 0, 1), 5555, ipv4(172, 16, 0, 2), 80, 0x02, 0);
        for (int port : new int[] {4789, 8472}) {
            byte[] f = ethernet(0x0800, ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 17,
                    udpWith(40000, port, vxlan(42, inner))));
            DecodedPacket d = decoder.decode(buffer(f), LinkType.ETHERNET);
            assertTrue(d.ok(), d.error.label());
            assertEquals(2, d.layerCount);
            assertEquals(port, d.outer().dstPort);
            IpLayer in = d.inner();
            assertEquals(1, in.depth);
            assertEquals(IpLayer.TUNNEL_VXLAN, in.tunnelType);
            assertEquals(42, in.vni);
            assertEquals(80, in.dstPort);
            assertNotEquals(0, in.tunnelContext);
        }
    }

    /** A live decoder on a node whose only address is 10.0.0.1 (and fd00::1). */
    private static PacketDecoder onNode() {
        LocalAddresses node = new NodeAddresses(() -> List.of(java.net.InetAddress.getByName("10.0.0.1"),
                java.net.InetAddress.getByName("fd00::1"))).refresh();
        return new PacketDecoder(TunnelPorts.defaults(), node);
    }

    @Test
    void liveATunnelIsReadOnlyToOrFromThisNode() {
        byte[] inner = ethernetIpv4Tcp(ipv4(172, 16, 0, 1), 5555, ipv4(172, 16, 0, 2), 80, 0x02, 0);
        PacketDecoder live = onNode();
        for (byte[][] ends : new byte[][][] {{ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2)},
                {ipv4(10, 0, 0, 2), ipv4(10, 0, 0, 1)}}) {
            byte[] f = ethernet(0x0800, ipv4Packet(ends[0], ends[1], 17, udpWith(40000, 4789, vxlan(42, inner))));
            DecodedPacket d = live.decode(buffer(f), LinkType.ETHERNET);
            assertEquals(2, d.layerCount, "sent by the node or to it: its underlay");
            assertEquals(0, d.tunnelsNotLocal);
        }
        // Between two other addresses (a pod's datagram): plain UDP, no error, counted.
        byte[] f = ethernet(0x0800, ipv4Packet(ipv4(10, 244, 1, 7), ipv4(10, 0, 0, 2), 17,
                udpWith(40000, 4789, vxlan(42, inner))));
        DecodedPacket d = live.decode(buffer(f), LinkType.ETHERNET);
        assertTrue(d.ok(), d.error.label());
        assertEquals(1, d.layerCount);
        assertEquals(1, d.tunnelsNotLocal);
        assertEquals(2, decoder.decode(buffer(f), LinkType.ETHERNET).layerCount, "a file's: read");
        // IPv6 underlay, Geneve: the same.
        byte[] g = new byte[8 + inner.length];
        g[2] = 0x65; // transparent Ethernet
        g[3] = 0x58;
        System.arraycopy(inner, 0, g, 8, inner.length);
        byte[] geneve = udpWith(40000, 6081, g);
        assertEquals(2, live.decode(buffer(ethernet(0x86DD, ipv6Packet(ipv6("fd000000000000000000000000000001"),
                ipv6("fd000000000000000000000000000002"), 17, geneve))), LinkType.ETHERNET).layerCount);
        d = live.decode(buffer(ethernet(0x86DD, ipv6Packet(ipv6("fd000000000000000000000000000003"),
                ipv6("fd000000000000000000000000000002"), 17, geneve))), LinkType.ETHERNET);
        assertEquals(1, d.layerCount);
        assertEquals(1, d.tunnelsNotLocal);
    }

    @Test
    void livePodsTunnelCarriedInTheNodesOverlayIsNotRead() {
        // Pod 172.16.0.1 sends a VXLAN datagram to pod 172.16.0.2's port 4789; the real overlay
        // carries it from the node. Its inner SYN "from" 192.0.2.7 stays unread.
        byte[] forged = ethernetIpv4Tcp(ipv4(192, 0, 2, 7), 5555, ipv4(172, 16, 0, 9), 22, 0x02, 0);
        byte[] podDatagram = ethernet(0x0800, ipv4Packet(ipv4(172, 16, 0, 1), ipv4(172, 16, 0, 2), 17,
                udpWith(33333, 4789, vxlan(7, forged))));
        byte[] f = ethernet(0x0800, ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 17,
                udpWith(40000, 4789, vxlan(42, podDatagram))));
        DecodedPacket d = onNode().decode(buffer(f), LinkType.ETHERNET);
        assertTrue(d.ok(), d.error.label());
        assertEquals(2, d.layerCount, "the node's tunnel and the pods' datagram, not what it holds");
        assertEquals(4789, d.inner().dstPort);
        assertEquals(1, d.tunnelsNotLocal);
    }

    @Test
    void vxlanAndGeneveAreReadOnTheConfiguredPortsOnly() {
        byte[] inner = ethernetIpv4Tcp(ipv4(172, 16, 0, 1), 5555, ipv4(172, 16, 0, 2), 80, 0x02, 0);
        PacketDecoder moved = new PacketDecoder(new TunnelPorts(List.of(4790), List.of(6090)));
        byte[] onMoved = ethernet(0x0800, ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 17,
                udpWith(40000, 4790, vxlan(42, inner))));
        DecodedPacket d = moved.decode(buffer(onMoved), LinkType.ETHERNET);
        assertTrue(d.ok(), d.error.label());
        assertEquals(2, d.layerCount);
        assertEquals(IpLayer.TUNNEL_VXLAN, d.inner().tunnelType);
        assertEquals(80, d.inner().dstPort);
        // The reply, from the tunnel port: the destination port is the other end's hash.
        byte[] back = ethernet(0x0800, ipv4Packet(ipv4(10, 0, 0, 2), ipv4(10, 0, 0, 1), 17,
                udpWith(4790, 40000, vxlan(42, inner))));
        assertEquals(2, moved.decode(buffer(back), LinkType.ETHERNET).layerCount);

        // Where VXLAN is not configured, it is plain UDP: one layer, no error.
        d = decoder.decode(buffer(onMoved), LinkType.ETHERNET);
        assertTrue(d.ok(), d.error.label());
        assertEquals(1, d.layerCount);
        assertEquals(4790, d.outer().dstPort);
        byte[] onDefault = ethernet(0x0800, ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 17,
                udpWith(40000, 4789, vxlan(42, inner))));
        d = moved.decode(buffer(onDefault), LinkType.ETHERNET);
        assertTrue(d.ok(), d.error.label());
        assertEquals(1, d.layerCount, "4789 is not VXLAN once the ports are moved");

        byte[] innerIp = ipv4Packet(ipv4(192, 168, 0, 1), ipv4(192, 168, 0, 2), 6, tcp(1234, 8080, 0x02, 0));
        byte[] g = new byte[8 + innerIp.length];
        g[2] = 0x08; // IPv4
        System.arraycopy(innerIp, 0, g, 8, innerIp.length);
        d = moved.decode(buffer(ethernet(0x0800, ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 17,
                udpWith(50000, 6090, g)))), LinkType.ETHERNET);
        assertEquals(2, d.layerCount);
        assertEquals(IpLayer.TUNNEL_GENEVE, d.inner().tunnelType);
        assertEquals(1, moved.decode(buffer(ethernet(0x0800, ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 17,
                udpWith(50000, 6081, g)))), LinkType.ETHERNET).layerCount);
    }

    @Test
    void tunnelPortsAreRefusedOutOfRangeOrTwice() {
        var none = List.<Integer>of();
        assertEquals("tunnel port 0 is out of range (1 to 65535)", assertThrows(IllegalArgumentException.class,
                () -> new TunnelPorts(List.of(0), none)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TunnelPorts(none, List.of(65536)));
        assertThrows(IllegalArgumentException.class, () -> new TunnelPorts(List.of(4789, 4789), none));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new TunnelPorts(List.of(6081), List.of(6081))).getMessage()
                .contains("listed twice"));
        // No tunnel port at all is allowed: every UDP packet is then plain UDP.
        byte[] inner = ethernetIpv4Tcp(ipv4(172, 16, 0, 1), 5555, ipv4(172, 16, 0, 2), 80, 0x02, 0);
        byte[] f = ethernet(0x0800, ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 17,
                udpWith(40000, 4789, vxlan(42, inner))));
        assertEquals(1, new PacketDecoder(new TunnelPorts(none, none)).decode(buffer(f), LinkType.ETHERNET).layerCount);
    }

    @Test
    void geneveWithOptionsAndWithoutInnerEthernet() {
        byte[] innerIp = ipv4Packet(ipv4(192, 168, 0, 1), ipv4(192, 168, 0, 2), 6, tcp(1234, 8080, 0x02, 0));
        byte[] g = new byte[8 + 8 + innerIp.length];
        g[0] = 2; // 2 words of options
        g[2] = 0x08;
        g[3] = 0x00; // IPv4 directly
        g[6] = 7; // VNI 7
        System.arraycopy(innerIp, 0, g, 16, innerIp.length);
        byte[] f = ethernet(0x0800, ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 17, udpWith(50000, 6081, g)));
        DecodedPacket d = decoder.decode(buffer(f), LinkType.ETHERNET);
        assertTrue(d.ok(), d.error.label());
        assertEquals(2, d.layerCount);
        assertEquals(IpLayer.TUNNEL_GENEVE, d.inner().tunnelType);
        assertEquals(7, d.inner().vni);
        assertEquals(8080, d.inner().dstPort);
    }

    @Test
    void greWithKeyAndIpInIp() {
        byte[] innerIp = ipv4Packet(ipv4(192, 168, 0, 1), ipv4(192, 168, 0, 2), 17, udp(1, 53, 0));
        byte[] gre = new byte[8 + innerIp.length];
        gre[0] = 0x20; // K
        gre[2] = 0x08; // IPv4
        gre[7] = 99; // key
        System.arraycopy(innerIp, 0, gre, 8, innerIp.length);
        DecodedPacket d = decoder.decode(buffer(ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 47, gre)), LinkType.RAW);
        assertTrue(d.ok(), d.error.label());
        assertEquals(2, d.layerCount);
        assertEquals(IpLayer.TUNNEL_GRE, d.inner().tunnelType);
        assertEquals(99, d.inner().vni);
        assertEquals(53, d.inner().dstPort);

        d = decoder.decode(buffer(ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 4, innerIp)), LinkType.RAW);
        assertEquals(2, d.layerCount);
        assertEquals(IpLayer.TUNNEL_IPIP, d.inner().tunnelType);
        assertEquals(53, d.inner().dstPort);
    }

    /**
     * A pod with {@code CAP_NET_RAW} (a container runtime's default) can send GRE or IP-in-IP
     * holding a SYN "from" any address, as any pod can send VXLAN: live, only the node's own
     * underlay is read, and a pod's packet masqueraded to the node's address is known by its
     * first copy.
     */
    @Test
    void liveGreAndIpInIpAreReadOnlyToOrFromThisNode() {
        byte[] innerIp = ipv4Packet(ipv4(192, 0, 2, 7), ipv4(172, 16, 0, 9), 6, tcp(5555, 22, 0x02, 0));
        byte[] gre = new byte[4 + innerIp.length];
        gre[2] = 0x08; // IPv4
        System.arraycopy(innerIp, 0, gre, 4, innerIp.length);
        PacketDecoder live = onNode();
        for (int[] kind : new int[][] {{47, IpLayer.TUNNEL_GRE}, {4, IpLayer.TUNNEL_IPIP}}) {
            byte[] payload = kind[0] == 47 ? gre : innerIp;
            for (byte[][] ends : new byte[][][] {{ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2)},
                    {ipv4(10, 0, 0, 2), ipv4(10, 0, 0, 1)}}) {
                DecodedPacket d = live.decode(buffer(ipv4Packet(ends[0], ends[1], kind[0], payload)), LinkType.RAW);
                assertEquals(2, d.layerCount, "sent by the node or to it: its underlay");
                assertEquals(kind[1], d.inner().tunnelType);
                assertEquals(0, d.tunnelsNotLocal);
            }
            // A pod's packet to another node: its addresses only, no error, counted.
            byte[] fromPod = ipv4Packet(ipv4(10, 244, 1, 7), ipv4(10, 0, 0, 2), kind[0], payload);
            DecodedPacket d = live.decode(buffer(fromPod), LinkType.RAW);
            assertTrue(d.ok(), d.error.label());
            assertEquals(1, d.layerCount);
            assertEquals(kind[0], d.outer().protocol);
            assertEquals(1, d.tunnelsNotLocal);
            assertEquals(2, decoder.decode(buffer(fromPod), LinkType.RAW).layerCount, "a file's: read");
            // The same packet masqueraded on its way out: the node's address, the pod's packet.
            byte[] masqueraded = fromPod.clone();
            System.arraycopy(ipv4(10, 0, 0, 1), 0, masqueraded, 12, 4);
            d = live.decode(buffer(masqueraded), LinkType.RAW);
            assertEquals(1, d.layerCount);
            assertEquals(1, d.tunnelsNotLocal);
        }
    }

    /**
     * RFC 1701 routing: with R set, checksum and offset words come first, then Source Route
     * Entries up to a NULL one, then the payload. Here the one SRE (address family 0x4500,
     * offset 0, 28 bytes of routing information) is laid out so that, read from where the
     * payload of a GRE header without routing would start, it is a decoy IPv4/UDP packet to
     * port 4444; the real payload after the NULL SRE goes to port 53. Linux drops GRE with R
     * set, so neither is delivered: no inner layer, a named error, and the outer flow counts.
     */
    @Test
    void greWithTheRoutingBitIsNotFollowedAndTheOuterLayerCounts() {
        byte[] decoy = ipv4Packet(ipv4(6, 6, 6, 6), ipv4(7, 7, 7, 7), 17, udp(1, 4444, 0));
        byte[] innerIp = ipv4Packet(ipv4(192, 168, 0, 1), ipv4(192, 168, 0, 2), 17, udp(1, 53, 0));
        ByteBuffer gre = ByteBuffer.allocate(4 + 4 + 4 + 28 + 4 + innerIp.length);
        gre.putShort((short) 0x4000).putShort((short) 0x0800); // R, IPv4
        gre.putInt(0); // checksum and offset: present when C or R is set
        gre.put(decoy).put(new byte[4 + 28 - decoy.length]); // the SRE's header is the decoy's first 4 bytes
        gre.putInt(0); // NULL SRE: address family 0, length 0
        gre.put(innerIp);
        byte[] outer = ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 47, gre.array());

        DecodedPacket d = decoder.decode(buffer(outer), LinkType.RAW);
        assertEquals(DecodeError.UNSUPPORTED_TUNNEL, d.error);
        assertEquals(1, d.layerCount, "neither the decoy nor the routed payload is an inner layer");
        assertTrue(d.outer().flowable());
        assertEquals(47, d.outer().protocol);
    }

    @Test
    void greBitsLinuxIgnoresStillGiveTheInnerLayer() {
        // Strict source route (0x0800), recursion control (0x0700) and the reserved flags
        // (0x00F8) add no field and Linux delivers such packets: refusing them would hide
        // the inner traffic that really flows.
        byte[] innerIp = ipv4Packet(ipv4(192, 168, 0, 1), ipv4(192, 168, 0, 2), 17, udp(1, 53, 0));
        byte[] gre = new byte[4 + innerIp.length];
        gre[0] = 0x0F; // s, recursion 7
        gre[1] = (byte) 0xF8; // reserved flags, version 0
        gre[2] = 0x08; // IPv4
        System.arraycopy(innerIp, 0, gre, 4, innerIp.length);
        DecodedPacket d = decoder.decode(buffer(ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 47, gre)), LinkType.RAW);
        assertTrue(d.ok(), d.error.label());
        assertEquals(2, d.layerCount);
        assertEquals(53, d.inner().dstPort);

        gre[1] = 1; // version 1: PPTP's enhanced GRE
        d = decoder.decode(buffer(ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 47, gre)), LinkType.RAW);
        assertEquals(DecodeError.UNSUPPORTED_TUNNEL, d.error);
        assertEquals(1, d.layerCount);
        assertTrue(d.outer().flowable());
    }

    @Test
    void tunnelsNestedPastTheLimitStopThereAndTheOuterLayersStillCount() {
        byte[] ip = ipv4Packet(ipv4(1, 1, 1, 1), ipv4(2, 2, 2, 2), 17, udp(1, 53, 0));
        for (int i = 0; i < DecodedPacket.MAX_LAYERS + 2; i++) {
            ip = ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 4, ip);
        }
        DecodedPacket d = decoder.decode(buffer(ip), LinkType.RAW);
        assertEquals(DecodeError.TOO_MANY_TUNNELS, d.error);
        assertEquals(DecodedPacket.MAX_LAYERS, d.layerCount);
    }

    @Test
    void aMalformedInnerPacketKeepsTheOuterLayer() {
        byte[] f = ethernet(0x0800, ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 17,
                udpWith(40000, 4789, vxlan(1, new byte[10]))));
        DecodedPacket d = decoder.decode(buffer(f), LinkType.ETHERNET);
        assertEquals(DecodeError.TRUNCATED_TUNNEL_HEADER, d.error);
        assertEquals(1, d.layerCount);
        assertTrue(d.outer().flowable());
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
            assertFalse(p.ok(), "a frame cut at " + len + " bytes has no whole TCP header");
            assertTrue(p.layerCount == 0 || !p.outer().transport);
        }
    }

    @Test
    void capturedShortOfTheIpLengthIsDecodedAsFarAsItGoes() {
        byte[] f = ethernetIpv4Tcp(ipv4(10, 0, 0, 1), 1, ipv4(10, 0, 0, 2), 2, 0x18, 1000);
        DecodedPacket p = decoder.decode(ByteBuffer.wrap(f, 0, 14 + 20 + 20 + 10).slice(), LinkType.ETHERNET);
        assertTrue(p.ok());
        assertTrue(p.truncated);
        assertEquals(10, p.outer().payloadLength);
    }

    @Test
    void tcpOptionsCutByTheCaptureStillCount() {
        // As in zeek-tcp-truncated-header: 20 bytes of a 40-byte TCP header were captured.
        byte[] f = ethernetIpv4Tcp(ipv4(10, 0, 0, 1), 1111, ipv4(10, 0, 0, 2), 25, 0x18, 100);
        f[14 + 20 + 12] = (byte) 0xA0; // data offset 10 words
        DecodedPacket p = decoder.decode(ByteBuffer.wrap(f, 0, 14 + 20 + 20).slice(), LinkType.ETHERNET);
        assertTrue(p.ok(), p.error.label());
        assertTrue(p.truncated);
        assertEquals(1111, p.outer().srcPort);
        assertEquals(0x18, p.outer().tcpFlags);
        DecodedPacket cut = decoder.decode(ByteBuffer.wrap(f, 0, 14 + 20 + 8).slice(), LinkType.ETHERNET);
        assertEquals(DecodeError.TRUNCATED_TRANSPORT_HEADER, cut.error, "a cut fixed header is not counted, as in tshark");
    }

    /** IPv6 UDP packet with a fragment header (offset in bytes, M flag) in front of the UDP header. */
    private static byte[] ipv6WithFragmentHeader(int offset, boolean more, int id) {
        return ipv6UdpFragment(ipv6("20010db8000000000000000000000001"), ipv6("20010db8000000000000000000000002"), id,
                offset, more, udp(4000, 53, 4));
    }

    @Test
    void anIpv6AtomicFragmentIsDecodedAsAnUnfragmentedPacket() {
        // RFC 6946: offset 0 and M = 0 is a whole datagram; it must not wait for (or join) a reassembly.
        DecodedPacket d = decoder.decode(buffer(ipv6WithFragmentHeader(0, false, 7)), LinkType.ETHERNET);
        assertTrue(d.ok(), d.error.label());
        IpLayer l = d.outer();
        assertFalse(l.fragment);
        assertEquals(17, l.protocol);
        assertEquals(4000, l.srcPort);
        assertEquals(53, l.dstPort);
        assertEquals(4, l.payloadLength);
        assertTrue(l.flowable());
    }

    @Test
    void anIpv6FirstFragmentIsStillAFragment() {
        DecodedPacket d = decoder.decode(buffer(ipv6WithFragmentHeader(0, true, 7)), LinkType.ETHERNET);
        assertTrue(d.ok(), d.error.label());
        assertTrue(d.outer().fragment);
        assertFalse(d.outer().flowable());
        d = decoder.decode(buffer(ipv6WithFragmentHeader(8, false, 7)), LinkType.ETHERNET);
        assertTrue(d.outer().fragment, "a last fragment (offset > 0, M = 0) is a fragment");
    }
}
