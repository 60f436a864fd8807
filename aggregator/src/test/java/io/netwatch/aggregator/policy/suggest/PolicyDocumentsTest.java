package io.netwatch.aggregator.policy.suggest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** What a NetworkPolicy file that does not bind is refused with. */
class PolicyDocumentsTest {
    @Test
    void aValueTheUserWroteIsQuotedAsWrittenAndJavaTypesBySimpleName() {
        // Found in review: Java type names were shortened wherever they were, so the user's own
        // dotted value, quoted back by Jackson, lost all but its last part ("Here").
        String m = assertThrows(IllegalArgumentException.class, () -> PolicyDocuments.read("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: x}
                spec: {podSelector: {}, egress: [{ports: [{port: 80, endPort: my.value.Here}]}]}
                """, "p.yaml", "default")).getMessage();
        assertEquals("p.yaml: document 1: spec.egress[0].ports[0].endPort: Cannot deserialize value of type `Integer`"
                + " from String \"my.value.Here\": not a valid `Integer` value", m);
    }
}
