package io.netwatch.agent;

import static io.netwatch.agent.Frames.buffer;
import static io.netwatch.agent.Frames.ethernet;
import static io.netwatch.agent.Frames.ethernetIpv4Tcp;
import static io.netwatch.agent.Frames.ethernetIpv4TcpSeq;
import static io.netwatch.agent.Frames.ipv4;
import static io.netwatch.agent.Frames.ipv4Packet;
import static io.netwatch.agent.Frames.udp;
import static io.netwatch.agent.capture.PcapngBlocks.concat;
import static io.netwatch.agent.capture.PcapngBlocks.epb;
import static io.netwatch.agent.capture.PcapngBlocks.idb;
import static io.netwatch.agent.capture.PcapngBlocks.option;
import static io.netwatch.agent.capture.PcapngBlocks.shb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.decode.DecodeError;
import io.netwatch.agent.decode.LocalAddresses;
import io.netwatch.agent.decode.NodeAddresses;
import io.netwatch.agent.decode.TunnelPorts;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.FlowEndReason;
import io.netwatch.proto.flow.v1.TcpState;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-packet path end to end: the demo capture, and the fence around a failing stage. */
class PipelineTest {
    /** Packets in samples/demo.pcap ({@code tcpdump -r samples/demo.pcap | wc -l}). */
    static final int DEMO_PACKETS = 532;
    /** Sum of the frames' wire lengths ({@code tshark -T fields -e frame.len}). */
    static final long DEMO_BYTES = 48_358;
    /** 208 TCP conversations (200 of them the scan), 6 UDP (DNS), 1 ICMP echo. */
    static final int DEMO_FLOWS = 215;
    static final String CLIENT = "10.99.0.10";
    static final String WEB = "10.99.0.20";
    /** nmap's fixed source port for the SYN scan. */
    static final int NMAP_PORT = 41934;
    private static final long SECOND = 1_000_000_000L;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    static Path demoPcap() {
        String root = System.getProperty("netwatch.repo.root");
        if (root != null) {
            Path p = Path.of(root, "samples", "demo.pcap");
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return Path.of("..", "samples", "demo.pcap");
    }

    /** Replays the demo capture through {@code pipeline} (without finishing it). */
    static void replayDemo(Pipeline pipeline) throws Exception {
        try (PcapFileSource source = PcapFileSource.open(demoPcap())) {
            source.run(pipeline);
        }
    }

    @Test
    void theDemoCaptureYieldsItsFlowsAndExactlyOnePortScan() throws Exception {
        List<Flow> flows = new ArrayList<>();
        List<Anomaly> anomalies = new ArrayList<>();
        Pipeline pipeline = Pipeline.create("node-demo", List.of("file"), FlowTableConfig.defaults(),
                DetectionConfig.defaults(), flows::add, anomalies::add);

        replayDemo(pipeline);
        assertEquals(0, flows.size(), "a 3 s capture ends no flow by timeout");
        assertEquals(DEMO_FLOWS, pipeline.flowTable().flowsActive());
        pipeline.finish();

        assertEquals(DEMO_PACKETS, pipeline.packets());
        assertEquals(DEMO_BYTES, pipeline.bytes());
        assertEquals(0, pipeline.failedPackets());
        assertEquals(0, pipeline.truncatedPackets());
        assertEquals(DEMO_PACKETS, pipeline.decodeOutcome(DecodeError.NONE));
        for (DecodeError e : DecodeError.values()) {
            if (e != DecodeError.NONE) {
                assertEquals(0, pipeline.decodeOutcome(e), e.label());
            }
        }
        assertEquals(1_795_678_006_886_012_000L, pipeline.lastPacketNanos(), "the last frame's capture time");

        assertEquals(DEMO_FLOWS, flows.size());
        assertEquals(DEMO_FLOWS, pipeline.flowTable().flowsCreated());
        assertEquals(DEMO_FLOWS, pipeline.flowTable().recordsEmitted());
        assertEquals(0, pipeline.flowTable().flowsActive());
        assertEquals(0, pipeline.flowTable().flowsEvicted());
        assertTrue(flows.stream().allMatch(f -> f.getEndReason() == FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE));
        assertEquals(flows.size(), flows.stream().map(Flow::getFlowId).distinct().count(), "flow ids are unique");
        assertEquals(208, flows.stream().filter(f -> f.getIpProtocol() == 6).count());
        assertEquals(6, flows.stream().filter(f -> f.getIpProtocol() == 17).count());
        assertEquals(1, flows.stream().filter(f -> f.getIpProtocol() == 1).count());

        // The HTTP connections to port 80 (the SYN scan's probe of port 80 comes from nmap's port).
        List<Flow> http = flows.stream().filter(f -> f.getDestination().getPort() == 80
                && f.getSource().getPort() != NMAP_PORT).toList();
        assertEquals(5, http.size());
        Map<Integer, Flow> bySourcePort = http.stream()
                .collect(Collectors.toMap(f -> f.getSource().getPort(), Function.identity()));
        // source port -> {to-server packets, bytes, to-client packets, bytes}, from tshark -z conv,tcp.
        Map<Integer, long[]> expected = Map.of(
                34374, new long[] {6, 503, 6, 737},
                34390, new long[] {6, 518, 6, 645},
                34394, new long[] {7, 579, 5, 558},
                34410, new long[] {6, 518, 6, 924},
                43768, new long[] {7, 707, 5, 771});
        assertEquals(expected.keySet(), bySourcePort.keySet());
        for (var e : expected.entrySet()) {
            Flow f = bySourcePort.get(e.getKey());
            long[] c = e.getValue();
            String ip = e.getKey() == 43768 ? "fd99::10" : CLIENT;
            assertEquals(ip, f.getSource().getIp());
            assertEquals(e.getKey() == 43768 ? "fd99::20" : WEB, f.getDestination().getIp());
            assertEquals(c[0], f.getToServer().getPackets(), "to server, port " + e.getKey());
            assertEquals(c[1], f.getToServer().getBytes(), "to server, port " + e.getKey());
            assertEquals(c[2], f.getToClient().getPackets(), "to client, port " + e.getKey());
            assertEquals(c[3], f.getToClient().getBytes(), "to client, port " + e.getKey());
            assertEquals(TcpState.TCP_STATE_CLOSED, f.getTcp().getState());
            assertEquals("node-demo", f.getNodeName());
            assertEquals("file", f.getInterface());
        }

        Map<Long, Flow> byId = flows.stream().collect(Collectors.toMap(Flow::getFlowId, Function.identity()));
        List<Flow> probes = flows.stream().filter(f -> f.getSource().getPort() == NMAP_PORT).toList();
        assertEquals(200, probes.size());
        assertEquals(200, probes.stream().map(f -> f.getDestination().getPort()).distinct().count());

        assertEquals(1, anomalies.size());
        assertEquals(1, pipeline.detectors().counts().count("port_scan"));
        assertEquals(0, pipeline.detectors().evictions());
        Anomaly scan = anomalies.getFirst();
        assertEquals("port_scan", scan.getAnomalyType());
        assertEquals("T1046", scan.getAttackTechnique());
        assertEquals(CLIENT, scan.getSource().getIp());
        assertEquals(WEB, scan.getDestination().getIp());
        assertEquals(Severity.SEVERITY_MEDIUM, scan.getSeverity());
        // Threshold Random Walk: the scan is called once ln Λ reaches ln(PD/PF), after 5 straight failures.
        assertEquals("trw_log_likelihood_ratio", scan.getExplanation().getObservations(0).getName());
        assertTrue(scan.getExplanation().getObservations(0).getObserved()
                >= scan.getExplanation().getObservations(0).getExpected());
        assertEquals("failed_first_contacts", scan.getExplanation().getObservations(1).getName());
        double failed = scan.getExplanation().getObservations(1).getObserved();
        assertEquals(failed, scan.getEvidenceFlowIdsCount(), "each failed first contact is evidence");
        assertTrue(failed >= 5, "failed " + failed);
        // The walk's window ends within the scan: by the last RST,ACK of the capture.
        assertTrue(Timestamps.toNanos(scan.getStart()) <= Timestamps.toNanos(scan.getEnd()));
        assertTrue(Timestamps.toNanos(scan.getEnd()) <= 1_795_678_006_886_012_000L);
        Set<Long> evidence = new HashSet<>(scan.getEvidenceFlowIdsList());
        assertEquals((int) failed, evidence.size());
        for (long id : evidence) {
            Flow f = byId.get(id);
            assertEquals(NMAP_PORT, f.getSource().getPort(), "evidence is a probe: " + f);
            assertTrue(f.getDestination().getPort() != 80, "the open port 80 answered: " + f);
            assertEquals(TcpState.TCP_STATE_RESET, f.getTcp().getState());
            assertEquals(1, f.getToClient().getPackets());
        }
    }

    @Test
    void aStageThatThrowsLosesOnePacketAndCaptureGoesOn() {
        List<Flow> flows = new ArrayList<>();
        boolean[] thrown = {false};
        Pipeline pipeline = Pipeline.create("node-a", List.of("eth0"), FlowTableConfig.defaults(),
                DetectionConfig.defaults(), flow -> {
                    if (!thrown[0]) {
                        thrown[0] = true;
                        throw new IllegalStateException("sink bug");
                    }
                    flows.add(flow);
                }, a -> { });
        byte[] c = ipv4(10, 0, 0, 1);
        byte[] s = ipv4(10, 0, 0, 2);
        long t = 1_700_000_000L * SECOND;
        // A whole connection, closed by FINs both ways.
        packet(pipeline, ethernetIpv4Tcp(c, 40000, s, 80, 0x02, 0), t);
        packet(pipeline, ethernetIpv4Tcp(s, 80, c, 40000, 0x12, 0), t + 1);
        packet(pipeline, ethernetIpv4Tcp(c, 40000, s, 80, 0x10, 0), t + 2);
        packet(pipeline, ethernetIpv4Tcp(c, 40000, s, 80, 0x11, 0), t + 3);
        packet(pipeline, ethernetIpv4Tcp(s, 80, c, 40000, 0x11, 0), t + 4);
        packet(pipeline, ethernetIpv4Tcp(c, 40000, s, 80, 0x10, 0), t + 5);
        assertEquals(0, pipeline.failedPackets());
        // A SYN with a new sequence number on the same 5-tuple ends the closed flow: its record goes to the sink, which throws.
        packet(pipeline, ethernetIpv4TcpSeq(c, 40000, s, 80, 0x02, 1000, 0), t + SECOND);
        assertEquals(1, pipeline.failedPackets(), "the exception is caught and counted");
        assertEquals(1, pipeline.flowTable().recordsEmitted());
        assertEquals(1, pipeline.flowTable().flowsCreated(), "that packet was dropped: no new flow");
        // Capture goes on: the retransmitted SYN and an unrelated flow are tracked.
        packet(pipeline, ethernetIpv4TcpSeq(c, 40000, s, 80, 0x02, 1000, 0), t + 2 * SECOND);
        packet(pipeline, ethernet(0x0800, ipv4Packet(c, s, 17, udp(5353, 53, 20))), t + 2 * SECOND + 1);
        assertEquals(1, pipeline.failedPackets());
        assertEquals(9, pipeline.packets());
        assertEquals(9, pipeline.decodeOutcome(DecodeError.NONE));
        assertEquals(2, pipeline.flowTable().flowsActive());

        pipeline.finish();
        assertEquals(2, flows.size());
        Flow retry = flows.stream().filter(f -> f.getIpProtocol() == 6).findFirst().orElseThrow();
        assertEquals(1, retry.getToServer().getPackets(), "only the retransmitted SYN");
        assertEquals(TcpState.TCP_STATE_SYN_SENT, retry.getTcp().getState());
        assertEquals(t + 2 * SECOND, Timestamps.toNanos(retry.getFirstSeen()));
        assertEquals(1, pipeline.failedPackets());
    }

    @Test
    void flowsIdleInCaptureTimeEndWhilePacketsFlow() {
        List<Flow> flows = new ArrayList<>();
        Pipeline pipeline = Pipeline.create("node-a", List.of("eth0"), FlowTableConfig.defaults(),
                DetectionConfig.defaults(), flows::add, a -> { });
        byte[] c = ipv4(10, 0, 0, 1);
        long t = 1_700_000_000L * SECOND;
        packet(pipeline, ethernet(0x0800, ipv4Packet(c, ipv4(10, 0, 0, 53), 17, udp(5353, 53, 20))), t);
        packet(pipeline, ethernet(0x0800, ipv4Packet(c, ipv4(10, 0, 0, 54), 17, udp(5353, 53, 20))), t + 59 * SECOND);
        assertEquals(List.of(), flows, "59 s idle: under the 60 s UDP timeout");
        // A file replay never idles: capture time passing in later packets must expire the first flow.
        packet(pipeline, ethernet(0x0800, ipv4Packet(c, ipv4(10, 0, 0, 55), 17, udp(5353, 53, 20))), t + 61 * SECOND);
        assertEquals(1, flows.size());
        assertEquals("10.0.0.53", flows.getFirst().getDestination().getIp());
        assertEquals(FlowEndReason.FLOW_END_REASON_IDLE_TIMEOUT, flows.getFirst().getEndReason());
        assertEquals(2, pipeline.flowTable().flowsActive());
    }

    @Test
    void aTruncatedFrameIsCountedByReasonAndTracksNothing() {
        Pipeline pipeline = Pipeline.create("node-a", List.of("eth0"), FlowTableConfig.defaults(),
                DetectionConfig.defaults(), f -> { }, a -> { });
        byte[] shortIp = ethernet(0x0800, new byte[] {0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6});
        pipeline.onPacket(buffer(shortIp), LinkType.ETHERNET, SECOND, 74, 0);
        assertEquals(1, pipeline.packets());
        assertEquals(74, pipeline.bytes());
        assertEquals(1, pipeline.decodeOutcome(DecodeError.TRUNCATED_IP_HEADER));
        assertEquals(0, pipeline.decodeOutcome(DecodeError.NONE));
        assertEquals(0, pipeline.failedPackets());
        assertEquals(0, pipeline.flowTable().flowsCreated());
    }

    /** A UDP datagram from {@code sport} to {@code port} carrying {@code inner} behind a VXLAN header (VNI 1). */
    private static byte[] underlay(int sport, int port, byte[] inner) {
        byte[] vx = new byte[8 + inner.length];
        vx[0] = 0x08;
        vx[6] = 1;
        System.arraycopy(inner, 0, vx, 8, inner.length);
        byte[] u = udp(sport, port, vx.length);
        System.arraycopy(vx, 0, u, 8, vx.length);
        return u;
    }

    /**
     * A node's overlay traffic: its pod talking with pods on six other nodes, every request
     * answered; each direction of each pod flow rides an underlay flow of its own to the other
     * node's tunnel port (the outer source port varies with the inner flow, as VXLAN's does),
     * so no underlay flow is ever answered. On port 4789 that is VXLAN; on 4790 nobody decodes
     * it: the same bytes as plain UDP.
     */
    private static List<Anomaly> overlay(int port) {
        return overlay(port, "ip");
    }

    /**
     * As above, the tunnel's payload being {@code inner}: "ip" (the pods' UDP), "arp" (their
     * ARP requests and replies, which no inner flow counts) or "junk" (bytes that are no frame).
     */
    private static List<Anomaly> overlay(int port, String inner) {
        return overlay(port, inner, TunnelPorts.defaults());
    }

    /** As above, VXLAN and Geneve being read on {@code tunnelPorts}. */
    private static List<Anomaly> overlay(int port, String inner, TunnelPorts tunnelPorts) {
        List<Anomaly> raised = new ArrayList<>();
        // Live, on node-a: its requests leave from its address, the answers come to it.
        Pipeline pipeline = Pipeline.create("node-a", List.of("eth0"), FlowTableConfig.defaults(),
                DetectionConfig.defaults(), f -> { }, raised::add).tunnelPorts(tunnelPorts).localAddresses(NODE_A);
        long t = 1_700_000_000L * SECOND;
        byte[] node = ipv4(192, 168, 50, 1);
        for (int k = 0; k < 1800; k++) {
            byte[] peer = ipv4(192, 168, 50, 2 + k % 6);
            byte[] pod = ipv4(10, 244, 1, 5);
            byte[] other = ipv4(10, 244, 2 + k % 6, 9);
            // A pod's request and the answer, each direction in an underlay flow of its own.
            byte[] request = switch (inner) {
                case "arp" -> ethernet(0x0806, arp(1, pod, other));
                case "junk" -> new byte[64];
                default -> ethernet(0x0800, ipv4Packet(pod, other, 17, udp(30000 + k, 8080, 64)));
            };
            byte[] answer = switch (inner) {
                case "arp" -> ethernet(0x0806, arp(2, other, pod));
                case "junk" -> new byte[64];
                default -> ethernet(0x0800, ipv4Packet(other, pod, 17, udp(8080, 30000 + k, 64)));
            };
            packet(pipeline, ethernet(0x0800, ipv4Packet(node, peer, 17, underlay(40000 + k % 300, port, request))),
                    t + k * (SECOND / 2000));
            packet(pipeline, ethernet(0x0800, ipv4Packet(peer, node, 17, underlay(50000 + k % 300, port, answer))),
                    t + k * (SECOND / 2000) + 1000);
        }
        // Time passes: every attempt is decided (unanswered).
        packet(pipeline, ethernet(0x0800, ipv4Packet(node, ipv4(192, 168, 50, 99), 17, udp(1, 2, 0))), t + 10 * SECOND);
        pipeline.finish();
        return raised;
    }

    @Test
    void anOverlaysUnderlayIsNeitherASweepNorAFloodThoughNoDatagramIsAnswered() {
        Set<String> plain = overlay(4790).stream().map(Anomaly::getAnomalyType).collect(Collectors.toSet());
        assertTrue(plain.contains("udp_flood") && plain.contains("ip_sweep"),
                "the same datagrams undecoded look like a sweep and floods: " + plain);
        assertEquals(List.of(), overlay(4789).stream().map(Anomaly::getAnomalyType).toList(),
                "as VXLAN: each pod flow's direction rides an underlay flow of its own, unanswered by design");
    }

    @Test
    void anOverlayOnAConfiguredPortIsDecodedAsOnTheDefaultOne() {
        // Cilium's tunnel-port or Calico's vxlanPort moved to 4790: configured, the overlay is
        // judged by its inner flows, as on 4789, not as the sweep and floods its underlay looks like.
        TunnelPorts moved = new TunnelPorts(List.of(4790), List.of());
        assertEquals(List.of(), overlay(4790, "ip", moved).stream().map(Anomaly::getAnomalyType).toList());
    }

    @Test
    void anOverlayCarryingOnlyArpIsNotJudgedEither() {
        // The tunnel's payload is a frame that is not IP: there is no inner layer, and the
        // underlay layer still carries nothing of its own. Undecoded (4790), the same bytes
        // look like a sweep and floods.
        Set<String> plain = overlay(4790, "arp").stream().map(Anomaly::getAnomalyType).collect(Collectors.toSet());
        assertTrue(plain.contains("udp_flood") && plain.contains("ip_sweep"), plain.toString());
        assertEquals(List.of(), overlay(4789, "arp").stream().map(Anomaly::getAnomalyType).toList());
    }

    @Test
    void junkBehindAVxlanHeaderIsNoTunnelAndIsJudged() {
        // A valid VXLAN header, then bytes that are no frame: a flood aimed at the tunnel port
        // does not hide from the detectors by starting with the header.
        Set<String> junk = overlay(4789, "junk").stream().map(Anomaly::getAnomalyType).collect(Collectors.toSet());
        assertTrue(junk.contains("udp_flood") && junk.contains("ip_sweep"), junk.toString());
    }

    /** An Ethernet/IPv4 ARP body: {@code op} 1 (request) or 2 (reply), from {@code sender} about {@code target}. */
    private static byte[] arp(int op, byte[] sender, byte[] target) {
        byte[] a = new byte[28];
        a[1] = 1;
        a[2] = 0x08;
        a[4] = 6;
        a[5] = 4;
        a[7] = (byte) op;
        System.arraycopy(sender, 0, a, 14, 4);
        System.arraycopy(target, 0, a, 24, 4);
        return a;
    }

    @Test
    void aScanInsideTheOverlayIsStillSeen() {
        // One pod probing another pod's ports, through the tunnel: the inner flows are judged,
        // live on the node the underlay leaves from as in a file.
        for (LocalAddresses local : List.of(NODE_A, LocalAddresses.ANY)) {
            Anomaly scan = portScan(scanThroughTheOverlay(local, false)).orElseThrow(() -> new AssertionError(
                    "no port_scan with " + (local == NODE_A ? "node-a's addresses" : "a file's")));
            assertEquals("10.244.1.5", scan.getSource().getIp(), "the pod, not its node");
        }
    }

    /**
     * A pod on node-a (10.244.1.7) with a plain UDP socket, sending VXLAN datagrams to another
     * pod's tunnel port, each holding a SYN "from" 10.244.1.5 to one of 40 ports of 10.244.2.9.
     * They are not node-a's underlay: left plain UDP, they frame no one.
     */
    @Test
    void forgedOverlayDatagramsFromAPodScanNothingInTheNameOfTheAddressTheyWrite() {
        List<Anomaly> raised = new ArrayList<>();
        Pipeline pipeline = forgedOverlay(ipv4(10, 244, 3, 3), false, raised);
        assertEquals(List.of(), raised.stream().filter(a -> a.getSource().getIp().equals("10.244.1.5")).toList());
        assertEquals(40, pipeline.tunnelsNotLocal());
        assertEquals(41, pipeline.flowTable().flowsCreated(), "40 plain UDP flows and the clock's");
    }

    @Test
    void forgedOverlayDatagramsMasqueradedToTheNodesAddressScanNothingEither() {
        // The pod sends them to an address outside the pod network: the CNI masquerades them,
        // and on the uplink their source is node-a's. 'any' saw each on the pod's interface first.
        Optional<Anomaly> scan = portScan(scanThroughTheOverlay(NODE_A, true));
        assertTrue(scan.isEmpty(), () -> "a port_scan naming " + scan.get().getSource().getIp());
    }

    @Test
    void overlayDatagramsToThisNodesAddressAreReadWhoeverSentThem() {
        // The remaining limit: a datagram to the node's own tunnel port is what its VXLAN device
        // takes in (and may deliver), so it is read as the tunnel, and reported as what it says.
        List<Anomaly> raised = new ArrayList<>();
        Pipeline pipeline = forgedOverlay(ipv4(192, 168, 50, 1), false, raised);
        assertEquals(0, pipeline.tunnelsNotLocal());
        assertTrue(portScan(raised).isPresent());
    }

    @Test
    void overlayDatagramsFromATunnelPortToAnotherPortOfThisNodeAreNotRead() {
        // A pod's datagrams from source port 4789 to some other port of node-a: no VXLAN device
        // takes them in (the underlay goes to the tunnel port; its source port is a hash), so
        // read as the tunnel they would only be a scan "from" the address the pod wrote.
        List<Anomaly> raised = new ArrayList<>();
        Pipeline pipeline = forgedOverlay(ipv4(192, 168, 50, 1), true, raised);
        // The pod's own 40 ports of node-a may well be a port_scan, but in its own name.
        assertEquals(List.of(), raised.stream().filter(a -> a.getSource().getIp().equals("10.244.1.5")).toList());
        assertEquals(40, pipeline.tunnelsNotLocal());
    }

    /**
     * node-a's live pipeline, finished, after a pod (10.244.1.7) sent it 40 VXLAN datagrams to
     * {@code outerDst}, each holding a SYN "from" 10.244.1.5 to one port of 10.244.2.9: from
     * source port 40000 + k to the tunnel port, or ({@code fromTunnelPort}) from the tunnel
     * port to port 40000 + k; then a datagram 10 s later, so that every flow is decided.
     */
    private static Pipeline forgedOverlay(byte[] outerDst, boolean fromTunnelPort, List<Anomaly> raised) {
        Pipeline pipeline = Pipeline.create("node-a", List.of("eth0"), FlowTableConfig.defaults(),
                DetectionConfig.defaults(), f -> { }, raised::add).localAddresses(NODE_A);
        long t = 1_700_000_000L * SECOND;
        for (int k = 0; k < 40; k++) {
            byte[] forged = ethernetIpv4Tcp(ipv4(10, 244, 1, 5), 50000, ipv4(10, 244, 2, 9), 1 + k, 0x02, 0);
            byte[] datagram = fromTunnelPort ? underlay(4789, 40000 + k, forged) : underlay(40000 + k, 4789, forged);
            packet(pipeline, ethernet(0x0800, ipv4Packet(ipv4(10, 244, 1, 7), outerDst, 17, datagram)),
                    t + k * (SECOND / 100));
        }
        packet(pipeline, ethernet(0x0800, ipv4Packet(ipv4(192, 168, 50, 1), ipv4(192, 168, 50, 99), 17, udp(1, 2, 0))),
                t + 10 * SECOND);
        pipeline.finish();
        return pipeline;
    }

    /** node-a's addresses: its uplink's, its tunnel device's, loopback. */
    private static final LocalAddresses NODE_A = new NodeAddresses(() -> List.of(
            InetAddress.getByName("192.168.50.1"), InetAddress.getByName("10.244.1.0"),
            InetAddress.getByName("127.0.0.1"))).refresh();

    private static Optional<Anomaly> portScan(List<Anomaly> raised) {
        return raised.stream().filter(a -> a.getAnomalyType().equals("port_scan")).findFirst();
    }

    /**
     * 40 SYNs from 10.244.1.5 to ports of 10.244.2.9 in VXLAN datagrams from node-a
     * (192.168.50.1): to node 192.168.50.2; or, {@code masqueraded}, to 203.0.113.5 after each
     * was seen on its way out of a pod (10.244.1.7, another source port), before the CNI's SNAT.
     * Returns the anomalies raised.
     */
    private static List<Anomaly> scanThroughTheOverlay(LocalAddresses local, boolean masqueraded) {
        List<Anomaly> raised = new ArrayList<>();
        Pipeline pipeline = Pipeline.create("node-a", List.of("eth0"), FlowTableConfig.defaults(),
                DetectionConfig.defaults(), f -> { }, raised::add).localAddresses(local);
        byte[] peer = masqueraded ? ipv4(203, 0, 113, 5) : ipv4(192, 168, 50, 2);
        long t = 1_700_000_000L * SECOND;
        for (int k = 0; k < 40; k++) {
            byte[] probe = ethernetIpv4Tcp(ipv4(10, 244, 1, 5), 50000, ipv4(10, 244, 2, 9), 1 + k, 0x02, 0);
            long at = t + k * (SECOND / 100);
            if (masqueraded) {
                packet(pipeline, ethernet(0x0800, ipv4Packet(ipv4(10, 244, 1, 7), peer, 17,
                        underlay(30000 + k, 4789, probe))), at - 20_000);
            }
            packet(pipeline, ethernet(0x0800, ipv4Packet(ipv4(192, 168, 50, 1), peer, 17,
                    underlay(40000 + k, 4789, probe))), at);
        }
        packet(pipeline, ethernet(0x0800, ipv4Packet(ipv4(192, 168, 50, 1), ipv4(192, 168, 50, 99), 17, udp(1, 2, 0))),
                t + 10 * SECOND);
        pipeline.finish();
        return raised;
    }

    private static void packet(Pipeline p, byte[] frame, long at) {
        p.onPacket(buffer(frame), LinkType.ETHERNET, at, frame.length, 0);
    }

    /** A UDP datagram from 10.0.0.{@code host} port {@code sport} to 10.0.0.99:53, as an Enhanced Packet Block. */
    private static byte[] udpOn(long interfaceId, int host, int sport) {
        byte[] frame = ethernet(0x0800, ipv4Packet(ipv4(10, 0, 0, host), ipv4(10, 0, 0, 99), 17, udp(sport, 53, 4)));
        return epb(LE, interfaceId, 1_000_000L * host, frame, frame.length);
    }

    private static byte[] named(String name) {
        return idb(LE, LinkType.ETHERNET, 0, option(LE, 2, name.getBytes(StandardCharsets.UTF_8)));
    }

    /** The interface each flow was seen on, by its client's port. */
    private static Map<Integer, String> interfacesByPort(Path file) throws Exception {
        List<Flow> flows = new ArrayList<>();
        try (PcapFileSource source = PcapFileSource.open(file)) {
            Pipeline pipeline = Pipeline.create("node-a", source.interfaceNames(), FlowTableConfig.defaults(),
                    DetectionConfig.defaults(), flows::add, a -> { }).interfaceNames(source::interfaceName);
            source.run(pipeline);
            pipeline.finish();
        }
        return flows.stream().collect(Collectors.toMap(f -> f.getSource().getPort(), Flow::getInterface));
    }

    @Test
    void interfacesDeclaredAfterTheFirstPacketNameTheirFlows(@TempDir Path dir) throws Exception {
        // A second Interface Description Block after packets, and a second section with its own:
        // the flow table copied the names the file declared before its first packet.
        Path file = Files.write(dir.resolve("late.pcapng"), concat(shb(LE), named("eth0"), udpOn(0, 1, 1001),
                named("eth1"), udpOn(1, 2, 1002), udpOn(0, 3, 1003),
                shb(LE), named("wlan0"), udpOn(0, 4, 1004)));
        assertEquals(Map.of(1001, "eth0", 1002, "eth1", 1003, "eth0", 1004, "wlan0"), interfacesByPort(file));
    }

    @Test
    void aFlowOnAnInterfacePastThe255thHasNoNameRatherThanAnothersName(@TempDir Path dir) throws Exception {
        // The flow table keeps 8 bits of interface index, 255 meaning none: a flow on interface
        // 299 took interface 255's name.
        List<byte[]> blocks = new ArrayList<>(List.of(shb(LE)));
        for (int i = 0; i < 300; i++) {
            blocks.add(named("n" + i));
        }
        blocks.add(udpOn(254, 1, 1001));
        blocks.add(udpOn(255, 2, 1002));
        blocks.add(udpOn(299, 3, 1003));
        Path file = Files.write(dir.resolve("many.pcapng"), concat(blocks.toArray(byte[][]::new)));
        assertEquals(Map.of(1001, "n254", 1002, "", 1003, ""), interfacesByPort(file));
    }
}
