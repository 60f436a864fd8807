package io.netwatch.agent.block;

import com.google.protobuf.Duration;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.BlockCommand;
import io.netwatch.proto.ingest.v1.CommandResult;
import io.netwatch.proto.ingest.v1.UnblockCommand;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Builds commands as the aggregator sends them and collects the answers. */
final class Commands {
    private static final AtomicInteger ids = new AtomicInteger();
    final LinkedBlockingQueue<CommandResult> answers = new LinkedBlockingQueue<>();

    static AggregatorMessage block(String ip, long ttlMillis) {
        return block(BlockCommand.newBuilder().setIp(ip).setTtl(ttl(ttlMillis)));
    }

    static AggregatorMessage block(BlockCommand.Builder b) {
        if (b.getCommandId().isEmpty()) {
            b.setCommandId("cmd-" + ids.incrementAndGet());
        }
        return AggregatorMessage.newBuilder().setBlock(b).build();
    }

    static AggregatorMessage unblock(String ip, int protocol, int port) {
        return AggregatorMessage.newBuilder().setUnblock(UnblockCommand.newBuilder()
                .setCommandId("cmd-" + ids.incrementAndGet()).setIp(ip).setIpProtocol(protocol).setPort(port)).build();
    }

    static Duration ttl(long millis) {
        return Duration.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000).build();
    }

    /** Sends a command and waits for its answer. */
    CommandResult send(BlockCommands commands, AggregatorMessage m) throws InterruptedException {
        commands.onCommand(m, answers::add);
        CommandResult r = answers.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no answer to " + m);
        }
        return r;
    }
}
