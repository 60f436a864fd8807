package io.netwatch.cli;

import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "aggregator", mixinStandardHelpOptions = true,
        description = "Run the central aggregator: receives the agents' streams and serves the query API.")
final class AggregatorCommand implements Callable<Integer> {
    @Option(names = "--listen", defaultValue = "0.0.0.0:" + NetwatchMain.DEFAULT_PORT,
            description = "Address for ingest and query (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--max-flows", defaultValue = "" + AggregatorConfig.DEFAULT_MAX_FLOWS,
            description = "Flows kept in memory; the oldest fall off first (default: ${DEFAULT-VALUE}).")
    int maxFlows;

    @Option(names = "--max-anomalies", defaultValue = "" + AggregatorConfig.DEFAULT_MAX_ANOMALIES,
            description = "Anomalies kept in memory (default: ${DEFAULT-VALUE}).")
    int maxAnomalies;

    @Option(names = "--max-age", defaultValue = "PT24H",
            description = "Records older than this are dropped, ISO-8601 duration (default: ${DEFAULT-VALUE}).")
    Duration maxAge;

    @Override
    public Integer call() throws Exception {
        AggregatorConfig config = new AggregatorConfig(HostPort.parse(listen, "--listen"), maxFlows, maxAnomalies, maxAge);
        AggregatorServer server = AggregatorServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "netwatch-shutdown"));
        System.out.println("netwatch aggregator: listening on " + config.listen().getHostString() + ":" + server.port()
                + " (ingest and query)");
        server.awaitTermination();
        return 0;
    }
}
