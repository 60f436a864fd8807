package io.netwatch.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.netwatch.proto.query.v1.GetAnomaliesRequest;
import io.netwatch.proto.query.v1.GetAnomaliesResponse;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
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

    @Option(names = "--since", description = "RFC 3339 time or a duration ago (5m).")
    String since;

    @Option(names = "--limit", description = "Stop after N anomalies.")
    long limit;

    @Override
    public Integer call() throws Exception {
        GetAnomaliesRequest.Builder request = GetAnomaliesRequest.newBuilder().addAllAnomalyType(types).addAllIp(ip)
                .addAllNodeName(node).setFollow(follow).setLimit(limit);
        if (since != null) {
            request.setSince(TimeArg.parse(since, System.currentTimeMillis()));
        }
        ManagedChannel channel = client.channel();
        JsonLines out = json ? new JsonLines(System.out) : null;
        int count = 0;
        try {
            var stub = QueryGrpc.newBlockingStub(channel);
            if (!follow) {
                stub = stub.withDeadlineAfter(client.timeoutSeconds, TimeUnit.SECONDS);
            }
            Iterator<GetAnomaliesResponse> it = stub.getAnomalies(request.build());
            while (it.hasNext()) {
                GetAnomaliesResponse r = it.next();
                count++;
                if (out != null) {
                    out.anomaly(r.getAnomaly());
                } else {
                    System.out.println(TextFormat.anomaly(r.getAnomaly()));
                }
            }
        } catch (StatusRuntimeException e) {
            throw client.explain(e);
        } finally {
            QueryClient.close(channel);
        }
        if (count == 0 && out == null) {
            System.err.println("netwatch anomalies: none");
        }
        return 0;
    }
}
