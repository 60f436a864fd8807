package io.netwatch.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/** Options and channel shared by the commands that query an aggregator. */
final class QueryClient {
    @Option(names = "--aggregator", defaultValue = "localhost:" + NetwatchMain.DEFAULT_PORT,
            description = "Aggregator HOST:PORT (default: ${DEFAULT-VALUE}).")
    String aggregator;

    @Option(names = "--timeout", defaultValue = "10",
            description = "Deadline of a non-follow query, seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    ManagedChannel channel() {
        return NettyChannelBuilder.forTarget(HostPort.target(aggregator)).usePlaintext().build();
    }

    static void close(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** Turns an RPC failure into a message a user can act on. */
    NetwatchMain.UserError explain(StatusRuntimeException e) {
        return switch (e.getStatus().getCode()) {
            case UNAVAILABLE -> new NetwatchMain.UserError("cannot reach the aggregator at " + aggregator
                    + " (is `netwatch aggregator` or `netwatch demo --serve` running?): " + e.getStatus().getDescription());
            case DEADLINE_EXCEEDED -> new NetwatchMain.UserError("the aggregator at " + aggregator
                    + " did not answer within " + timeoutSeconds + " s");
            case INVALID_ARGUMENT, FAILED_PRECONDITION -> new NetwatchMain.UserError(e.getStatus().getDescription());
            default -> new NetwatchMain.UserError("query failed: " + e.getStatus());
        };
    }
}
