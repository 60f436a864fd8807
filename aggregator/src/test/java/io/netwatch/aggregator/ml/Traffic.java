package io.netwatch.aggregator.ml;

import com.google.protobuf.Timestamp;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.DNS;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.TCP;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Synthetic flows for the ml tests: a benign cluster's rhythm, and attacks on top of it. */
final class Traffic {
    static final long T0 = 1_700_000_000_000L;
    private static long nextId = 1;

    private Traffic() {
    }

    static Flow tcp(String src, String dst, int port, long millis, long bytesOut, long bytesIn, boolean accepted) {
        return Flow.newBuilder()
                .setFlowId(nextId++)
                .setSource(Endpoint.newBuilder().setIp(src).setPort(40000))
                .setDestination(Endpoint.newBuilder().setIp(dst).setPort(port))
                .setIpProtocol(6)
                .setTcp(TCP.newBuilder().setFlagsToServer(0x12).setFlagsToClient(accepted ? 0x12 : 0x14))
                .setToServer(Counters.newBuilder().setPackets(3).setBytes(bytesOut))
                .setToClient(Counters.newBuilder().setPackets(accepted ? 3 : 1).setBytes(bytesIn))
                .setFirstSeen(ts(millis - 5))
                .setLastSeen(ts(millis))
                .build();
    }

    static Flow dns(String src, String name, long millis) {
        return Flow.newBuilder()
                .setFlowId(nextId++)
                .setSource(Endpoint.newBuilder().setIp(src).setPort(50000))
                .setDestination(Endpoint.newBuilder().setIp("10.96.0.10").setPort(53))
                .setIpProtocol(17)
                .setToServer(Counters.newBuilder().setPackets(1).setBytes(40 + name.length()))
                .setToClient(Counters.newBuilder().setPackets(1).setBytes(90 + name.length()))
                .setDns(DNS.newBuilder().setQuery(name))
                .setFirstSeen(ts(millis - 1))
                .setLastSeen(ts(millis))
                .build();
    }

    /** {@code windows} windows of 10 s in which each of {@code actors} pods talks to a few services. */
    static List<Flow> benign(int actors, int windows, long seed) {
        Random r = new Random(seed);
        List<Flow> out = new ArrayList<>();
        for (int w = 0; w < windows; w++) {
            for (int a = 0; a < actors; a++) {
                String src = "10.1.0." + (a + 1);
                long t = T0 + w * 10_000L + r.nextInt(9_000);
                int flows = 1 + r.nextInt(6);
                for (int i = 0; i < flows; i++) {
                    out.add(tcp(src, "10.2.0." + (1 + r.nextInt(3)), r.nextBoolean() ? 443 : 8080, t + i,
                            200 + r.nextInt(5_000), 1_000 + r.nextInt(80_000), true));
                }
                if (r.nextInt(3) == 0) {
                    out.add(dns(src, "svc-" + r.nextInt(5) + ".shop.svc.cluster.local", t));
                }
            }
        }
        out.sort(java.util.Comparator.comparingLong(f -> f.getLastSeen().getSeconds() * 1000
                + f.getLastSeen().getNanos() / 1_000_000));
        return out;
    }

    /** One source trying {@code ports} ports of one address within a second, all refused. */
    static List<Flow> portScan(String src, String dst, int ports, long millis) {
        List<Flow> out = new ArrayList<>();
        for (int p = 1; p <= ports; p++) {
            out.add(tcp(src, dst, p, millis + p % 1000, 60, 54, false));
        }
        return out;
    }

    static Timestamp ts(long millis) {
        return Timestamp.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000).build();
    }
}
