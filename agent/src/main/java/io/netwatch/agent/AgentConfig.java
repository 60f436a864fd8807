package io.netwatch.agent;

import io.netwatch.agent.block.BlockConfig;
import io.netwatch.agent.capture.LiveCaptureConfig;
import io.netwatch.agent.decode.TunnelPorts;
import io.netwatch.agent.export.ClientTls;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.identity.IdentityCache;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.signature.RulesConfig;
import io.netwatch.agent.score.DetectionConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the agent needs to run. Exactly one of {@code pcapFile} and {@code live} is set.
 *
 * @param nodeName          the Kubernetes node name this agent reports as
 * @param pcapFile          replay this capture file, then exit
 * @param live              capture from these interfaces until stopped
 * @param aggregator        gRPC target of the aggregator, "host:port"
 * @param metricsAddress    where to serve /metrics, /healthz and /readyz; null for none
 * @param flows             the flow table's bounds and timeouts
 * @param detection         the detectors' parameters
 * @param export            batching, queue and reconnection towards the aggregator
 * @param drainTimeout      after a file ends, how long to wait for the aggregator to
 *                          acknowledge everything
 * @param rules             the signature rules and how they are reloaded
 * @param inspection        bounds of payload inspection and TCP reassembly
 * @param shutdownGrace     on SIGTERM, how long the agent has to end open flows and have the
 *                          aggregator acknowledge them; keep it below the pod's
 *                          terminationGracePeriodSeconds
 * @param identityCacheSize most addresses kept in the copy of the aggregator's identities
 *                          (the least recently used goes first past it, counted)
 * @param tls               mutual TLS towards the aggregator, or null for plaintext
 * @param block             node-level drops ordered by the aggregator (live capture only: a
 *                          replay never touches nftables)
 * @param pcapName          how {@code pcapFile} is named to the aggregator ({@code netwatch agents})
 *                          and in messages; null for its path. The demo replays a temporary copy
 *                          of its bundled capture and names the bundled one.
 * @param tunnelPorts       the UDP ports read as VXLAN and Geneve
 */
public record AgentConfig(String nodeName, Path pcapFile, LiveCaptureConfig live, String aggregator,
                          InetSocketAddress metricsAddress, FlowTableConfig flows, DetectionConfig detection,
                          ExportConfig export, Duration drainTimeout, RulesConfig rules,
                          InspectionConfig inspection, Duration shutdownGrace, int identityCacheSize,
                          ClientTls tls, BlockConfig block, String pcapName, TunnelPorts tunnelPorts) {
    /** Default grace period on SIGTERM; the DaemonSet gives the pod 30 s. */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(20);

    /**
     * In plaintext, with the default inspection bounds, shutdown grace period, identity cache
     * size and tunnel ports, and blocking off.
     */
    public AgentConfig(String nodeName, Path pcapFile, LiveCaptureConfig live, String aggregator,
                       InetSocketAddress metricsAddress, FlowTableConfig flows, DetectionConfig detection,
                       ExportConfig export, Duration drainTimeout, RulesConfig rules) {
        this(nodeName, pcapFile, live, aggregator, metricsAddress, flows, detection, export, drainTimeout, rules,
                InspectionConfig.defaults(), DEFAULT_SHUTDOWN_GRACE, IdentityCache.DEFAULT_MAX_ENTRIES, null,
                BlockConfig.off(), null, TunnelPorts.defaults());
    }

    /** As above, with the bundled signature rules only. */
    public AgentConfig(String nodeName, Path pcapFile, LiveCaptureConfig live, String aggregator,
                       InetSocketAddress metricsAddress, FlowTableConfig flows, DetectionConfig detection,
                       ExportConfig export, Duration drainTimeout) {
        this(nodeName, pcapFile, live, aggregator, metricsAddress, flows, detection, export, drainTimeout,
                RulesConfig.defaults());
    }

    public AgentConfig {
        if (nodeName == null || nodeName.isBlank()) {
            throw new IllegalArgumentException("node name must not be empty (set --node or NODE_NAME)");
        }
        if ((pcapFile == null) == (live == null)) {
            throw new IllegalArgumentException("give either a capture file (--pcap) or interfaces (--interface), not "
                    + (pcapFile == null ? "neither" : "both"));
        }
        if (aggregator == null || !aggregator.matches(".+:\\d{1,5}")) {
            throw new IllegalArgumentException("aggregator must be HOST:PORT, got '" + aggregator + "'");
        }
        if (shutdownGrace == null || shutdownGrace.isNegative() || shutdownGrace.isZero()) {
            throw new IllegalArgumentException("shutdown grace period must be a positive duration, got " + shutdownGrace);
        }
        if (identityCacheSize < 1) {
            throw new IllegalArgumentException("--identity-cache-size must be at least 1, got " + identityCacheSize);
        }
        if (block == null) {
            throw new IllegalArgumentException("block config must not be null (BlockConfig.off() turns blocking off)");
        }
        if (pcapName != null && (pcapFile == null || pcapName.isBlank())) {
            throw new IllegalArgumentException("a capture file's name needs a capture file, and some text");
        }
        if (tunnelPorts == null) {
            throw new IllegalArgumentException("tunnel ports must not be null (TunnelPorts.defaults() for the defaults)");
        }
        if (tls != null && (tls.certificate() == null || tls.ca() == null)) {
            throw new IllegalArgumentException("the agent's TLS needs its client certificate and key (--tls-cert,"
                    + " --tls-key) and the CA that signed the aggregator's (--tls-ca)");
        }
    }

    public AgentConfig withTls(ClientTls t) {
        return new AgentConfig(nodeName, pcapFile, live, aggregator, metricsAddress, flows, detection, export,
                drainTimeout, rules, inspection, shutdownGrace, identityCacheSize, t, block, pcapName, tunnelPorts);
    }

    /** The same replay, its file named {@code name} to the aggregator and in messages. */
    public AgentConfig withPcapName(String name) {
        return new AgentConfig(nodeName, pcapFile, live, aggregator, metricsAddress, flows, detection, export,
                drainTimeout, rules, inspection, shutdownGrace, identityCacheSize, tls, block, name, tunnelPorts);
    }
}
