package io.netwatch.aggregator;

import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;

/** Small flow records for aggregator tests: only the fields the store and the filters look at. */
public final class FlowFixtures {
    private FlowFixtures() {
    }

    /** An endpoint without Kubernetes identity. */
    public static Endpoint endpoint(String ip, int port) {
        return Endpoint.newBuilder().setIp(ip).setPort(port).build();
    }

    /** An endpoint that belongs to a pod. */
    public static Endpoint endpoint(String ip, int port, String namespace, String pod) {
        return Endpoint.newBuilder().setIp(ip).setPort(port)
                .setWorkload(Workload.newBuilder().setNamespace(namespace).setPodName(pod)).build();
    }

    /**
     * A flow seen from {@code firstSecond} to {@code lastSecond} (seconds since the epoch,
     * capture time).
     */
    public static Flow flow(long id, String node, Endpoint source, Endpoint destination, int ipProtocol,
                            long firstSecond, long lastSecond) {
        return Flow.newBuilder()
                .setFlowId(id)
                .setNodeName(node)
                .setSource(source)
                .setDestination(destination)
                .setIpProtocol(ipProtocol)
                .setIpVersion(source.getIp().contains(":") ? 6 : 4)
                .setFirstSeen(Timestamps.fromSeconds(firstSecond))
                .setLastSeen(Timestamps.fromSeconds(lastSecond))
                .build();
    }

    /** A TCP flow between two IPv4 addresses, for tests that do not filter. */
    public static Flow flow(long id) {
        return flow(id, "node-a", endpoint("10.1.0." + (id % 250 + 1), 40000), endpoint("10.2.0.1", 80), 6,
                1_000, 1_001);
    }
}
