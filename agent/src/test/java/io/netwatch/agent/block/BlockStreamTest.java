package io.netwatch.agent.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netwatch.agent.AgentMain;
import io.netwatch.agent.BuildInfo;
import io.netwatch.agent.export.AgentHealth;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.export.FlowStreamer;
import io.netwatch.proto.ingest.v1.AgentMessage;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.CommandResult;
import io.netwatch.proto.ingest.v1.Hello;
import io.netwatch.proto.ingest.v1.IngestGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A block command from an aggregator over a real gRPC socket: the agent that can block says
 * so in its hello, installs the command in nftables (in a node namespace) and the
 * CommandResult comes back on the same stream; a malformed command comes back ok=false.
 */
class BlockStreamTest {
    /** Just enough aggregator: says what the agent announced, sends commands, collects answers. */
    static final class FakeAggregator extends IngestGrpc.IngestImplBase {
        final LinkedBlockingQueue<Hello> hellos = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<CommandResult> results = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<AggregatorMessage> toSend = new LinkedBlockingQueue<>();
        volatile long sentNanos;
        volatile StreamObserver<AggregatorMessage> stream;

        /** Sends a command on the open stream (gRPC allows one writer at a time: tests send from one thread). */
        void send(AggregatorMessage m) {
            sentNanos = System.nanoTime();
            synchronized (this) {
                stream.onNext(m);
            }
        }

        @Override
        public StreamObserver<AgentMessage> connect(StreamObserver<AggregatorMessage> agent) {
            return new StreamObserver<>() {
                @Override
                public void onNext(AgentMessage m) {
                    if (m.hasHello()) {
                        stream = agent;
                        sentNanos = System.nanoTime();
                        AggregatorMessage c;
                        synchronized (FakeAggregator.this) {
                            while ((c = toSend.poll()) != null) {
                                agent.onNext(c);
                            }
                        }
                        hellos.add(m.getHello());
                    } else if (m.hasCommandResult()) {
                        results.add(m.getCommandResult());
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    agent.onCompleted();
                }
            };
        }
    }

    @Test
    void aCommandFromTheStreamIsInstalledAndAnswered() throws Exception {
        assumeTrue(NodeLab.available(), "needs root, iproute2 and nft");
        FakeAggregator aggregator = new FakeAggregator();
        aggregator.toSend.add(Commands.block("10.77.0.2", 30_000));
        aggregator.toSend.add(Commands.block("10.77.0.2; flush ruleset", 30_000));
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(aggregator)
                .build().start();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        try (NodeLab lab = NodeLab.routed()) {
            BlockConfig config = new BlockConfig(true, "netwatch", Duration.ofHours(1), Duration.ofSeconds(30),
                    lab.nft());
            try (BlockCommands blocking = BlockCommands.start(config, new NftProcess(lab.nft(), Duration.ofSeconds(10)),
                    System::currentTimeMillis)) {
                Hello hello = AgentMain.hello("node-b", "test", BuildInfo.current(), blocking.available());
                FlowStreamer streamer = new FlowStreamer(channel, ExportConfig.defaults(), hello, AgentHealth.NONE,
                        u -> { }, UnaryOperator.identity(), blocking).start();
                try {
                    Hello seen = aggregator.hellos.poll(10, TimeUnit.SECONDS);
                    assertNotNull(seen, "the agent said hello");
                    assertTrue(seen.getCapabilitiesList().contains(AgentMain.CAPABILITY_BLOCK), seen.toString());

                    CommandResult ok = aggregator.results.poll(10, TimeUnit.SECONDS);
                    long roundTripMillis = (System.nanoTime() - aggregator.sentNanos) / 1_000_000;
                    CommandResult refused = aggregator.results.poll(10, TimeUnit.SECONDS);
                    assertNotNull(ok);
                    assertNotNull(refused);
                    // The refusal is answered on the stream's thread, before the block is applied.
                    if (!refused.getOk() && ok.getOk()) {
                        // already in the expected order
                    } else {
                        CommandResult t = ok;
                        ok = refused;
                        refused = t;
                    }
                    assertTrue(ok.getOk(), ok.getError());
                    long inForce = Timestamps.toMillis(ok.getAppliedAt()) - Timestamps.toMillis(ok.getReceivedAt());
                    System.out.printf("stream block: received to rule in force %d ms, aggregator send to answer %d ms"
                            + " (first command of a fresh JVM)%n", inForce, roundTripMillis);
                    // Timed on purpose: the lab's requirement (docs/lab.md: cut off within 2 s), on
                    // a real nft and socket, where it takes tens of milliseconds on an idle machine.
                    assertTrue(inForce < 2000, "in force within 2 s of its arrival: " + inForce);
                    assertTrue(lab.node("nft", "list", "set", "inet", "netwatch", "addr4").contains("10.77.0.2"));
                    assertFalse(refused.getOk());
                    assertTrue(refused.getError().contains("not an IPv4 or IPv6 address"), refused.getError());
                    assertFalse(lab.node("nft", "list", "ruleset").isBlank(), "the injection flushed nothing");
                    assertEquals(0, streamer.resultsLost());

                    aggregator.send(Commands.unblock("10.77.0.2", 0, 0));
                    CommandResult unblocked = aggregator.results.poll(10, TimeUnit.SECONDS);
                    long unblockMillis = (System.nanoTime() - aggregator.sentNanos) / 1_000_000;
                    assertNotNull(unblocked);
                    assertTrue(unblocked.getOk(), unblocked.getError());
                    aggregator.send(Commands.block("10.77.0.3", 30_000));
                    CommandResult again = aggregator.results.poll(10, TimeUnit.SECONDS);
                    long blockMillis = (System.nanoTime() - aggregator.sentNanos) / 1_000_000;
                    assertNotNull(again);
                    assertTrue(again.getOk(), again.getError());
                    System.out.printf("stream block: warm, aggregator send to answer: unblock %d ms, block %d ms%n",
                            unblockMillis, blockMillis);
                    assertTrue(blockMillis < 2000, "a block is in force and confirmed within 2 s: " + blockMillis);
                    String set = lab.node("nft", "list", "set", "inet", "netwatch", "addr4");
                    assertTrue(set.contains("10.77.0.3") && !set.contains("10.77.0.2 "), set);
                } finally {
                    streamer.close();
                }
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void anAgentThatCannotBlockDoesNotSaySo() {
        Hello hello = AgentMain.hello("node-b", "test", BuildInfo.current(), false);
        assertFalse(hello.getCapabilitiesList().contains(AgentMain.CAPABILITY_BLOCK));
        assertTrue(hello.getCapabilitiesList().contains(AgentMain.CAPABILITY_IDENTITY));
    }
}
