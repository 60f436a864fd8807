package io.netwatch.agent;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.decode.NodeAddresses;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The per-packet path allocates nothing once a flow exists: decode, duplicate check, flow
 * lookup and update, detector clock, inspection of a stream already named. (A DNS message is
 * parsed into objects: application messages are events, and allocate.) Measured with the JVM's per-thread allocation counter,
 * not with time.
 */
class HotPathAllocationTest {
    @Test
    void packetsOfKnownFlowsAllocateNothing() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
                "needs HotSpot's per-thread allocation counter");
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Pipeline pipeline = Pipeline.create("node", java.util.List.of("eth0"), FlowTableConfig.defaults(),
                DetectionConfig.defaults(), FlowSink.NONE, AnomalySink.NONE).deduplicate(1_000_000L)
                .localAddresses(new NodeAddresses(() -> java.util.List.of(java.net.InetAddress.getByName("10.0.2.1")))
                        .refresh());
        ByteBuffer[] frames = new ByteBuffer[72];
        for (int i = 64; i < frames.length; i++) {
            // VXLAN, live: from the node (looked up among pods' datagrams), to it, and a pod's (remembered).
            byte[] inner = ethernetIpv4Tcp(ipv4(10, 244, 1, i), 40000, ipv4(10, 244, 2, 1), 443, 0x18, 100);
            byte[] u = udp(50000 + i, 4789, 8 + inner.length);
            u[8] = 0x08;
            System.arraycopy(inner, 0, u, 16, inner.length);
            byte[] src = i % 4 == 0 ? ipv4(10, 0, 2, 1) : i % 4 == 1 ? ipv4(10, 0, 2, 9) : ipv4(10, 244, 1, 200);
            byte[] dst = i % 4 == 1 ? ipv4(10, 0, 2, 1) : ipv4(10, 0, 2, 9);
            frames[i] = buffer(ethernet(0x0800, ipv4Packet(i % 4 == 3 ? ipv4(10, 0, 2, 1) : src, dst, 17, u)));
        }
        for (int i = 0; i < 64; i++) {
            byte[] f = i % 2 == 0
                    ? ethernetIpv4Tcp(ipv4(10, 0, 0, i), 40000 + i, ipv4(10, 0, 1, 1), 443, 0x18, 200)
                    : ethernet(0x86DD, ipv6Packet(ipv6("fd000000000000000000000000000001"),
                            ipv6("fd0000000000000000000000000000" + String.format("%02x", i)), 17, udp(5000, 9999, 40)), 7);
            frames[i] = buffer(f);
        }
        long t = 1_700_000_000_000_000_000L;
        // Warm up: create the flows, compile the path, and let the unanswered UDP flows be
        // decided (once per flow, a second after their first packet; 4,000 rounds are 2.6 s).
        for (int round = 0; round < 4_000; round++) {
            for (ByteBuffer f : frames) {
                pipeline.onPacket(f.clear(), LinkType.ETHERNET, t += 10_000, f.limit(), 0);
            }
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        int packets = 0;
        for (int round = 0; round < 5_000; round++) {
            for (ByteBuffer f : frames) {
                pipeline.onPacket(f.clear(), LinkType.ETHERNET, t += 10_000, f.limit(), 0);
                packets++;
            }
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < packets / 100, allocated + " bytes allocated for " + packets + " packets");
        assertTrue(pipeline.failedPackets() == 0);
    }
}
