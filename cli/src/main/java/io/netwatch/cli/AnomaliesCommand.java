package io.netwatch.cli;

import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.proto.query.v1.GetAnomaliesRequest;
import io.netwatch.proto.query.v1.GetAnomaliesResponse;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "anomalies", mixinStandardHelpOptions = true,
        description = "Show anomalies stored by the aggregator, each with its explanation.")
final class AnomaliesCommand implements Callable<Integer> {
    @Mixin
    QueryClient client;

    @Option(names = {"-f", "--follow"}, description = "Keep streaming new anomalies.")
    boolean follow;

    @Option(names = "--json", description = "Print JSON lines (the same schema as `netwatch inspect`).")
    boolean json;

    @Option(names = "--type", split = ",", description = "Anomaly types, e.g. port_scan.")
    List<String> types = List.of();

    @Option(names = "--ip", split = ",", description = "Source or destination address or CIDR.")
    List<String> ip = List.of();

    @Option(names = "--node", split = ",", description = "Node name.")
    List<String> node = List.of();

    @Option(names = "--since", description = "Anomalies whose evidence ended since: RFC 3339 time or a duration ago"
            + " (5m), by the capture's clock (a replayed capture's anomalies are as old as the capture).")
    String since;

    @Option(names = "--limit", converter = AtLeastOne.Long.class, description = "Stop after N anomalies.")
    long limit;

    @Override
    public Integer call() throws Exception {
        // Read in any case, as observe reads --protocol TCP (found in review: PORT_SCAN, as a user
        // writes a constant, was refused with no hint that port_scan was meant).
        List<String> types = this.types.stream().map(t -> t.toLowerCase(java.util.Locale.ROOT)).toList();
        for (String type : types) {
            if (!FlowStore.ANOMALY_TYPES.contains(type)) {
                // A misspelt type would match nothing and read as "none found".
                throw new NetwatchMain.UserError("--type " + type + " is not an anomaly type; the types are "
                        + String.join(", ", FlowStore.ANOMALY_TYPES));
            }
        }
        ObserveCommand.names("--node", node);
        GetAnomaliesRequest.Builder request = GetAnomaliesRequest.newBuilder().addAllAnomalyType(types).addAllIp(ip)
                .addAllNodeName(node).setFollow(follow).setLimit(limit);
        if (since != null) {
            request.setSince(TimeArg.parse("--since", since, System.currentTimeMillis()));
        }
        QueryOutput stdout = new QueryOutput(json);
        JsonLines out = stdout.json();
        client.options(Map.of("anomaly_type", "--type", "ip", "--ip", "node_name", "--node", "since", "--since"));
        boolean filtered = !types.isEmpty() || !ip.isEmpty() || !node.isEmpty() || since != null;
        long count;
        try {
            count = client.stream(follow, stdout, stub -> stub.getAnomalies(request.build()), (GetAnomaliesResponse r) -> {
                if (r.getLostBefore() > 0) {
                    // Found in review: observe said so, this dropped lost_before without a word.
                    System.err.println("netwatch anomalies: " + TextFormat.lost(r.getLostBefore(), "anomaly", "anomalies",
                            filtered));
                }
                if (out != null) {
                    out.anomaly(r.getAnomaly());
                } else {
                    stdout.line(TextFormat.anomaly(r.getAnomaly()));
                }
            });
        } catch (UncheckedIOException e) {
            return stdout.failed("netwatch anomalies", e);
        }
        if (count == 0 && out == null) {
            System.err.println("netwatch anomalies: none");
        }
        return 0;
    }
}
