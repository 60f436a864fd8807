package io.netwatch.agent.flow;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.decode.PacketDecoder;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.FlowEndReason;
import io.netwatch.proto.flow.v1.TcpState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FlowTableTest {
    private static final long SECOND = 1_000_000_000L;
    private static final byte[] CLIENT = ipv4(10, 0, 0, 1);
    private static final byte[] SERVER = ipv4(10, 0, 0, 2);

    private final List<Flow> out = new ArrayList<>();
    private final PacketDecoder decoder = new PacketDecoder();

    private FlowTable table(FlowTableConfig config) {
        return new FlowTable(config, out::add, "node-a", List.of("eth0"), 1L << 32);
    }

    private void tcp(FlowTable t, long at, byte[] src, int sport, byte[] dst, int dport, int flags, int payload) {
        tcpSeq(t, at, src, sport, dst, dport, flags, 1, payload);
    }

    private void tcpSeq(FlowTable t, long at, byte[] src, int sport, byte[] dst, int dport, int flags, int seq,
                        int payload) {
        byte[] f = ethernetIpv4TcpSeq(src, sport, dst, dport, flags, seq, payload);
        t.update(decoder.decode(buffer(f), LinkType.ETHERNET), at, f.length, 0);
    }

    @Test
    void aHandshakeDataAndCloseMakeOneBidirectionalFlow() {
        FlowTable t = table(FlowTableConfig.defaults());
        tcp(t, 1 * SECOND, CLIENT, 40000, SERVER, 80, 0x02, 0);
        tcp(t, 1 * SECOND + 1, SERVER, 80, CLIENT, 40000, 0x12, 0);
        tcp(t, 1 * SECOND + 2, CLIENT, 40000, SERVER, 80, 0x10, 0);
        tcp(t, 1 * SECOND + 3, CLIENT, 40000, SERVER, 80, 0x18, 100);
        tcp(t, 1 * SECOND + 4, SERVER, 80, CLIENT, 40000, 0x18, 500);
        tcp(t, 1 * SECOND + 5, CLIENT, 40000, SERVER, 80, 0x11, 0);
        tcp(t, 1 * SECOND + 6, SERVER, 80, CLIENT, 40000, 0x11, 0);
        tcp(t, 1 * SECOND + 7, CLIENT, 40000, SERVER, 80, 0x10, 0);
        assertEquals(1, t.flowsActive());
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(1, out.size());
        Flow f = out.getFirst();
        assertEquals("10.0.0.1", f.getSource().getIp());
        assertEquals(40000, f.getSource().getPort());
        assertEquals("10.0.0.2", f.getDestination().getIp());
        assertEquals(80, f.getDestination().getPort());
        assertEquals(5, f.getToServer().getPackets());
        assertEquals(3, f.getToClient().getPackets());
        assertEquals(5 * 54 + 100, f.getToServer().getBytes());
        assertEquals(3 * 54 + 500, f.getToClient().getBytes());
        assertEquals(TcpState.TCP_STATE_CLOSED, f.getTcp().getState());
        assertEquals(0x1B, f.getTcp().getFlagsToServer());
        assertEquals(0x1B, f.getTcp().getFlagsToClient());
        assertEquals("node-a", f.getNodeName());
        assertEquals("eth0", f.getInterface());
        assertEquals(1 * SECOND, f.getFirstSeen().getSeconds() * SECOND + f.getFirstSeen().getNanos());
        assertEquals(1 * SECOND + 7, f.getLastSeen().getSeconds() * SECOND + f.getLastSeen().getNanos());
    }

    @Test
    void theSynSenderIsTheInitiatorEvenWhenTheSynAckIsSeenFirst() {
        FlowTable t = table(FlowTableConfig.defaults());
        tcp(t, SECOND, SERVER, 443, CLIENT, 50000, 0x12, 0);
        tcp(t, SECOND + 1, CLIENT, 50000, SERVER, 443, 0x10, 0);
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        Flow f = out.getFirst();
        assertEquals("10.0.0.1", f.getSource().getIp());
        assertEquals(443, f.getDestination().getPort());
        assertEquals(1, f.getToServer().getPackets());
        assertEquals(1, f.getToClient().getPackets());
    }

    @Test
    void aRetransmittedSynStaysInItsFlow() {
        FlowTable t = table(FlowTableConfig.defaults());
        tcpSeq(t, SECOND, CLIENT, 1234, SERVER, 80, 0x02, 5000, 0);
        tcpSeq(t, 2 * SECOND, CLIENT, 1234, SERVER, 80, 0x02, 5000, 0);
        tcpSeq(t, 3 * SECOND, CLIENT, 1234, SERVER, 80, 0x02, 5000, 0);
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(1, out.size());
        assertEquals(3, out.getFirst().getToServer().getPackets());
    }

    @Test
    void aSynWithANewSequenceNumberStartsANewFlowOnTheSameFiveTuple() {
        FlowTable t = table(FlowTableConfig.defaults());
        tcpSeq(t, SECOND, CLIENT, 1234, SERVER, 80, 0x02, 5000, 0);
        tcp(t, SECOND + 1, SERVER, 80, CLIENT, 1234, 0x14, 0);
        tcpSeq(t, 2 * SECOND, CLIENT, 1234, SERVER, 80, 0x02, 9000, 0);
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(2, out.size());
        assertEquals(TcpState.TCP_STATE_RESET, out.get(0).getTcp().getState());
        assertEquals(FlowEndReason.FLOW_END_REASON_END_OF_FLOW, out.get(0).getEndReason());
        assertEquals(TcpState.TCP_STATE_SYN_SENT, out.get(1).getTcp().getState());
        assertNotEquals(out.get(0).getFlowId(), out.get(1).getFlowId());
    }

    @Test
    void aSinkThatThrowsStopsTheFlushWithTheRestStillTrackedAndTheTableWhole() {
        List<Flow> kept = new ArrayList<>();
        int[] calls = {0};
        FlowTable t = new FlowTable(FlowTableConfig.defaults(), f -> {
            if (++calls[0] == 3) {
                throw new IllegalStateException("sink down");
            }
            kept.add(f);
        }, "node-a", List.of("eth0"), 1L << 32);
        for (int port = 1000; port < 1010; port++) {
            tcp(t, SECOND, CLIENT, port, SERVER, 80, 0x02, 0);
        }
        assertThrows(IllegalStateException.class, () -> t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE));
        assertEquals(2, kept.size());
        assertEquals(7, t.flowsActive(), "ten flows, two emitted, one lost to the sink");
        // The flows still tracked are found: their next packets count in them, not in new flows.
        for (int port = 1000; port < 1010; port++) {
            tcp(t, 2 * SECOND, SERVER, 80, CLIENT, port, 0x12, 0);
        }
        assertEquals(10, t.flowsActive(), "the three emitted ones start again; the seven others go on");
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(0, t.flowsActive());
        assertEquals(12, kept.size());
        assertEquals(7, kept.stream().filter(f -> f.getToServer().getPackets() == 1 && f.getToClient().getPackets() == 1)
                .count());
        // Emptied, the table takes new flows and finds them again.
        tcp(t, 3 * SECOND, CLIENT, 2000, SERVER, 80, 0x02, 0);
        tcp(t, 3 * SECOND + 1, SERVER, 80, CLIENT, 2000, 0x12, 0);
        assertEquals(1, t.flowsActive());
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(2, kept.getLast().getToServer().getPackets() + kept.getLast().getToClient().getPackets());
    }

    @Test
    void idleFlowsExpireByTheirStatesTimeoutInCaptureTime() {
        FlowTable t = table(FlowTableConfig.defaults());
        tcp(t, 0, CLIENT, 1, SERVER, 2, 0x02, 0); // SYN only: 30 s
        byte[] u = ethernet(0x0800, ipv4Packet(CLIENT, SERVER, 17, udp(5000, 53, 10)));
        t.update(decoder.decode(buffer(u), LinkType.ETHERNET), 0, u.length, 0); // UDP: 60 s
        t.expire(29 * SECOND);
        assertEquals(0, out.size());
        t.expire(31 * SECOND);
        assertEquals(1, out.size());
        assertEquals(6, out.getFirst().getIpProtocol());
        assertEquals(FlowEndReason.FLOW_END_REASON_IDLE_TIMEOUT, out.getFirst().getEndReason());
        t.expire(61 * SECOND);
        assertEquals(2, out.size());
        assertEquals(0, t.flowsActive());
    }

    /**
     * The SYN-ACK lost by the capture: the initiator's ACK and the data both ways show the
     * handshake completed (a SYN-SENT endpoint acknowledges nothing before it), so the flow
     * idles by the established timeout, not the handshake's 30 s, and is not cut in two.
     */
    @Test
    void aHandshakeWhoseSynAckWasNotSeenIsEstablishedByTheInitiatorsAck() {
        FlowTable t = table(FlowTableConfig.defaults());
        tcp(t, 0, CLIENT, 40000, SERVER, 80, 0x02, 0);
        tcp(t, 2, CLIENT, 40000, SERVER, 80, 0x10, 0);
        tcp(t, 3, CLIENT, 40000, SERVER, 80, 0x18, 100);
        tcp(t, 4, SERVER, 80, CLIENT, 40000, 0x18, 500);
        t.expire(31 * SECOND);
        assertEquals(List.of(), out, "idle 31 s: an established flow waits 5 min");
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(TcpState.TCP_STATE_ESTABLISHED, out.getFirst().getTcp().getState());
    }

    @Test
    void aLongFlowEmitsInterimRecordsWithCumulativeCounters() {
        FlowTableConfig c = new FlowTableConfig(100, Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofSeconds(10),
                Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(10));
        FlowTable t = table(c);
        for (int i = 0; i <= 25; i++) {
            byte[] u = ethernet(0x0800, ipv4Packet(CLIENT, SERVER, 17, udp(5000, 9999, 10)));
            t.update(decoder.decode(buffer(u), LinkType.ETHERNET), i * SECOND, u.length, 0);
        }
        assertEquals(2, out.size(), "interim records at 10 s and 20 s");
        assertTrue(out.get(0).getInterim());
        assertEquals(11, out.get(0).getToServer().getPackets());
        assertEquals(21, out.get(1).getToServer().getPackets());
        assertEquals(out.get(0).getFlowId(), out.get(1).getFlowId());
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertFalse(out.get(2).getInterim());
        assertEquals(26, out.get(2).getToServer().getPackets());
    }

    @Test
    void theTableIsBoundedAndEveryEvictionIsCountedAndEmitted() {
        FlowTable t = table(FlowTableConfig.defaults().withMaxFlows(1000));
        for (int i = 0; i < 50_000; i++) {
            tcp(t, SECOND, ipv4(10, (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF), 1000, SERVER, 80, 0x02, 0);
        }
        assertEquals(1000, t.flowsActive());
        assertEquals(49_000, t.flowsEvicted());
        assertEquals(49_000, out.size());
        assertTrue(out.stream().allMatch(f -> f.getEndReason() == FlowEndReason.FLOW_END_REASON_EVICTED));
        assertEquals(50_000, t.flowsCreated());
    }

    @Test
    void vlanIdsSeparateFlowsAndAreReportedOutermostFirst() {
        FlowTable t = table(FlowTableConfig.defaults());
        for (int vlan : new int[] {10, 20}) {
            byte[] f = ethernet(0x0800, ipv4Packet(CLIENT, SERVER, 17, udp(1, 2, 0)), vlan, 0);
            t.update(decoder.decode(buffer(f), LinkType.ETHERNET), SECOND, f.length, 0);
        }
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(2, out.size());
        assertEquals(List.of(10, 0), out.get(0).getVlanIdsList());
        assertEquals(List.of(20, 0), out.get(1).getVlanIdsList());
    }

    @Test
    void icmpEchoRequestAndReplyAreOneFlow() {
        FlowTable t = table(FlowTableConfig.defaults());
        byte[] req = ethernet(0x0800, ipv4Packet(CLIENT, SERVER, 1, icmp(8, 0)));
        byte[] rep = ethernet(0x0800, ipv4Packet(SERVER, CLIENT, 1, icmp(0, 0)));
        t.update(decoder.decode(buffer(req), LinkType.ETHERNET), SECOND, req.length, 0);
        t.update(decoder.decode(buffer(rep), LinkType.ETHERNET), SECOND + 1, rep.length, 0);
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(1, out.size());
        assertEquals(8, out.getFirst().getIcmp().getType());
        assertEquals(1, out.getFirst().getToClient().getPackets());
    }

    /** IPv4 fragments of one UDP datagram carrying {@code data} bytes after the UDP header. */
    private static List<byte[]> fragments(int id, int dataLength, int fragmentSize) {
        byte[] udp = udp(5000, 53, dataLength);
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < udp.length; off += fragmentSize) {
            int len = Math.min(fragmentSize, udp.length - off);
            byte[] part = java.util.Arrays.copyOfRange(udp, off, off + len);
            byte[] ip = ipv4Packet(CLIENT, SERVER, 17, part);
            ip[4] = (byte) (id >> 8);
            ip[5] = (byte) id;
            int field = off / 8 | (off + len < udp.length ? 0x2000 : 0);
            ip[6] = (byte) (field >> 8);
            ip[7] = (byte) field;
            out.add(ethernet(0x0800, ip));
        }
        return out;
    }

    private void send(FlowTable t, byte[] frame, long at) {
        t.update(decoder.decode(buffer(frame), LinkType.ETHERNET), buffer(frame), at, frame.length, 0);
    }

    @Test
    void everyFragmentCountsInItsFlowOnceTheDatagramIsWhole() {
        FlowTable t = table(FlowTableConfig.defaults());
        // 8-byte fragments: the UDP header is whole only in the first; out of order.
        List<byte[]> parts = fragments(77, 16, 8);
        assertEquals(3, parts.size());
        send(t, parts.get(2), SECOND);
        send(t, parts.get(0), SECOND + 1);
        assertEquals(0, t.flowsActive(), "nothing counts before the datagram is complete");
        send(t, parts.get(1), SECOND + 2);
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(1, out.size());
        Flow f = out.getFirst();
        assertEquals(5000, f.getSource().getPort());
        assertEquals(53, f.getDestination().getPort());
        assertEquals(3, f.getToServer().getPackets());
        assertEquals(parts.stream().mapToLong(b -> b.length).sum(), f.getToServer().getBytes());
        assertEquals(1, t.datagramsReassembled());
    }

    @Test
    void aTcpHeaderSplitAcrossFragmentsIsReadAfterReassembly() {
        FlowTable t = table(FlowTableConfig.defaults());
        byte[] tcp = io.netwatch.agent.Frames.tcp(12345, 8080, 0x02, 0);
        for (int off = 0; off < 20; off += 8) {
            byte[] part = java.util.Arrays.copyOfRange(tcp, off, Math.min(20, off + 8));
            byte[] ip = ipv4Packet(CLIENT, SERVER, 6, part);
            int field = off / 8 | (off + 8 < 20 ? 0x2000 : 0);
            ip[6] = (byte) (field >> 8);
            ip[7] = (byte) field;
            send(t, ethernet(0x0800, ip), SECOND + off);
        }
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(1, out.size());
        assertEquals(8080, out.getFirst().getDestination().getPort());
        assertEquals(3, out.getFirst().getToServer().getPackets());
        assertEquals(TcpState.TCP_STATE_SYN_SENT, out.getFirst().getTcp().getState());
    }

    @Test
    void anIncompleteDatagramCountsInNoFlowAndIsCounted() {
        FlowTable t = table(FlowTableConfig.defaults());
        List<byte[]> parts = fragments(5, 32, 16);
        send(t, parts.get(0), SECOND);
        send(t, parts.get(2), SECOND + 1);
        t.expire(40 * SECOND);
        assertEquals(1, t.datagramsIncomplete());
        assertEquals(2, t.fragmentsUncounted());
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertTrue(out.isEmpty());
    }

    @Test
    void fragmentTrackingIsBounded() {
        FlowTable t = new FlowTable(FlowTableConfig.defaults(), new DefragConfig(10, 4, Duration.ofSeconds(30)), out::add,
                "node-a", List.of("eth0"), 0);
        for (int id = 0; id < 1000; id++) {
            send(t, fragments(id, 64, 16).get(1), SECOND);
        }
        assertEquals(990, t.datagramsIncomplete(), "past 10 datagrams in progress the oldest are dropped");
        List<byte[]> many = fragments(4242, 200, 8);
        for (byte[] f : many) {
            send(t, f, 2 * SECOND);
        }
        assertTrue(t.datagramsIncomplete() > 991, "a datagram of more than 4 fragments is dropped");
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertTrue(out.isEmpty());
        assertEquals(1000 + many.size(), t.fragmentsUncounted(), "every fragment not in a flow is counted");
    }

    @Test
    void aVxlanFrameCountsInTheOuterAndTheInnerFlowAndBothDirectionsMeet() {
        FlowTable t = table(FlowTableConfig.defaults());
        for (int i = 0; i < 2; i++) {
            boolean back = i == 1;
            byte[] inner = back ? ethernetIpv4Tcp(ipv4(172, 16, 0, 2), 80, ipv4(172, 16, 0, 1), 5555, 0x12, 0)
                    : ethernetIpv4Tcp(ipv4(172, 16, 0, 1), 5555, ipv4(172, 16, 0, 2), 80, 0x02, 0);
            byte[] vx = new byte[8 + inner.length];
            vx[0] = 0x08;
            vx[6] = (byte) (back ? 11 : 10); // a different VNI each way, as in tcpdump-geneve
            System.arraycopy(inner, 0, vx, 8, inner.length);
            byte[] u = udp(back ? 40001 : 40000, 4789, vx.length);
            System.arraycopy(vx, 0, u, 8, vx.length);
            byte[] f = ethernet(0x0800, back ? ipv4Packet(SERVER, CLIENT, 17, u) : ipv4Packet(CLIENT, SERVER, 17, u));
            send(t, f, SECOND + i);
        }
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        List<Flow> innerFlows = out.stream().filter(f -> f.getTunnelsCount() == 1).toList();
        assertEquals(1, innerFlows.size());
        Flow in = innerFlows.getFirst();
        assertEquals(1, in.getToServer().getPackets());
        assertEquals(1, in.getToClient().getPackets());
        assertEquals(io.netwatch.proto.flow.v1.TunnelType.TUNNEL_TYPE_VXLAN, in.getTunnels(0).getType());
        assertEquals(10, in.getTunnels(0).getVni());
        assertEquals("10.0.0.1", in.getTunnels(0).getOuterSourceIp());
        assertEquals(2, out.stream().filter(f -> f.getTunnelsCount() == 0).count(), "two outer UDP flows (ports differ)");
    }

    /** 1,000 established TCP conversations to SERVER:443 from 10.1.x.y, their last packet at 2 s. */
    private void conversations(FlowTable t) {
        for (int i = 0; i < 1000; i++) {
            byte[] client = ipv4(10, 1, i >> 8, i & 0xFF);
            tcp(t, SECOND, client, 40000, SERVER, 443, 0x02, 0);
            tcp(t, SECOND + 1, SERVER, 443, client, 40000, 0x12, 0);
            tcp(t, SECOND + 2, client, 40000, SERVER, 443, 0x10, 0);
        }
    }

    @Test
    void aFloodOfOnePacketFlowsEvictsItselfNotTheEstablishedConversations() {
        FlowTable t = table(FlowTableConfig.defaults().withMaxFlows(2000));
        conversations(t);
        Random r = new Random(1);
        for (int i = 0; i < 100_000; i++) {
            tcp(t, 2 * SECOND + i, ipv4(100 + r.nextInt(100), r.nextInt(256), r.nextInt(256), r.nextInt(256)),
                    1024 + r.nextInt(60000), SERVER, 80, 0x02, 0);
        }
        assertEquals(2000, t.flowsActive());
        long conversationsEvicted = out.stream().filter(f -> f.getDestination().getPort() == 443).count();
        assertEquals(0, conversationsEvicted, "no established conversation was evicted by the flood");
        assertTrue(t.flowsEvicted() >= 99_000 - 1000);
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(1000, out.stream().filter(f -> f.getDestination().getPort() == 443
                && f.getTcp().getState() == TcpState.TCP_STATE_ESTABLISHED).count());
    }

    @Test
    void aFloodOfSynsToClosedPortsEvictsItsResetFlowsNotTheIdleConversations() {
        // Each SYN is answered, by a reset: its flow is over, and lingers only for stray
        // packets. Taken for a live one, it was younger than any conversation quiet for a few
        // seconds, and a pod sweeping closed ports evicted them all (its own session with them,
        // to be picked up again mid-stream).
        FlowTable t = table(FlowTableConfig.defaults().withMaxFlows(2000));
        conversations(t);
        for (int i = 0; i < 100_000; i++) {
            long at = 2 * SECOND + 50_000L * i; // five seconds in all: within the closed flows' 10 s
            int port = 1 + i % 60_000;
            int sport = 1024 + i / 60_000;
            tcp(t, at, CLIENT, sport, SERVER, port, 0x02, 0);
            tcp(t, at + 1, SERVER, port, CLIENT, sport, 0x14, 0);
        }
        assertEquals(2000, t.flowsActive());
        assertEquals(0, out.stream().filter(f -> f.getSource().getIp().startsWith("10.1.")).count(),
                "no conversation was evicted by the flood");
        assertTrue(t.flowsEvicted() >= 99_000 - 1000);
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(1000, out.stream().filter(f -> f.getSource().getIp().startsWith("10.1.")
                && f.getTcp().getState() == TcpState.TCP_STATE_ESTABLISHED).count());
    }

    @Test
    void anAnsweredUdpFloodEvictsItsOwnFlowsNotConversationsWithinTheirTimeout() {
        // Each datagram is answered, so no flow of the flood is spent. Chosen by last packet,
        // every conversation quiet for longer than the flood had run was older than all of its
        // flows and went first, though its timeout had minutes left and theirs under one.
        FlowTable t = table(FlowTableConfig.defaults().withMaxFlows(2000));
        conversations(t);
        Random r = new Random(1);
        for (int i = 0; i < 50_000; i++) {
            long at = 30 * SECOND + 100_000L * i; // five seconds, half a minute after the conversations' last packet
            byte[] source = ipv4(100 + r.nextInt(100), r.nextInt(256), r.nextInt(256), r.nextInt(256));
            int sport = 1024 + r.nextInt(60000);
            send(t, ethernet(0x0800, ipv4Packet(source, SERVER, 17, udp(sport, 53, 10))), at);
            send(t, ethernet(0x0800, ipv4Packet(SERVER, source, 17, udp(53, sport, 10))), at + 1);
        }
        assertEquals(2000, t.flowsActive());
        assertEquals(0, out.stream().filter(f -> f.getSource().getIp().startsWith("10.1.")).count(),
                "no conversation was evicted by the flood");
        assertTrue(t.flowsEvicted() >= 49_000 - 1000);
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(1000, out.stream().filter(f -> f.getSource().getIp().startsWith("10.1.")
                && f.getTcp().getState() == TcpState.TCP_STATE_ESTABLISHED).count());
    }

    @Test
    void aFloodOfCompletedHandshakesDoesNotEvictBusyDatagramAndIcmpExchanges() {
        // Found in review: by deadline alone (last packet plus timeout) a fresh flow of the
        // longest timeout, an established connection's five minutes, outranked every datagram
        // or ICMP exchange, however busy: a flood of completed handshakes, which any pod can
        // make against a port it listens on itself, evicted them at each sampling (a packet
        // every few milliseconds notwithstanding), and each went on as pieces picked up again.
        FlowTable t = table(FlowTableConfig.defaults().withMaxFlows(2000));
        Random r = new Random(2);
        for (int i = 0; i < 50_000; i++) {
            long at = SECOND + 100_000L * i; // five seconds of handshakes, 10,000 a second
            if (i % 50 == 0) { // every 5 ms, each busy exchange has a packet each way
                for (int q = 0; q < 20; q++) {
                    byte[] client = ipv4(10, 2, 0, q);
                    send(t, ethernet(0x0800, ipv4Packet(client, SERVER, 17, udp(40000 + q, 443, 1200))), at);
                    send(t, ethernet(0x0800, ipv4Packet(SERVER, client, 17, udp(443, 40000 + q, 1200))), at + 1);
                    byte[] pinger = ipv4(10, 3, 0, q);
                    send(t, ethernet(0x0800, ipv4Packet(pinger, SERVER, 1, icmp(8, 0))), at + 2);
                    send(t, ethernet(0x0800, ipv4Packet(SERVER, pinger, 1, icmp(0, 0))), at + 3);
                }
            }
            byte[] source = ipv4(100 + r.nextInt(100), r.nextInt(256), r.nextInt(256), r.nextInt(256));
            int sport = 1024 + r.nextInt(60000);
            tcp(t, at + 4, source, sport, SERVER, 8080, 0x02, 0);
            tcp(t, at + 5, SERVER, 8080, source, sport, 0x12, 0);
            tcp(t, at + 6, source, sport, SERVER, 8080, 0x10, 0);
        }
        assertTrue(t.flowsEvicted() >= 45_000);
        assertEquals(0, out.stream().filter(f -> f.getSource().getIp().startsWith("10.2.")
                || f.getSource().getIp().startsWith("10.3.")).count(), "no busy exchange was evicted by the flood");
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(40, out.stream().filter(f -> f.getSource().getIp().startsWith("10.2.")
                || f.getSource().getIp().startsWith("10.3.")).count());
    }

    @Test
    void aConversationNearItsTimeoutMakesWayBeforeAFreshExchange() {
        // The other side of choosing by timeout: a conversation quiet for most of its five
        // minutes is nearer its end than a datagram exchange a second old, and goes first.
        FlowTable t = table(FlowTableConfig.defaults().withMaxFlows(2));
        tcp(t, SECOND, CLIENT, 40000, SERVER, 443, 0x02, 0);
        tcp(t, SECOND + 1, SERVER, 443, CLIENT, 40000, 0x12, 0);
        tcp(t, SECOND + 2, CLIENT, 40000, SERVER, 443, 0x10, 0);
        long late = SECOND + 290 * SECOND;
        send(t, ethernet(0x0800, ipv4Packet(CLIENT, SERVER, 17, udp(5000, 53, 10))), late);
        send(t, ethernet(0x0800, ipv4Packet(SERVER, CLIENT, 17, udp(53, 5000, 10))), late + 1);
        send(t, ethernet(0x0800, ipv4Packet(CLIENT, SERVER, 17, udp(5001, 53, 10))), late + SECOND);
        assertEquals(1, out.size());
        assertEquals(443, out.getFirst().getDestination().getPort());
        assertEquals(FlowEndReason.FLOW_END_REASON_EVICTED, out.getFirst().getEndReason());
    }

    @Test
    void datagramsThatCannotBeReadStillGiveTheirMemoryBack() {
        // Found in review: a datagram complete by offsets, short of data and with an unreadable
        // TCP header kept its payload bytes reserved forever; 13,000 of them spent the budget
        // and no fragmented datagram was inspected after that.
        List<java.nio.ByteBuffer> inspected = new ArrayList<>();
        FlowTable t = table(FlowTableConfig.defaults()).observe(new FlowObserver() {
            @Override
            public boolean onPacket(int slot, long flowId, boolean fromInitiator, io.netwatch.agent.decode.IpLayer l,
                                    java.nio.ByteBuffer frame, long now) {
                if (l.protocol == 17) {
                    inspected.add(frame);
                }
                return true;
            }

            @Override
            public void onRecord(int slot, Flow.Builder record, boolean last) {
            }
        });
        for (int id = 0; id < 13_000; id++) {
            byte[] head = ipv4Packet(CLIENT, SERVER, 6, new byte[1400]);
            head[4] = (byte) (id >> 8);
            head[5] = (byte) id;
            head[6] = 0x20;
            send(t, ethernet(0x0800, head), SECOND);
            byte[] last = ipv4Packet(CLIENT, SERVER, 6, new byte[64]);
            last[4] = (byte) (id >> 8);
            last[5] = (byte) id;
            last[6] = (byte) ((1400 / 8) >> 8);
            last[7] = (byte) (1400 / 8);
            byte[] cut = ethernet(0x0800, last);
            send(t, java.util.Arrays.copyOf(cut, cut.length - 10), SECOND);
        }
        assertEquals(13_000, t.datagramsUninspected(), "each was counted without its payload, and counted so");
        List<byte[]> parts = fragments(9, 2000, 1200);
        for (byte[] f : parts) {
            send(t, f, 2 * SECOND);
        }
        assertEquals(1, inspected.stream().filter(java.util.Objects::nonNull).count(),
                "a whole fragmented datagram is still inspected");
    }

    @Test
    void datagramsThatNeverCompleteCannotKeepAnotherDatagramsPayloadFromInspection() {
        // One fragment 64,000 bytes into a datagram that never completes reserves 65,000 bytes
        // of the 16 MiB kept for fragmented payloads: 260 such frames in 30 s (nine a second,
        // here all in one) spent it all, and every fragmented datagram after them, a pod's exploit or another
        // pod's DNS answer, was counted in its flow with its payload never inspected, nowhere
        // counted.
        List<java.nio.ByteBuffer> inspected = new ArrayList<>();
        FlowTable t = table(FlowTableConfig.defaults()).observe(new FlowObserver() {
            @Override
            public boolean onPacket(int slot, long flowId, boolean fromInitiator, io.netwatch.agent.decode.IpLayer l,
                                    java.nio.ByteBuffer frame, long now) {
                if (l.protocol == 17 && l.dstPort == 53) {
                    inspected.add(frame);
                }
                return true;
            }

            @Override
            public void onRecord(int slot, Flow.Builder record, boolean last) {
            }
        });
        byte[] attacker = ipv4(10, 0, 0, 66);
        for (int id = 0; id < 400; id++) {
            // Then first fragments of 200 bytes, for what is left.
            int offset = id < 300 ? 64_000 : 0;
            byte[] far = ipv4Packet(attacker, SERVER, 17, new byte[id < 300 ? 1000 : 200]);
            far[4] = (byte) (id >> 8);
            far[5] = (byte) id;
            int field = offset / 8 | 0x2000;
            far[6] = (byte) (field >> 8);
            far[7] = (byte) field;
            send(t, ethernet(0x0800, far), SECOND + id * 1_000_000L);
        }
        for (byte[] f : fragments(9, 2000, 1200)) {
            send(t, f, 2 * SECOND);
        }
        assertEquals(1, inspected.stream().filter(java.util.Objects::nonNull).count(),
                "the datagram's payload is inspected");
        assertEquals(0, t.datagramsUninspected());
    }

    @Test
    void aDirectionTheObserverIsDoneWithIsNotHandedToItAgain() {
        // The inspection stage says when it has read all it wants of a direction (a TLS hello,
        // an SSH banner): the bulk that follows must not reach it, the other direction must.
        List<String> seen = new ArrayList<>();
        FlowTable t = table(FlowTableConfig.defaults()).observe(new FlowObserver() {
            @Override
            public boolean onPacket(int slot, long flowId, boolean fromInitiator, io.netwatch.agent.decode.IpLayer l,
                                    java.nio.ByteBuffer frame, long now) {
                seen.add((l.protocol == 17 ? "udp " : l.protocol == 6 ? "tcp " : "icmp ")
                        + (fromInitiator ? "out" : "in"));
                return !fromInitiator;
            }

            @Override
            public void onRecord(int slot, Flow.Builder record, boolean last) {
            }
        });
        tcp(t, SECOND, CLIENT, 40000, SERVER, 443, 0x02, 0);
        tcp(t, SECOND + 1, SERVER, 443, CLIENT, 40000, 0x12, 0);
        for (int i = 0; i < 3; i++) {
            tcp(t, SECOND + 2 + i, CLIENT, 40000, SERVER, 443, 0x18, 1000);
            tcp(t, SECOND + 2 + i, SERVER, 443, CLIENT, 40000, 0x18, 1000);
        }
        for (int i = 0; i < 2; i++) {
            send(t, ethernet(0x0800, ipv4Packet(CLIENT, SERVER, 17, udp(5000, 9999, 10))), 2 * SECOND + i);
            send(t, ethernet(0x0800, ipv4Packet(CLIENT, SERVER, 1, new byte[] {8, 0, 0, 0, 0, 1, 0, 1})),
                    2 * SECOND + i);
        }
        assertEquals(List.of("tcp out", "tcp in", "tcp in", "tcp in", "tcp in", "udp out", "icmp out", "icmp out"),
                seen, "each TCP or UDP direction stops at its first 'no more'; ICMP is always handed on");
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        Flow tcpFlow = out.stream().filter(Flow::hasTcp).findFirst().orElseThrow();
        assertEquals(4, tcpFlow.getToServer().getPackets(), "unobserved packets still count in the flow");
    }

    private static final byte[] CLIENT6 = ipv6("20010db8000000000000000000000001");
    private static final byte[] SERVER6 = ipv6("20010db8000000000000000000000002");

    /** An IPv6 fragment of a UDP datagram: {@code data} at byte {@code offset} of the fragmentable part. */
    private static byte[] ipv6Fragment(int id, int offset, boolean more, byte[] data) {
        return ipv6UdpFragment(CLIENT6, SERVER6, id, offset, more, data);
    }

    @Test
    void overlappingIpv6FragmentsDropTheWholeDatagram() {
        // RFC 5722: a datagram with overlapping fragments is discarded, every fragment of it.
        FlowTable t = table(FlowTableConfig.defaults());
        byte[] udp = udp(5000, 53, 16);
        send(t, ipv6Fragment(9, 0, true, java.util.Arrays.copyOfRange(udp, 0, 16)), SECOND);
        send(t, ipv6Fragment(9, 8, false, java.util.Arrays.copyOfRange(udp, 8, 24)), SECOND + 1);
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertTrue(out.isEmpty(), "no flow from an overlapping IPv6 datagram");
        assertEquals(0, t.datagramsReassembled());
        assertEquals(1, t.datagramsIncomplete());
        assertEquals(2, t.fragmentsUncounted());
    }

    @Test
    void nonOverlappingIpv6FragmentsStillReassemble() {
        FlowTable t = table(FlowTableConfig.defaults());
        byte[] udp = udp(5000, 53, 16);
        send(t, ipv6Fragment(9, 16, false, java.util.Arrays.copyOfRange(udp, 16, 24)), SECOND);
        send(t, ipv6Fragment(9, 0, true, java.util.Arrays.copyOfRange(udp, 0, 16)), SECOND + 1);
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(1, out.size());
        assertEquals(2, out.getFirst().getToServer().getPackets());
        assertEquals(1, t.datagramsReassembled());
    }

    @Test
    void anIpv6AtomicFragmentCountsAtOnceAndLeavesAReassemblyWithTheSameIdAlone() {
        FlowTable t = table(FlowTableConfig.defaults());
        byte[] udp = udp(5000, 53, 16);
        send(t, ipv6Fragment(9, 0, true, java.util.Arrays.copyOfRange(udp, 0, 16)), SECOND);
        // Same id, offset 0, M = 0: a whole datagram of its own (RFC 6946).
        send(t, ipv6Fragment(9, 0, false, udp(6000, 53, 0)), SECOND + 1);
        send(t, ipv6Fragment(9, 16, false, java.util.Arrays.copyOfRange(udp, 16, 24)), SECOND + 2);
        t.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals(2, out.size());
        assertEquals(1, t.datagramsReassembled());
        assertEquals(0, t.datagramsIncomplete());
    }
}
