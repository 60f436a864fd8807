package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Endpoint;
import java.io.ByteArrayOutputStream;
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
}
