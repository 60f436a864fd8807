package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.util.Timestamps;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.TestAgent;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.TCP;
import io.netwatch.proto.flow.v1.TcpState;
import io.netwatch.proto.flow.v1.UDP;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code netwatch policy suggest} and {@code simulate} against a running aggregator that
 * watches fabric8's Kubernetes mock server (CRUD mode): flows sent over the real ingest
 * stream, policies suggested from them, simulated back through the aggregator, none blocked.
 */
@EnableKubernetesMockClient(crud = true)
class PolicySuggestOnlineTest {
    private static final long WAIT_SECONDS = 10;

    static {
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
    }

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path tmp;

    private static Pod pod(String namespace, String name, String ip, Map<String, String> labels, String replicaSet) {
        return new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).withUid(name + "-uid")
                .withLabels(labels).withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1")
                        .withKind("ReplicaSet").withName(replicaSet).withUid(replicaSet + "-uid").withController(true).build())
                .endMetadata()
                .withNewSpec().withNodeName("node-a").endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ip).withHostIP("192.168.0.1").endStatus().build();
    }

    private static Flow flow(long id, String src, String dst, int port, int protocol, long second) {
        Flow.Builder f = Flow.newBuilder().setFlowId(id).setNodeName("node-a")
                .setSource(Endpoint.newBuilder().setIp(src).setPort(41000))
                .setDestination(Endpoint.newBuilder().setIp(dst).setPort(port))
                .setIpProtocol(protocol).setIpVersion(4)
                .setToServer(Counters.newBuilder().setPackets(3)).setToClient(Counters.newBuilder().setPackets(2))
                .setFirstSeen(Timestamps.fromSeconds(second)).setLastSeen(Timestamps.fromSeconds(second));
        // TCP with its handshake seen (SYN, SYN-ACK): the opener is known.
        return (protocol == 6 ? f.setTcp(TCP.newBuilder().setState(TcpState.TCP_STATE_CLOSED).setFlagsToServer(0x13)
                .setFlagsToClient(0x13)) : f.setUdp(UDP.getDefaultInstance()))
                .build();
    }

    @Test
    void suggestedFromTheAggregatorsFlowsAndSimulatedThereNothingObservedIsBlocked() throws Exception {
        for (String ns : List.of("shop", "kube-system", "idle")) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        }
        client.pods().resource(pod("shop", "frontend-7d9f8-a", "10.244.1.5",
                Map.of("app", "frontend", "pod-template-hash", "7d9f8"), "frontend-7d9f8")).create();
        client.pods().resource(pod("shop", "cart-66bd4-b", "10.244.1.6",
                Map.of("app", "cart", "pod-template-hash", "66bd4"), "cart-66bd4")).create();
        client.pods().resource(pod("kube-system", "coredns-9d8c7-c", "10.244.0.2",
                Map.of("k8s-app", "kube-dns", "pod-template-hash", "9d8c7"), "coredns-9d8c7")).create();

        try (AggregatorServer aggregator = AggregatorServer.start(new AggregatorConfig(
                new InetSocketAddress("127.0.0.1", 0), 100, 100, Duration.ofHours(1)), client);
             AggregatorServer bare = AggregatorServer.start(new AggregatorConfig(
                     new InetSocketAddress("127.0.0.1", 0), 100, 100, Duration.ofHours(1)), null)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (!aggregator.ready() || aggregator.identity().history().current().pods().size() < 3
                    || aggregator.identity().history().current().namespaces().size() < 3) {
                if (System.nanoTime() > deadline) {
                    fail("cluster not listed: " + aggregator.identity().watcher().problem());
                }
                Thread.sleep(20);
            }
            long now = System.currentTimeMillis() / 1000;
            send(aggregator.port(), List.of(
                    flow(1, "10.244.1.5", "10.244.1.6", 9000, 6, now),
                    flow(2, "10.244.1.5", "10.244.0.2", 53, 17, now),
                    flow(3, "10.244.1.6", "203.0.113.7", 443, 6, now),
                    flow(4, "192.168.0.1", "10.244.1.6", 9000, 6, now)));
            String at = "127.0.0.1:" + aggregator.port();

            CliRun s = CliRun.of("policy", "suggest", "-n", "shop", "--aggregator", at);
            assertEquals(0, s.code(), s.stderr());
            assertEquals("netwatch policy suggest: 2 policies from 3 flows; 1 between a pod and its own node (always"
                    + " allowed), left out", s.stderr().strip(), "the kubelet's probe of the cart");
            assertFalse(s.stdout().contains("192.168.0.1"), s.stdout());
            assertTrue(s.stdout().contains("  name: \"netwatch-deployment-cart\""), s.stdout());
            assertTrue(s.stdout().contains("  # Deployment shop/frontend: 1 flow, first "), s.stdout());
            assertTrue(s.stdout().contains("cidr: \"203.0.113.7/32\""), s.stdout());

            Path yaml = tmp.resolve("suggested.yaml");
            Files.writeString(yaml, s.stdout());
            CliRun sim = CliRun.of("policy", "simulate", "--policies", yaml.toString(),
                    "--aggregator", at);
            assertEquals(0, sim.code(), sim.stderr());
            assertEquals("", sim.stdout());
            assertEquals("netwatch policy simulate: 4 flows, 0 would be blocked", sim.stderr().strip(),
                    "the probe is judged, and allowed");

            // A deny-all in the shop blocks the three of the shop, each printed with who was at each
            // end; the kubelet's probe still gets through.
            Path deny = tmp.resolve("deny.yaml");
            Files.writeString(deny, "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {namespace: shop, name: deny}\n"
                    + "spec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n");
            CliRun denied = CliRun.of("policy", "simulate", "--policies", deny.toString(),
                    "--aggregator", at, "--limit", "1");
            assertEquals(0, denied.code(), denied.stderr());
            assertEquals(1, denied.lines().size(), denied.stdout());
            assertTrue(denied.lines().getFirst().startsWith("{\"src_ip\":\"10.244.1.5\",\"dst_ip\":\"10.244.1.6\",\"dst_port\":9000,"
                    + "\"proto\":\"tcp\",\"src\":\"shop/frontend-7d9f8-a (Deployment frontend)\",\"dst\":\"shop/cart-66bd4-b"
                    + " (Deployment cart)\""), denied.stdout());
            assertTrue(denied.stderr().startsWith("netwatch policy simulate: 4 flows, 3 would be blocked (2 not listed, past --limit)"),
                    denied.stderr());

            // Found in review: a misspelt namespace, or one with no flows, was "0 policies from
            // 0 flows" and a YAML of comments only, exit 0.
            CliRun typo = CliRun.of("policy", "suggest", "-n", "shpo", "--aggregator", at);
            assertEquals(2, typo.code(), typo.stderr());
            assertEquals("netwatch policy suggest: -n: 'shpo' is not a namespace of the cluster the aggregator watches"
                    + " (it has idle, kube-system, shop)", typo.stderr().strip());
            CliRun idle = CliRun.of("policy", "suggest", "-n", "idle", "--aggregator", at);
            assertEquals(0, idle.code(), idle.stderr());
            assertEquals("""
                    netwatch policy suggest: 0 policies from 0 flows
                    netwatch policy suggest: no flow of namespace idle was seen: nothing to suggest""",
                    idle.stderr().strip());

            CliRun noCluster = CliRun.of("policy", "suggest", "-n", "shop",
                    "--aggregator", "127.0.0.1:" + bare.port());
            assertEquals(2, noCluster.code());
            assertEquals("netwatch policy suggest: this aggregator watches no cluster, so it knows no workloads or policies:"
                    + " start it with `netwatch aggregator --kubernetes`", noCluster.stderr().strip());
        }
    }

    @Test
    void aNamespaceWhoseFlowsWereSeenButNoneUsableIsToldWhyNotThatNoneWasSeen() throws Exception {
        // Found in review: "no flow of namespace quiet was seen" when its flows were stored but
        // could not be used (a TCP flow picked up mid-stream), and nothing when all its flows
        // were with the pod's own node.
        for (String ns : List.of("quiet", "probed", "kube-system")) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        }
        client.pods().resource(pod("quiet", "worker-5f6g7-a", "10.244.1.7",
                Map.of("app", "worker", "pod-template-hash", "5f6g7"), "worker-5f6g7")).create();
        client.pods().resource(pod("probed", "api-8h9j0-b", "10.244.1.8",
                Map.of("app", "api", "pod-template-hash", "8h9j0"), "api-8h9j0")).create();
        try (AggregatorServer aggregator = AggregatorServer.start(new AggregatorConfig(
                new InetSocketAddress("127.0.0.1", 0), 100, 100, Duration.ofHours(1)), client)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (!aggregator.ready() || aggregator.identity().history().current().pods().size() < 2
                    || aggregator.identity().history().current().namespaces().size() < 3) {
                if (System.nanoTime() > deadline) {
                    fail("cluster not listed: " + aggregator.identity().watcher().problem());
                }
                Thread.sleep(20);
            }
            long now = System.currentTimeMillis() / 1000;
            Flow midStream = flow(1, "10.244.1.7", "203.0.113.9", 443, 6, now);
            send(aggregator.port(), List.of(
                    // No SYN seen either way: either end may have opened it.
                    midStream.toBuilder().setTcp(midStream.getTcp().toBuilder().setFlagsToServer(0x18)
                            .setFlagsToClient(0x18)).build(),
                    // The kubelet's probe of the api, from the pod's own node.
                    flow(2, "192.168.0.1", "10.244.1.8", 8080, 6, now)));
            String at = "127.0.0.1:" + aggregator.port();

            CliRun quiet = CliRun.of("policy", "suggest", "-n", "quiet", "--aggregator", at);
            assertEquals(0, quiet.code(), quiet.stderr());
            assertEquals("""
                    netwatch policy suggest: 0 policies from 0 flows; 1 outside the time range or not usable
                    netwatch policy suggest: 1 flow of namespace quiet was seen but none is usable (1 picked up\
                     mid-stream, so which end opened it is not known): nothing to suggest""", quiet.stderr().strip());

            CliRun probed = CliRun.of("policy", "suggest", "-n", "probed", "--workload", "api", "--aggregator", at);
            assertEquals(0, probed.code(), probed.stderr());
            assertEquals("""
                    netwatch policy suggest: 0 policies from 0 flows; 1 between a pod and its own node (always\
                     allowed), left out; 1 outside the time range or not usable
                    netwatch policy suggest: 1 flow of workload api of namespace probed was seen but none is usable\
                     (1 between a pod and its own node, which is always allowed): nothing to suggest""",
                    probed.stderr().strip());

            // In a range: what was seen in it.
            CliRun later = CliRun.of("policy", "suggest", "-n", "quiet", "--since", "2099-01-01T00:00:00Z",
                    "--aggregator", at);
            assertEquals(0, later.code(), later.stderr());
            assertEquals("""
                    netwatch policy suggest: 0 policies from 0 flows
                    netwatch policy suggest: no flow of namespace quiet was seen in the time range: nothing to suggest""",
                    later.stderr().strip());
        }
    }

    private static void send(int port, List<Flow> flows) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try (TestAgent agent = TestAgent.connect(channel, "node-a")) {
            agent.sendFlows(flows);
        } finally {
            channel.shutdownNow();
            channel.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }
}
