package io.netwatch.aggregator;

import static io.netwatch.aggregator.identity.ClusterObjects.controller;
import static io.netwatch.aggregator.identity.ClusterObjects.namespace;
import static io.netwatch.aggregator.identity.ClusterObjects.pod;
import static io.netwatch.aggregator.identity.ClusterObjects.replicaSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.util.Timestamps;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.aggregator.identity.AddressHolder;
import io.netwatch.aggregator.identity.IpKey;
import io.netwatch.aggregator.incident.BeaconConfig;
import io.netwatch.aggregator.incident.IncidentConfig;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.incident.v1.Incident;
import io.netwatch.proto.incident.v1.TypeCount;
import io.netwatch.proto.query.v1.GetIncidentsRequest;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * An agent's anomalies name addresses; with a cluster watched the aggregator names them by the
 * workload that held the address when the anomaly began, as its own detectors do. The whole
 * aggregator on loopback, watching fabric8's Kubernetes mock server in CRUD mode (there is no
 * API server on the build machines), an agent-like client on the real ingest stream.
 */
@EnableKubernetesMockClient(crud = true)
class AgentActorsEndToEndTest {
    private static final long WAIT_SECONDS = 20;
    private static final String IP = "10.244.1.5";

    static {
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
    }

    KubernetesMockServer server;
    KubernetesClient client;

    /** A pod of Deployment {@code deployment} (through its ReplicaSet) on {@link #IP}, running since {@code since}. */
    private Pod deploymentPod(String deployment, String name, Instant since) {
        String rs = name.substring(0, name.lastIndexOf('-'));
        client.apps().replicaSets().resource(replicaSet("shop", rs, deployment)).create();
        Pod p = pod("shop", name, IP, Map.of("app", deployment), controller("apps/v1", "ReplicaSet", rs));
        p.getStatus().setStartTime(since.toString());
        return client.pods().resource(p).create();
    }

    /** An agent's dga from {@link #IP}, as the agent's detector reports it: the source an address. */
    private static Anomaly dga(String id, long startMillis) {
        return Anomaly.newBuilder().setId("node-a-dga-" + id).setNodeName("node-a").setAnomalyType("dga")
                .setDetector("agent.dga").setSeverity(Severity.SEVERITY_MEDIUM).setAttackTechnique("T1568.002")
                .setSource(Endpoint.newBuilder().setIp(IP)).setDestination(Endpoint.getDefaultInstance())
                .setStart(Timestamps.fromMillis(startMillis)).setEnd(Timestamps.fromMillis(startMillis + 10_000))
                .build();
    }

    @Test
    void aPodsDgaAndBeaconingAreOneIncidentAndItsAddressesNextPodIsAnother() throws Exception {
        client.namespaces().resource(namespace("shop", Map.of())).create();
        Pod web = deploymentPod("web", "web-7c9d8f-x2x4q", Instant.now().minus(Duration.ofHours(2)));
        try (AggregatorServer aggregator = AggregatorServer.start(new AggregatorConfig(
                new InetSocketAddress("127.0.0.1", 0), 1_000, 1_000, Duration.ofHours(1)).withIncidents(
                new IncidentConfig(Duration.ofMinutes(30), Duration.ofMinutes(15), 100, 100, BeaconConfig.defaults())),
                client)) {
            await(() -> aggregator.ready() && holder(aggregator, "web-7c9d8f-x2x4q"), "the web pod listed");
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", aggregator.port()).usePlaintext()
                    .build();
            try (TestAgent agent = TestAgent.connect(channel, "node-a")) {
                long t0 = System.currentTimeMillis() / 1000 - 900;
                // The web pod beacons to an outside peer every minute (the aggregator's beaconing
                // names its workload) and looks up generated names (the agent's dga names its address).
                List<Flow> beats = new ArrayList<>();
                for (int beat = 0; beat < 12; beat++) {
                    beats.add(FlowFixtures.flow(beat + 1, "node-a", FlowFixtures.endpoint(IP, 40_000 + beat),
                            FlowFixtures.endpoint("198.51.100.7", 443), 6, t0 + 60L * beat, t0 + 60L * beat + 1)
                            .toBuilder().setToClient(Counters.newBuilder().setPackets(4).setBytes(600)).build());
                }
                agent.sendFlows(beats);
                agent.sendAnomalies(List.of(dga("1", t0 * 1000 + 300_000)));

                List<Incident> first = await(channel, l -> types(l).equals(Map.of("shop/web", Map.of("beaconing", 1L,
                        "dga", 1L))), "one c2 incident of shop/web with its beaconing and its dga");
                assertEquals("c2", first.getFirst().getFamily());
                assertEquals("Deployment/web", first.getFirst().getWorkload());
                assertEquals(Severity.SEVERITY_HIGH, first.getFirst().getSeverity(), "the dga escalated the beacon");
                assertEquals(List.of("2 anomaly types"), first.getFirst().getEscalationsList());

                // The web pod goes; the node gives its address to a pod of another Deployment.
                client.pods().resource(web).delete();
                await(() -> aggregator.identity().index().current(IpKey.parse(IP)) == null, "the web pod let go");
                deploymentPod("batch", "batch-5f6b9-abcde", Instant.now());
                await(() -> holder(aggregator, "batch-5f6b9-abcde"), "the batch pod took the address");

                // The batch pod's dga, and one of the web pod's that its agent sent only now:
                // each is its own pod's, though both name the address, within one incident window.
                agent.sendAnomalies(List.of(dga("2", System.currentTimeMillis()), dga("3", t0 * 1000 + 600_000)));
                List<Incident> all = await(channel, l -> types(l).equals(Map.of(
                                "shop/web", Map.of("beaconing", 1L, "dga", 2L), "shop/batch", Map.of("dga", 1L))),
                        "the batch pod's dga an incident of its own, the web pod's late one in web's");
                for (Incident i : all) {
                    assertEquals(i.getActor().equals("shop/web") ? "Deployment/web" : "Deployment/batch", i.getWorkload());
                }
                assertEquals(3, aggregator.identity().anomalies().endsNamed(), "the three dga sources");
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static boolean holder(AggregatorServer aggregator, String pod) {
        AddressHolder h = aggregator.identity().index().current(IpKey.parse(IP));
        return h != null && h.workload().getPodName().equals(pod);
    }

    /** Each incident's actor, with its anomaly types and how many of each. */
    private static Map<String, Map<String, Long>> types(List<Incident> incidents) {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        for (Incident i : incidents) {
            out.put(i.getActor(), i.getTypesList().stream().collect(Collectors.toMap(TypeCount::getAnomalyType,
                    TypeCount::getCount)));
        }
        return out;
    }

    private static List<Incident> await(ManagedChannel channel, Predicate<List<Incident>> done, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        List<Incident> last = List.of();
        while (System.nanoTime() < deadline) {
            List<Incident> now = new ArrayList<>();
            QueryGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                    .getIncidents(GetIncidentsRequest.getDefaultInstance()).forEachRemaining(r -> now.add(r.getIncident()));
            last = now;
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        fail(what + ": " + last);
        return last;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
