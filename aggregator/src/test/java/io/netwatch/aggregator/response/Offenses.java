package io.netwatch.aggregator.response;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.TCP;
import io.netwatch.proto.flow.v1.Workload;

/** Anomalies and flows the response tests feed the store. */
public final class Offenses {
    private static long ids;

    private Offenses() {
    }

    /** A high-severity, confident anomaly of {@code type} from {@code ip}, raised by the agent of {@code node}. */
    public static Anomaly anomaly(String type, String ip, String node) {
        return Anomaly.newBuilder().setId(node + "-" + type + "-" + ++ids).setAnomalyType(type)
                .setSeverity(Severity.SEVERITY_HIGH).setScore(0.9).setNodeName(node)
                .setSource(Endpoint.newBuilder().setIp(ip)).setDetector("agent." + type).build();
    }

    /** The same, from a pod the aggregator knows ({@code namespace/pod} on {@code podNode}). */
    public static Anomaly podAnomaly(String type, String ip, String node, String namespace, String pod,
                                     String podNode) {
        Anomaly a = anomaly(type, ip, node);
        return a.toBuilder().setSource(a.getSource().toBuilder().setWorkload(Workload.newBuilder()
                .setNamespace(namespace).setPodName(pod).setNodeName(podNode))).build();
    }

    /** A TCP flow {@code ip} initiated and whose handshake it completed (SYN, SYN-ACK, ACK). */
    public static Flow handshake(String ip) {
        return Flow.newBuilder().setFlowId(++ids).setNodeName("node-a").setIpProtocol(6)
                .setSource(Endpoint.newBuilder().setIp(ip).setPort(40000))
                .setDestination(Endpoint.newBuilder().setIp("10.9.9.9").setPort(80))
                .setTcp(TCP.newBuilder().setFlagsToServer(0x02 | 0x10).setFlagsToClient(0x02 | 0x10))
                .setToServer(Counters.newBuilder().setPackets(3)).build();
    }

    /** A SYN {@code ip} sent that the responder answered and {@code ip} never acknowledged. */
    public static Flow unacknowledged(String ip) {
        return handshake(ip).toBuilder().setTcp(TCP.newBuilder().setFlagsToServer(0x02).setFlagsToClient(0x12))
                .setToServer(Counters.newBuilder().setPackets(1)).build();
    }
}
