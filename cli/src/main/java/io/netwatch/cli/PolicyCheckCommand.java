package io.netwatch.cli;

import io.netwatch.aggregator.policy.PolicyEvaluator;
import io.netwatch.aggregator.policy.PolicyRef;
import io.netwatch.aggregator.policy.Verdict;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Judge connections against a cluster's NetworkPolicies offline, before applying them.",
                "Prints one JSON line per flow: the flow, then verdict, egress, ingress and the deciding policies."})
final class PolicyCheckCommand implements Callable<Integer> {
    private static final JsonMapper JSON = new JsonMapper();

    @Option(names = "--cluster", required = true, paramLabel = "CLUSTER.yaml",
            description = "Namespaces, Pods and NetworkPolicies as `kubectl get namespaces,pods,networkpolicies -A -o yaml`"
                    + " prints them, or as YAML documents separated by ---.")
    Path cluster;

    @Option(names = "--flows", required = true, paramLabel = "FLOWS.jsonl",
            description = "One JSON object per line: {\"src_ip\", \"dst_ip\", \"dst_port\", \"proto\": \"tcp|udp|sctp\"};"
                    + " - reads standard input.")
    String flows;

    @Override
    public Integer call() throws Exception {
        ClusterFile.Contents contents = ClusterFile.read(cluster);
        PolicyEvaluator evaluator = new PolicyEvaluator(contents.snapshot());
        // Streamed, so a flows file of any length runs in constant memory; a bad line stops
        // the run there, after the answers to the lines before it.
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
        int count;
        try {
            count = FlowLines.read(flows, f -> out.println(JSON.writeValueAsString(answer(f, evaluator.evaluate(f.connection())))));
        } finally {
            out.flush();
        }
        System.err.println("netwatch policy check: " + TextFormat.count(contents.namespaces(), "namespace") + ", "
                + TextFormat.count(contents.pods(), "pod") + ", " + TextFormat.count(contents.policies(), "network policy",
                "network policies") + ", " + TextFormat.count(count, "flow") + ignored(contents.ignored()));
        return 0;
    }

    private static ObjectNode answer(FlowLines.Line f, Verdict v) {
        ObjectNode line = f.input().deepCopy();
        line.put("verdict", v.allowed() ? "allow" : "deny");
        line.put("egress", v.egress().outcome());
        line.put("ingress", v.ingress().outcome());
        ArrayNode policies = line.putArray("policies");
        for (PolicyRef p : v.policies()) {
            policies.add(p.toString());
        }
        return line;
    }

    static String ignored(Map<String, Integer> ignored) {
        if (ignored.isEmpty()) {
            return "";
        }
        return "; ignored other kinds: " + ignored.entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
    }
}
