package io.netwatch.aggregator.ingest;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.netwatch.aggregator.store.AgentRegistry;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.aggregator.store.StoreWeight;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.ingest.v1.AgentMessage;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.Hello;
import io.netwatch.proto.ingest.v1.IngestGrpc;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives each agent's stream: registers its hello, stores its batches and acknowledges
 * each one after it is stored, keeps its status and loss reports. A batch seen again after a
 * reconnect is acknowledged and counted, not stored twice. Each flow goes through the
 * {@link FlowStage} (identities, verdicts), each anomaly through the {@link AnomalyStage}
 * (identities), before it is stored.
 */
public final class IngestService extends IngestGrpc.IngestImplBase {
    /** Most characters of a node name accepted from an agent. */
    public static final int MAX_NODE_NAME = 253;
    /** How often an open stream's pod is read again (see {@link #checkNodes}), millis. */
    static final long RECHECK_MILLIS = 5 * 60_000;
    /** How soon it is read again when the API server could not answer, millis. */
    static final long RECHECK_RETRY_MILLIS = 10_000;
    /**
     * How often streams that send nothing are looked at for a due read, millis: an agent that
     * stays silent still receives identities and commands, so its pod is read again on time.
     */
    static final long SILENT_SWEEP_MILLIS = 30_000;
    /** Most capabilities, and most capture sources, one hello may list. */
    static final int MAX_HELLO_ITEMS = 256;
    /** Largest hello, bytes: what a node's agent says of itself fits in far less. */
    static final int MAX_HELLO_BYTES = 64 * 1024;

    /**
     * The highest batch sequence taken (2^48). An agent numbers its batches from 1, one by one
     * (FlowBatch.sequence): at a million batches a second it would take nine years to get here.
     * A sequence past it is a broken or hostile sender's, and taken it would make every later
     * batch of its boot a duplicate, acknowledged and never stored (found in review: one batch
     * numbered 2^63-1 did; one past 2^63, negative as a Java long, was itself taken for a
     * duplicate). Such a batch, or one numbered 0, ends the stream INVALID_ARGUMENT unstored and
     * unacknowledged.
     */
    static final long MAX_BATCH_SEQUENCE = 1L << 48;

    /** The hello capability of agents that take identity updates. */
    public static final String CAPABILITY_IDENTITY = "identity";
    /** The hello capability of agents that take baselines (volume_spike). */
    public static final String CAPABILITY_BASELINE = "baseline";

    static final Context.Key<SocketAddress> PEER = Context.key("netwatch-peer");
    /** The node token an agent sent with its stream ({@link NodeTokens#HEADER}), or null. */
    static final Context.Key<String> NODE_TOKEN = Context.key("netwatch-node-token");
    private static final Metadata.Key<String> NODE_TOKEN_HEADER =
            Metadata.Key.of(NodeTokens.HEADER, Metadata.ASCII_STRING_MARSHALLER);
    private static final Logger log = LoggerFactory.getLogger(IngestService.class);

    private final FlowStore store;
    private final AgentRegistry registry;
    private final LongSupplier clock;
    /** {@link System#nanoTime}, read with {@link #clock} for a message's flows: the baselines order readings by it. */
    private final LongSupplier clockNanos;
    private final FlowStage stage;
    private final AnomalyStage anomalyStage;
    private final IdentityPublisher identities;
    /** Pushes baselines to the agents that take them; null for none. */
    private final BaselinePublisher baselines;
    /** Block commands out, their results back (the response stage). */
    private final AgentCommands commands = new AgentCommands();
    private final AtomicLong stageErrors = new AtomicLong();
    private final AtomicBoolean anomalyStageFailed = new AtomicBoolean();
    private final AtomicLong streamsOpened = new AtomicLong();
    private final AtomicLong acksCoalesced = new AtomicLong();
    private final AtomicLong streamsRefused = new AtomicLong();
    private final AtomicLong streamsRevoked = new AtomicLong();
    private final AtomicLong streamsRechecked = new AtomicLong();
    private final AtomicLong reportsTrimmed = new AtomicLong();
    /** Reads the pods of open streams again (see {@link #checkNodes}); made by it, null before. */
    private volatile ScheduledExecutorService rechecks;
    /** Open agent streams, so a stopping aggregator can end each after the batch it is storing. */
    private final Set<AgentStream> open = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;
    /** Checks the node each hello names against the agent's token; null when nothing is checked. */
    private volatile NodeTokens nodeTokens;

    public IngestService(FlowStore store, AgentRegistry registry, LongSupplier clockMillis) {
        this(store, registry, clockMillis, FlowStage.NONE);
    }

    public IngestService(FlowStore store, AgentRegistry registry, LongSupplier clockMillis, FlowStage stage) {
        this(store, registry, clockMillis, stage, null);
    }

    /** @param identities streams identities to the agents that take them; null for none */
    public IngestService(FlowStore store, AgentRegistry registry, LongSupplier clockMillis, FlowStage stage,
                         IdentityPublisher identities) {
        this(store, registry, clockMillis, stage, identities, null);
    }

    /** @param baselines pushes baselines to the agents that take them; null for none */
    public IngestService(FlowStore store, AgentRegistry registry, LongSupplier clockMillis, FlowStage stage,
                         IdentityPublisher identities, BaselinePublisher baselines) {
        this(store, registry, clockMillis, stage, AnomalyStage.NONE, identities, baselines);
    }

    /** @param anomalyStage names each agent anomaly's ends before it is stored */
    public IngestService(FlowStore store, AgentRegistry registry, LongSupplier clockMillis, FlowStage stage,
                         AnomalyStage anomalyStage, IdentityPublisher identities, BaselinePublisher baselines) {
        this(store, registry, clockMillis, System::nanoTime, stage, anomalyStage, identities, baselines);
    }

    /** @param clockNanos the monotonic clock ({@link System#nanoTime}) each flow is stamped with too */
    public IngestService(FlowStore store, AgentRegistry registry, LongSupplier clockMillis, LongSupplier clockNanos,
                         FlowStage stage, AnomalyStage anomalyStage, IdentityPublisher identities,
                         BaselinePublisher baselines) {
        this.baselines = baselines;
        this.store = store;
        this.registry = registry;
        this.clock = clockMillis;
        this.clockNanos = clockNanos;
        this.stage = stage;
        this.anomalyStage = anomalyStage;
        this.identities = identities;
    }

    /** Commands to the connected agents by node, and their results. */
    public AgentCommands commands() {
        return commands;
    }

    /** Flows and anomalies the stages threw on, stored as they came. */
    public long stageErrors() {
        return stageErrors.get();
    }

    private Flow staged(Flow f, long now) {
        try {
            return stage.apply(f, now);
        } catch (RuntimeException e) {
            if (stageErrors.getAndIncrement() == 0) {
                log.warn("flow stage failed; flows it fails on are stored as they came", e);
            }
            return f;
        }
    }

    private Anomaly staged(Anomaly a, long now) {
        try {
            return anomalyStage.apply(a, now);
        } catch (RuntimeException e) {
            stageErrors.incrementAndGet();
            // Its own first failure is logged, whatever the flow stage's did.
            if (!anomalyStageFailed.getAndSet(true)) {
                log.warn("anomaly stage failed; anomalies it fails on are stored as they came", e);
            }
            return a;
        }
    }

    /**
     * Acks never written because a later one replaced them while the agent was not reading
     * ({@link AgentResponses#MAX_UNREADY_ACKS}): nothing is lost, acks being cumulative.
     */
    public long acksCoalesced() {
        return acksCoalesced.get();
    }

    /** Agent streams opened since start (each reconnect opens one). */
    public long streamsOpened() {
        return streamsOpened.get();
    }

    /** Agent streams ended by the aggregator because the agent broke the protocol. */
    public long streamsRefused() {
        return streamsRefused.get();
    }

    /**
     * Agent streams ended because the pod their node token was issued for is gone, or on another
     * node, when read again (see {@link #checkNodes}).
     */
    public long streamsRevoked() {
        return streamsRevoked.get();
    }

    /**
     * Status and loss reports kept cut to {@link AgentReports}' bounds: too many source states
     * or loss counters, or too long a name.
     */
    public long reportsTrimmed() {
        return reportsTrimmed.get();
    }

    /** Reads of an open stream's pod done (see {@link #checkNodes}), whatever they found, the API server down included. */
    public long streamsRechecked() {
        return streamsRechecked.get();
    }

    /**
     * From now on, each hello's node must be the one the agent's token was issued on
     * ({@link NodeTokens}); a hello that fails is refused PERMISSION_DENIED. An open stream's
     * pod is read again every {@link #RECHECK_MILLIS}, at the agent's next message or, for a
     * stream that sends none, within {@link #SILENT_SWEEP_MILLIS} after that, off the stream's
     * thread (a slow API server holds up no batch): when the pod is gone or on another node, the
     * stream ends PERMISSION_DENIED.
     */
    public void checkNodes(NodeTokens tokens) {
        if (rechecks == null) {
            rechecks = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform()
                    .name("netwatch-ingest-recheck").daemon().unstarted(r));
            rechecks.scheduleWithFixedDelay(this::recheckSilentStreams, SILENT_SWEEP_MILLIS, SILENT_SWEEP_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
        this.nodeTokens = tokens;
    }

    /**
     * Starts the due reads of the open streams' pods, the silent streams' included: the
     * others are read again at their next message anyway. Runs every {@link #SILENT_SWEEP_MILLIS}.
     */
    void recheckSilentStreams() {
        for (AgentStream stream : open) {
            try {
                stream.recheckIfDue();
            } catch (RuntimeException e) {
                // A bug: logged, and the sweep goes on (a scheduled task that throws is never run again).
                log.warn("ingest: looking at node {}'s stream for a due pod read failed", stream.node, e);
            }
        }
    }

    /** Makes the caller's address (and node token) visible to the service; install it on the server. */
    public static ServerInterceptor peerInterceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                return Contexts.interceptCall(Context.current().withValue(PEER, peer)
                        .withValue(NODE_TOKEN, headers.get(NODE_TOKEN_HEADER)), call, headers, next);
            }
        };
    }

    /**
     * Ends every agent stream, each once the batch it is storing (if any) is stored and
     * acknowledged, with UNAVAILABLE so agents reconnect (to the next aggregator) and resend
     * what was not acknowledged. Streams that open afterwards are ended at their first message.
     * Call after the server stopped accepting new calls.
     *
     * @return true when every stream ended within {@code grace}; false leaves the rest to be
     *         cancelled (their unacknowledged batches are resent, never lost)
     */
    public boolean drain(Duration grace) throws InterruptedException {
        draining = true;
        stopChecks();
        List<AgentStream> streams = List.copyOf(open);
        Thread ender = Thread.ofPlatform().name("netwatch-ingest-drain").daemon().start(() -> streams.forEach(
                AgentStream::end));
        ender.join(grace);
        return !ender.isAlive();
    }

    /**
     * Stops the pod reads {@link #checkNodes} started, and their thread ({@link #drain} does it
     * too): a start that fails after checkNodes leaves nothing running.
     */
    public void stopChecks() {
        ScheduledExecutorService r = rechecks;
        if (r != null) {
            r.shutdownNow();
        }
    }

    /** Agent streams open now. */
    public int openStreams() {
        return open.size();
    }

    @Override
    public StreamObserver<AgentMessage> connect(StreamObserver<AggregatorMessage> responses) {
        SocketAddress peerAddress = PEER.get();
        String peer = peerAddress == null ? "" : peerAddress.toString();
        streamsOpened.incrementAndGet();
        AgentStream stream = new AgentStream(new AgentResponses(responses, acksCoalesced), peer, NODE_TOKEN.get());
        open.add(stream);
        // Every stream: an ack held for an agent that was not reading goes when it reads again.
        stream.channel.watch(() -> {
            stream.channel.ready();
            stream.identitiesReady();
        }, stream::endIdentities);
        return stream;
    }

    /**
     * One agent's stream. Its methods are synchronized so that {@link #end()}, called from a
     * stopping aggregator's thread, waits for the batch being stored and its acknowledgement.
     */
    private final class AgentStream implements StreamObserver<AgentMessage> {
        /** Acks and identity updates share it: it takes one writer at a time. */
        private final AgentResponses channel;
        private final String peer;
        /** The token the agent sent with the stream, for {@link #nodeTokens}; null without one. */
        private final String nodeToken;
        private String node;
        private long connection;
        private boolean failed;
        /** The node check's verdict on the stream's hello; null when nodes are not checked. */
        private NodeTokens.Verdict admitted;
        /**
         * When the stream's pod is next read again (clock millis): a stream stays open for days,
         * and the verdict it began with must not outlive the pod (found in review).
         */
        private long recheckAtMillis;
        /** A read of the pod is under way (on {@link #rechecks}). */
        private boolean rechecking;
        /** The identity stream of an agent that asked for one; written once, under the lock. */
        private volatile AgentIdentityStream subscription;
        /** The baseline stream of an agent that asked for one; written once, under the lock. */
        private volatile AgentBaselineStream baselineSubscription;

        AgentStream(AgentResponses channel, String peer, String nodeToken) {
            this.channel = channel;
            this.peer = peer;
            this.nodeToken = nodeToken;
        }

        void identitiesReady() {
            if (subscription != null) {
                identities.nudge();
            }
            if (baselineSubscription != null) {
                baselines.nudge();
            }
        }

        void endIdentities() {
            AgentIdentityStream s = subscription;
            if (s != null) {
                identities.unsubscribe(s);
            }
            AgentBaselineStream b = baselineSubscription;
            if (b != null) {
                baselines.unsubscribe(b);
            }
        }

        /** Ends the stream for a stopping aggregator, after the message being handled. */
        synchronized void end() {
            if (!failed) {
                // Not a refusal (streamsRefused): the agent did nothing wrong.
                endWith(Status.UNAVAILABLE.withDescription("the aggregator is shutting down; reconnect and resend"));
            }
            open.remove(this);
        }

        @Override
        public synchronized void onNext(AgentMessage message) {
            if (failed) {
                return;
            }
            if (draining) {
                end();
                return;
            }
            // The monotonic clock first: a flow whose wall-clock stamp is from before a step of
            // the clock is then stamped before any reading the baseline thread takes after it
            // (wall clock, then monotonic), and the baselines know it for a late one.
            long nowNanos = clockNanos.getAsLong();
            long now = clock.getAsLong();
            recheckIfDue(now);
            switch (message.getMessageCase()) {
                case HELLO -> {
                    String name = message.getHello().getNodeName();
                    if (name.isEmpty() || name.length() > MAX_NODE_NAME) {
                        fail(Status.INVALID_ARGUMENT.withDescription(
                                "hello must carry a node name of 1 to " + MAX_NODE_NAME + " characters"));
                        return;
                    }
                    if (node != null && !node.equals(name)) {
                        // Found in review: one stream saying hello under 10,000 names left
                        // 9,999 of them "connected" for good, each with its hello kept.
                        fail(Status.INVALID_ARGUMENT.withDescription("a stream speaks for one node: it said hello as '"
                                + node + "', then as '" + name + "'"));
                        return;
                    }
                    String oversized = oversized(message.getHello());
                    if (oversized != null) {
                        fail(Status.INVALID_ARGUMENT.withDescription("hello " + oversized));
                        return;
                    }
                    NodeTokens check = nodeTokens;
                    NodeTokens.Verdict verdict;
                    try {
                        verdict = check == null ? null : check.check(nodeToken, name);
                    } catch (NodeTokens.Unavailable e) {
                        fail(Status.UNAVAILABLE.withDescription(e.getMessage()));
                        return;
                    }
                    if (verdict != null && verdict.refusal() != null) {
                        // Logged: an agent speaking for another node is an attack, not a protocol slip.
                        log.warn("ingest: refused {} saying hello as node {}: {}", peer, name, verdict.refusal());
                        fail(Status.PERMISSION_DENIED.withDescription(verdict.refusal()));
                        return;
                    }
                    if (node != null) {
                        // A second hello of the stream replaces its first: one connection each
                        // (found in review: the first stayed open in the registry for good).
                        registry.disconnect(node, connection, now);
                    }
                    long id = registry.connect(message.getHello(), peer, now);
                    if (id == 0) {
                        fail(Status.RESOURCE_EXHAUSTED.withDescription("the aggregator knows "
                                + AgentRegistry.MAX_AGENTS + " agents, all connected; it takes no more"));
                        return;
                    }
                    node = name;
                    connection = id;
                    admitted = verdict;
                    recheckAtMillis = now + RECHECK_MILLIS;
                    commands.attach(node, channel);
                    if (identities != null && subscription == null
                            && message.getHello().getCapabilitiesList().contains(CAPABILITY_IDENTITY)) {
                        subscription = identities.subscribe(channel, registry.identityCounters(node));
                    }
                    if (baselines != null && baselineSubscription == null
                            && message.getHello().getCapabilitiesList().contains(CAPABILITY_BASELINE)) {
                        baselineSubscription = baselines.subscribe(channel);
                    }
                }
                case FLOWS -> {
                    if (requireHello()) {
                        var batch = message.getFlows();
                        if (!sequenceTaken(batch.getSequence())) {
                            return;
                        }
                        if (registry.acceptBatch(node, connection, batch.getSequence(), now)) {
                            for (Flow f : batch.getFlowsList()) {
                                Flow arrived = ownNode(f);
                                Flow stored = staged(arrived, now);
                                store.addFlow(stored, now, nowNanos, StoreWeight.flow(arrived, stored));
                            }
                            registry.countStored(node, batch.getFlowsCount(), 0);
                        }
                        ack(batch.getSequence());
                    }
                }
                case ANOMALIES -> {
                    if (requireHello()) {
                        var batch = message.getAnomalies();
                        if (!sequenceTaken(batch.getSequence())) {
                            return;
                        }
                        if (registry.acceptBatch(node, connection, batch.getSequence(), now)) {
                            for (Anomaly a : batch.getAnomaliesList()) {
                                Anomaly arrived = ownNode(a);
                                Anomaly stored = staged(arrived, now);
                                store.addAnomaly(stored, now, StoreWeight.anomaly(arrived, stored));
                            }
                            registry.countStored(node, 0, batch.getAnomaliesCount());
                        }
                        ack(batch.getSequence());
                    }
                }
                case STATUS -> {
                    if (requireHello()) {
                        if (AgentReports.trimmed(message.getStatus())) {
                            reportsTrimmed.incrementAndGet();
                        }
                        registry.status(node, AgentReports.bounded(message.getStatus()), now);
                    }
                }
                case LOSS -> {
                    if (requireHello()) {
                        if (AgentReports.trimmed(message.getLoss())) {
                            reportsTrimmed.incrementAndGet();
                        }
                        registry.loss(node, AgentReports.bounded(message.getLoss(), node), now);
                    }
                }
                case COMMAND_RESULT -> {
                    if (requireHello()) {
                        commands.result(node, message.getCommandResult(), now);
                    }
                }
                case MESSAGE_NOT_SET -> fail(Status.INVALID_ARGUMENT.withDescription("empty agent message"));
            }
        }

        /** Reads the stream's pod again when its verdict is due (see {@link #recheck}). */
        synchronized void recheckIfDue() {
            if (!failed) {
                recheckIfDue(clock.getAsLong());
            }
        }

        private void recheckIfDue(long now) {
            if (admitted != null && now >= recheckAtMillis && !rechecking) {
                recheck();
            }
        }

        /**
         * Reads the stream's pod again, off this thread; ends the stream when the pod is gone or
         * on another node. An API server that cannot answer leaves the stream open, to be asked
         * again shortly: the agent did nothing wrong. Called under the stream's lock.
         */
        private void recheck() {
            NodeTokens check = nodeTokens;
            ExecutorService executor = rechecks;
            NodeTokens.Verdict verdict = admitted;
            rechecking = true;
            try {
                executor.execute(() -> {
                    String refusal = null;
                    boolean unavailable = false;
                    try {
                        refusal = check.podRefusal(verdict);
                    } catch (NodeTokens.Unavailable e) {
                        unavailable = true;
                    } catch (RuntimeException e) {
                        // A bug, not the agent's doing: the stream stays open and is read again.
                        log.warn("ingest: reading node {}'s pod again failed", verdict.node(), e);
                        unavailable = true;
                    }
                    rechecked(refusal, unavailable);
                });
            } catch (RejectedExecutionException e) {
                rechecking = false; // a stopping aggregator: its streams end anyway
            }
        }

        private synchronized void rechecked(String refusal, boolean unavailable) {
            streamsRechecked.incrementAndGet();
            rechecking = false;
            if (failed) {
                return;
            }
            if (refusal == null) {
                // From when the answer came: a slow API server is not asked at every message.
                recheckAtMillis = clock.getAsLong() + (unavailable ? RECHECK_RETRY_MILLIS : RECHECK_MILLIS);
                return;
            }
            log.warn("ingest: ended node {}'s stream from {}: {}", node, peer, refusal);
            streamsRevoked.incrementAndGet();
            endWith(Status.PERMISSION_DENIED.withDescription(refusal + "; this stream no longer speaks for node " + node));
        }

        /** What is too large in a hello, or null: its lists and strings are kept as long as the agent is known. */
        private static String oversized(Hello h) {
            if (h.getCapabilitiesCount() > MAX_HELLO_ITEMS || h.getSourcesCount() > MAX_HELLO_ITEMS) {
                return "must list at most " + MAX_HELLO_ITEMS + " capabilities and " + MAX_HELLO_ITEMS + " sources";
            }
            if (h.getSerializedSize() > MAX_HELLO_BYTES) {
                return "must be at most " + MAX_HELLO_BYTES + " bytes (it is " + h.getSerializedSize() + ")";
            }
            return null;
        }

        /**
         * The record as from this stream's node: a stream speaks for the node of its hello (checked
         * against its pod token when nodes are checked), and so do its records. Found in review: an
         * anomaly naming another node had that node's agent block an address.
         */
        private Flow ownNode(Flow f) {
            return f.getNodeName().equals(node) ? f : f.toBuilder().setNodeName(node).build();
        }

        private Anomaly ownNode(Anomaly a) {
            return a.getNodeName().equals(node) ? a : a.toBuilder().setNodeName(node).build();
        }

        private boolean requireHello() {
            if (node == null) {
                fail(Status.FAILED_PRECONDITION.withDescription("send Hello before anything else"));
                return false;
            }
            return true;
        }

        /** False, with the stream ended, for a sequence no agent sends (see {@link #MAX_BATCH_SEQUENCE}). */
        private boolean sequenceTaken(long sequence) {
            if (sequence != 0 && Long.compareUnsigned(sequence, MAX_BATCH_SEQUENCE) <= 0) {
                return true;
            }
            fail(Status.INVALID_ARGUMENT.withDescription("batch sequence " + Long.toUnsignedString(sequence)
                    + " is not one an agent sends: they number batches from 1, one by one, up to at most "
                    + MAX_BATCH_SEQUENCE + "; the batch was not stored"));
            return false;
        }

        private void ack(long sequence) {
            channel.ack(sequence);
        }

        private void fail(Status status) {
            streamsRefused.incrementAndGet();
            endWith(status);
        }

        /** Ends the stream with {@code status}: its node is disconnected, its commands go elsewhere. */
        private void endWith(Status status) {
            failed = true;
            open.remove(this);
            endIdentities();
            // The node is disconnected before its agent can see the end: an agent that
            // reconnects at once, or a query that follows the refusal, finds the node gone.
            if (node != null) {
                registry.disconnect(node, connection, clock.getAsLong());
                commands.detach(node, channel);
            }
            channel.fail(status);
        }

        @Override
        public synchronized void onError(Throwable t) {
            open.remove(this);
            channel.gone();
            endIdentities();
            if (node != null && !failed) {
                registry.disconnect(node, connection, clock.getAsLong());
                commands.detach(node, channel);
            }
        }

        @Override
        public synchronized void onCompleted() {
            open.remove(this);
            endIdentities();
            if (node != null && !failed) {
                registry.disconnect(node, connection, clock.getAsLong());
                commands.detach(node, channel);
            }
            if (!failed) {
                channel.complete();
            }
        }
    }
}
