package io.netwatch.aggregator.policy.suggest;

import io.netwatch.aggregator.policy.Connection;
import io.netwatch.aggregator.policy.PodView;
import io.netwatch.aggregator.policy.Protocol;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Pods of workloads and flows between them, for suggestion and simulation tests. */
final class Traffic {
    /** 2026-11-26T10:00:00Z in nanoseconds: flows start at T0 + n seconds. */
    static final long T0 = 1_795_687_200_000_000_000L;

    private final Map<String, Party.Member> members = new HashMap<>();
    private final List<ObservedFlow> flows = new ArrayList<>();

    /**
     * A pod: "ns/pod" with its workload "Kind/name", IP and labels ("k=v,k2=v2");
     * container ports as "name:port/PROTO" pairs.
     */
    Traffic pod(String ref, String workload, String ip, String labels, String... ports) {
        return podOn(null, ref, workload, ip, labels, ports);
    }

    /** A pod as {@link #pod}, on the node with this address ({@code status.hostIP}); null: not known. */
    Traffic podOn(String nodeIp, String ref, String workload, String ip, String labels, String... ports) {
        String[] r = ref.split("/");
        String[] w = workload.split("/");
        Map<String, String> l = new HashMap<>();
        for (String kv : labels.split(",")) {
            if (!kv.isBlank()) {
                String[] p = kv.split("=", 2);
                l.put(p[0], p[1]);
            }
        }
        List<PodView.ContainerPort> cp = new ArrayList<>();
        for (String p : ports) {
            String[] np = p.split("[:/]");
            cp.add(new PodView.ContainerPort(np[0], Integer.parseInt(np[1]), Protocol.valueOf(np[2])));
        }
        PodView pod = new PodView(r[0], r[1], l, List.of(Connection.literal(ip)), cp,
                nodeIp == null ? List.of() : List.of(Connection.literal(nodeIp)));
        members.put(ip, new Party.Member(pod, new WorkloadRef(r[0], w[0], w[1])));
        return this;
    }

    /** An established flow "src -> dst:port/PROTO" at T0 + second; "ip@name" names an external end. */
    Traffic flow(String src, String dst, int port, String proto, int second) {
        flows.add(observed(src, dst, port, proto, second, true));
        return this;
    }

    Traffic attempt(String src, String dst, int port, String proto, int second) {
        flows.add(observed(src, dst, port, proto, second, false));
        return this;
    }

    ObservedFlow observed(String src, String dst, int port, String proto, int second, boolean established) {
        String[] s = src.split("@", 2);
        String[] d = dst.split("@", 2);
        long start = T0 + second * 1_000_000_000L;
        return new ObservedFlow(Connection.of(s[0], d[0], port, Protocol.valueOf(proto)), party(s), party(d), start,
                start + 500_000_000L, established);
    }

    private Party party(String[] ipAndName) {
        Party.Member m = members.get(ipAndName[0]);
        return m != null ? m : new Party.Outside(ipAndName.length > 1 ? ipAndName[1] : null);
    }

    List<ObservedFlow> flows() {
        return List.copyOf(flows);
    }

    List<PodView> pods() {
        return members.values().stream().map(Party.Member::pod).toList();
    }
}
