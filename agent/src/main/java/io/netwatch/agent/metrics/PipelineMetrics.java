package io.netwatch.agent.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.agent.Pipeline;
import io.netwatch.agent.decode.DecodeError;
import io.netwatch.agent.flow.FlowTable;
import io.netwatch.agent.inspect.Inspector;
import io.netwatch.agent.inspect.MessageKind;
import io.netwatch.agent.inspect.dns.DnsQueryType;
import io.netwatch.agent.inspect.dns.DnsResponseCode;
import io.netwatch.agent.inspect.http.HttpMethod;
import io.netwatch.agent.inspect.http.HttpStatusClass;
import io.netwatch.agent.inspect.http.HttpStream;
import io.netwatch.agent.inspect.tls.TlsVersionClass;
import io.netwatch.common.metrics.FunctionMeters;
import java.util.List;

/**
 * Capture, decode, flow-table and detector counters of one {@link Pipeline}. Labels take only
 * bounded values (reasons, anomaly types), never addresses.
 */
public final class PipelineMetrics implements MeterBinder {
    private final Pipeline pipeline;

    public PipelineMetrics(Pipeline pipeline) {
        this.pipeline = pipeline;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        meters.counter("netwatch.capture.packets", pipeline, Pipeline::packets,
                "Packets delivered by the capture source");
        FunctionCounter.builder("netwatch.capture", pipeline, Pipeline::bytes).baseUnit("bytes")
                .description("Bytes on the wire of the captured packets").register(registry);
        meters.counter("netwatch.capture.truncated.packets", pipeline, Pipeline::truncatedPackets,
                "Packets the capture cut short of their IP length (decoded as far as they go)");
        meters.counter("netwatch.capture.duplicate.packets", pipeline, Pipeline::duplicatePackets,
                "Copies of a packet already counted on another captured interface (any, bridges)");
        meters.counter("netwatch.pipeline.failed.packets", pipeline, Pipeline::failedPackets,
                "Packets dropped because handling them raised an error (a bug; see logs)");
        for (DecodeError e : DecodeError.values()) {
            if (e == DecodeError.NONE) {
                continue;
            }
            String name = e == DecodeError.NOT_IP ? "netwatch.decode.skipped.packets" : "netwatch.decode.errors";
            meters.counter(name, pipeline, p -> p.decodeOutcome(e),
                    e == DecodeError.NOT_IP ? "Frames that carry no IP (ARP, LLDP, ...)"
                            : "Packets that could not be decoded, by reason",
                    "reason", e.label());
        }
        meters.counter("netwatch.decode.tunnels.not.local", pipeline, Pipeline::tunnelsNotLocal,
                "Datagrams on a VXLAN or Geneve port left plain UDP, and GRE and IP-in-IP left unread: neither sent to this node nor by it (a pod's)");
        FlowTable flows = pipeline.flowTable();
        meters.counter("netwatch.flows.started", flows, FlowTable::flowsCreated, "Flows created in the flow table");
        meters.counter("netwatch.flows.evicted", flows, FlowTable::flowsEvicted,
                "Flows evicted early because the flow table was full");
        meters.counter("netwatch.flows.icmp.errors", flows, FlowTable::icmpErrors,
                "ICMP errors (unreachable, time exceeded), which quote another packet and count in no flow");
        meters.counter("netwatch.flow.records", flows, FlowTable::recordsEmitted,
                "Flow records emitted (final and interim)");
        meters.counter("netwatch.fragments.reassembled.datagrams", flows, FlowTable::datagramsReassembled,
                "Fragmented IP datagrams completed and counted in their flows");
        meters.counter("netwatch.fragments.incomplete.datagrams", flows, FlowTable::datagramsIncomplete,
                "Fragmented IP datagrams that never completed (timeout, bounds)");
        meters.counter("netwatch.fragments.uncounted.packets", flows, FlowTable::fragmentsUncounted,
                "Fragments of incomplete datagrams: they count in no flow");
        meters.counter("netwatch.fragments.uninspected.datagrams", flows, FlowTable::datagramsUninspected,
                "Fragmented IP datagrams counted in their flows without their payload (snap length, or no room): not inspected");
        meters.gauge("netwatch.flows.active", flows, FlowTable::flowsActive, "Flows tracked now");
        Inspector inspector = pipeline.inspector();
        if (inspector != null) {
            meters.counter("netwatch.inspect.flows", inspector, Inspector::inspectedFlows,
                    "Flows whose payload was inspected");
            meters.counter("netwatch.inspect.skipped.flows", inspector, Inspector::uninspectedFlows,
                    "Flows not inspected because the cap on flows under inspection was reached and none could make way");
            meters.counter("netwatch.inspect.evicted.flows", inspector, Inspector::evictedFlows,
                    "Flows whose inspection stopped to make way for a new flow at the cap on flows under inspection "
                            + "(unanswered ones first, then the least recently active)");
            for (MessageKind kind : MessageKind.values()) {
                meters.counter("netwatch.inspect.messages", inspector, i -> i.events(kind),
                        "Application-layer messages found (DNS, HTTP, TLS and QUIC hellos, SSH banners)",
                        "protocol", kind.label());
            }
            // What the messages said, Hubble's DNS and HTTP metrics with fixed label sets.
            for (DnsQueryType type : DnsQueryType.values()) {
                meters.counter("netwatch.inspect.dns.queries", inspector, i -> i.dnsQueries(type),
                        "DNS queries by the type of their first question (other: any other type, or none)",
                        "qtype", type.label());
            }
            for (DnsResponseCode code : DnsResponseCode.values()) {
                meters.counter("netwatch.inspect.dns.responses", inspector, i -> i.dnsResponses(code),
                        "DNS responses by RCODE (extended by EDNS; other: any but the six of RFC 1035)",
                        "rcode", code.label());
            }
            for (HttpMethod method : HttpMethod.values()) {
                meters.counter("netwatch.inspect.http.requests", inspector, i -> i.httpRequests(method),
                        "HTTP/1.x requests by method (other: any other token)", "method", method.label());
            }
            for (HttpStatusClass status : HttpStatusClass.values()) {
                meters.counter("netwatch.inspect.http.responses", inspector, i -> i.httpResponses(status),
                        "HTTP/1.x responses by status class, interim ones included (other: 600 to 999)",
                        "status", status.label());
            }
            for (MessageKind kind : List.of(MessageKind.TLS, MessageKind.QUIC)) {
                for (TlsVersionClass version : TlsVersionClass.values()) {
                    meters.counter("netwatch.inspect.tls.server.hellos", inspector,
                            i -> i.serverHellos(kind, version),
                            "TLS ServerHellos by the version they select (HelloRetryRequests not counted)",
                            "protocol", kind.label(), "version", version.label());
                }
            }
            for (MessageKind kind : MessageKind.values()) {
                meters.gauge("netwatch.inspect.parser.enabled", inspector,
                        i -> i.config().parsers().contains(kind) ? 1 : 0,
                        "1 when the protocol's messages are parsed, 0 when it is only named (inspection.parsers)",
                        "protocol", kind.label());
            }
            for (MessageKind kind : List.of(MessageKind.DNS, MessageKind.TLS, MessageKind.QUIC)) {
                meters.counter("netwatch.inspect.malformed.messages", inspector, i -> i.malformedMessages(kind),
                        "Messages a parser refused as malformed, not reported (DNS messages, TLS records and "
                                + "hellos, QUIC Initials that could not be opened)", "protocol", kind.label());
            }
            for (HttpStream.Event event : HttpStream.Event.values()) {
                meters.counter("netwatch.inspect.http.stream.events", inspector, i -> i.httpStreamEvents(event),
                        "HTTP directions in which this happened: a head refused, place lost or found again, "
                                + "broken chunks, inspection ended inside a message, parsing given up", "event",
                        event.code());
            }
            meters.counter("netwatch.inspect.quic.given.up.directions", inspector, Inspector::quicDirectionsGivenUp,
                    "QUIC directions in which a bound left a hello unread: 16 Initials in a row gave no message "
                            + "(Initials that cannot be opened count; the flow is named quic, with no TLS fields if "
                            + "none came before), a connection's message announced longer than the 16 KiB of CRYPTO "
                            + "data kept, or an Initial for a new connection while 4 are followed, none read or "
                            + "stalled");
            meters.counter("netwatch.inspect.quic.stalled.connections", inspector, Inspector::quicStalledConnections,
                    "QUIC connections whose place a new connection on their flow took because their client's "
                            + "CRYPTO stream had not grown over the flow's last 4 client Initials, their hello unread");
            meters.counter("netwatch.inspect.stream.gaps", inspector, Inspector::streamGaps,
                    "Holes in TCP streams that inspection had to skip");
            meters.counter("netwatch.inspect.stream.ignored.resets", inspector, Inspector::ignoredResets,
                    "TCP resets that did not end inspection: their sequence number lay outside their receiver's window");
            meters.counter("netwatch.inspect.reassembly.refused.segments", inspector, Inspector::budgetRefusals,
                    "Out-of-order segments not held because the reassembly memory budget was spent (their hole became a gap)");
            meters.gauge("netwatch.inspect.held.bytes", inspector, Inspector::heldBytes,
                    "Bytes inspection holds now across flows (out-of-order segments, bytes kept for parsers and rules), at most inspection.budget_bytes plus one flow's bounds");
            meters.counter("netwatch.inspect.memory.stopped.flows", inspector, Inspector::memoryStops,
                    "Flows whose inspection stopped because the bytes kept for their parsers and rules would have passed inspection.budget_bytes, or went to a flow holding less");
            meters.counter("netwatch.inspect.memory.reclaims", inspector, Inspector::memoryReclaims,
                    "Times the largest holder of inspection.budget_bytes (a direction's out-of-order segments, a flow's kept bytes) gave it all back so that a flow holding less could have room");
            meters.counter("netwatch.inspect.protocol.mismatches", inspector, Inspector::protocolMismatches,
                    "Flows whose payload protocol is not the one their port suggests");
        }
        new DetectorMetrics(pipeline.detectors()).bindTo(registry);
    }
}
