package io.netwatch.aggregator.identity;

import static io.netwatch.aggregator.identity.ClusterObjects.controller;
import static io.netwatch.aggregator.identity.ClusterObjects.denyIngress;
import static io.netwatch.aggregator.identity.ClusterObjects.job;
import static io.netwatch.aggregator.identity.ClusterObjects.namespace;
import static io.netwatch.aggregator.identity.ClusterObjects.pod;
import static io.netwatch.aggregator.identity.ClusterObjects.replicaSet;
import static io.netwatch.aggregator.identity.ClusterObjects.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.netwatch.aggregator.policy.Connection;
import io.netwatch.aggregator.policy.Protocol;
import io.netwatch.proto.flow.v1.Workload;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The watcher's informers against fabric8's Kubernetes mock server in CRUD mode (there is no
 * API server on the build machines): objects created, changed and deleted through the
 * client reach the informers as a real watch would deliver them. The aggregator's clock is
 * a test clock, moved between steps, so each step has its own time.
 */
@EnableKubernetesMockClient(crud = true)
class ClusterWatcherTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long WAIT_MILLIS = 10_000;

    static {
        // The mock server logs every request through java.util.logging; the tests say enough.
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
    }

    KubernetesMockServer server;
    KubernetesClient client;

    private final AtomicLong clock = new AtomicLong(1_700_000_000L * SECOND);
    private IdentityIndex index;
    private PolicyHistory history;
    private ClusterWatcher watcher;

    @BeforeEach
    void start() {
        client.namespaces().resource(namespace("shop", Map.of("team", "shop"))).create();
        index = new IdentityIndex();
        history = new PolicyHistory(PolicyHistory.DEFAULT_MAX_VERSIONS);
        watcher = ClusterWatcher.start(client, index, history, clock::get);
        await(watcher::ready, "watcher ready");
    }

    @AfterEach
    void stop() {
        watcher.close();
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    private static IpKey ip(String text) {
        return IpKey.parse(text);
    }

    private Workload at(String ipText, long nanos) {
        AddressHolder h = index.at(ip(ipText), nanos);
        return h == null ? null : h.workload();
    }

    private void awaitHolder(String ipText, String pod) {
        await(() -> {
            AddressHolder h = index.current(ip(ipText));
            return h != null && h.workload().getPodName().equals(pod);
        }, ipText + " held by " + pod);
    }

    @Test
    void aCreatedPodResolvesToItsNamespaceLabelsNodeAndItself() {
        client.pods().resource(pod("shop", "debug", "10.244.1.5", Map.of("app", "debug"), null)).create();
        awaitHolder("10.244.1.5", "debug");

        Workload w = at("10.244.1.5", clock.get() + SECOND);
        assertEquals("shop", w.getNamespace());
        assertEquals(Map.of("app", "debug"), w.getLabelsMap());
        assertEquals("node-a", w.getNodeName());
        assertEquals("Pod", w.getWorkloadKind());
        assertEquals("debug", w.getWorkloadName());
        assertTrue(index.current(ip("10.244.1.5")).isPod());
        assertNull(at("10.244.1.6", clock.get()), "an address no pod holds");
    }

    @Test
    void anAddressReusedByANewPodResolvesToTheOldPodBeforeTheChangeAndTheNewOneAfter() {
        long t1 = clock.get();
        Pod old = client.pods().resource(pod("shop", "cart-1", "10.244.1.7", Map.of("app", "cart"), null)).create();
        awaitHolder("10.244.1.7", "cart-1");

        clock.addAndGet(60 * SECOND);
        long deleted = clock.get();
        client.pods().resource(old).delete();
        await(() -> index.current(ip("10.244.1.7")) == null, "cart-1 let go of its address");

        clock.addAndGet(30 * SECOND);
        long t3 = clock.get();
        client.pods().resource(pod("shop", "payments-1", "10.244.1.7", Map.of("app", "payments"), null)).create();
        awaitHolder("10.244.1.7", "payments-1");

        assertEquals("cart-1", at("10.244.1.7", t1 + SECOND).getPodName(), "a flow while cart-1 ran");
        assertEquals("cart-1", at("10.244.1.7", deleted - 1).getPodName(), "just before its end");
        assertNull(at("10.244.1.7", deleted + 15 * SECOND), "nobody held it between the two pods");
        assertEquals("payments-1", at("10.244.1.7", t3 - 2 * SECOND).getPodName(),
                "started a moment before the new pod's address reached us");
        assertEquals("payments-1", at("10.244.1.7", t3 + SECOND).getPodName());
    }

    @Test
    void anAddressClaimedBeforeTheOldPodsDeletionArrivedEndsTheOldTenureThere() {
        client.pods().resource(pod("shop", "a", "10.244.1.8", Map.of("app", "a"), null)).create();
        awaitHolder("10.244.1.8", "a");
        clock.addAndGet(60 * SECOND);
        long t2 = clock.get();
        client.pods().resource(pod("shop", "b", "10.244.1.8", Map.of("app", "b"), null)).create();
        awaitHolder("10.244.1.8", "b");

        assertEquals("a", at("10.244.1.8", t2 - 5 * SECOND).getPodName(), "a still held it then");
        assertEquals("b", at("10.244.1.8", t2 + SECOND).getPodName());
        assertEquals(1, index.stats().conflicts());
        // a's late deletion does not take the address from b.
        client.pods().inNamespace("shop").withName("a").delete();
        await(() -> watcher.state().podCount() == 1, "a deleted");
        assertEquals("b", index.current(ip("10.244.1.8")).workload().getPodName());
    }

    @Test
    void aTerminatingPodWhoseAddressWasReusedDoesNotTakeItBackWhenItChangesAgain() {
        // cart-1 is deleted but held by finalizers: it stays, terminating, with its address
        // still in its status, while the node gives the address to a new pod.
        Pod old = pod("shop", "cart-1", "10.244.1.30", Map.of("app", "cart"), null);
        old.getMetadata().setFinalizers(List.of("example.com/drain", "example.com/audit"));
        client.pods().resource(old).create();
        awaitHolder("10.244.1.30", "cart-1");
        client.pods().inNamespace("shop").withName("cart-1").delete();
        await(() -> client.pods().inNamespace("shop").withName("cart-1").get().getMetadata()
                .getDeletionTimestamp() != null, "cart-1 terminating");
        clock.addAndGet(60 * SECOND);
        client.pods().resource(pod("shop", "payments-1", "10.244.1.30", Map.of("app", "payments"), null)).create();
        awaitHolder("10.244.1.30", "payments-1");

        // One finalizer goes (an update of cart-1, still with the address), then the other
        // (its deletion).
        clock.addAndGet(60 * SECOND);
        long later = clock.get();
        long events = watcher.state().events();
        client.pods().inNamespace("shop").withName("cart-1").edit(p -> {
            p.getMetadata().setFinalizers(List.of("example.com/audit"));
            return p;
        });
        await(() -> watcher.state().events() > events, "cart-1 updated");
        assertEquals("payments-1", index.current(ip("10.244.1.30")).workload().getPodName(),
                "a terminating pod does not take back an address a new pod holds");
        client.pods().inNamespace("shop").withName("cart-1").edit(p -> {
            p.getMetadata().setFinalizers(List.of());
            return p;
        });
        await(() -> watcher.state().podCount() == 1, "cart-1 gone");
        assertEquals("payments-1", index.current(ip("10.244.1.30")).workload().getPodName());
        assertEquals("payments-1", at("10.244.1.30", later + SECOND).getPodName());
    }

    @Test
    void labelChangesApplyFromWhenTheyHappenedOn() {
        long t1 = clock.get();
        client.pods().resource(pod("shop", "web-1", "10.244.1.9", Map.of("app", "web", "track", "stable"), null))
                .create();
        awaitHolder("10.244.1.9", "web-1");
        clock.addAndGet(60 * SECOND);
        long t2 = clock.get();
        client.pods().inNamespace("shop").withName("web-1")
                .edit(p -> { p.getMetadata().getLabels().put("track", "canary"); return p; });
        await(() -> "canary".equals(index.current(ip("10.244.1.9")).workload().getLabelsOrDefault("track", "")),
                "new labels");

        assertEquals("stable", at("10.244.1.9", t1 + SECOND).getLabelsOrThrow("track"));
        assertEquals("canary", at("10.244.1.9", t2 + SECOND).getLabelsOrThrow("track"));
        assertEquals("web-1", at("10.244.1.9", t2 + SECOND).getPodName(), "still the same pod");
    }

    @Test
    void aPodOfADeploymentResolvesToTheDeploymentThroughItsReplicaSet() {
        client.apps().replicaSets().resource(replicaSet("shop", "frontend-7c9d8f", "frontend")).create();
        client.pods().resource(pod("shop", "frontend-7c9d8f-x2x4q", "10.244.1.10", Map.of("app", "frontend"),
                controller("apps/v1", "ReplicaSet", "frontend-7c9d8f"))).create();
        awaitHolder("10.244.1.10", "frontend-7c9d8f-x2x4q");
        // The ReplicaSet and the pod come through separate informers: the pod may be seen first
        // (owned by a ReplicaSet not yet known) and resolved again when the ReplicaSet arrives.
        await(() -> "Deployment".equals(index.current(ip("10.244.1.10")).workload().getWorkloadKind()),
                "the pod resolved through its ReplicaSet");

        Workload w = index.current(ip("10.244.1.10")).workload();
        assertEquals("Deployment", w.getWorkloadKind());
        assertEquals("frontend", w.getWorkloadName());
    }

    @Test
    void aReplicaSetNotListedYetIsResolvedByItsNameThenByTheInformer() {
        // Pod first, with the label a Deployment gives it; its ReplicaSet arrives later.
        client.pods().resource(pod("shop", "api-5f6b9-abcde", "10.244.1.11",
                Map.of("app", "api", ClusterState.TEMPLATE_HASH_LABEL, "5f6b9"),
                controller("apps/v1", "ReplicaSet", "api-5f6b9"))).create();
        awaitHolder("10.244.1.11", "api-5f6b9-abcde");
        assertEquals("Deployment/api", kindAndName("10.244.1.11"), "from the ReplicaSet's name");

        // A ReplicaSet owned by something else (an Argo Rollout) corrects it.
        var rs = replicaSet("shop", "api-5f6b9", "ignored");
        rs.getMetadata().setOwnerReferences(List.of(controller("argoproj.io/v1alpha1", "Rollout", "api")));
        client.apps().replicaSets().resource(rs).create();
        await(() -> kindAndName("10.244.1.11").equals("Rollout/api"), "owner from the ReplicaSet informer");
    }

    @Test
    void podsOfStatefulSetsDaemonSetsAndCronJobsResolveToThem() {
        client.batch().v1().jobs().resource(job("shop", "report-28391040", "report")).create();
        client.pods().resource(pod("shop", "db-0", "10.244.1.12", Map.of("app", "db"),
                controller("apps/v1", "StatefulSet", "db"))).create();
        client.pods().resource(pod("shop", "agent-x7", "10.244.1.13", Map.of("app", "agent"),
                controller("apps/v1", "DaemonSet", "agent"))).create();
        client.pods().resource(pod("shop", "report-28391040-q", "10.244.1.14", Map.of("job", "report"),
                controller("batch/v1", "Job", "report-28391040"))).create();
        awaitHolder("10.244.1.14", "report-28391040-q");
        awaitHolder("10.244.1.13", "agent-x7");
        awaitHolder("10.244.1.12", "db-0");

        assertEquals("StatefulSet/db", kindAndName("10.244.1.12"));
        assertEquals("DaemonSet/agent", kindAndName("10.244.1.13"));
        await(() -> kindAndName("10.244.1.14").equals("CronJob/report"), "CronJob through its Job");
    }

    @Test
    void servicesSelectingAPodAreListedAndTheirClusterIpResolvesToTheService() {
        client.pods().resource(pod("shop", "cart-1", "10.244.1.15", Map.of("app", "cart", "tier", "be"), null))
                .create();
        client.services().resource(service("shop", "cart", "10.96.0.20", Map.of("app", "cart"))).create();
        client.services().resource(service("shop", "other", "10.96.0.21", Map.of("app", "other"))).create();
        await(() -> index.current(ip("10.96.0.21")) != null, "services listed");
        await(() -> index.current(ip("10.244.1.15")).workload().getServicesList().equals(List.of("shop/cart")),
                "cart selected by its Service");

        AddressHolder svc = index.current(ip("10.96.0.20"));
        assertEquals("Service/cart", svc.workload().getWorkloadKind() + "/" + svc.workload().getWorkloadName());
        assertTrue(!svc.isPod(), "a cluster IP is no pod");

        client.services().inNamespace("shop").withName("cart").delete();
        await(() -> index.current(ip("10.244.1.15")).workload().getServicesCount() == 0, "service gone");
        assertNull(index.current(ip("10.96.0.20")));
    }

    @Test
    void policiesChangingWhileFlowsArriveAreJudgedByThoseOfTheFlowsTime() {
        client.pods().resource(pod("shop", "a", "10.244.1.20", Map.of("app", "a"), null)).create();
        client.pods().resource(pod("shop", "b", "10.244.1.21", Map.of("app", "b"), null)).create();
        awaitHolder("10.244.1.21", "b");
        long before = clock.get() + SECOND;
        clock.addAndGet(60 * SECOND);
        client.network().v1().networkPolicies().resource(denyIngress("shop", "deny-all")).create();
        await(() -> history.current().policies().size() == 1, "policy listed");
        long after = clock.get() + SECOND;

        Connection c = Connection.of("10.244.1.20", "10.244.1.21", 8080, Protocol.TCP);
        var a = index.at(ip("10.244.1.20"), before).pod();
        var b = index.at(ip("10.244.1.21"), before).pod();
        assertTrue(history.at(before).evaluator().evaluate(c, a, b).allowed(), "no policy yet");
        assertEquals("[shop/deny-all]", history.at(after).evaluator().evaluate(c, a, b).policies().toString());

        // The clock moves before the deletion: an informer quick enough to apply it before the
        // clock moved would date it before `after` (a race the loaded CI machine lost).
        clock.addAndGet(60 * SECOND);
        client.network().v1().networkPolicies().inNamespace("shop").withName("deny-all").delete();
        await(() -> history.current().policies().isEmpty(), "policy deleted");
        assertEquals(1, history.at(after).snapshot().policies().size(), "the flow of that time still sees it");
    }

    private String kindAndName(String ipText) {
        AddressHolder h = index.current(ip(ipText));
        return h == null ? "" : h.workload().getWorkloadKind() + "/" + h.workload().getWorkloadName();
    }
}
