package io.netwatch.aggregator;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.netwatch.proto.ingest.v1.AgentMessage;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.AnomalyBatch;
import io.netwatch.proto.ingest.v1.CommandResult;
import io.netwatch.proto.ingest.v1.FlowBatch;
import io.netwatch.proto.ingest.v1.Hello;
import io.netwatch.proto.ingest.v1.IngestGrpc;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One agent's ingest stream as tests drive it: says hello, sends numbered batches and waits for
 * their acknowledgements. Shared by the aggregator's and the CLI's end-to-end tests.
 */
public final class TestAgent implements AutoCloseable {
    private static final long WAIT_SECONDS = 20;

    private final BlockingQueue<AggregatorMessage> acks = new LinkedBlockingQueue<>();
    /** Block and unblock commands the aggregator sent, in order. */
    private final BlockingQueue<AggregatorMessage> commands = new LinkedBlockingQueue<>();
    private final StreamObserver<AgentMessage> stream;
    private long sequence;

    private TestAgent(ManagedChannel channel, Hello hello) {
        stream = IngestGrpc.newStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS).connect(new StreamObserver<>() {
            @Override
            public void onNext(AggregatorMessage m) {
                if (m.hasAck()) {
                    acks.add(m);
                } else if (m.hasBlock() || m.hasUnblock()) {
                    commands.add(m);
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        stream.onNext(AgentMessage.newBuilder().setHello(hello).build());
    }

    /** Opens the stream of agent {@code node} (boot "boot-1") and says hello. */
    public static TestAgent connect(ManagedChannel channel, String node) {
        return new TestAgent(channel, Hello.newBuilder().setNodeName(node).setBootId("boot-1").setVersion("test")
                .build());
    }

    /**
     * Sends the flows as the next batch and waits for its acknowledgement.
     *
     * @throws AssertionError when none comes
     */
    public void sendFlows(List<Flow> flows) throws InterruptedException {
        stream.onNext(AgentMessage.newBuilder().setFlows(FlowBatch.newBuilder().setSequence(++sequence)
                .addAllFlows(flows)).build());
        awaitAck(sequence);
    }

    /** As {@link #sendFlows}, for anomalies. */
    public void sendAnomalies(List<Anomaly> anomalies) throws InterruptedException {
        stream.onNext(AgentMessage.newBuilder().setAnomalies(AnomalyBatch.newBuilder().setSequence(++sequence)
                .addAllAnomalies(anomalies)).build());
        awaitAck(sequence);
    }

    /** The next block or unblock command the aggregator sent, or null after {@code millis}. */
    public AggregatorMessage nextCommand(long millis) throws InterruptedException {
        return commands.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** Answers a command, as an agent does once it installed (or failed to install) it. */
    public void sendCommandResult(String commandId, boolean ok, String error) {
        stream.onNext(AgentMessage.newBuilder().setCommandResult(CommandResult.newBuilder().setCommandId(commandId)
                .setOk(ok).setError(error)).build());
    }

    private void awaitAck(long expected) throws InterruptedException {
        AggregatorMessage ack = acks.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        if (ack == null || ack.getAck().getSequence() != expected) {
            throw new AssertionError("batch " + expected + " not acknowledged: " + ack);
        }
    }

    @Override
    public void close() {
        stream.onCompleted();
    }
}
