package io.netwatch.aggregator.response;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.netwatch.aggregator.identity.ClusterWatcher;
import io.netwatch.aggregator.identity.IdentityIndex;
import io.netwatch.aggregator.identity.PolicyHistory;
import io.netwatch.aggregator.ingest.NodeTokens;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The aggregator's ClusterRoles in manifests/ against the requests the aggregator really makes:
 * its informers, the reads of the cluster's protected addresses, the quarantine and the Events
 * (the alert sink's Events are the same core Events, created), run against fabric8's Kubernetes mock server in
 * CRUD mode (there is no API server on the build machines), which records every request. Each
 * request must be granted (an informer refused its list never syncs, and the aggregator is then
 * never ready), and each grant must be used, "get" on a watched resource aside.
 */
@EnableKubernetesMockClient(crud = true)
class AggregatorRbacTest {
    private static final Path MANIFESTS = Path.of("..", "manifests");
    private static final String SERVICE_ACCOUNT = "netwatch-aggregator";
    private static final KubernetesSerialization YAML = new KubernetesSerialization();

    static {
        // The mock server logs every request through java.util.logging; the test says enough.
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
    }

    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void everyRequestTheAggregatorMakesIsGrantedAndEveryGrantIsUsed() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build())
                .create();
        client.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName("cart-1")
                .withNamespace("shop").endMetadata().withNewStatus().withPodIP("10.244.1.5").endStatus().build())
                .create();
        drain(); // the setup's own requests are not the aggregator's

        ClusterWatcher watcher = ClusterWatcher.start(client, new IdentityIndex(),
                new PolicyHistory(PolicyHistory.DEFAULT_MAX_VERSIONS), System::nanoTime);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!watcher.ready()) {
                if (System.nanoTime() > deadline) {
                    fail("the watcher never synced");
                }
                Thread.sleep(10);
            }
            new ClusterProtectedAddresses(client, Set.of("netwatch"), watcher.state().nodes(),
                    System::currentTimeMillis).why("10.0.0.1");
            // A TokenReview of an agent's pod token: the request is what is checked here (the mock
            // in CRUD mode reviews nothing; NodeTokensTest checks the answers).
            assertThrows(NodeTokens.Unavailable.class, () -> new NodeTokens(client, "netwatch:netwatch-agent",
                    System::currentTimeMillis).check("an-agent-token", "node-a").refusal());
            KubernetesQuarantine quarantine = new KubernetesQuarantine(client);
            quarantine.apply("shop", "cart-1", "10.244.1.5");
            quarantine.lift("shop", "cart-1");
            try (KubernetesEvents events = new KubernetesEvents(client)) {
                events.emit(new AuditRecord(1_700_000_000_000L, AuditRecord.BLOCKED, "", "10.244.1.5", "quarantine",
                        "response-1", "node-a-port_scan-1", "quarantined", "shop", "cart-1"));
                long eventDeadline = System.nanoTime() + 10_000_000_000L;
                while (events.sent() + events.failed() == 0 && System.nanoTime() < eventDeadline) {
                    Thread.sleep(10); // Events are made by a thread of their own
                }
                assertEquals(1, events.sent(), "the Event was written");
            }
        } finally {
            watcher.close();
        }

        Set<String> used = drain();
        assertTrue(used.contains("apps/replicasets:list") && used.contains("batch/jobs:watch")
                && used.contains("/pods:patch") && used.contains("/events:create")
                && used.contains("authentication.k8s.io/tokenreviews:create"), "requests seen: " + used);
        Set<String> granted = granted();

        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(granted);
        assertEquals(Set.of(), missing, "requests the aggregator makes that its ClusterRoles do not grant");

        Set<String> unused = new TreeSet<>(granted);
        unused.removeAll(used);
        unused.removeIf(g -> g.endsWith(":get") && used.contains(g.replace(":get", ":watch")));
        assertEquals(Set.of(), unused, "grants no request of the aggregator needs");
    }

    /** The requests recorded since the last call, as "group/resource:verb" (core group empty). */
    private Set<String> drain() throws InterruptedException {
        Set<String> seen = new TreeSet<>();
        RecordedRequest r;
        while ((r = server.takeRequest(200, TimeUnit.MILLISECONDS)) != null) {
            seen.add(grant(r.getMethod(), r.getPath()));
        }
        return seen;
    }

    /**
     * The RBAC grant a request needs: /api/v1[/namespaces/N]/RESOURCE[/NAME] or
     * /apis/GROUP/VERSION[/namespaces/N]/RESOURCE[/NAME], and the verb from the method, the
     * name and the watch parameter (as the API server's authorizer derives them).
     */
    static String grant(String method, String path) {
        URI uri = URI.create(path);
        List<String> parts = new ArrayList<>(List.of(uri.getPath().substring(1).split("/")));
        String group;
        if (parts.getFirst().equals("api")) {
            group = "";
            parts.subList(0, 2).clear();
        } else {
            group = parts.get(1);
            parts.subList(0, 3).clear();
        }
        if (parts.size() >= 3 && parts.getFirst().equals("namespaces")) {
            parts.subList(0, 2).clear(); // a namespaced resource: namespaces/N/RESOURCE...
        }
        String resource = parts.getFirst();
        boolean named = parts.size() > 1;
        boolean watch = uri.getQuery() != null && uri.getQuery().contains("watch=true");
        String verb = switch (method) {
            case "GET" -> watch ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> throw new AssertionError("unexpected method " + method + " " + path);
        };
        return group + "/" + resource + ":" + verb;
    }

    /** What the ClusterRoles bound to the aggregator's service account grant, as "group/resource:verb". */
    private static Set<String> granted() throws IOException {
        Map<String, ClusterRole> roles = new java.util.HashMap<>();
        List<ClusterRoleBinding> bindings = new ArrayList<>();
        try (Stream<Path> files = Files.list(MANIFESTS)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("aggregator-clusterrole")).toList()) {
                Object o = YAML.unmarshal(Files.readString(f));
                if (o instanceof ClusterRole role) {
                    roles.put(role.getMetadata().getName(), role);
                } else if (o instanceof ClusterRoleBinding b) {
                    bindings.add(b);
                }
            }
        }
        Set<String> granted = new TreeSet<>();
        for (ClusterRoleBinding b : bindings) {
            boolean ours = b.getSubjects().stream().map(Subject::getName).anyMatch(SERVICE_ACCOUNT::equals);
            ClusterRole role = roles.get(b.getRoleRef().getName());
            assertNotNull(role, b.getMetadata().getName() + " binds a role not in manifests/");
            if (!ours) {
                continue;
            }
            for (PolicyRule rule : role.getRules()) {
                for (String g : rule.getApiGroups()) {
                    for (String res : rule.getResources()) {
                        for (String v : rule.getVerbs()) {
                            granted.add(g + "/" + res + ":" + v);
                        }
                    }
                }
            }
        }
        assertTrue(granted.size() > 0, "no ClusterRole bound to " + SERVICE_ACCOUNT + " in " + MANIFESTS);
        return granted;
    }
}
