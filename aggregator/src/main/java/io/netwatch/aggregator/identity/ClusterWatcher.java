package io.netwatch.aggregator.identity;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator's one cluster-wide watch on the API server: informers on Pods, Namespaces,
 * Services, EndpointSlices, NetworkPolicies, ReplicaSets and Jobs, all namespaces, feeding
 * one {@link ClusterState}; and a list of the Nodes every 30 s, for their addresses
 * ({@link ClusterNodes}, which the response stage's protected addresses read too: the Nodes are
 * listed here only), on a thread of its own: Nodes are not watched, and a list that fails
 * (counted, retried) keeps the last one and never holds readiness back. Agents never watch the
 * API server themselves.
 *
 * <p>Never blocks its caller: {@link #start} returns at once, the informers list and watch
 * in the background and retry with backoff while the API server cannot be reached;
 * {@link #ready()} says whether every informer has listed and is watching, and
 * {@link #problem()} why not. Flows never wait for it: they read whatever the index holds.
 *
 * <p>Least privilege (ClusterRole): {@code get, list, watch} on {@code pods},
 * {@code namespaces}, {@code services}; {@code endpointslices} (discovery.k8s.io);
 * {@code networkpolicies} (networking.k8s.io); {@code replicasets} (apps); {@code jobs}
 * (batch); {@code list} on {@code nodes}. Nothing else, and no write verb.
 */
public final class ClusterWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterWatcher.class);
    /** How often the current snapshot is rebuilt when only pods changed, ms. */
    static final long REFRESH_MILLIS = 1_000;
    /** How often ended tenures past their grace are dropped, ms. */
    static final long PRUNE_MILLIS = 10_000;
    /** How often the Nodes are listed for their addresses, ms (they change when a node joins or leaves). */
    static final long NODES_MILLIS = 30_000;

    private final ClusterState state;
    private final IdentityIndex index;
    private final LongSupplier clockNanos;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final ScheduledExecutorService ticker;
    /** Lists the Nodes: a request that may wait on the API server, kept off the ticker's refreshes. */
    private final ScheduledExecutorService nodeLister;
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong handlerErrors = new AtomicLong();
    private volatile String problem = "listing the cluster";
    private volatile String lastCause;
    private volatile boolean closed;

    private ClusterWatcher(ClusterState state, IdentityIndex index, LongSupplier clockNanos) {
        this.state = state;
        this.index = index;
        this.clockNanos = clockNanos;
        this.ticker = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("netwatch-identity").daemon().unstarted(r));
        this.nodeLister = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("netwatch-identity-nodes").daemon().unstarted(r));
    }

    /**
     * Starts the informers on {@code client} (which stays the caller's to close) and returns
     * without waiting for them.
     */
    public static ClusterWatcher start(KubernetesClient client, IdentityIndex index, PolicyHistory history,
                                       LongSupplier clockNanos) {
        Objects.requireNonNull(client, "client");
        ClusterState state = new ClusterState(index, history, clockNanos);
        ClusterWatcher w = new ClusterWatcher(state, index, clockNanos);
        w.watch(client.pods().inAnyNamespace().runnableInformer(0), state::pod, state::podGone);
        w.watch(client.namespaces().runnableInformer(0), state::namespace, state::namespaceGone);
        w.watch(client.services().inAnyNamespace().runnableInformer(0), state::service, state::serviceGone);
        w.watch(client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0),
                state::endpointSlice, state::endpointSliceGone);
        w.watch(client.network().v1().networkPolicies().inAnyNamespace().runnableInformer(0),
                state::policy, state::policyGone);
        w.watch(client.apps().replicaSets().inAnyNamespace().runnableInformer(0),
                state::replicaSet, state::replicaSetGone);
        w.watch(client.batch().v1().jobs().inAnyNamespace().runnableInformer(0), state::job, state::jobGone);
        List<CompletableFuture<Void>> started = new ArrayList<>();
        for (SharedIndexInformer<?> i : w.informers) {
            started.add(i.start().toCompletableFuture());
        }
        CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).whenComplete((ok, err) -> {
            if (err == null && !w.closed) {
                state.markSynced();
                w.problem = null;
                log.info("identity: cluster listed ({} pods), watching", state.podCount());
            } else if (err != null && !w.closed) {
                w.problem = "informers stopped: " + describe(err);
                log.error("identity: {}", w.problem);
            }
        });
        w.ticker.scheduleWithFixedDelay(w::refresh, REFRESH_MILLIS, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
        w.ticker.scheduleWithFixedDelay(() -> index.prune(clockNanos.getAsLong()), PRUNE_MILLIS, PRUNE_MILLIS,
                TimeUnit.MILLISECONDS);
        w.nodeLister.scheduleWithFixedDelay(() -> w.listNodes(client), 0, NODES_MILLIS, TimeUnit.MILLISECONDS);
        return w;
    }

    /**
     * Reads the Nodes' addresses again. A failure (the API server away, the list refused) keeps
     * the last ones, is counted and logged when its cause changes, and never ends the schedule.
     */
    private void listNodes(KubernetesClient client) {
        try {
            state.nodes().listed(client.nodes().list().getItems());
        } catch (RuntimeException e) {
            if (closed) {
                return;
            }
            String cause = describe(e);
            state.nodes().listFailed(cause);
            if (!cause.equals(lastCause)) {
                log.warn("identity: listing the nodes failed ({}); their addresses stay as last read, retrying", cause);
            }
            lastCause = cause;
        }
    }

    private <T extends HasMetadata> void watch(SharedIndexInformer<T> informer, Consumer<T> upsert, Consumer<T> gone) {
        String kind = informer.getApiTypeClass().getSimpleName();
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T obj) {
                apply(upsert, obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                apply(upsert, newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                apply(gone, obj);
            }

            private void apply(Consumer<T> c, T obj) {
                try {
                    c.accept(obj);
                } catch (RuntimeException e) {
                    // One odd object must not stop the watch of every other one.
                    handlerErrors.incrementAndGet();
                    log.warn("identity: {} event for {} failed", kind, name(obj), e);
                }
            }
        });
        informer.exceptionHandler((started, t) -> {
            if (closed) {
                // A list still in flight when the watcher closed fails later: when the caller closes
                // the client, or when its retry (after a backoff of up to seconds) finds the client
                // closed. No failure of the watch: neither counted nor logged. fabric8 asks even for a
                // stopped informer, whose reconnect then does nothing; true keeps fabric8's own line
                // at WARN, which the CLI does not log for informers (simplelogger.properties), where
                // false makes it an ERROR with a stack trace ("will stop").
                return true;
            }
            failures.incrementAndGet();
            String cause = describe(t);
            // Every informer fails alike while the API server is away: log each cause once.
            if (!cause.equals(lastCause)) {
                log.warn("identity: watching {} failed ({}); retrying", kind, cause);
            } else {
                log.debug("identity: watching {} failed ({}); retrying", kind, cause);
            }
            lastCause = cause;
            problem = cause;
            // Retry even if the watcher closes meanwhile: stopping the informer cancels the retry.
            return true;
        });
        informers.add(informer);
    }

    private void refresh() {
        try {
            state.refreshSnapshot();
        } catch (RuntimeException e) {
            handlerErrors.incrementAndGet();
            log.warn("identity: snapshot rebuild failed", e);
        }
    }

    /**
     * Every informer has listed the cluster once and none has given up. A watch that breaks
     * later (the API server restarts, a watch times out) does not make it unready: identities
     * and verdicts go on from the last copy while the informers reconnect, and readiness
     * going down then would only cut the agents off the aggregator.
     */
    public boolean ready() {
        if (!state.synced()) {
            return false;
        }
        for (SharedIndexInformer<?> i : informers) {
            if (!i.isRunning()) {
                return false;
            }
        }
        return true;
    }

    /** Every informer is watching right now (false while one reconnects). */
    public boolean watching() {
        for (SharedIndexInformer<?> i : informers) {
            if (!i.isWatching()) {
                return false;
            }
        }
        return true;
    }

    /** Why the watcher is not ready, or null when it is. */
    public String problem() {
        if (ready()) {
            return null;
        }
        String p = problem;
        return p == null ? "an informer stopped" : p;
    }

    public ClusterState state() {
        return state;
    }

    public IdentityIndex index() {
        return index;
    }

    /** Failed lists or watches since start (each retried). */
    public long failures() {
        return failures.get();
    }

    /** Events whose handling threw (logged and skipped). */
    public long handlerErrors() {
        return handlerErrors.get();
    }

    long nowNanos() {
        return clockNanos.getAsLong();
    }

    /**
     * Stops both schedules and the informers. A list the informers still wait on ends later (the
     * client is the caller's to close): nothing is counted or logged after this returns.
     */
    @Override
    public void close() {
        closed = true;
        ticker.shutdownNow();
        nodeLister.shutdownNow();
        for (SharedIndexInformer<?> i : informers) {
            i.stop();
        }
    }

    private static String name(HasMetadata o) {
        return o == null || o.getMetadata() == null ? "(none)"
                : o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    /**
     * The causes of a failure, outermost first, without the wrappers that say nothing
     * ("ConnectException: Connection refused; ClosedChannelException"), at most three.
     */
    static String describe(Throwable t) {
        List<String> parts = new ArrayList<>();
        for (Throwable c = t; c != null && parts.size() < 3; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.util.concurrent.CompletionException
                    || c instanceof java.util.concurrent.ExecutionException) {
                continue;
            }
            String m = c.getMessage();
            String part = c.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
            if (!parts.contains(part)) {
                parts.add(part);
            }
        }
        return parts.isEmpty() ? t.getClass().getSimpleName() : String.join("; ", parts);
    }
}
