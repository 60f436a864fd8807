package io.netwatch.cli;

import io.netwatch.aggregator.policy.PolicyRef;
import io.netwatch.aggregator.policy.Verdict;
import io.netwatch.aggregator.policy.suggest.PolicyDocuments;
import io.netwatch.aggregator.policy.suggest.PolicySimulator;
import io.netwatch.common.TextFiles;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import io.netwatch.proto.query.v1.BlockedFlow;
import io.netwatch.proto.query.v1.PolicyBlockCount;
import io.netwatch.proto.query.v1.SimulatePoliciesRequest;
import io.netwatch.proto.query.v1.SimulatePoliciesResponse;
import io.netwatch.proto.query.v1.SimulationMode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Which observed flows a set of NetworkPolicies would have blocked, and why.",
                "Asks the aggregator (--aggregator), or works offline on --cluster and --flows. Prints one JSON line per"
                        + " blocked flow; a summary per policy goes to standard error."})
final class PolicySimulateCommand implements Callable<Integer> {
    @Mixin
    QueryClient client;

    @Mixin
    RecordedFlowsFile input;

    @Option(names = "--policies", required = true, paramLabel = "POLICIES.yaml",
            description = "The NetworkPolicies to try, as YAML documents or a List (what `policy suggest` prints works).")
    Path policies;

    @Option(names = "--mode", defaultValue = "replace", paramLabel = "replace|add",
            description = "replace: in each namespace they have policies for, they replace the cluster's; add: added to"
                    + " the cluster's (one named like a cluster policy replaces it). Default: ${DEFAULT-VALUE}.")
    String mode;

    @Option(names = "--limit", defaultValue = "1000", converter = AtLeastOne.Int.class,
            description = "With the aggregator: list at most N blocked flows (all are counted; default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() throws Exception {
        PolicySimulator.Mode m;
        try {
            m = PolicySimulator.Mode.parse(mode);
        } catch (IllegalArgumentException e) {
            throw new NetwatchMain.UserError("--mode: " + e.getMessage());
        }
        if (limit < 1) {
            throw new NetwatchMain.UserError("--limit must be at least 1, got " + limit);
        }
        String yaml;
        if (Files.isDirectory(policies)) {
            throw new NetwatchMain.UserError("cannot read " + policies + ": it is a directory, not a file");
        }
        try {
            yaml = Files.readString(policies, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new NetwatchMain.UserError("cannot read " + policies + ": " + TextFiles.whyUnreadable(e));
        }
        PolicyDocuments.Read read;
        try {
            read = PolicyDocuments.read(yaml, policies.toString(), "default");
        } catch (IllegalArgumentException e) {
            throw new NetwatchMain.UserError(e.getMessage());
        }
        if (read.policies().isEmpty()) {
            // Found by a new user: an empty file (what `policy suggest` prints when it has nothing
            // to suggest) simulated no change and printed the cluster's own denials as if these
            // policies made them.
            throw new NetwatchMain.UserError(policies + ": no NetworkPolicy (networking.k8s.io/v1) in it, nothing to"
                    + " simulate" + PolicyCheckCommand.ignored(read.ignored()));
        }
        long now = System.currentTimeMillis();
        if (input.offline()) {
            offline(read, m, now);
        } else {
            online(yaml, m, now);
        }
        return 0;
    }

    private void offline(PolicyDocuments.Read read, PolicySimulator.Mode m, long now) throws Exception {
        ClusterFile.Contents contents = ClusterFile.read(input.cluster);
        PolicySimulator simulator = new PolicySimulator(contents.snapshot(), read.policies(), m);
        Map<String, Long> byPolicy = new TreeMap<>();
        long[] judged = {0};
        long[] blocked = {0};
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
        try {
            input.read(contents, now, (line, f) -> {
                judged[0]++;
                PolicySimulator.Blocked b = simulator.judge(f);
                if (b == null) {
                    return;
                }
                blocked[0]++;
                Set<PolicyRef> deciding = new HashSet<>();
                for (Verdict.Side side : List.of(b.verdict().egress(), b.verdict().ingress())) {
                    if (side instanceof Verdict.Denied d) {
                        deciding.addAll(d.isolatedBy());
                    }
                }
                deciding.forEach(p -> byPolicy.merge(p.toString(), 1L, Long::sum));
                ObjectNode o = line.input().deepCopy();
                verdict(o, b.verdict().egress().outcome(), b.verdict().ingress().outcome(),
                        b.verdict().policies().stream().map(PolicyRef::toString).toList(), b.reason(), b.deniedBefore());
                out.println(FlowLines.JSON.writeValueAsString(o));
            });
        } finally {
            out.flush();
        }
        summary(judged[0], blocked[0], 0, "", byPolicy, read.ignored());
    }

    private void online(String yaml, PolicySimulator.Mode m, long now) throws Exception {
        SimulatePoliciesRequest.Builder r = SimulatePoliciesRequest.newBuilder().setYaml(yaml).setLimit(limit)
                .setMode(m == PolicySimulator.Mode.ADD ? SimulationMode.SIMULATION_MODE_ADD
                        : SimulationMode.SIMULATION_MODE_REPLACE);
        if (input.since(now) != null) {
            r.setSince(input.since(now));
        }
        if (input.until(now) != null) {
            r.setUntil(input.until(now));
        }
        SimulatePoliciesResponse s = client.call(stub -> stub.simulatePolicies(r.build()));
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
        for (BlockedFlow b : s.getBlockedList()) {
            out.println(FlowLines.JSON.writeValueAsString(line(b)));
        }
        out.flush();
        Map<String, Long> byPolicy = new TreeMap<>();
        for (PolicyBlockCount c : s.getByPolicyList()) {
            byPolicy.put(c.getPolicy(), c.getFlows());
        }
        Map<String, Integer> ignored = new TreeMap<>();
        s.getIgnoredKindsMap().forEach(ignored::put);
        summary(s.getFlowsJudged(), s.getFlowsBlocked(), s.getBlockedNotListed(),
                s.getBlockedCount() < limit ? "past the size one answer lists" : "past --limit", byPolicy, ignored);
    }

    /** A stored blocked flow as the offline lines read: addresses, port, protocol, who, then the verdict. */
    private static ObjectNode line(BlockedFlow b) {
        Flow f = b.getFlow();
        ObjectNode o = FlowLines.JSON.createObjectNode();
        o.put("src_ip", f.getSource().getIp());
        o.put("dst_ip", f.getDestination().getIp());
        o.put("dst_port", f.getDestination().getPort());
        o.put("proto", switch (f.getIpProtocol()) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 132 -> "sctp";
            default -> Integer.toString(f.getIpProtocol());
        });
        o.put("src", who(f.getSource()));
        o.put("dst", who(f.getDestination()));
        if (f.hasFirstSeen()) {
            o.put("first_seen", com.google.protobuf.util.Timestamps.toString(f.getFirstSeen()));
        }
        o.put("node", f.getNodeName());
        verdict(o, b.getEgress(), b.getIngress(), b.getPoliciesList(), b.getReason(), b.getDeniedBefore());
        return o;
    }

    private static String who(Endpoint e) {
        Workload w = e.getWorkload();
        if (!w.getNamespace().isEmpty()) {
            return w.getNamespace() + "/" + w.getPodName()
                    + (w.getWorkloadKind().isEmpty() ? "" : " (" + w.getWorkloadKind() + " " + w.getWorkloadName() + ")");
        }
        return w.getExternalName().isEmpty() ? e.getIp() : w.getExternalName();
    }

    private static void verdict(ObjectNode o, String egress, String ingress, List<String> policies, String reason,
                                boolean deniedBefore) {
        o.put("verdict", "deny");
        o.put("egress", egress);
        o.put("ingress", ingress);
        var array = o.putArray("policies");
        policies.forEach(array::add);
        o.put("reason", reason);
        o.put("denied_before", deniedBefore);
    }

    /** @param why why {@code notListed} blocked flows were not listed */
    private static void summary(long judged, long blocked, long notListed, String why, Map<String, Long> byPolicy,
                                Map<String, Integer> ignored) {
        System.err.println("netwatch policy simulate: " + TextFormat.count(judged, "flow") + ", " + blocked + " would be blocked"
                + (notListed > 0 ? " (" + notListed + " not listed, " + why + ")" : "")
                + PolicyCheckCommand.ignored(ignored));
        byPolicy.forEach((p, n) -> System.err.println("  " + p + ": " + n + " blocked"));
    }
}
