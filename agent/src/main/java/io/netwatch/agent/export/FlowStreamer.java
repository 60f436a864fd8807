package io.netwatch.agent.export;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.util.Timestamps;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.common.Durations;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.LossCounter;
import io.netwatch.proto.flow.v1.LossReason;
import io.netwatch.proto.flow.v1.LossReport;
import io.netwatch.proto.ingest.v1.AgentMessage;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.AgentStatus;
import io.netwatch.proto.ingest.v1.AnomalyBatch;
import io.netwatch.proto.ingest.v1.CommandResult;
import io.netwatch.proto.ingest.v1.FlowBatch;
import io.netwatch.proto.ingest.v1.Hello;
import io.netwatch.proto.ingest.v1.BaselineUpdate;
import io.netwatch.proto.ingest.v1.IdentityUpdate;
import io.netwatch.proto.ingest.v1.IngestGrpc;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams flow records and anomalies to the aggregator over one bidirectional gRPC stream.
 *
 * <p>The capture thread only offers records to bounded queues and never blocks: a full queue
 * drops the record and counts it. A sender thread batches by count and time, numbers each
 * batch, and keeps it until the aggregator acknowledges it; after a reconnect (with backoff
 * and jitter) it sends every unacknowledged batch again, so an aggregator restart loses
 * nothing silently. Sending respects gRPC flow control ({@code isReady}). Anomalies have a
 * queue of their own and go ahead of every flow batch not yet sent: a block waits on its
 * anomaly, and a backlog of flow records (a flood's, a slow aggregator's) must not hold it up.
 *
 * <p>An aggregator can hang with its connection up. One whose process no longer runs (stopped,
 * or its host gone without a reset) answers no keepalive ping, and gRPC closes the connection
 * (the channel's keepalive, set where it is built). One whose transport still answers but whose
 * handler acknowledges nothing is the sender's to notice: when a batch the stream took waits
 * longer than {@code export.ack_timeout} with no acknowledgement since, the stream is cancelled,
 * counted, and opened again with the reconnect waits; its batches stay in the bounded window
 * and go again first.
 *
 * <p>Identity updates from the aggregator go to the identity consumer as they arrive; each
 * flow is labelled (the {@code label} step) once, when it is put into a batch. Block and
 * unblock commands go to the {@link CommandHandler}, whose answers go back on the same stream.
 */
public final class FlowStreamer implements FlowSink, AnomalySink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FlowStreamer.class);

    private final ManagedChannel channel;
    private final ExportConfig config;
    private final Hello hello;
    private final AgentHealth health;
    private final ArrayBlockingQueue<Flow> queue;
    /** Anomalies waiting to be batched: ahead of the flows (see the class comment). */
    private final ArrayBlockingQueue<Anomaly> anomalyQueue;
    /** Most anomalies waiting to be batched (or the queue capacity, when smaller). */
    static final int MAX_QUEUED_ANOMALIES = 4096;
    private final Consumer<IdentityUpdate> identity;
    private final UnaryOperator<Flow> label;
    /** How the sender waits before a reconnect (nanoseconds, jitter applied); {@link #awaitNanos} but in tests. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    /** Set before start; tests record the waits instead of waiting them. */
    private volatile Sleeper reconnectSleeper = this::awaitNanos;
    /** Longest the sender waits in one go before it looks at the anomaly queue (milliseconds); {@link #ANOMALY_WAIT_MILLIS} but in tests. */
    private volatile long anomalyWaitMillis = ANOMALY_WAIT_MILLIS;
    /** Takes the baselines the aggregator pushes (volume_spike); set before start. */
    private volatile Consumer<BaselineUpdate> baselines = u -> { };
    private final AtomicLong baselineFailures = new AtomicLong();
    private final CommandHandler commands;
    private final long startedNanos = System.currentTimeMillis() * 1_000_000L;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** The metadata key of the node token (the aggregator's NodeTokens.HEADER). */
    static final Metadata.Key<String> NODE_TOKEN = Metadata.Key.of("x-netwatch-node-token",
            Metadata.ASCII_STRING_MARSHALLER);
    /** Reads the pod's service-account token for each new stream; null sends none. */
    private volatile Supplier<String> nodeToken;
    /** Batches sent or waiting to be sent, not yet acknowledged, in sequence order. Guarded by lock. */
    private final ArrayDeque<AgentMessage> unacked = new ArrayDeque<>();
    /** Command answers made while no stream was open, sent after the next hello; guarded by lock. */
    private final ArrayDeque<CommandResult> pendingResults = new ArrayDeque<>();
    /** Most answers kept while no stream is open; past it they are counted as lost. */
    static final int MAX_PENDING_RESULTS = 256;
    /** The current stream, or null while disconnected. Guarded by lock. */
    private ClientCallStreamObserver<AgentMessage> stream;
    /** Bumped whenever a stream ends, so the sender notices. Guarded by lock. */
    private long streamGeneration;
    private volatile boolean running = true;
    private volatile boolean draining;
    private final Thread sender;
    private long nextSequence = 1;
    /**
     * The highest sequence number ever handed to a stream. Batches above it have never left the
     * agent: an anomaly batch may take their place in the sequence (see {@link #jumpQueue}).
     * Guarded by lock.
     */
    private long highestSent;
    /** A labelled flow that did not fit in the last batch ({@link #MAX_BATCH_BYTES}): the next one's first. Sender thread only. */
    private Flow carried;
    /** An anomaly batch was just made: the flows queued before it go now too, not at the batch delay. Sender thread only. */
    private boolean flushFlows;

    private final AtomicLong flowsQueued = new AtomicLong();
    private final AtomicLong flowsDropped = new AtomicLong();
    private final AtomicLong anomaliesQueued = new AtomicLong();
    private final AtomicLong anomaliesDropped = new AtomicLong();
    private final AtomicLong flowsAcked = new AtomicLong();
    private final AtomicLong anomaliesAcked = new AtomicLong();
    private final AtomicLong batchesSent = new AtomicLong();
    private final AtomicLong batchesResent = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    /** Streams cancelled because what they took went unacknowledged for export.ack_timeout. */
    private final AtomicLong ackTimeouts = new AtomicLong();
    private final AtomicBoolean saidAckTimeout = new AtomicBoolean();
    /** The highest sequence number the current stream took. Guarded by lock. */
    private long sentOnStream;
    /**
     * A batch the current stream took awaits its acknowledgement, since {@link #awaitingSince}
     * (nanoTime): when it was sent with none awaited, or the last acknowledgement, whichever is
     * later. Guarded by lock.
     */
    private boolean awaiting;
    private long awaitingSince;
    /** The aggregator has said something on the current stream: it is up, and the next reconnect starts from the shortest wait. */
    private volatile boolean answered;
    /** The aggregator has said something on some stream. */
    private volatile boolean everAnswered;
    /**
     * The aggregator has answered some stream, with a message or by ending it: its address and
     * the TLS settings work, and the hint about them no longer applies.
     */
    private volatile boolean reached;
    /** What the aggregator last ended a stream with before it ever took one ("CODE: why"), for saying it once. */
    private final AtomicReference<String> lastSaid = new AtomicReference<>();
    private volatile String unansweredHint = "";
    private volatile String unresolvedHint = "";
    /**
     * The codes the aggregator ends a stream with when it will not take this agent as it is: its
     * certificate (UNAUTHENTICATED, PERMISSION_DENIED), its node token (PERMISSION_DENIED), its
     * hello or messages (INVALID_ARGUMENT, FAILED_PRECONDITION), or no room for another agent
     * (RESOURCE_EXHAUSTED: "the aggregator knows 10000 agents, all connected"). gRPC itself fails
     * a stream of this client (it has no call credentials) with none of them but
     * RESOURCE_EXHAUSTED, for a message past either side's size limit, and its text says so:
     * the aggregator was reached and answered, so no hint about addresses and TLS applies.
     */
    static final Set<Status.Code> REFUSALS = EnumSet.of(Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED,
            Status.Code.INVALID_ARGUMENT, Status.Code.FAILED_PRECONDITION, Status.Code.RESOURCE_EXHAUSTED);
    /** gRPC failed the stream because the aggregator's name resolves to nothing (its UnknownHostException). */
    static boolean unresolved(Throwable t) {
        if (Status.fromThrowable(t).getCode() != Status.Code.UNAVAILABLE) {
            return false;
        }
        // Bounded: a cause chain that loops would otherwise never end.
        Throwable c = t;
        for (int depth = 0; c != null && depth < 16; depth++, c = c.getCause()) {
            if (c instanceof java.net.UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    /** The aggregator's last refusal, as "CODE: why", until a stream is answered; null when none. */
    private volatile String refusal;
    /**
     * How the aggregator itself ended the last stream when it did not refuse the agent
     * ("UNAVAILABLE: cannot ask the API server ..."), until a stream is answered; null when none.
     */
    private volatile String peerEnd;
    /**
     * How gRPC itself failed the last stream, when neither a refusal nor the aggregator ended it
     * ("UNAVAILABLE: io exception": nothing listens there, a TLS handshake failed, the connection
     * was lost), until a stream is answered; null when none.
     */
    private volatile String failure;
    private final AtomicBoolean hinted = new AtomicBoolean();
    /** The TLS failure last said, until a stream is answered; null when none. */
    private final AtomicReference<String> lastTlsFailure = new AtomicReference<>();
    private final AtomicBoolean saidUnresolved = new AtomicBoolean();
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong identityFailures = new AtomicLong();
    private final AtomicLong resultsLost = new AtomicLong();

    /** Without identities: updates are ignored and flows leave as they are. */
    public FlowStreamer(ManagedChannel channel, ExportConfig config, Hello hello, AgentHealth health) {
        this(channel, config, hello, health, u -> { }, UnaryOperator.identity());
    }

    /**
     * @param identity takes each identity update the aggregator sends (on the stream's thread)
     * @param label    labels a flow with identities, once, when it is batched (export thread)
     */
    public FlowStreamer(ManagedChannel channel, ExportConfig config, Hello hello, AgentHealth health,
                        Consumer<IdentityUpdate> identity, UnaryOperator<Flow> label) {
        this(channel, config, hello, health, identity, label, CommandHandler.NONE);
    }

    /** @param commands takes block and unblock commands (on the stream's thread) and answers them */
    public FlowStreamer(ManagedChannel channel, ExportConfig config, Hello hello, AgentHealth health,
                        Consumer<IdentityUpdate> identity, UnaryOperator<Flow> label, CommandHandler commands) {
        this.commands = commands;
        this.identity = identity;
        this.label = label;
        this.channel = channel;
        this.config = config;
        this.hello = hello;
        this.health = health;
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        this.anomalyQueue = new ArrayBlockingQueue<>(Math.min(config.queueCapacity(), MAX_QUEUED_ANOMALIES));
        this.sender = Thread.ofPlatform().name("netwatch-export").daemon().unstarted(this::runSender);
    }

    /**
     * What to tell the user, once, when gRPC fails a stream before the aggregator has ever
     * answered one (an address where none runs, a TLS handshake that fails, or an aggregator
     * that serves TLS to a plaintext agent); not when the aggregator ended it; before start.
     */
    public FlowStreamer unansweredHint(String hint) {
        this.unansweredHint = hint;
        return this;
    }

    /**
     * What to tell the user, once, after "its host name does not resolve" when gRPC fails a
     * stream before the aggregator has ever answered one because the aggregator's name resolves
     * to nothing (where to correct it); before start.
     */
    public FlowStreamer unresolvedHint(String hint) {
        this.unresolvedHint = hint;
        return this;
    }

    /**
     * Sends the token {@code token} reads with each new stream: the pod's service-account
     * token, by which an aggregator that checks nodes learns which node this agent runs on.
     * Call before {@link #start}.
     */
    public FlowStreamer nodeToken(Supplier<String> token) {
        this.nodeToken = token;
        return this;
    }

    /** Hands each baseline update the aggregator sends to {@code consumer} (on the stream's thread); before start. */
    public FlowStreamer baselines(Consumer<BaselineUpdate> consumer) {
        this.baselines = consumer;
        return this;
    }

    /** Waits before each reconnect with {@code sleeper}; before start. For tests. */
    FlowStreamer reconnectSleeper(Sleeper sleeper) {
        this.reconnectSleeper = sleeper;
        return this;
    }

    /**
     * Waits at most {@code wait} in one go before looking at the anomaly queue; before start. For
     * tests: a day, so that a wait ends only when what the sender waits for signals it.
     */
    FlowStreamer anomalyWait(Duration wait) {
        this.anomalyWaitMillis = wait.toMillis();
        return this;
    }

    /** Baseline updates the consumer threw on (skipped). */
    public long baselineFailures() {
        return baselineFailures.get();
    }

    public FlowStreamer start() {
        sender.start();
        return this;
    }

    @Override
    public void onFlow(Flow flow) {
        if (queue.offer(flow)) {
            flowsQueued.incrementAndGet();
        } else {
            flowsDropped.incrementAndGet();
        }
    }

    @Override
    public void onAnomaly(Anomaly anomaly) {
        if (anomalyQueue.offer(anomaly)) {
            anomaliesQueued.incrementAndGet();
        } else {
            anomaliesDropped.incrementAndGet();
        }
    }

    private void runSender() {
        long backoffNanos = config.reconnectMin().toNanos();
        long lastStatus = 0;
        long sentGeneration = -1;
        long sentUpTo = 0;
        boolean opened = false;
        while (running) {
            try {
                if (opened && !hasStream()) {
                    // The last stream ended, or never came up. Opening one succeeds at once even
                    // when nothing listens (the failure comes after), so the wait is here: from
                    // reconnect_min, doubling to reconnect_max until a stream is answered.
                    if (answered) {
                        backoffNanos = config.reconnectMin().toNanos();
                    }
                    sleepBackoff(backoffNanos);
                    backoffNanos = Math.min(backoffNanos * 2, config.reconnectMax().toNanos());
                }
                opened = true;
                long generation = ensureStream();
                if (generation < 0) {
                    continue;
                }
                if (generation != sentGeneration) {
                    sentGeneration = generation;
                    sentUpTo = 0;
                }
                if (giveUpUnacknowledged(generation)) {
                    continue;
                }
                // A status due goes ahead of the batches, at the first moment the stream takes it:
                // behind a backlog, the batches would leave it no room.
                if (System.nanoTime() - lastStatus >= config.statusInterval().toNanos() && sendStatus(generation)) {
                    lastStatus = System.nanoTime();
                }
                sentUpTo = sendPending(generation, sentUpTo);
                batchFromQueue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.warn("export: {}", e.toString());
                endStream(null);
            }
        }
    }

    private boolean hasStream() {
        lock.lock();
        try {
            return stream != null;
        } finally {
            lock.unlock();
        }
    }

    /** Returns the generation of a live stream, opening one (and saying hello) if needed; -1 on failure. */
    private long ensureStream() {
        lock.lock();
        try {
            if (stream != null) {
                return streamGeneration;
            }
        } finally {
            lock.unlock();
        }
        ClientCallStreamObserver<AgentMessage>[] holder = newHolder();
        long generation;
        lock.lock();
        try {
            generation = ++streamGeneration;
            answered = false;
        } finally {
            lock.unlock();
        }
        final long myGeneration = generation;
        AtomicBoolean endedByPeer = new AtomicBoolean();
        IngestGrpc.IngestStub stub = IngestGrpc.newStub(channel).withInterceptors(noticingTrailers(endedByPeer));
        String token = nodeToken == null ? null : nodeToken.get();
        if (token != null) {
            Metadata headers = new Metadata();
            headers.put(NODE_TOKEN, token);
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        stub.connect(new ClientResponseObserver<AgentMessage, AggregatorMessage>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<AgentMessage> requestStream) {
                holder[0] = requestStream;
                requestStream.setOnReadyHandler(FlowStreamer.this::signal);
            }

            @Override
            public void onNext(AggregatorMessage message) {
                everAnswered = true;
                reached = true;
                if (!answered || refusal != null || peerEnd != null || failure != null) {
                    lock.lock();
                    try {
                        // An older stream's last messages (an ack after this agent cancelled it)
                        // say nothing about the stream open now: they must not clear its refusal.
                        if (myGeneration == streamGeneration) {
                            answered = true;
                            refusal = null;
                            peerEnd = null;
                            failure = null;
                            lastTlsFailure.set(null);
                        }
                    } finally {
                        lock.unlock();
                    }
                }
                if (message.hasAck()) {
                    acknowledge(message.getAck().getSequence());
                } else if (message.hasIdentity()) {
                    try {
                        identity.accept(message.getIdentity());
                    } catch (RuntimeException e) {
                        // Updates are validated; this is a bug, and it must not end the stream.
                        if (identityFailures.getAndIncrement() == 0) {
                            log.warn("export: identity update failed; later failures are only counted", e);
                        }
                    }
                } else if (message.hasBaseline()) {
                    try {
                        baselines.accept(message.getBaseline());
                    } catch (RuntimeException e) {
                        if (baselineFailures.getAndIncrement() == 0) {
                            log.warn("export: baseline update failed; later failures are only counted", e);
                        }
                    }
                } else if (message.hasBlock() || message.hasUnblock()) {
                    commands.onCommand(message, FlowStreamer.this::answer);
                }
            }

            @Override
            public void onError(Throwable t) {
                try {
                    said(t);
                } finally {
                    endStream(myGeneration);
                }
            }

            /**
             * Logs how the stream ended, and keeps a refusal for {@link #refusal}. Found in review:
             * this wrote the volatile refusal and read it back, so an older stream's onNext (on
             * another gRPC thread) could null it in between; the NullPointerException skipped
             * endStream, and the sender kept a dead stream. Now the reason is a local, an older
             * stream's end leaves the refusal alone, and endStream runs whatever happens here.
             *
             * <p>The hint about addresses and TLS is for a stream gRPC itself failed: the
             * aggregator's own UNAVAILABLE ("cannot ask the API server whose token this is now;
             * try again", "the aggregator is shutting down") shows it is there and reachable.
             */
            private void said(Throwable t) {
                Status status = Status.fromThrowable(t);
                boolean refused = REFUSALS.contains(status.getCode());
                boolean fromPeer = endedByPeer.get();
                String reason = status.getDescription() == null ? status.getCode().toString()
                        : status.getCode() + ": " + status.getDescription();
                boolean current;
                boolean wasReached = reached;
                String was;
                lock.lock();
                try {
                    current = myGeneration == streamGeneration;
                    was = refusal;
                    if (current) {
                        refusal = refused ? reason : null;
                        peerEnd = fromPeer && !refused ? reason : null;
                        failure = fromPeer || refused ? null : reason;
                    }
                } finally {
                    lock.unlock();
                }
                if (fromPeer) {
                    reached = true;
                }
                TlsFailure tls;
                if (refused) {
                    // Found in an end-to-end test: a refused node token was reported as "no answer
                    // from the aggregator", with a hint to check its address and TLS names.
                    if (current && !reason.equals(was)) {
                        log.warn("export: the aggregator at {} refused this agent ({}); retrying, each wait longer up"
                                + " to export.reconnect_max", channel.authority(), reason);
                    } else {
                        log.info("export: stream to aggregator ended: {}", t.getMessage());
                    }
                } else if (fromPeer) {
                    // Found in review: "cannot ask the API server ...; try again" before the first
                    // answer came with the hint to check the aggregator's address and TLS names.
                    if (current && !everAnswered && !reason.equals(lastSaid.getAndSet(reason))) {
                        log.warn("export: the aggregator at {} ended the stream ({}); retrying, each wait longer up"
                                + " to export.reconnect_max", channel.authority(), reason);
                    } else {
                        log.info("export: stream to aggregator ended: {}", t.getMessage());
                    }
                } else if (current && (tls = TlsFailure.of(t)) != null) {
                    // Which setting to fix, not "io exception" with a list of guesses; said again
                    // when it changes (an aggregator certificate that expires while the agent runs).
                    String said = tls.explain(channel.authority(), TlsFailure.Settings.AGENT);
                    if (!said.equals(lastTlsFailure.getAndSet(said))) {
                        log.warn("export: TLS with the aggregator at {} failed: {}; retrying, each wait longer up to"
                                + " export.reconnect_max", channel.authority(), said);
                    } else {
                        log.info("export: stream to aggregator ended: {}", t.getMessage());
                    }
                } else if (current && !wasReached && unresolved(t)) {
                    // Found in review: a name that resolves to nothing was asked "is it running
                    // there, without TLS?", which sends the user to the aggregator, not the name.
                    if (saidUnresolved.compareAndSet(false, true)) {
                        log.warn("export: cannot reach the aggregator at {}: its host name does not resolve ({}){}",
                                channel.authority(), t.getMessage(), unresolvedHint.isEmpty() ? "" : "; " + unresolvedHint);
                    } else {
                        log.info("export: stream to aggregator ended: {}", t.getMessage());
                    }
                } else if (current && !wasReached && !unansweredHint.isEmpty() && hinted.compareAndSet(false, true)) {
                    log.warn("export: no answer from the aggregator at {} ({}): {}", channel.authority(),
                            t.getMessage(), unansweredHint);
                } else {
                    log.info("export: stream to aggregator ended: {}", t.getMessage());
                }
            }

            @Override
            public void onCompleted() {
                endStream(myGeneration);
            }
        });
        lock.lock();
        try {
            if (streamGeneration != myGeneration) {
                return -1;
            }
            stream = holder[0];
            sentOnStream = 0;
            awaiting = false;
            stream.onNext(AgentMessage.newBuilder().setHello(hello).build());
            while (!pendingResults.isEmpty()) {
                stream.onNext(AgentMessage.newBuilder().setCommandResult(pendingResults.pollFirst()).build());
            }
            if (connects.getAndIncrement() > 0) {
                reconnects.incrementAndGet();
            }
            changed.signalAll();
            return myGeneration;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sets {@code endedByPeer} when the call's trailers arrive: the aggregator (or whatever
     * answers at its address) ended the stream with a status of its own. gRPC's own failures
     * carry none: no connection, a failed TLS handshake, and an aggregator serving TLS that cuts
     * a plaintext agent off ("UNAVAILABLE: Network closed for unknown reason", with no cause, so
     * a status's cause cannot tell the two apart). The stream tracer's trailers can, on the
     * Netty and the in-process transports alike.
     */
    private static ClientInterceptor noticingTrailers(AtomicBoolean endedByPeer) {
        ClientStreamTracer.Factory tracers = new ClientStreamTracer.Factory() {
            @Override
            public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
                return new ClientStreamTracer() {
                    @Override
                    public void inboundTrailers(Metadata trailers) {
                        endedByPeer.set(true);
                    }
                };
            }
        };
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                         Channel next) {
                return next.newCall(method, options.withStreamTracerFactory(tracers));
            }
        };
    }

    @SuppressWarnings("unchecked")
    private static ClientCallStreamObserver<AgentMessage>[] newHolder() {
        return new ClientCallStreamObserver[1];
    }

    private void endStream(Long generation) {
        lock.lock();
        try {
            if (generation == null || generation == streamGeneration) {
                if (stream != null && generation == null) {
                    try {
                        stream.cancel("export error", null);
                    } catch (RuntimeException ignored) {
                        // already closed
                    }
                }
                stream = null;
                streamGeneration++;
                awaiting = false;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends a command's answer on the stream open now (the aggregator matches answers by node
     * and command id, whatever the stream), or after the next hello when none is. Found in
     * review: an answer whose command's stream had ended was dropped, so the aggregator failed
     * a block the node had installed, and could no longer remove it.
     */
    private void answer(CommandResult result) {
        lock.lock();
        try {
            if (stream != null) {
                try {
                    stream.onNext(AgentMessage.newBuilder().setCommandResult(result).build());
                    return;
                } catch (RuntimeException e) {
                    // the stream is closing: kept for the next one
                }
            }
            if (pendingResults.size() < MAX_PENDING_RESULTS) {
                pendingResults.addLast(result);
                return;
            }
        } finally {
            lock.unlock();
        }
        resultsLost.incrementAndGet();
    }

    private void acknowledge(long sequence) {
        lock.lock();
        try {
            boolean progress = false;
            while (!unacked.isEmpty() && sequenceOf(unacked.peekFirst()) <= sequence) {
                AgentMessage m = unacked.pollFirst();
                progress = true;
                if (m.hasFlows()) {
                    flowsAcked.addAndGet(m.getFlows().getFlowsCount());
                } else {
                    anomaliesAcked.addAndGet(m.getAnomalies().getAnomaliesCount());
                }
            }
            // A slow aggregator that acknowledges something is not hung: the wait starts again
            // for the batches the stream took after it.
            if (progress && awaiting) {
                if (unacked.isEmpty() || sequenceOf(unacked.peekFirst()) > sentOnStream) {
                    awaiting = false;
                } else {
                    awaitingSince = System.nanoTime();
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static long sequenceOf(AgentMessage m) {
        return m.hasFlows() ? m.getFlows().getSequence() : m.getAnomalies().getSequence();
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Nanoseconds until the current stream has waited export.ack_timeout for an acknowledgement; MAX_VALUE when it awaits none. */
    private long nanosToAckDeadline() {
        lock.lock();
        try {
            if (!awaiting) {
                return Long.MAX_VALUE;
            }
            return Math.max(0, config.ackTimeout().toNanos() - (System.nanoTime() - awaitingSince));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Cancels stream {@code generation} when a batch it took has waited export.ack_timeout with
     * no acknowledgement since: its transport is up (keepalive pings are answered), its handler
     * is not. The batches stay in the window and go again on the next stream, opened after the
     * reconnect wait, which grows as for a stream nobody answered. True when it gave up.
     */
    private boolean giveUpUnacknowledged(long generation) {
        int waiting;
        lock.lock();
        try {
            if (stream == null || streamGeneration != generation || !awaiting
                    || System.nanoTime() - awaitingSince < config.ackTimeout().toNanos()) {
                return false;
            }
            waiting = unacked.size();
            try {
                stream.cancel("no acknowledgement within export.ack_timeout", null);
            } catch (RuntimeException ignored) {
                // already closed
            }
            stream = null;
            streamGeneration++;
            awaiting = false;
            answered = false;
            ackTimeouts.incrementAndGet();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        String timeout = Durations.format(config.ackTimeout());
        if (saidAckTimeout.compareAndSet(false, true)) {
            log.warn("export: the aggregator at {} acknowledged nothing for {} (export.ack_timeout) with {} batches"
                    + " waiting; its connection is up but it does not take them. Cancelled the stream; reconnecting,"
                    + " each wait longer up to export.reconnect_max. Later timeouts are logged at info and counted"
                    + " (netwatch_export_ack_timeouts_total)", channel.authority(), timeout, waiting);
        } else {
            log.info("export: no acknowledgement for {} (export.ack_timeout) with {} batches waiting; reconnecting",
                    timeout, waiting);
        }
        return true;
    }

    /** Sends every unacknowledged batch past {@code sentUpTo} while the stream is ready. */
    private long sendPending(long generation, long sentUpTo) {
        lock.lock();
        try {
            for (AgentMessage m : unacked) {
                long seq = sequenceOf(m);
                if (seq <= sentUpTo) {
                    continue;
                }
                if (stream == null || streamGeneration != generation || !stream.isReady()) {
                    break;
                }
                stream.onNext(m);
                if (!awaiting) {
                    awaiting = true;
                    awaitingSince = System.nanoTime();
                }
                sentOnStream = seq;
                highestSent = Math.max(highestSent, seq);
                if (generation > 1 && connects.get() > 1 && seq < nextSequence - 1) {
                    batchesResent.incrementAndGet();
                }
                batchesSent.incrementAndGet();
                sentUpTo = seq;
            }
            return sentUpTo;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends a status and a loss report, when the stream takes them now (gRPC flow control);
     * false when it does not. Found in review: they were written whatever it said, and piled up
     * for an aggregator that hung with its connection up. Both are cumulative, so one skipped
     * loses nothing: the next carries it.
     */
    private boolean sendStatus(long generation) {
        lock.lock();
        try {
            if (stream == null || streamGeneration != generation || !stream.isReady()) {
                return false;
            }
        } finally {
            lock.unlock();
        }
        AgentStatus.Builder status = health.status()
                .setAt(Timestamps.fromMillis(System.currentTimeMillis()))
                .setExportQueueDepth(queueDepth());
        LossReport loss = lossReport();
        lock.lock();
        try {
            status.setUnackedBatches(unacked.size());
            if (stream == null || streamGeneration != generation) {
                return false;
            }
            stream.onNext(AgentMessage.newBuilder().setStatus(status).build());
            stream.onNext(AgentMessage.newBuilder().setLoss(loss).build());
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Cumulative losses of the whole agent, export included. */
    public LossReport lossReport() {
        List<LossCounter> counters = new ArrayList<>(health.lossCounters());
        counters.add(LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_EXPORT_QUEUE_FULL)
                .setCount(flowsDropped.get()).build());
        counters.add(LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_ANOMALY_QUEUE_FULL)
                .setCount(anomaliesDropped.get()).build());
        return LossReport.newBuilder()
                .setNodeName(hello.getNodeName())
                .setSince(Timestamps.fromNanos(startedNanos))
                .setAt(Timestamps.fromMillis(System.currentTimeMillis()))
                .addAllCounters(counters)
                .build();
    }

    /**
     * Moves queued anomalies into a batch ahead of the flows not yet sent, whatever the window;
     * else queued flows into a numbered batch, unless too many batches await an ack.
     */
    private void batchFromQueue() throws InterruptedException {
        if (batchAnomalies()) {
            return;
        }
        lock.lock();
        try {
            if (unacked.size() >= config.maxUnackedBatches()) {
                changed.await(50, TimeUnit.MILLISECONDS);
                return;
            }
        } finally {
            lock.unlock();
        }
        Flow first = carried;
        carried = null;
        if (first == null) {
            long waitMillis = draining ? 10 : anomalyWaitMillis;
            Flow polled = queue.poll();
            if (polled == null) {
                if (awaitStream(waitMillis)) {
                    return;
                }
                polled = queue.poll(waitMillis, TimeUnit.MILLISECONDS);
            }
            if (polled == null) {
                return;
            }
            first = label.apply(polled);
        }
        List<Flow> flows = new ArrayList<>();
        flows.add(first);
        long bytes = recordBytes(first);
        // A batch filling up does not hold back giving up on an aggregator that stopped acknowledging.
        long deadline = System.nanoTime() + Math.min(config.maxBatchDelay().toNanos(), nanosToAckDeadline());
        while (flows.size() < config.maxBatchRecords()) {
            long left = deadline - System.nanoTime();
            // An anomaly does not wait for the batch to fill: the batch goes as it is, and the
            // anomaly's batch ahead of it.
            if (!anomalyQueue.isEmpty()) {
                break;
            }
            Flow next = draining || left <= 0 || flushFlows ? queue.poll()
                    : queue.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(anomalyWaitMillis)), TimeUnit.NANOSECONDS);
            if (next == null) {
                if (draining || left <= 0 || flushFlows) {
                    break;
                }
                continue;
            }
            Flow labelled = label.apply(next);
            bytes += recordBytes(labelled);
            if (bytes > MAX_BATCH_BYTES) {
                carried = labelled; // the next batch's first
                break;
            }
            flows.add(labelled);
        }
        flushFlows = false;
        lock.lock();
        try {
            unacked.addLast(AgentMessage.newBuilder()
                    .setFlows(FlowBatch.newBuilder().setSequence(nextSequence++).addAllFlows(flows)).build());
        } finally {
            lock.unlock();
        }
        batchAnomalies();
    }

    /**
     * Most bytes of a batch's records, as they go on the wire. A record's fields are capped
     * (a DNS flow's 64 answers of at most 5 kB each make it 330 kB at most), not a batch of
     * them: gRPC refuses a message past 4 MiB by default, and a batch refused would be sent
     * again first on every stream, for good. A batch ends before the record that would take it
     * past this; a record alone may (it goes in a batch of its own).
     */
    static final int MAX_BATCH_BYTES = 1 << 20;
    /** A record's bytes in its batch: the record, its field tag and its length. */
    private static long recordBytes(MessageLite record) {
        return CodedOutputStream.computeMessageSize(2, record);
    }

    /** Longest an anomaly waits for the sender to notice it while a flow batch fills or the stream is busy, millis. */
    static final long ANOMALY_WAIT_MILLIS = 50;
    /** Anomaly batches that may await an ack past the window of flow batches: beyond, anomalies stay queued. */
    static final int ANOMALY_BATCHES_PAST_WINDOW = 16;

    /**
     * Waits up to {@code millis} for the current stream to take more, when batches wait for it
     * (not at all when it takes them now); false when none wait, and the sender waits for flows
     * instead. Found by a test that failed on a busy machine: the sender waited on the flow queue,
     * which the stream's onReady does not wake (it signals {@link #changed}), so a backlog left
     * one flow-control window per wait, 50 ms: the in-process transport's one batch at a time
     * made 200 batches take 10 s.
     */
    private boolean awaitStream(long millis) throws InterruptedException {
        lock.lock();
        try {
            if (stream == null || unacked.isEmpty() || sequenceOf(unacked.peekLast()) <= sentOnStream) {
                return false;
            }
            // Checked under the lock onReady signals with: readiness that comes after it wakes this wait.
            if (!stream.isReady()) {
                changed.await(millis, TimeUnit.MILLISECONDS);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Batches the queued anomalies ahead of the flow batches not yet sent; false when none were queued. */
    private boolean batchAnomalies() {
        if (anomalyQueue.isEmpty()) {
            return false;
        }
        lock.lock();
        try {
            if (unacked.size() >= config.maxUnackedBatches() + ANOMALY_BATCHES_PAST_WINDOW) {
                return false; // an aggregator that acknowledges nothing: they wait in their queue
            }
            // Peeked before taken: this thread is the queue's only taker.
            List<Anomaly> anomalies = new ArrayList<>();
            long bytes = 0;
            for (Anomaly next = anomalyQueue.peek(); next != null && anomalies.size() < config.maxBatchRecords();
                 next = anomalyQueue.peek()) {
                bytes += recordBytes(next);
                if (bytes > MAX_BATCH_BYTES && !anomalies.isEmpty()) {
                    break;
                }
                anomalies.add(anomalyQueue.poll());
            }
            if (anomalies.isEmpty()) {
                return false;
            }
            jumpQueue(AnomalyBatch.newBuilder().addAllAnomalies(anomalies));
            flushFlows = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return true;
    }

    /**
     * Puts an anomaly batch first among the batches that never left the agent, numbered where the
     * first of them was, and numbers those after it. Only batches no stream ever carried are
     * renumbered: the aggregator keeps the highest number it stored per agent boot and takes
     * no lower one, so a batch it may have stored keeps its number. Under the lock.
     */
    private void jumpQueue(AnomalyBatch.Builder anomalies) {
        ArrayDeque<AgentMessage> after = new ArrayDeque<>();
        while (!unacked.isEmpty() && sequenceOf(unacked.peekLast()) > highestSent) {
            after.addFirst(unacked.pollLast());
        }
        long seq = highestSent + 1;
        if (!unacked.isEmpty()) {
            seq = Math.max(seq, sequenceOf(unacked.peekLast()) + 1);
        }
        unacked.addLast(AgentMessage.newBuilder().setAnomalies(anomalies.setSequence(seq++)).build());
        for (AgentMessage m : after) {
            unacked.addLast(m.hasFlows()
                    ? m.toBuilder().setFlows(m.getFlows().toBuilder().setSequence(seq++)).build()
                    : m.toBuilder().setAnomalies(m.getAnomalies().toBuilder().setSequence(seq++)).build());
        }
        nextSequence = seq;
    }

    /** Waits half to all of {@code backoffNanos}. */
    private void sleepBackoff(long backoffNanos) throws InterruptedException {
        long jittered = backoffNanos / 2 + ThreadLocalRandom.current().nextLong(backoffNanos / 2 + 1);
        reconnectSleeper.sleep(jittered);
    }

    /** Waits {@code nanos}, whatever else happens meanwhile; {@link #close} interrupts it. */
    private void awaitNanos(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        lock.lock();
        try {
            // Queued records and acknowledgements signal the same condition: they do not end the wait.
            for (long left = nanos; left > 0 && running; left = deadline - System.nanoTime()) {
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every queued record has been acknowledged by the aggregator, then sends a
     * last status and loss report. For file replay, where the agent exits when done.
     *
     * @return true when everything was acknowledged within {@code timeout}
     */
    public boolean drain(Duration timeout) throws InterruptedException {
        draining = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            // Counted, not inspected: a record may be between the queue and a batch.
            while (flowsQueued.get() + anomaliesQueued.get() != flowsAcked.get() + anomaliesAcked.get()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(Math.min(left, 50_000_000L));
            }
            // A replay with nothing to send can end before the sender opened its first stream (a
            // capture damaged at its first packets): the last reports wait for that stream, which
            // opens at once whether or not the aggregator answers. Found by a new user: without
            // them the aggregator kept no status of the agent, and showed "packets 0" where the
            // agent said "1 packet". Nothing was left unacknowledged, so a stream that never
            // opens is no failure of the drain.
            while (stream == null && connects.get() == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                changed.awaitNanos(Math.min(left, 50_000_000L));
            }
            if (stream != null) {
                sendFinalReports();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void sendFinalReports() {
        AgentStatus.Builder status = health.status().setAt(Timestamps.fromMillis(System.currentTimeMillis()))
                .setExportQueueDepth(queueDepth()).setUnackedBatches(unacked.size());
        stream.onNext(AgentMessage.newBuilder().setStatus(status).build());
        stream.onNext(AgentMessage.newBuilder().setLoss(lossReport()).build());
    }

    @Override
    public void close() {
        running = false;
        sender.interrupt();
        try {
            sender.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            if (stream != null) {
                try {
                    stream.onCompleted();
                } catch (RuntimeException ignored) {
                    // the stream is already gone
                }
                stream = null;
            }
        } finally {
            lock.unlock();
        }
    }

    public long flowsQueued() {
        return flowsQueued.get();
    }

    public long flowsDropped() {
        return flowsDropped.get();
    }

    public long anomaliesDropped() {
        return anomaliesDropped.get();
    }

    public long flowsAcked() {
        return flowsAcked.get();
    }

    public long anomaliesAcked() {
        return anomaliesAcked.get();
    }

    public long batchesSent() {
        return batchesSent.get();
    }

    public long reconnects() {
        return reconnects.get();
    }

    /** Streams cancelled because a batch they took went unacknowledged for export.ack_timeout. */
    public long ackTimeouts() {
        return ackTimeouts.get();
    }

    /**
     * Why the aggregator refused this agent ("PERMISSION_DENIED: the agent's token was issued on
     * node ..."), when its last stream ended in a refusal ({@link #REFUSALS}) and none has been
     * answered since; else null.
     */
    public String refusal() {
        return refusal;
    }

    /**
     * How the aggregator itself ended this agent's last stream, when that was no refusal
     * ("UNAVAILABLE: cannot ask the API server whose token this is now; try again") and no
     * stream has been answered since; else null. A replay that cannot drain says it.
     */
    public String peerEnd() {
        return peerEnd;
    }

    /**
     * How gRPC itself failed this agent's last stream ("UNAVAILABLE: io exception"), when no
     * refusal or end from the aggregator came and no stream has been answered since; else null.
     * A replay that cannot drain says it (found by a new user: a replay with no aggregator
     * running ended with only "did not acknowledge 3 batches within 30s").
     */
    public String failure() {
        return failure;
    }

    /** The aggregator has answered some stream, with a message or by ending it. */
    public boolean everReached() {
        return reached;
    }

    /** Identity updates the consumer threw on (skipped). */
    public long identityFailures() {
        return identityFailures.get();
    }

    /** Command answers dropped because {@link #MAX_PENDING_RESULTS} waited for a stream to open. */
    public long resultsLost() {
        return resultsLost.get();
    }

    public int queueDepth() {
        return queue.size() + anomalyQueue.size();
    }

    public int unackedBatches() {
        lock.lock();
        try {
            return unacked.size();
        } finally {
            lock.unlock();
        }
    }
}
