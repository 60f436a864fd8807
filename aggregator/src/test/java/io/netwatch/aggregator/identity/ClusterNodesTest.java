package io.netwatch.aggregator.identity;

import static io.netwatch.aggregator.identity.ClusterObjects.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The nodes' addresses: what the Nodes list, and what their pods name as their host's, for as long as one does. */
class ClusterNodesTest {
    private final ClusterState state = new ClusterState(new IdentityIndex(),
            new PolicyHistory(PolicyHistory.DEFAULT_MAX_VERSIONS), () -> 1_700_000_000_000_000_000L);

    private static Node node(String name, NodeAddress... addresses) {
        return new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus()
                .withAddresses(addresses).endStatus().build();
    }

    @Test
    void theNodesInternalAndExternalAddressesOfBothFamiliesAreNodeAddressesTheirNamesAreNot() {
        ClusterNodes nodes = state.nodes();
        nodes.listed(List.of(node("node-a", new NodeAddress("192.168.0.1", "InternalIP"),
                        new NodeAddress("fd00::1", "InternalIP"), new NodeAddress("198.51.100.20", "ExternalIP"),
                        new NodeAddress("node-a", "Hostname"), new NodeAddress("10.9.9.9", "InternalDNS")),
                node("node-b", new NodeAddress("192.168.0.2", "InternalIP")), new Node()));
        assertTrue(nodes.contains("192.168.0.1"));
        assertTrue(nodes.contains("fd00:0:0::1"), "as an address, not as text");
        assertTrue(nodes.contains("198.51.100.20"));
        assertTrue(nodes.contains("192.168.0.2"));
        assertFalse(nodes.contains("10.9.9.9"), "an InternalDNS entry is a name's place, not an address of the node");
        assertFalse(nodes.contains("node-a"));
        assertFalse(nodes.contains("203.0.113.7"));
        assertEquals(4, nodes.size());
        // What the response stage's protected addresses read: every address, with its type and node.
        assertTrue(nodes.listedYet());
        assertEquals("InternalIP of node node-a", nodes.describe("fd00:0:0::1"));
        assertEquals("ExternalIP of node node-a", nodes.describe("198.51.100.20"));
        assertEquals("InternalDNS of node node-a", nodes.describe("10.9.9.9"));
        assertNull(nodes.describe("node-a"));
        // node-b left the cluster: the next list no longer has it.
        nodes.listed(List.of(node("node-a", new NodeAddress("192.168.0.1", "InternalIP"))));
        assertFalse(nodes.contains("192.168.0.2"));
        assertFalse(nodes.contains("198.51.100.20"));
    }

    @Test
    void aFailedListKeepsTheLastOneAndSaysWhy() {
        ClusterNodes nodes = state.nodes();
        assertFalse(nodes.listedYet());
        assertNull(nodes.describe("192.168.0.1"), "nothing listed yet");
        nodes.listFailed("KubernetesClientException: Forbidden");
        assertFalse(nodes.listedYet());
        assertEquals("KubernetesClientException: Forbidden", nodes.listProblem());
        nodes.listed(List.of(node("node-a", new NodeAddress("192.168.0.1", "InternalIP"))));
        assertNull(nodes.listProblem());
        nodes.listFailed("ConnectException: Connection refused");
        assertEquals("InternalIP of node node-a", nodes.describe("192.168.0.1"), "the last good list");
        assertEquals(2, nodes.listFailures());
    }

    @Test
    void aPodsHostAddressIsANodesWhileAPodNamesIt() {
        ClusterNodes nodes = state.nodes();
        Pod web = pod("shop", "web-1", "10.244.1.5", Map.of(), null);
        Pod cart = pod("shop", "cart-1", "10.244.1.6", Map.of(), null);
        state.pod(web);
        state.pod(cart);
        assertTrue(nodes.contains("192.168.0.1"), "the host address both pods name");
        assertFalse(nodes.contains("10.244.1.5"), "a pod's own address is the pod's");
        state.podGone(web);
        assertTrue(nodes.contains("192.168.0.1"), "cart-1 still names it");
        state.podGone(cart);
        assertFalse(nodes.contains("192.168.0.1"), "no pod, no list: not known as a node's any more");
        assertEquals(0, nodes.size());
    }
}
