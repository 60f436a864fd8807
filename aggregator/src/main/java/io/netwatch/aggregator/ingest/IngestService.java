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
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.ingest.v1.Ack;
import io.netwatch.proto.ingest.v1.AgentMessage;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.IngestGrpc;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives each agent's stream: registers its hello, stores its batches and acknowledges
 * each one after it is stored, keeps its status and loss reports. A batch seen again after a
 * reconnect is acknowledged and counted, not stored twice. Each flow goes through the
 * {@link FlowStage} (identities, verdicts) before it is stored. With an
 * {@link IdentityPublisher}, an agent whose hello offers the {@code identity} capability gets
 * a snapshot of who holds each address, then the changes, on the same stream.
 */
public final class IngestService extends IngestGrpc.IngestImplBase {
    /** Most characters of a node name accepted from an agent. */
    public static final int MAX_NODE_NAME = 253;

    /** The hello capability of agents that take identity updates. */
    public static final String CAPABILITY_IDENTITY = "identity";

    static final Context.Key<SocketAddress> PEER = Context.key("netwatch-peer");
    private static final Logger log = LoggerFactory.getLogger(IngestService.class);

    private final FlowStore store;
    private final AgentRegistry registry;
    private final LongSupplier clock;
    private final FlowStage stage;
    private final IdentityPublisher identities;
    private final AtomicLong stageErrors = new AtomicLong();
    private final AtomicLong streamsOpened = new AtomicLong();
    private final AtomicLong streamsRefused = new AtomicLong();

    public IngestService(FlowStore store, AgentRegistry registry, LongSupplier clockMillis) {
        this(store, registry, clockMillis, FlowStage.NONE);
    }

    public IngestService(FlowStore store, AgentRegistry registry, LongSupplier clockMillis, FlowStage stage) {
        this(store, registry, clockMillis, stage, null);
    }

    /** @param identities streams identities to the agents that take them; null for none */
    public IngestService(FlowStore store, AgentRegistry registry, LongSupplier clockMillis, FlowStage stage,
                         IdentityPublisher identities) {
        this.store = store;
        this.registry = registry;
        this.clock = clockMillis;
        this.stage = stage;
        this.identities = identities;
    }

    /** Flows the stage threw on, stored as they came. */
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

    /** Agent streams opened since start (each reconnect opens one). */
    public long streamsOpened() {
        return streamsOpened.get();
    }

    /** Agent streams ended by the aggregator because the agent broke the protocol. */
    public long streamsRefused() {
        return streamsRefused.get();
    }

    /** Makes the caller's address visible to the service; install it on the server. */
    public static ServerInterceptor peerInterceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                return Contexts.interceptCall(Context.current().withValue(PEER, peer), call, headers, next);
            }
        };
    }

    @Override
    public StreamObserver<AgentMessage> connect(StreamObserver<AggregatorMessage> responses) {
        SocketAddress peerAddress = PEER.get();
        String peer = peerAddress == null ? "" : peerAddress.toString();
        streamsOpened.incrementAndGet();
        AgentResponses channel = new AgentResponses(responses);
        AgentIdentityStream[] subscription = new AgentIdentityStream[1];
        if (identities != null) {
            channel.watch(() -> {
                if (subscription[0] != null) {
                    identities.nudge();
                }
            }, () -> {
                if (subscription[0] != null) {
                    identities.unsubscribe(subscription[0]);
                }
            });
        }
        return new StreamObserver<>() {
            private String node;
            private long connection;
            private boolean failed;

            @Override
            public void onNext(AgentMessage message) {
                if (failed) {
                    return;
                }
                long now = clock.getAsLong();
                switch (message.getMessageCase()) {
                    case HELLO -> {
                        String name = message.getHello().getNodeName();
                        if (name.isEmpty() || name.length() > MAX_NODE_NAME) {
                            fail(Status.INVALID_ARGUMENT.withDescription(
                                    "hello must carry a node name of 1 to " + MAX_NODE_NAME + " characters"));
                            return;
                        }
                        node = name;
                        connection = registry.connect(message.getHello(), peer, now);
                        if (identities != null && subscription[0] == null
                                && message.getHello().getCapabilitiesList().contains(CAPABILITY_IDENTITY)) {
                            subscription[0] = identities.subscribe(channel, registry.identityCounters(node));
                        }
                    }
                    case FLOWS -> {
                        if (requireHello()) {
                            var batch = message.getFlows();
                            if (registry.acceptBatch(node, batch.getSequence(), now)) {
                                for (Flow f : batch.getFlowsList()) {
                                    store.flows().append(staged(f, now), now);
                                }
                                registry.countStored(node, batch.getFlowsCount(), 0);
                            }
                            ack(batch.getSequence());
                        }
                    }
                    case ANOMALIES -> {
                        if (requireHello()) {
                            var batch = message.getAnomalies();
                            if (registry.acceptBatch(node, batch.getSequence(), now)) {
                                for (Anomaly a : batch.getAnomaliesList()) {
                                    store.addAnomaly(a, now);
                                }
                                registry.countStored(node, 0, batch.getAnomaliesCount());
                            }
                            ack(batch.getSequence());
                        }
                    }
                    case STATUS -> {
                        if (requireHello()) {
                            registry.status(node, message.getStatus(), now);
                        }
                    }
                    case LOSS -> {
                        if (requireHello()) {
                            registry.loss(node, message.getLoss(), now);
                        }
                    }
                    case COMMAND_RESULT -> {
                        // Commands come with the response issue; results are accepted and ignored.
                    }
                    case MESSAGE_NOT_SET -> fail(Status.INVALID_ARGUMENT.withDescription("empty agent message"));
                }
            }

            private boolean requireHello() {
                if (node == null) {
                    fail(Status.FAILED_PRECONDITION.withDescription("send Hello before anything else"));
                    return false;
                }
                return true;
            }

            private void ack(long sequence) {
                channel.send(AggregatorMessage.newBuilder().setAck(Ack.newBuilder().setSequence(sequence)).build());
            }

            private void fail(Status status) {
                failed = true;
                streamsRefused.incrementAndGet();
                endIdentities();
                channel.fail(status);
                if (node != null) {
                    registry.disconnect(node, connection, clock.getAsLong());
                }
            }

            private void endIdentities() {
                if (subscription[0] != null) {
                    identities.unsubscribe(subscription[0]);
                }
            }

            @Override
            public void onError(Throwable t) {
                channel.gone();
                endIdentities();
                if (node != null) {
                    registry.disconnect(node, connection, clock.getAsLong());
                }
            }

            @Override
            public void onCompleted() {
                endIdentities();
                if (node != null) {
                    registry.disconnect(node, connection, clock.getAsLong());
                }
                channel.complete();
            }
        };
    }
}
