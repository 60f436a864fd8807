package io.netwatch.aggregator.identity;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.netwatch.aggregator.policy.ClusterSnapshot;
import io.netwatch.aggregator.policy.Compiled;
import io.netwatch.aggregator.policy.NamespaceView;
import io.netwatch.aggregator.policy.ObjectCompiler;
import io.netwatch.aggregator.policy.Policy;
import io.netwatch.aggregator.policy.PodView;
import io.netwatch.proto.flow.v1.Workload;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster as the informers last reported it, and the one place that turns their events
 * into identities ({@link IdentityIndex}) and policy state ({@link PolicyHistory}). No
 * client and no I/O: {@link ClusterWatcher} feeds it, tests feed it objects directly.
 *
 * <p>Every method is synchronized: each informer delivers its events on its own thread, and
 * events are few next to flows (flows never come here; they read the index and the history,
 * which do not lock).
 *
 * <p>A pod's workload is its controller, resolved through ReplicaSets (to a Deployment) and
 * Jobs (to a CronJob) from their informers; a ReplicaSet not listed yet falls back on its
 * name (a Deployment's ReplicaSet is named {@code <deployment>-<pod-template-hash>}). Its
 * Services are those in its namespace whose selector its labels satisfy, plus those whose
 * EndpointSlices name it (Services without a selector).
 */
public final class ClusterState {
    private static final Logger log = LoggerFactory.getLogger(ClusterState.class);

    /** The label Deployments put on their pods and in their ReplicaSets' names. */
    static final String TEMPLATE_HASH_LABEL = "pod-template-hash";
    /** The label tying an EndpointSlice to its Service. */
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    /** A pod's controller, or the workload it resolves to. */
    record Owner(String kind, String name) {
    }

    /** An owner lookup that found the object but it has no controller. */
    private static final Owner NO_OWNER = new Owner("", "");

    /**
     * @param createdNanos {@code metadata.creationTimestamp}, Long.MIN_VALUE when not known
     * @param terminating  {@code metadata.deletionTimestamp} is set
     */
    private record PodEntry(String uid, String namespace, String name, Map<String, String> labels, String node,
                            Owner controller, PodView view, List<IpKey> ips, List<IpKey> hostIps, long startNanos,
                            long createdNanos, boolean terminating) {
    }

    private record ServiceEntry(String uid, String namespace, String name, Map<String, String> selector,
                                List<IpKey> clusterIps) {
    }

    private record SliceEntry(String service, Set<String> podUids) {
    }

    private final IdentityIndex index;
    private final PolicyHistory history;
    private final LongSupplier clockNanos;

    private final Map<String, PodEntry> pods = new HashMap<>();
    private final Map<String, String> podUidByName = new HashMap<>();
    private final Map<String, Set<String>> podsByNamespace = new HashMap<>();
    private final Map<String, Set<String>> podsByController = new HashMap<>();
    private final Map<String, NamespaceView> namespaces = new HashMap<>();
    private final Map<String, Policy> policies = new HashMap<>();
    private final Map<String, Map<String, ServiceEntry>> servicesByNamespace = new HashMap<>();
    private final Map<String, Owner> replicaSetOwners = new HashMap<>();
    private final Map<String, Owner> jobOwners = new HashMap<>();
    private final Map<String, SliceEntry> slices = new HashMap<>();
    /** Pod uid to the Services ("ns/name") whose EndpointSlices name it, with how many slices do. */
    private final Map<String, Map<String, Integer>> sliceServicesByPod = new HashMap<>();
    /** The nodes' addresses: the pods' host addresses from here, the Nodes' from the watcher's lists. */
    private final ClusterNodes nodes = new ClusterNodes();

    /** Read without the lock by every flow: the ingest path never waits on cluster events. */
    private volatile boolean synced;
    private boolean podsChanged;
    private long invalidObjects;
    private long staleClaims;
    private long events;

    public ClusterState(IdentityIndex index, PolicyHistory history, LongSupplier clockNanos) {
        this.index = Objects.requireNonNull(index, "index");
        this.history = Objects.requireNonNull(history, "history");
        this.clockNanos = Objects.requireNonNull(clockNanos, "clockNanos");
    }

    /**
     * Every informer has listed. Until then, what is listed is taken to have held since
     * before the aggregator started (a pod from its start time); after, a change takes
     * effect when it reaches us.
     */
    public synchronized void markSynced() {
        if (!synced) {
            synced = true;
            history.changed(Long.MIN_VALUE, snapshot());
            podsChanged = false;
        }
    }

    public boolean synced() {
        return synced;
    }

    /** The cluster's node addresses; read without a lock. */
    public ClusterNodes nodes() {
        return nodes;
    }

    // ---- pods

    public synchronized void pod(Pod p) {
        events++;
        ObjectMeta meta = p.getMetadata();
        if (meta == null || blank(meta.getName())) {
            invalid("Pod without a name");
            return;
        }
        String namespace = namespaceOf(meta);
        String uid = blank(meta.getUid()) ? namespace + "/" + meta.getName() : meta.getUid();
        String replaced = podUidByName.get(namespace + "/" + meta.getName());
        if (replaced != null && !replaced.equals(uid)) {
            // Another object under this name: the old one is gone, though no deletion said so.
            // A relist after a broken watch (410 Gone) reports a pod deleted and created again
            // under its name during the gap (a StatefulSet's) as an update of the name, so the
            // old pod's addresses would otherwise stay its own, and it a pod, for ever.
            forget(replaced);
        }
        PodView view;
        switch (ObjectCompiler.pod(p)) {
            case Compiled.Ok<PodView> ok -> view = ok.value();
            case Compiled.Invalid<PodView> bad -> {
                invalid(bad.message());
                view = new PodView(namespace, meta.getName(), labels(meta), List.of(), List.of());
            }
        }
        List<IpKey> ips = view.ips().stream().map(IpKey::of).toList();
        List<IpKey> hostIps = new ArrayList<>();
        String node = "";
        long start = Long.MIN_VALUE;
        if (p.getStatus() != null) {
            var st = p.getStatus();
            Set<String> hosts = new LinkedHashSet<>();
            if (!blank(st.getHostIP())) {
                hosts.add(st.getHostIP());
            }
            if (st.getHostIPs() != null) {
                st.getHostIPs().forEach(h -> {
                    if (h != null && !blank(h.getIp())) {
                        hosts.add(h.getIp());
                    }
                });
            }
            for (String h : hosts) {
                IpKey k = IpKey.parse(h);
                if (k != null) {
                    hostIps.add(k);
                }
            }
            start = nanos(st.getStartTime());
        }
        if (p.getSpec() != null && p.getSpec().getNodeName() != null) {
            node = p.getSpec().getNodeName();
        }
        PodEntry entry = new PodEntry(uid, namespace, meta.getName(), view.labels(), node,
                controller(meta.getOwnerReferences()), view, ips, List.copyOf(hostIps), start,
                nanos(meta.getCreationTimestamp()), !blank(meta.getDeletionTimestamp()));
        PodEntry old = pods.put(uid, entry);
        nodes.hostsChanged(old == null ? List.of() : old.hostIps(), entry.hostIps());
        if (old != null && !Objects.equals(old.controller(), entry.controller())) {
            unindexController(old);
        }
        podUidByName.put(namespace + "/" + meta.getName(), uid);
        podsByNamespace.computeIfAbsent(namespace, k -> new HashSet<>()).add(uid);
        if (entry.controller() != null) {
            podsByController.computeIfAbsent(controllerKey(entry.controller().kind(), namespace,
                    entry.controller().name()), k -> new HashSet<>()).add(uid);
        }
        place(old, entry);
    }

    public synchronized void podGone(Pod p) {
        events++;
        ObjectMeta meta = p.getMetadata();
        if (meta == null || blank(meta.getName())) {
            return;
        }
        String namespace = namespaceOf(meta);
        forget(blank(meta.getUid()) ? namespace + "/" + meta.getName() : meta.getUid());
    }

    /** Takes a pod off everything it was indexed in, and off the addresses it still holds. */
    private void forget(String uid) {
        PodEntry old = pods.remove(uid);
        if (old == null) {
            return;
        }
        nodes.hostsChanged(old.hostIps(), List.of());
        String namespace = old.namespace();
        podUidByName.remove(namespace + "/" + old.name(), uid);
        Set<String> inNs = podsByNamespace.get(namespace);
        if (inNs != null) {
            inNs.remove(uid);
            if (inNs.isEmpty()) {
                podsByNamespace.remove(namespace);
            }
        }
        unindexController(old);
        long now = clockNanos.getAsLong();
        for (IpKey ip : old.ips()) {
            index.release(ip, uid, now);
        }
        podsChanged = true;
    }

    private void unindexController(PodEntry e) {
        if (e.controller() == null) {
            return;
        }
        String key = controllerKey(e.controller().kind(), e.namespace(), e.controller().name());
        Set<String> s = podsByController.get(key);
        if (s != null) {
            s.remove(e.uid());
            if (s.isEmpty()) {
                podsByController.remove(key);
            }
        }
    }

    /** Puts a pod's current identity on its addresses, and takes it off those it left. */
    private void place(PodEntry old, PodEntry now) {
        long at = clockNanos.getAsLong();
        if (old != null) {
            for (IpKey ip : old.ips()) {
                if (!now.ips().contains(ip)) {
                    index.release(ip, now.uid(), at);
                }
            }
        }
        if (!now.ips().isEmpty()) {
            AddressHolder holder = holder(now);
            long from = synced ? at : now.startNanos();
            for (IpKey ip : now.ips()) {
                if (supersededOn(ip, now)) {
                    staleClaims++;
                    continue;
                }
                index.claim(ip, holder, from);
            }
        }
        podsChanged = true;
    }

    /**
     * Whether another pod that holds {@code ip} now took it after {@code claimant} had it: two
     * pods never share an address (host-network pods claim none), so when two say they hold
     * it, one ended and the node gave the address to the other. That is the one not
     * terminating, else the one created later. Without this an update of the old pod (still
     * terminating, held by a finalizer; or a relist that lists it after the new one) would take
     * the address back, and its deletion would then leave it nobody's while the new pod runs.
     * With no creation times to go by, the later claim wins.
     */
    private boolean supersededOn(IpKey ip, PodEntry claimant) {
        AddressHolder current = index.current(ip);
        if (current == null || current.uid().equals(claimant.uid())) {
            return false;
        }
        PodEntry other = pods.get(current.uid());
        if (other == null) {
            return false;
        }
        if (other.terminating() != claimant.terminating()) {
            return claimant.terminating();
        }
        return claimant.createdNanos() != Long.MIN_VALUE && other.createdNanos() != Long.MIN_VALUE
                && other.createdNanos() > claimant.createdNanos();
    }

    private void reresolve(Set<String> uids) {
        if (uids == null) {
            return;
        }
        for (String uid : List.copyOf(uids)) {
            PodEntry e = pods.get(uid);
            if (e != null) {
                place(e, e);
            }
        }
    }

    private AddressHolder holder(PodEntry e) {
        Owner owner = workload(e);
        Workload w = Workload.newBuilder()
                .setNamespace(e.namespace())
                .setPodName(e.name())
                .setWorkloadKind(owner.kind())
                .setWorkloadName(owner.name())
                .putAllLabels(e.labels())
                .setNodeName(e.node())
                .addAllServices(services(e))
                .build();
        return new AddressHolder(e.uid(), w, e.view(), e.hostIps());
    }

    /** The workload a pod belongs to: its controller, followed up through ReplicaSets and Jobs. */
    private Owner workload(PodEntry e) {
        Owner c = e.controller();
        if (c == null) {
            return new Owner("Pod", e.name());
        }
        return switch (c.kind()) {
            case "ReplicaSet" -> {
                Owner up = replicaSetOwners.get(e.namespace() + "/" + c.name());
                if (up != null) {
                    yield up == NO_OWNER ? c : up;
                }
                String hash = e.labels().get(TEMPLATE_HASH_LABEL);
                if (hash != null && !hash.isEmpty() && c.name().endsWith("-" + hash)
                        && c.name().length() > hash.length() + 1) {
                    yield new Owner("Deployment", c.name().substring(0, c.name().length() - hash.length() - 1));
                }
                yield c;
            }
            case "Job" -> {
                Owner up = jobOwners.get(e.namespace() + "/" + c.name());
                yield up == null || up == NO_OWNER ? c : up;
            }
            default -> c;
        };
    }

    private List<String> services(PodEntry e) {
        Set<String> out = new TreeSet<>();
        Map<String, ServiceEntry> inNs = servicesByNamespace.get(e.namespace());
        if (inNs != null) {
            for (ServiceEntry s : inNs.values()) {
                if (s.selector() != null && !s.selector().isEmpty()
                        && e.labels().entrySet().containsAll(s.selector().entrySet())) {
                    out.add(s.namespace() + "/" + s.name());
                }
            }
        }
        Map<String, Integer> fromSlices = sliceServicesByPod.get(e.uid());
        if (fromSlices != null) {
            out.addAll(fromSlices.keySet());
        }
        return List.copyOf(out);
    }

    // ---- owners

    public synchronized void replicaSet(ReplicaSet rs) {
        owned(rs, "ReplicaSet", replicaSetOwners, false);
    }

    public synchronized void replicaSetGone(ReplicaSet rs) {
        owned(rs, "ReplicaSet", replicaSetOwners, true);
    }

    public synchronized void job(Job job) {
        owned(job, "Job", jobOwners, false);
    }

    public synchronized void jobGone(Job job) {
        owned(job, "Job", jobOwners, true);
    }

    private void owned(HasMetadata o, String kind, Map<String, Owner> owners, boolean gone) {
        events++;
        ObjectMeta meta = o.getMetadata();
        if (meta == null || blank(meta.getName())) {
            return;
        }
        String key = namespaceOf(meta) + "/" + meta.getName();
        Owner before;
        if (gone) {
            before = owners.remove(key);
        } else {
            Owner c = controller(meta.getOwnerReferences());
            before = owners.put(key, c == null ? NO_OWNER : c);
            if (Objects.equals(before, owners.get(key))) {
                return;
            }
        }
        reresolve(podsByController.get(controllerKey(kind, namespaceOf(meta), meta.getName())));
    }

    // ---- services

    public synchronized void service(Service s) {
        events++;
        ObjectMeta meta = s.getMetadata();
        if (meta == null || blank(meta.getName())) {
            return;
        }
        String namespace = namespaceOf(meta);
        String uid = blank(meta.getUid()) ? "svc:" + namespace + "/" + meta.getName() : meta.getUid();
        Map<String, String> selector = null;
        List<IpKey> clusterIps = new ArrayList<>();
        if (s.getSpec() != null) {
            selector = s.getSpec().getSelector() == null ? null : Map.copyOf(s.getSpec().getSelector());
            Set<String> ips = new LinkedHashSet<>();
            if (!blank(s.getSpec().getClusterIP())) {
                ips.add(s.getSpec().getClusterIP());
            }
            if (s.getSpec().getClusterIPs() != null) {
                ips.addAll(s.getSpec().getClusterIPs());
            }
            for (String ip : ips) {
                IpKey k = IpKey.parse(ip); // "None" (headless) is no address
                if (k != null) {
                    clusterIps.add(k);
                }
            }
        }
        ServiceEntry entry = new ServiceEntry(uid, namespace, meta.getName(), selector, List.copyOf(clusterIps));
        ServiceEntry old = servicesByNamespace.computeIfAbsent(namespace, k -> new HashMap<>()).put(meta.getName(), entry);
        placeService(old, entry);
        if (old == null || !Objects.equals(old.selector(), entry.selector())) {
            reresolve(podsByNamespace.get(namespace));
        }
    }

    public synchronized void serviceGone(Service s) {
        events++;
        ObjectMeta meta = s.getMetadata();
        if (meta == null || blank(meta.getName())) {
            return;
        }
        String namespace = namespaceOf(meta);
        Map<String, ServiceEntry> inNs = servicesByNamespace.get(namespace);
        ServiceEntry old = inNs == null ? null : inNs.remove(meta.getName());
        if (old == null) {
            return;
        }
        if (inNs.isEmpty()) {
            servicesByNamespace.remove(namespace);
        }
        long now = clockNanos.getAsLong();
        for (IpKey ip : old.clusterIps()) {
            index.release(ip, old.uid(), now);
        }
        reresolve(podsByNamespace.get(namespace));
    }

    private void placeService(ServiceEntry old, ServiceEntry now) {
        long at = clockNanos.getAsLong();
        if (old != null) {
            for (IpKey ip : old.clusterIps()) {
                if (!now.clusterIps().contains(ip)) {
                    index.release(ip, old.uid(), at);
                }
            }
        }
        String name = now.namespace() + "/" + now.name();
        Workload w = Workload.newBuilder().setNamespace(now.namespace()).setWorkloadKind("Service")
                .setWorkloadName(now.name()).addServices(name).build();
        AddressHolder holder = new AddressHolder(now.uid(), w, null, List.of());
        for (IpKey ip : now.clusterIps()) {
            index.claim(ip, holder, synced ? at : Long.MIN_VALUE);
        }
    }

    public synchronized void endpointSlice(EndpointSlice slice) {
        events++;
        ObjectMeta meta = slice.getMetadata();
        if (meta == null || blank(meta.getName())) {
            return;
        }
        String namespace = namespaceOf(meta);
        String service = meta.getLabels() == null ? null : meta.getLabels().get(SERVICE_NAME_LABEL);
        Set<String> podUids = new HashSet<>();
        if (!blank(service) && slice.getEndpoints() != null) {
            for (Endpoint e : slice.getEndpoints()) {
                ObjectReference ref = e == null ? null : e.getTargetRef();
                if (ref == null || !"Pod".equals(ref.getKind()) || blank(ref.getName())) {
                    continue;
                }
                String ns = blank(ref.getNamespace()) ? namespace : ref.getNamespace();
                String uid = blank(ref.getUid()) ? podUidByName.get(ns + "/" + ref.getName()) : ref.getUid();
                if (uid != null) {
                    podUids.add(uid);
                }
            }
        }
        SliceEntry entry = blank(service) ? null : new SliceEntry(namespace + "/" + service, podUids);
        String key = namespace + "/" + meta.getName();
        SliceEntry old = entry == null ? slices.remove(key) : slices.put(key, entry);
        applySlice(old, entry);
    }

    public synchronized void endpointSliceGone(EndpointSlice slice) {
        events++;
        ObjectMeta meta = slice.getMetadata();
        if (meta == null || blank(meta.getName())) {
            return;
        }
        applySlice(slices.remove(namespaceOf(meta) + "/" + meta.getName()), null);
    }

    private void applySlice(SliceEntry old, SliceEntry now) {
        Set<String> affected = new HashSet<>();
        if (old != null) {
            for (String uid : old.podUids()) {
                if (now == null || !now.service().equals(old.service()) || !now.podUids().contains(uid)) {
                    Map<String, Integer> m = sliceServicesByPod.get(uid);
                    if (m != null && m.merge(old.service(), -1, Integer::sum) <= 0) {
                        m.remove(old.service());
                        if (m.isEmpty()) {
                            sliceServicesByPod.remove(uid);
                        }
                        affected.add(uid);
                    }
                }
            }
        }
        if (now != null) {
            for (String uid : now.podUids()) {
                if (old == null || !old.service().equals(now.service()) || !old.podUids().contains(uid)) {
                    if (sliceServicesByPod.computeIfAbsent(uid, k -> new HashMap<>()).merge(now.service(), 1,
                            Integer::sum) == 1) {
                        affected.add(uid);
                    }
                }
            }
        }
        reresolve(affected);
    }

    // ---- namespaces and policies

    public synchronized void namespace(Namespace ns) {
        events++;
        switch (ObjectCompiler.namespace(ns)) {
            case Compiled.Ok<NamespaceView> ok -> {
                if (!ok.value().equals(namespaces.put(ok.value().name(), ok.value()))) {
                    policiesChanged();
                }
            }
            case Compiled.Invalid<NamespaceView> bad -> invalid(bad.message());
        }
    }

    public synchronized void namespaceGone(Namespace ns) {
        events++;
        if (ns.getMetadata() != null && namespaces.remove(ns.getMetadata().getName()) != null) {
            policiesChanged();
        }
    }

    public synchronized void policy(NetworkPolicy np) {
        events++;
        String key = np.getMetadata() == null ? "" : namespaceOf(np.getMetadata()) + "/" + np.getMetadata().getName();
        switch (ObjectCompiler.storedPolicy(np)) {
            case Compiled.Ok<Policy> ok -> policies.put(key, ok.value());
            case Compiled.Invalid<Policy> bad -> {
                // The API server validates policies, so this is a newer field or a model
                // mismatch. Judging without the policy is wrong either way: it widens what is
                // allowed if the policy isolated its pods, and narrows it (false violations)
                // if it allowed traffic to pods another policy isolates. So say so loudly.
                invalid(bad.message());
                policies.remove(key);
            }
        }
        policiesChanged();
    }

    public synchronized void policyGone(NetworkPolicy np) {
        events++;
        if (np.getMetadata() != null
                && policies.remove(namespaceOf(np.getMetadata()) + "/" + np.getMetadata().getName()) != null) {
            policiesChanged();
        }
    }

    private void policiesChanged() {
        history.changed(synced ? clockNanos.getAsLong() : Long.MIN_VALUE, snapshot());
        podsChanged = false;
    }

    /** Rebuilds the current snapshot when only pods changed since the last build. */
    public synchronized void refreshSnapshot() {
        if (podsChanged) {
            podsChanged = false;
            history.refreshed(snapshot());
        }
    }

    private ClusterSnapshot snapshot() {
        List<PodView> views = new ArrayList<>(pods.size());
        for (PodEntry e : pods.values()) {
            views.add(e.view());
        }
        return new ClusterSnapshot(List.copyOf(namespaces.values()), views, List.copyOf(policies.values()));
    }

    // ---- counters

    /** Objects the compiler refused (logged as they come). */
    public synchronized long invalidObjects() {
        return invalidObjects;
    }

    /**
     * Claims of an address by a pod skipped because another pod took the address after it
     * (the claimant is terminating, or older): see {@link #supersededOn}.
     */
    public synchronized long staleClaims() {
        return staleClaims;
    }

    public synchronized long events() {
        return events;
    }

    public synchronized int podCount() {
        return pods.size();
    }

    private void invalid(String message) {
        invalidObjects++;
        log.warn("skipping {}", message);
    }

    // ---- helpers

    private static Owner controller(List<OwnerReference> refs) {
        if (refs == null) {
            return null;
        }
        for (OwnerReference r : refs) {
            if (r != null && Boolean.TRUE.equals(r.getController()) && !blank(r.getKind()) && !blank(r.getName())) {
                return new Owner(r.getKind(), r.getName());
            }
        }
        return null;
    }

    private static String controllerKey(String kind, String namespace, String name) {
        return kind + "/" + namespace + "/" + name;
    }

    private static long nanos(String rfc3339) {
        if (blank(rfc3339)) {
            return Long.MIN_VALUE;
        }
        try {
            Instant t = Instant.parse(rfc3339);
            return t.getEpochSecond() * 1_000_000_000L + t.getNano();
        } catch (DateTimeParseException | ArithmeticException e) {
            return Long.MIN_VALUE;
        }
    }

    private static Map<String, String> labels(ObjectMeta meta) {
        Map<String, String> out = new HashMap<>();
        if (meta.getLabels() != null) {
            meta.getLabels().forEach((k, v) -> {
                if (k != null) {
                    out.put(k, v == null ? "" : v);
                }
            });
        }
        return out;
    }

    private static String namespaceOf(ObjectMeta meta) {
        return blank(meta.getNamespace()) ? ObjectCompiler.DEFAULT_NAMESPACE : meta.getNamespace();
    }

    private static boolean blank(String s) {
        return s == null || s.isEmpty();
    }
}
