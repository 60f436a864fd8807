package io.netwatch.aggregator.response;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.netwatch.aggregator.identity.ClusterNodes;
import io.netwatch.aggregator.ingest.AgentCommands;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.proto.ingest.v1.CommandResult;
import io.netwatch.proto.query.v1.GetBlockAuditRequest;
import io.netwatch.proto.query.v1.GetBlockAuditResponse;
import io.netwatch.proto.query.v1.ListBlocksRequest;
import io.netwatch.proto.query.v1.ListBlocksResponse;
import io.netwatch.proto.query.v1.RemoveBlockRequest;
import io.netwatch.proto.query.v1.RemoveBlockResponse;
import java.util.List;
import java.util.Set;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The response stage, blocking half: offenses in (from stored anomalies today, incidents
 * later), block decisions out, each audited. Everything it decides runs on its one thread,
 * so the storing threads only hand over a record; offenses waiting past
 * {@link #MAX_QUEUED} are dropped and counted. The agents' answers wait apart and are taken
 * before anything else the thread does (an offense, the expiry check, a query): a confirmation
 * never waits behind, or is dropped for, an anomaly storm. Construct with {@link #start} and
 * close it.
 */
public final class Response implements AutoCloseable {
    /** Offenses waiting for a decision before new ones are dropped (counted). */
    public static final int MAX_QUEUED = 10_000;
    /** Agents' answers waiting before new ones are dropped (counted; their commands then fail unanswered). */
    public static final int MAX_QUEUED_RESULTS = 10_000;
    /** How often blocks are checked for expiry and unanswered commands, ms. */
    static final long TICK_MILLIS = 1000;
    /** How long a handshake counts as evidence that the initiator holds its address, ms. */
    static final long HANDSHAKE_WINDOW_MILLIS = 10 * 60_000;
    private static final long QUERY_TIMEOUT_SECONDS = 10;
    /** Longest RemoveBlock value: an address literal is at most 45 characters, an id far less. */
    static final int MAX_BLOCK_TEXT = 64;
    private static final Logger log = LoggerFactory.getLogger(Response.class);

    private final ResponseConfig config;
    private final BlockDecisions decisions;
    private final AuditLog audit;
    private final ResponseCounters counters;
    private final HandshakeWitness witness;
    private final ScheduledExecutorService thread;
    private final LongSupplier clock;
    private final AtomicInteger queued = new AtomicInteger();
    private final ArrayBlockingQueue<AgentResult> results = new ArrayBlockingQueue<>(MAX_QUEUED_RESULTS);
    /** Whether a task that takes the waiting answers is queued on the thread and has not started. */
    private final AtomicBoolean resultsScheduled = new AtomicBoolean();
    private final KubernetesEvents kubernetesEvents;
    /** Nodes whose agent connected, waiting to be sent the blocks in force (a set: a flapping agent is one entry). */
    private final Set<String> connects = ConcurrentHashMap.newKeySet();
    /** Whether a task that takes the waiting connects is queued on the thread and has not started. */
    private final AtomicBoolean connectsScheduled = new AtomicBoolean();

    /** An agent's answer waiting for the response thread. */
    private record AgentResult(String node, CommandResult result) {
    }

    private Response(ResponseConfig config, AgentCommands agents, ProtectedAddresses cluster, Quarantine quarantine,
                     DecisionEvents events, LongSupplier clock, KubernetesEvents kubernetesEvents) {
        this.config = config;
        this.clock = clock;
        this.kubernetesEvents = kubernetesEvents;
        this.counters = new ResponseCounters();
        this.audit = new AuditLog(config.auditSize());
        this.witness = new HandshakeWitness(HandshakeWitness.DEFAULT_MAX_ADDRESSES, HANDSHAKE_WINDOW_MILLIS);
        this.decisions = new BlockDecisions(config, new Guardrails(config, cluster, witness), agents, quarantine,
                audit, events, counters);
        this.thread = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("netwatch-response").daemon().unstarted(r));
    }

    /**
     * Starts the stage on {@code store}'s anomalies and flows, sending through {@code agents}.
     * The aggregator's own addresses are protected, with a cluster or without.
     *
     * @param kubernetes the watched cluster (protected addresses, quarantine, Events), or null
     * @param nodes      the cluster's Nodes as the identity stage lists them (needed with
     *                   {@code kubernetes}: their addresses are protected); null without a cluster
     */
    public static Response start(ResponseConfig config, FlowStore store, AgentCommands agents,
                                 KubernetesClient kubernetes, ClusterNodes nodes) {
        LongSupplier clock = System::currentTimeMillis;
        ProtectedAddresses own = AggregatorAddresses.ofThisHost();
        if (kubernetes == null) {
            return start(config, store, agents, own, Quarantine.NONE, DecisionEvents.NONE, clock, null);
        }
        KubernetesEvents events = new KubernetesEvents(kubernetes);
        return start(config, store, agents, own.or(new ClusterProtectedAddresses(kubernetes,
                config.protectedNamespaces(), nodes, clock)), new KubernetesQuarantine(kubernetes), events, clock,
                events);
    }

    /** With every collaborator given: tests use this. */
    static Response start(ResponseConfig config, FlowStore store, AgentCommands agents, ProtectedAddresses cluster,
                          Quarantine quarantine, DecisionEvents events, LongSupplier clock,
                          KubernetesEvents kubernetesEvents) {
        Response r = new Response(config, agents, cluster, quarantine, events, clock, kubernetesEvents);
        if (config.mode() != ResponseMode.OFF) {
            store.listen(r.witness);
            store.listen(new OffenseAdapter(r::submit, r.counters));
            agents.onResult((node, result, at) -> r.result(node, result));
            agents.onConnect(r::connected);
            r.thread.scheduleWithFixedDelay(() -> {
                r.takeResults();
                r.decisions.tick(r.clock.getAsLong());
            }, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        }
        return r;
    }

    /**
     * Judges an offense on the response thread (returns at once). Incidents call this; stored
     * anomalies reach it through {@link OffenseAdapter}.
     */
    public void submit(Offense offense, long nowMillis) {
        if (config.mode() == ResponseMode.OFF) {
            return;
        }
        if (!run(() -> decisions.decide(offense, clock.getAsLong()))) {
            counters.ignore(ResponseCounters.Ignored.QUEUE_FULL);
        }
    }

    private boolean run(Runnable task) {
        if (queued.incrementAndGet() > MAX_QUEUED) {
            queued.decrementAndGet();
            return false;
        }
        try {
            thread.execute(() -> {
                queued.decrementAndGet();
                takeResults();
                task.run();
            });
            return true;
        } catch (RejectedExecutionException e) {
            queued.decrementAndGet();
            return false; // closing
        }
    }

    /**
     * Hands an agent's answer to the response thread (returns at once). Answers do not share
     * the offenses' queue: a full one must not lose the confirmation of a block in force
     * (found in review: it was then failed after 30 s and withdrawn). One dropped here is
     * counted, and its command fails as unanswered, which takes the block back.
     */
    private void result(String node, CommandResult result) {
        if (!results.offer(new AgentResult(node, result))) {
            counters.count(ResponseCounters.Command.RESULT_QUEUE_FULL);
            return;
        }
        // Taken by whatever the thread does next; this task only for when it has nothing to do.
        if (resultsScheduled.compareAndSet(false, true)) {
            try {
                thread.execute(this::takeResults);
            } catch (RejectedExecutionException e) {
                // closing
            }
        }
    }

    /**
     * Hands a node whose agent just connected to the response thread (returns at once), which
     * sends it the blocks in force for it ({@link BlockDecisions#connected}).
     */
    private void connected(String node) {
        connects.add(node);
        if (connectsScheduled.compareAndSet(false, true)) {
            try {
                thread.execute(this::takeResults);
            } catch (RejectedExecutionException e) {
                // closing
            }
        }
    }

    /** Decides on every answer waiting, then sends the blocks in force to the agents that connected, on the response thread. */
    private void takeResults() {
        resultsScheduled.set(false);
        for (AgentResult r = results.poll(); r != null; r = results.poll()) {
            try {
                decisions.result(r.node(), r.result(), clock.getAsLong());
            } catch (RuntimeException e) {
                // Kept to this answer, as when each had a task of its own: the offense, query or
                // expiry check that took it still runs.
                log.warn("response: the answer of node {}'s agent to {} failed", r.node(),
                        r.result().getCommandId(), e);
            }
        }
        connectsScheduled.set(false);
        for (String node : List.copyOf(connects)) {
            connects.remove(node);
            try {
                decisions.connected(node, clock.getAsLong());
            } catch (RuntimeException e) {
                log.warn("response: sending the blocks in force to node {}'s agent failed", node, e);
            }
        }
    }

    /** Runs a query on the response thread and waits for it. */
    private <T> T ask(Callable<T> q) {
        Future<T> future = null;
        try {
            future = thread.submit(() -> {
                takeResults();
                return q.call();
            });
            return future.get(QUERY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            // Not run later if it has not started: a removal reported as failed must not happen
            // after all (found in review). One already running is said to be so.
            boolean cancelled = future.cancel(false);
            throw new IllegalStateException("the response stage did not answer within " + QUERY_TIMEOUT_SECONDS + " s"
                    + (cancelled ? "; nothing was done" : "; it was under way and may still finish (netwatch blocks"
                    + " list shows the outcome)"));
        }
    }

    public ListBlocksResponse list(ListBlocksRequest request) {
        return ask(() -> {
            ListBlocksResponse.Builder b = ListBlocksResponse.newBuilder().setMode(config.mode().word());
            if (request.getIncludeEnded()) {
                decisions.table().ended().forEach(x -> b.addBlocks(BlockViews.block(x)));
            }
            decisions.table().live().forEach(x -> b.addBlocks(BlockViews.block(x)));
            return b.build();
        });
    }

    /** @throws NoSuchElementException when no live block has that id or address */
    public RemoveBlockResponse remove(RemoveBlockRequest request) {
        return remove(request, null);
    }

    /**
     * As above, {@code caller} saying who asked ("certificate CN=netwatch-query", "bearer
     * token"), for the audit; null when the aggregator knows no caller (plaintext).
     */
    public RemoveBlockResponse remove(RemoveBlockRequest request, String caller) {
        if (request.getBlock().length() > MAX_BLOCK_TEXT) {
            // Not quoted back: a status travels in a header, and past the client's header limit
            // the caller would get a transport error instead of this.
            throw new IllegalArgumentException("block: a value of " + request.getBlock().length() + " characters is"
                    + " neither a block id (response-3) nor an address (at most " + MAX_BLOCK_TEXT + ")");
        }
        String given = request.getBlock().strip();
        byte[] ip = io.netwatch.aggregator.policy.IpAddresses.parse(given);
        // Addresses are kept in canonical form ("fd00::1"); ids are taken as given.
        String target = ip == null ? given : io.netwatch.aggregator.policy.IpAddresses.format(ip);
        if (target.isEmpty()) {
            throw new IllegalArgumentException("say which block to remove: a block id (response-3) or an address");
        }
        return ask(() -> {
            List<LiveBlock> removed = decisions.remove(target, clock.getAsLong(), caller);
            if (removed.isEmpty()) {
                throw new NoSuchElementException("no live block has id or address '" + target
                        + "' (netwatch blocks list shows them)");
            }
            RemoveBlockResponse.Builder b = RemoveBlockResponse.newBuilder();
            removed.forEach(x -> b.addRemoved(BlockViews.block(x)));
            return b.build();
        });
    }

    public GetBlockAuditResponse audit(GetBlockAuditRequest request) {
        GetBlockAuditResponse.Builder b = GetBlockAuditResponse.newBuilder().setDropped(audit.dropped());
        audit.last((int) Math.min(Integer.MAX_VALUE, request.getLimit())).forEach(r -> b.addRecords(
                BlockViews.audit(r)));
        return b.build();
    }

    public ResponseMode mode() {
        return config.mode();
    }

    public ResponseCounters counters() {
        return counters;
    }

    /** The audit log (bounded). */
    public AuditLog auditLog() {
        return audit;
    }

    /** Live blocks' node states in {@code state}. */
    public long live(io.netwatch.proto.query.v1.BlockState state) {
        return decisions.table().count(state);
    }

    HandshakeWitness witness() {
        return witness;
    }

    /** Meters of this stage (docs/metrics.md). */
    public ResponseMetrics metrics() {
        return new ResponseMetrics(this, witness, kubernetesEvents);
    }

    /** Runs the expiry check now and waits for it (tests). */
    void tick() {
        ask(() -> {
            decisions.tick(clock.getAsLong());
            return null;
        });
    }

    /** Waits until everything handed over so far is decided (tests). */
    void settle() {
        ask(() -> null);
    }

    @Override
    public void close() {
        thread.shutdownNow();
        if (kubernetesEvents != null) {
            kubernetesEvents.close();
        }
    }
}
