package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.inspect.http.HttpParser;
import io.netwatch.agent.inspect.http.HttpRequest;
import io.netwatch.agent.inspect.http.HttpResult;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.InspectionLimit;
import io.netwatch.proto.flow.v1.PolicyDecision;
import io.netwatch.proto.flow.v1.PolicyVerdict;
import io.netwatch.proto.flow.v1.TCP;
import io.netwatch.proto.flow.v1.Workload;
import io.netwatch.proto.incident.v1.Incident;
import io.netwatch.proto.query.v1.IncidentChange;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonLinesTest {
    private static JsonNode line(Anomaly a) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonLines json = new JsonLines(out);
        json.anomaly(a);
        return new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anAnomalyNamesItsIdAndLeavesOutATechniqueItDoesNotKnow() throws Exception {
        // Found in review: a rule without a classtype printed "attack_technique":"", and no
        // output showed the ids an incident's anomaly_ids name.
        JsonNode n = line(Anomaly.newBuilder().setId("node-a-sig-4").setAnomalyType("signature")
                .setSource(Endpoint.newBuilder().setIp("10.0.0.5")).build());
        assertEquals("node-a-sig-4", n.get("id").asText());
        assertFalse(n.has("attack_technique"), n.toString());
        n = line(Anomaly.newBuilder().setAnomalyType("port_scan").setAttackTechnique("T1046").build());
        assertEquals("T1046", n.get("attack_technique").asText());
        assertFalse(n.has("id"), n.toString());
    }

    private static JsonNode line(Flow f) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new JsonLines(out).flow(f);
        return new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aFlowSaysWhatInspectionMissedOfIt() throws Exception {
        Flow.Builder f = Flow.newBuilder().setIpProtocol(6).setIpVersion(4)
                .setSource(Endpoint.newBuilder().setIp("10.0.0.1").setPort(40000))
                .setDestination(Endpoint.newBuilder().setIp("10.0.0.2").setPort(80));
        JsonNode n = line(f.build());
        assertFalse(n.has("missed_bytes"), n.toString());
        assertFalse(n.has("inspection_limit"), n.toString());
        n = line(f.setMissedBytes(1448).setInspectionLimit(InspectionLimit.INSPECTION_LIMIT_EVICTED).build());
        assertEquals(1448, n.get("missed_bytes").asLong());
        assertEquals("evicted", n.get("inspection_limit").asText());
        assertEquals("flows", line(f.setInspectionLimit(InspectionLimit.INSPECTION_LIMIT_FLOWS).build())
                .get("inspection_limit").asText());
        assertEquals("memory", line(f.setInspectionLimit(InspectionLimit.INSPECTION_LIMIT_MEMORY).build())
                .get("inspection_limit").asText());
        String text = TextFormat.flow(f.build());
        assertTrue(text.endsWith("  (inspection: missed 1448 B, cut short, out of memory)"), text);
        assertFalse(TextFormat.flow(f.clearMissedBytes().clearInspectionLimit().build()).contains("inspection"));
    }

    @Test
    void aFlowSaysWhoItsEndpointsAreAndThePolicyVerdictAsTheAggregatorStoredThem() throws Exception {
        // Found in review: observe printed addresses only, though the aggregator had stored
        // each endpoint's pod, workload or DNS name and the flow's verdict.
        Flow f = Flow.newBuilder().setIpProtocol(6).setIpVersion(4).setTcp(TCP.getDefaultInstance())
                .setSource(Endpoint.newBuilder().setIp("10.0.0.1").setPort(40000).setWorkload(Workload.newBuilder()
                        .setNamespace("shop").setPodName("web-1").setWorkloadKind("Deployment").setWorkloadName("web")))
                .setDestination(Endpoint.newBuilder().setIp("203.0.113.7").setPort(443)
                        .setWorkload(Workload.newBuilder().setExternalName("api.example.com")))
                .setPolicy(PolicyVerdict.newBuilder().setDecision(PolicyDecision.POLICY_DECISION_DENIED)
                        .setEgress("deny").setIngress("external").addPolicies("shop/default-deny"))
                .build();
        JsonNode n = line(f);
        assertEquals("shop", n.get("src_namespace").asText());
        assertEquals("web-1", n.get("src_pod").asText());
        assertEquals("Deployment/web", n.get("src_workload").asText());
        assertFalse(n.has("src_name"), n.toString());
        assertEquals("api.example.com", n.get("dst_name").asText());
        assertFalse(n.has("dst_pod"), n.toString());
        assertEquals("denied", n.at("/policy/decision").asText());
        assertEquals("deny", n.at("/policy/egress").asText());
        assertEquals("shop/default-deny", n.at("/policy/policies/0").asText());
        String text = TextFormat.flow(f);
        assertTrue(text.contains("shop/web-1:40000 -> api.example.com:443 TCP"), text);
        assertTrue(text.endsWith("  policy denied"), text);
        JsonNode bare = line(f.toBuilder().clearPolicy().setSource(Endpoint.newBuilder().setIp("10.0.0.1").setPort(1))
                .build());
        assertFalse(bare.has("policy") || bare.has("src_namespace") || bare.has("src_pod"), bare.toString());
        assertTrue(TextFormat.flow(f.toBuilder().clearPolicy().clearDestination().build()).contains("shop/web-1:40000 -> "));
    }

    /**
     * Found in review: an outside address no DNS name was seen for is stored with its network
     * ("203.0.113.0/24") in external_name. That was written as dst_name, and observe's text
     * printed it in place of the address, which was then nowhere on the line.
     */
    @Test
    void anOutsideAddressWithoutANameKeepsItsAddress() throws Exception {
        Flow f = Flow.newBuilder().setIpProtocol(6).setIpVersion(4).setTcp(TCP.getDefaultInstance())
                .setSource(Endpoint.newBuilder().setIp("10.0.0.1").setPort(40000))
                .setDestination(Endpoint.newBuilder().setIp("203.0.113.7").setPort(443)
                        .setWorkload(Workload.newBuilder().setExternalName("203.0.113.0/24")))
                .build();
        JsonNode n = line(f);
        assertFalse(n.has("dst_name"), n.toString());
        assertEquals("203.0.113.7", n.get("dst_ip").asText());
        String text = TextFormat.flow(f);
        assertTrue(text.contains("10.0.0.1:40000 -> 203.0.113.7:443 TCP"), text);
        Flow v6 = f.toBuilder().setIpVersion(6).setDestination(Endpoint.newBuilder().setIp("2001:db8:1::7").setPort(443)
                .setWorkload(Workload.newBuilder().setExternalName("2001:db8:1::/48"))).build();
        assertTrue(TextFormat.flow(v6).contains("-> [2001:db8:1::7]:443 TCP"), TextFormat.flow(v6));
        assertFalse(line(v6).has("dst_name"));
    }

    private static JsonNode line(Incident i) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new JsonLines(out).incident(i, IncidentChange.INCIDENT_CHANGE_CURRENT, 0);
        return new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anIncidentNamesItsActorsWorkloadWhenItHasOne() throws Exception {
        JsonNode n = line(Incident.newBuilder().setId("inc-1").setActor("shop/web").setWorkload("Deployment/web")
                .build());
        assertEquals("shop/web", n.get("actor").asText());
        assertEquals("Deployment/web", n.get("workload").asText());
        n = line(Incident.newBuilder().setId("inc-2").setActor("10.0.0.5").build());
        assertFalse(n.has("workload"), n.toString());
    }

    private static JsonNode line(InspectionEvent e) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonLines json = new JsonLines(out);
        json.event(e);
        return new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
    }

    private static HttpRequest request(String head) {
        byte[] b = head.getBytes(StandardCharsets.ISO_8859_1);
        return (HttpRequest) ((HttpResult.Ok) HttpParser.parseRequestHead(ByteBuffer.wrap(b), 0, b.length)).message();
    }

    @Test
    void anHttpLineNamesTheHeadsAnomalies() throws Exception {
        // Found in review: HTTP heads' oddities (smuggling and evasion tells) were in no output.
        InspectionEvent.Endpoints ends = new InspectionEvent.Endpoints("10.0.0.1", 40000, "10.0.0.2", 80, "tcp");
        StringBuilder filler = new StringBuilder();
        for (int i = 0; i <= HttpParser.MAX_HEADERS; i++) {
            filler.append("X-").append(i).append(": v\r\n");
        }
        JsonNode padded = line(new InspectionEvent.Http(1, 0, ends,
                request("POST / HTTP/1.1\r\nHost: h\r\n" + filler + "Content-Length: 5\r\n\r\n"), null));
        assertEquals("[\"too_many_headers\"]", padded.get("anomalies").toString());
        assertEquals("5", padded.get("content_length").asText());
        JsonNode plain = line(new InspectionEvent.Http(1, 0, ends, request("GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
                null));
        assertFalse(plain.has("anomalies"), plain.toString());
    }
}
