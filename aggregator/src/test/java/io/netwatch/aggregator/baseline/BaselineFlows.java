package io.netwatch.aggregator.baseline;

import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import java.util.concurrent.atomic.AtomicLong;

/** Flows between pods of workloads, enriched as the aggregator stores them. */
final class BaselineFlows {
    private static final AtomicLong IDS = new AtomicLong(1);

    private BaselineFlows() {
    }

    /** A pod of a Deployment, at an address. */
    static Endpoint pod(String ip, String namespace, String deployment, String pod, int port) {
        return Endpoint.newBuilder().setIp(ip).setPort(port).setWorkload(Workload.newBuilder().setNamespace(namespace)
                .setPodName(pod).setWorkloadKind("Deployment").setWorkloadName(deployment)).build();
    }

    static Endpoint external(String ip, int port) {
        return Endpoint.newBuilder().setIp(ip).setPort(port).build();
    }

    /** A final TCP record carrying {@code bytes} to the server. */
    static Flow tcp(Endpoint source, Endpoint destination, long bytes) {
        return Flow.newBuilder().setFlowId(IDS.getAndIncrement()).setNodeName("node-a").setSource(source)
                .setDestination(destination).setIpProtocol(6).setIpVersion(4)
                .setToServer(Counters.newBuilder().setPackets(1).setBytes(bytes))
                .setFirstSeen(Timestamps.fromSeconds(1_000)).setLastSeen(Timestamps.fromSeconds(1_001)).build();
    }
}
