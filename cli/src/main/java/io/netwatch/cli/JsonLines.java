package io.netwatch.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.Timestamp;
import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.inspect.dns.DnsMessage;
import io.netwatch.agent.inspect.dns.DnsParser;
import io.netwatch.agent.inspect.dns.DnsRecord;
import io.netwatch.agent.inspect.http.HttpRequest;
import io.netwatch.agent.inspect.http.HttpResponse;
import io.netwatch.agent.inspect.tls.ClientHello;
import io.netwatch.agent.inspect.tls.ServerHello;
import io.netwatch.agent.inspect.tls.TlsGrease;
import io.netwatch.agent.inspect.tls.TlsVersions;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.PolicyDecision;
import io.netwatch.proto.flow.v1.PolicyVerdict;
import io.netwatch.proto.flow.v1.TcpState;
import io.netwatch.proto.flow.v1.Workload;
import io.netwatch.proto.incident.v1.Incident;
import io.netwatch.proto.incident.v1.IncidentState;
import io.netwatch.proto.query.v1.IncidentChange;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/**
 * Netwatch's JSON lines output, one object per line, shared by {@code inspect},
 * {@code observe --json} and {@code anomalies --json} so scripts use one format everywhere
 * (like Suricata's eve.json). Field names are a user-facing contract: see docs/json-lines.md.
 * Fields with no value are omitted, never faked.
 */
public final class JsonLines implements AutoCloseable {
    private static final DateTimeFormatter RFC3339_NANOS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final JsonGenerator json;

    public JsonLines(OutputStream out) {
        try {
            this.json = new JsonFactory().createGenerator(out);
            // Each object ends its own line (see endLine).
            json.setRootValueSeparator(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void flow(Flow f) {
        try {
            json.writeStartObject();
            json.writeStringField("type", "flow");
            json.writeNumberField("flow_id", f.getFlowId());
            json.writeStringField("proto", protocolName(f.getIpProtocol()));
            json.writeStringField("src_ip", f.getSource().getIp());
            if (hasPorts(f)) {
                json.writeNumberField("src_port", f.getSource().getPort());
            }
            json.writeStringField("dst_ip", f.getDestination().getIp());
            if (hasPorts(f)) {
                json.writeNumberField("dst_port", f.getDestination().getPort());
            }
            if (f.hasIcmp()) {
                json.writeNumberField("icmp_type", f.getIcmp().getType());
                json.writeNumberField("icmp_code", f.getIcmp().getCode());
            }
            json.writeNumberField("tunnel_depth", f.getTunnelsCount());
            json.writeArrayFieldStart("vlan");
            for (int v : f.getVlanIdsList()) {
                json.writeNumber(v);
            }
            json.writeEndArray();
            json.writeStringField("start", time(f.getFirstSeen()));
            json.writeStringField("end", time(f.getLastSeen()));
            json.writeNumberField("pkts_toserver", f.getToServer().getPackets());
            json.writeNumberField("bytes_toserver", f.getToServer().getBytes());
            json.writeNumberField("pkts_toclient", f.getToClient().getPackets());
            json.writeNumberField("bytes_toclient", f.getToClient().getBytes());
            json.writeStringField("state", state(f));
            if (!f.getAppProto().isEmpty()) {
                json.writeStringField("app_proto", f.getAppProto());
            }
            json.writeStringField("community_id", f.getCommunityId());
            identity("src", f.getSource());
            identity("dst", f.getDestination());
            if (f.hasPolicy()) {
                PolicyVerdict v = f.getPolicy();
                json.writeObjectFieldStart("policy");
                json.writeStringField("decision", decision(v.getDecision()));
                if (!v.getEgress().isEmpty()) {
                    json.writeStringField("egress", v.getEgress());
                    json.writeStringField("ingress", v.getIngress());
                }
                if (v.getPoliciesCount() > 0) {
                    json.writeArrayFieldStart("policies");
                    for (String name : v.getPoliciesList()) {
                        json.writeString(name);
                    }
                    json.writeEndArray();
                }
                if (!v.getReason().isEmpty()) {
                    json.writeStringField("reason", v.getReason());
                }
                json.writeEndObject();
            }
            if (f.getAlertsCount() > 0) {
                json.writeArrayFieldStart("alerts");
                for (var a : f.getAlertsList()) {
                    json.writeStartObject();
                    json.writeNumberField("sid", a.getSid());
                    json.writeStringField("msg", a.getMsg());
                    json.writeStringField("severity", a.getSeverity());
                    json.writeEndObject();
                }
                json.writeEndArray();
            }
            if (!f.getNodeName().isEmpty()) {
                json.writeStringField("node", f.getNodeName());
            }
            if (!f.getInterface().isEmpty()) {
                json.writeStringField("interface", f.getInterface());
            }
            if (f.getMissedBytes() > 0) {
                json.writeNumberField("missed_bytes", f.getMissedBytes());
            }
            if (f.getInspectionLimitValue() != 0) {
                json.writeStringField("inspection_limit", inspectionLimit(f));
            }
            json.writeStringField("end_reason", endReason(f));
            if (f.getInterim()) {
                json.writeBooleanField("interim", true);
            }
            endLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void anomaly(Anomaly a) {
        try {
            json.writeStartObject();
            json.writeStringField("type", "anomaly");
            if (!a.getId().isEmpty()) {
                // What an incident's anomaly_ids name (found in review: nothing showed them).
                json.writeStringField("id", a.getId());
            }
            json.writeStringField("anomaly_type", a.getAnomalyType());
            json.writeStringField("severity", severity(a));
            json.writeNumberField("score", a.getScore());
            json.writeStringField("src_ip", a.getSource().getIp());
            if (!a.getDestination().getIp().isEmpty()) {
                json.writeStringField("dst_ip", a.getDestination().getIp());
            }
            if (a.getDestination().getPort() != 0) {
                json.writeNumberField("dst_port", a.getDestination().getPort());
            }
            identity("src", a.getSource());
            identity("dst", a.getDestination());
            json.writeStringField("start", time(a.getStart()));
            json.writeStringField("end", time(a.getEnd()));
            json.writeStringField("explanation", a.getExplanation().getSummary());
            json.writeArrayFieldStart("observations");
            for (var o : a.getExplanation().getObservationsList()) {
                json.writeStartObject();
                json.writeStringField("name", o.getName());
                json.writeNumberField("observed", o.getObserved());
                json.writeNumberField("expected", o.getExpected());
                json.writeStringField("unit", o.getUnit());
                json.writeEndObject();
            }
            json.writeEndArray();
            if (!a.getAttackTechnique().isEmpty()) {
                // Left out when unknown (a rule without a classtype), as every field Netwatch cannot fill.
                json.writeStringField("attack_technique", a.getAttackTechnique());
            }
            json.writeArrayFieldStart("evidence");
            for (long id : a.getEvidenceFlowIdsList()) {
                json.writeNumber(id);
            }
            json.writeEndArray();
            if (!a.getNodeName().isEmpty()) {
                json.writeStringField("node", a.getNodeName());
            }
            json.writeStringField("detector", a.getDetector());
            endLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * An incident ({@code netwatch incidents --json}); {@code change} and {@code lost_before}
     * only when following.
     */
    public void incident(Incident i, IncidentChange change, long lostBefore) {
        try {
            json.writeStartObject();
            json.writeStringField("type", "incident");
            json.writeStringField("id", i.getId());
            if (change != IncidentChange.INCIDENT_CHANGE_CURRENT && change != IncidentChange.INCIDENT_CHANGE_UNKNOWN) {
                json.writeStringField("change", change.name().substring("INCIDENT_CHANGE_".length())
                        .toLowerCase(Locale.ROOT));
            }
            if (lostBefore > 0) {
                json.writeNumberField("lost_before", lostBefore);
            }
            json.writeStringField("state", i.getState() == IncidentState.INCIDENT_STATE_OPEN ? "open" : "resolved");
            json.writeStringField("severity", severity(i.getSeverity()));
            json.writeStringField("base_severity", severity(i.getBaseSeverity()));
            strings("escalations", i.getEscalationsList());
            json.writeStringField("family", i.getFamily());
            json.writeStringField("actor", i.getActor());
            if (!i.getWorkload().isEmpty()) {
                json.writeStringField("workload", i.getWorkload());
            }
            if (!i.getDomain().isEmpty()) {
                json.writeStringField("domain", i.getDomain());
            }
            json.writeStringField("first_seen", time(i.getFirstSeen()));
            json.writeStringField("last_seen", time(i.getLastSeen()));
            json.writeStringField("opened", time(i.getOpened()));
            json.writeStringField("updated", time(i.getUpdated()));
            if (i.hasResolved()) {
                json.writeStringField("resolved", time(i.getResolved()));
            }
            json.writeObjectFieldStart("types");
            for (var t : i.getTypesList()) {
                json.writeNumberField(t.getAnomalyType(), t.getCount());
            }
            json.writeEndObject();
            strings("nodes", i.getNodeNamesList());
            strings("targets", i.getTargetsList());
            if (i.getSourcesCount() > 0) {
                strings("sources", i.getSourcesList());
            }
            strings("attack_techniques", i.getAttackTechniquesList());
            strings("anomaly_ids", i.getAnomalyIdsList());
            json.writeNumberField("detections", i.getDetections());
            json.writeNumberField("duplicates", i.getDuplicates());
            if (i.getEvicted()) {
                json.writeBooleanField("evicted", true);
            }
            json.writeStringField("summary", i.getSummary());
            endLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void strings(String name, java.util.List<String> values) throws IOException {
        json.writeArrayFieldStart(name);
        for (String v : values) {
            json.writeString(v);
        }
        json.writeEndArray();
    }

    /** One application-layer message found by inspection, or nothing for kinds without a JSON record. */
    public void event(InspectionEvent e) {
        try {
            switch (e) {
                case InspectionEvent.Dns d -> dns(d);
                case InspectionEvent.Tls t -> tls(t);
                case InspectionEvent.Http h -> http(h);
                case InspectionEvent.Ssh ssh -> {
                    // SSH identification strings are in the flow's record.
                }
                case InspectionEvent.Alert a -> alert(a);
            }
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    private void header(String type, InspectionEvent e) throws IOException {
        json.writeStartObject();
        json.writeStringField("type", type);
        json.writeNumberField("flow_id", e.flowId());
        json.writeStringField("timestamp", RFC3339_NANOS.format(Instant.ofEpochSecond(0, e.timestampNanos())));
        InspectionEvent.Endpoints p = e.endpoints();
        json.writeStringField("src_ip", p.srcIp());
        json.writeNumberField("src_port", p.srcPort());
        json.writeStringField("dst_ip", p.dstIp());
        json.writeNumberField("dst_port", p.dstPort());
        json.writeStringField("transport", p.transport());
    }

    private void dns(InspectionEvent.Dns d) throws IOException {
        DnsMessage m = d.message();
        header("dns", d);
        json.writeNumberField("id", m.id());
        json.writeStringField("qr", m.response() ? "response" : "query");
        json.writeNumberField("opcode", m.opcode());
        if (m.response()) {
            json.writeStringField("rcode", DnsParser.rcodeName(m.rcode()));
        }
        json.writeBooleanField("tc", m.truncated());
        if (!m.questions().isEmpty()) {
            json.writeStringField("qname", m.qname());
            json.writeNumberField("qtype", m.qtype());
            json.writeStringField("qtype_name", DnsParser.typeName(m.qtype()));
        }
        json.writeArrayFieldStart("answers");
        for (DnsRecord r : m.answers()) {
            json.writeStartObject();
            json.writeStringField("name", r.name());
            json.writeStringField("type", DnsParser.typeName(r.type()));
            json.writeNumberField("ttl", r.ttl());
            json.writeStringField("data", r.data());
            json.writeEndObject();
        }
        json.writeEndArray();
        if (!m.anomalies().isEmpty()) {
            json.writeArrayFieldStart("anomalies");
            for (String a : m.anomalies()) {
                json.writeString(a);
            }
            json.writeEndArray();
        }
        endLine();
    }

    private void alert(InspectionEvent.Alert a) throws IOException {
        header("alert", a);
        if (!a.appProto().isEmpty()) {
            json.writeStringField("app_proto", a.appProto());
        }
        json.writeObjectFieldStart("alert");
        json.writeNumberField("sid", a.rule().sid());
        json.writeNumberField("rev", a.rule().rev());
        json.writeStringField("msg", a.rule().msg());
        writeIf("classtype", a.rule().classtype());
        json.writeStringField("severity", a.rule().severity());
        json.writeStringField("buffer", a.buffer());
        json.writeStringField("rule_source", a.rule().origin());
        json.writeEndObject();
        endLine();
    }

    private void http(InspectionEvent.Http h) throws IOException {
        header("http", h);
        json.writeStringField("kind", h.isRequest() ? "request" : "response");
        HttpRequest q = h.request();
        if (q != null) {
            writeIf("method", q.method());
            writeIf("host", q.host());
            writeIf("uri", q.uri());
            writeIf("user_agent", q.userAgent());
        }
        java.util.List<String> anomalies;
        if (h.isRequest()) {
            writeIf("version", q.version());
            writeIf("content_type", q.contentType());
            writeIf("content_length", q.contentLengthHeader());
            anomalies = q.anomalies();
        } else {
            HttpResponse r = h.response();
            writeIf("version", r.version());
            json.writeNumberField("status", r.status());
            writeIf("content_type", r.contentType());
            writeIf("content_length", r.contentLengthHeader());
            anomalies = r.anomalies();
        }
        if (!anomalies.isEmpty()) {
            // The head's own oddities (a response's, not its request's): smuggling and evasion tells.
            strings("anomalies", anomalies);
        }
        endLine();
    }

    private void writeIf(String field, String value) throws IOException {
        if (value != null && !value.isEmpty()) {
            json.writeStringField(field, value);
        }
    }

    private void tls(InspectionEvent.Tls t) throws IOException {
        header("tls", t);
        json.writeStringField("handshake", t.handshake());
        if (t.client() != null) {
            ClientHello c = t.client();
            if (c.sni() != null && !c.sni().isEmpty()) {
                json.writeStringField("sni", c.sni());
            }
            json.writeStringField("version", TlsVersions.name(TlsVersions.highestOffered(c)));
            json.writeArrayFieldStart("supported_versions");
            for (int v : c.supportedVersions()) {
                if (!TlsGrease.is(v)) {
                    json.writeString(TlsVersions.name(v));
                }
            }
            json.writeEndArray();
            json.writeArrayFieldStart("alpn");
            for (String a : c.alpn()) {
                json.writeString(a);
            }
            json.writeEndArray();
            json.writeStringField("ja4", t.ja4());
            if (!t.ja3().isEmpty()) {
                json.writeStringField("ja3", t.ja3());
            }
        } else {
            ServerHello h = t.server();
            json.writeStringField("version", TlsVersions.name(TlsVersions.selected(h)));
            if (h.alpn() != null && !h.alpn().isEmpty()) {
                json.writeArrayFieldStart("alpn");
                json.writeString(h.alpn());
                json.writeEndArray();
            }
            if (h.cipherSuite() >= 0) {
                json.writeStringField("cipher_suite", String.format("0x%04x", h.cipherSuite()));
            }
        }
        endLine();
    }

    /** The closing {@code stats} object: names to numbers, or to nested name-number maps. */
    public void stats(Map<String, Object> fields) {
        try {
            json.writeStartObject();
            json.writeStringField("type", "stats");
            writeFields(fields);
            endLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private void writeFields(Map<String, Object> fields) throws IOException {
        for (var e : fields.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map<?, ?> m) {
                json.writeObjectFieldStart(e.getKey());
                writeFields((Map<String, Object>) m);
                json.writeEndObject();
            } else if (v instanceof java.util.List<?> list) {
                json.writeArrayFieldStart(e.getKey());
                for (Object item : list) {
                    json.writeString(String.valueOf(item));
                }
                json.writeEndArray();
            } else if (v instanceof Number n) {
                json.writeFieldName(e.getKey());
                if (n instanceof Double d) {
                    json.writeNumber(d);
                } else {
                    json.writeNumber(n.longValue());
                }
            } else {
                json.writeStringField(e.getKey(), String.valueOf(v));
            }
        }
    }

    private void endLine() throws IOException {
        json.writeEndObject();
        json.writeRaw('\n');
        json.flush();
    }

    @Override
    public void close() {
        try {
            json.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean hasPorts(Flow f) {
        return f.hasTcp() || f.hasUdp() || f.hasSctp();
    }

    static String time(Timestamp t) {
        return RFC3339_NANOS.format(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()));
    }

    static String protocolName(int protocol) {
        return switch (protocol) {
            case 1 -> "icmp";
            case 2 -> "igmp";
            case 4 -> "ipip";
            case 6 -> "tcp";
            case 17 -> "udp";
            case 41 -> "ipv6";
            case 47 -> "gre";
            case 50 -> "esp";
            case 51 -> "ah";
            case 58 -> "icmpv6";
            case 89 -> "ospf";
            case 103 -> "pim";
            case 112 -> "vrrp";
            case 132 -> "sctp";
            default -> Integer.toString(protocol);
        };
    }

    static String state(Flow f) {
        if (f.hasTcp()) {
            TcpState s = f.getTcp().getState();
            return switch (s) {
                case TCP_STATE_SYN_SENT -> "syn_sent";
                case TCP_STATE_SYN_RECEIVED -> "syn_received";
                case TCP_STATE_ESTABLISHED -> "established";
                case TCP_STATE_CLOSING -> "closing";
                case TCP_STATE_CLOSED -> "closed";
                case TCP_STATE_RESET -> "reset";
                default -> "unknown";
            };
        }
        return f.getToClient().getPackets() > 0 ? "established" : "new";
    }

    static String endReason(Flow f) {
        return switch (f.getEndReason()) {
            case FLOW_END_REASON_IDLE_TIMEOUT -> "idle_timeout";
            case FLOW_END_REASON_ACTIVE_TIMEOUT -> "active_timeout";
            case FLOW_END_REASON_END_OF_FLOW -> "end_of_flow";
            case FLOW_END_REASON_EVICTED -> "evicted";
            case FLOW_END_REASON_END_OF_CAPTURE -> "end_of_capture";
            default -> "unknown";
        };
    }

    /**
     * Who an endpoint is, as far as the aggregator knew when it stored the record: its pod
     * ({@code SIDE_namespace}, {@code SIDE_pod}, {@code SIDE_workload} as {@code Kind/name}),
     * or, outside the cluster, the DNS name it is known by ({@code SIDE_name}). Each only when
     * known: an agent's own records carry none.
     */
    private void identity(String side, Endpoint e) throws IOException {
        Workload w = e.getWorkload();
        if (!w.getNamespace().isEmpty()) {
            json.writeStringField(side + "_namespace", w.getNamespace());
        }
        if (!w.getPodName().isEmpty()) {
            json.writeStringField(side + "_pod", w.getPodName());
        }
        if (!w.getWorkloadKind().isEmpty() && !w.getWorkloadName().isEmpty()) {
            json.writeStringField(side + "_workload", w.getWorkloadKind() + "/" + w.getWorkloadName());
        }
        String name = dnsName(w);
        if (!name.isEmpty()) {
            json.writeStringField(side + "_name", name);
        }
    }

    /**
     * The DNS name an address outside the cluster is known by, empty when none: the aggregator
     * stores the address's network ("203.0.113.0/24") in the same field when the agents saw no
     * name resolve to it, and that is no name (found in review: it was printed as one, in place
     * of the address).
     */
    static String dnsName(Workload w) {
        String name = w.getExternalName();
        return name.indexOf('/') >= 0 ? "" : name;
    }

    static String decision(PolicyDecision d) {
        return switch (d) {
            case POLICY_DECISION_ALLOWED -> "allowed";
            case POLICY_DECISION_DENIED -> "denied";
            default -> "unknown";
        };
    }

    /** The bound that cut the flow's payload inspection short (docs/flows.md), named by what it bounds. */
    static String inspectionLimit(Flow f) {
        return switch (f.getInspectionLimit()) {
            case INSPECTION_LIMIT_FLOWS -> "flows";
            case INSPECTION_LIMIT_EVICTED -> "evicted";
            case INSPECTION_LIMIT_MEMORY -> "memory";
            default -> "unknown";
        };
    }

    static String severity(Anomaly a) {
        return severity(a.getSeverity());
    }

    static String severity(io.netwatch.proto.anomaly.v1.Severity s) {
        return switch (s) {
            case SEVERITY_INFO -> "info";
            case SEVERITY_LOW -> "low";
            case SEVERITY_MEDIUM -> "medium";
            case SEVERITY_HIGH -> "high";
            case SEVERITY_CRITICAL -> "critical";
            default -> "unknown";
        };
    }
}
