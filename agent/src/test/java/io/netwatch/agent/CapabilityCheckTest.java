package io.netwatch.agent;

import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.capture.CaptureCapabilities;
import io.netwatch.agent.capture.LiveCaptureConfig;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.DetectionConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Without the capabilities for live capture the agent stops at once, before it connects anywhere.
 * The timeout only bounds a hang.
 */
@org.junit.jupiter.api.Timeout(30)
class CapabilityCheckTest {
    @Test
    void missingCapabilitiesStopTheAgentBeforeItConnects() throws Exception {
        try (ServerSocket aggregator = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            AgentConfig config = new AgentConfig("node-a", null, LiveCaptureConfig.of(List.of("lo"), ""),
                    "127.0.0.1:" + aggregator.getLocalPort(), null, FlowTableConfig.defaults(),
                    DetectionConfig.defaults(), ExportConfig.defaults(), Duration.ofSeconds(1));
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            CaptureCapabilities rawOnly = CaptureCapabilities.parse("CapEff:\t0000000000002000\n");
            int code = AgentMain.run(config, new PrintStream(buf, true, StandardCharsets.UTF_8), () -> rawOnly);
            String out = buf.toString(StandardCharsets.UTF_8);
            assertEquals(2, code, out);
            assertTrue(out.contains("lacks CAP_NET_ADMIN") && out.contains("NET_ADMIN]"), out);
            // At once: the problem is all it said. Every step after the check reports (the
            // signature rules first), so an agent that went on before stopping says more.
            assertEquals("netwatch agent: " + rawOnly.captureProblem() + System.lineSeparator(), out);
            aggregator.setSoTimeout(300);
            assertThrows(SocketTimeoutException.class, aggregator::accept, "the agent connected to the aggregator");
        }
    }
}
