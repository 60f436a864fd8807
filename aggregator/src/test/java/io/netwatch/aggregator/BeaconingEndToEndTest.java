package io.netwatch.aggregator;

import static io.netwatch.aggregator.identity.ClusterObjects.namespace;
import static io.netwatch.aggregator.identity.ClusterObjects.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.query.v1.GetAnomaliesRequest;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Beaconing through the whole aggregator, watching fabric8's Kubernetes mock server in CRUD
 * mode: a pod's regular connections to the cluster's nodes (the kubelet, a node exporter on
 * the host network, a node's external address) stay in the cluster, though no pod holds those
 * addresses; the same rhythm to an outside host is a beacon.
 */
@EnableKubernetesMockClient(crud = true)
class BeaconingEndToEndTest {
    private static final long WAIT_SECONDS = 20;

    static {
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
    }

    KubernetesMockServer server;
    KubernetesClient client;

    private static Node node(String name, String internalIp, String externalIp) {
        List<NodeAddress> addresses = new ArrayList<>(List.of(new NodeAddress(internalIp, "InternalIP"),
                new NodeAddress(name, "Hostname")));
        if (externalIp != null) {
            addresses.add(new NodeAddress(externalIp, "ExternalIP"));
        }
        return new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus()
                .withAddresses(addresses).endStatus().build();
    }

    /** Twelve answered connections from the scraper to {@code peer}, one a minute from {@code t0}. */
    private static List<Flow> everyMinute(long firstId, String peer, int port, long t0) {
        List<Flow> out = new ArrayList<>();
        for (int beat = 0; beat < 12; beat++) {
            out.add(FlowFixtures.flow(firstId + beat, "node-a", FlowFixtures.endpoint("10.244.1.5", 40_000 + beat),
                    FlowFixtures.endpoint(peer, port), 6, t0 + 60L * beat, t0 + 60L * beat + 1).toBuilder()
                    .setToClient(Counters.newBuilder().setPackets(4).setBytes(600)).build());
        }
        return out;
    }

    @Test
    void aRhythmToANodeIsNoBeaconAndTheSameToAnOutsideHostIs() throws Exception {
        client.namespaces().resource(namespace("monitoring", Map.of())).create();
        // The scraper runs on node-a, whose address its pod names (status.hostIP 192.168.0.1).
        client.pods().resource(pod("monitoring", "prometheus-0", "10.244.1.5", Map.of("app", "prometheus"), null))
                .create();
        client.nodes().resource(node("node-a", "192.168.0.1", "198.51.100.20")).create();
        client.nodes().resource(node("node-b", "192.168.0.2", null)).create();

        try (AggregatorServer aggregator = AggregatorServer.start(
                new AggregatorConfig(new InetSocketAddress("127.0.0.1", 0), 1_000, 1_000, Duration.ofHours(1)),
                client)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            // Ready, and the Nodes listed once (on a thread of their own, which readiness does not wait for).
            while (!aggregator.ready() || !aggregator.identity().watcher().state().nodes().contains("192.168.0.2")) {
                if (System.nanoTime() > deadline) {
                    fail("the aggregator did not list the cluster: " + aggregator.identity().watcher().problem());
                }
                Thread.sleep(20);
            }
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", aggregator.port()).usePlaintext()
                    .build();
            try (TestAgent agent = TestAgent.connect(channel, "node-a")) {
                long t0 = System.currentTimeMillis() / 1000 - 1800;
                List<Flow> flows = new ArrayList<>();
                flows.addAll(everyMinute(1, "192.168.0.1", 9100, t0)); // node-a's exporter, on the host network
                flows.addAll(everyMinute(101, "192.168.0.2", 10250, t0)); // node-b's kubelet
                flows.addAll(everyMinute(201, "198.51.100.20", 9100, t0)); // node-a's external address
                // Last, and judged in order after the others: a host outside the cluster.
                flows.addAll(everyMinute(301, "203.0.113.7", 443, t0));
                agent.sendFlows(flows);

                List<Anomaly> beacons = new ArrayList<>();
                long reported = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
                while (beacons.isEmpty()) {
                    if (System.nanoTime() > reported) {
                        fail("the outside host's beacon was never reported");
                    }
                    Thread.sleep(50);
                    beacons.clear();
                    QueryGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                            .getAnomalies(GetAnomaliesRequest.newBuilder().addAnomalyType("beaconing").build())
                            .forEachRemaining(r -> beacons.add(r.getAnomaly()));
                }
                assertEquals(List.of("203.0.113.7"), beacons.stream().map(a -> a.getDestination().getIp()).toList(),
                        "node addresses are the cluster's: " + beacons.stream()
                                .map(a -> a.getExplanation().getSummary()).toList());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
