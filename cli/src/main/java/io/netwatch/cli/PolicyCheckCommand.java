package io.netwatch.cli;

import io.netwatch.aggregator.policy.Connection;
import io.netwatch.aggregator.policy.PolicyEvaluator;
import io.netwatch.aggregator.policy.PolicyRef;
import io.netwatch.aggregator.policy.Protocol;
import io.netwatch.aggregator.policy.Verdict;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
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

    /** One line of the flows file, checked. */
    private record Flow(ObjectNode input, Connection connection) {
    }

    @Override
    public Integer call() throws Exception {
        ClusterFile.Contents contents = ClusterFile.read(cluster);
        PolicyEvaluator evaluator = new PolicyEvaluator(contents.snapshot());
        String name = flows.equals("-") ? "standard input" : flows;
        // Streamed, so a flows file of any length runs in constant memory; a bad line stops
        // the run there, after the answers to the lines before it.
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
        int count = 0;
        try (BufferedReader in = flows.equals("-")
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(flows), StandardCharsets.UTF_8)) {
            String text;
            int n = 0;
            while ((text = in.readLine()) != null) {
                n++;
                if (text.isBlank()) {
                    continue;
                }
                Flow f = flow(text, n, name);
                out.println(JSON.writeValueAsString(answer(f, evaluator.evaluate(f.connection()))));
                count++;
            }
        } catch (NoSuchFileException e) {
            throw new NetwatchMain.UserError("cannot read " + name + ": no such file");
        } finally {
            out.flush();
        }
        System.err.println("netwatch policy check: " + contents.namespaces() + " namespaces, " + contents.pods() + " pods, "
                + contents.policies() + " network policies, " + count + " flows" + ignored(contents.ignored()));
        return 0;
    }

    private static ObjectNode answer(Flow f, Verdict v) {
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

    private static Flow flow(String text, int line, String file) {
        String where = file + " line " + line + ": ";
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new NetwatchMain.UserError(where + "not JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (!(node instanceof ObjectNode object)) {
            throw new NetwatchMain.UserError(where + "not a JSON object");
        }
        byte[] src = ip(object, "src_ip", where);
        byte[] dst = ip(object, "dst_ip", where);
        JsonNode port = object.get("dst_port");
        if (port == null || port.isNull()) {
            throw new NetwatchMain.UserError(where + "dst_port: is missing");
        }
        if (!port.isIntegralNumber() || !port.canConvertToInt() || port.intValue() < 1 || port.intValue() > 65535) {
            throw new NetwatchMain.UserError(where + "dst_port: " + port + " is not a port number 1-65535");
        }
        JsonNode proto = object.get("proto");
        if (proto == null || proto.isNull()) {
            throw new NetwatchMain.UserError(where + "proto: is missing");
        }
        Protocol protocol = proto.isString() ? switch (proto.asString().toLowerCase(Locale.ROOT)) {
            case "tcp" -> Protocol.TCP;
            case "udp" -> Protocol.UDP;
            case "sctp" -> Protocol.SCTP;
            default -> null;
        } : null;
        if (protocol == null) {
            throw new NetwatchMain.UserError(where + "proto: " + proto + " is not \"tcp\", \"udp\" or \"sctp\"");
        }
        return new Flow(object, new Connection(src, dst, port.intValue(), protocol));
    }

    private static byte[] ip(ObjectNode object, String field, String where) {
        JsonNode v = object.get(field);
        if (v == null || v.isNull()) {
            throw new NetwatchMain.UserError(where + field + ": is missing");
        }
        if (!v.isString()) {
            throw new NetwatchMain.UserError(where + field + ": " + v + " is not an IP address");
        }
        try {
            return Connection.literal(v.asString());
        } catch (IllegalArgumentException e) {
            throw new NetwatchMain.UserError(where + field + ": " + e.getMessage());
        }
    }

    private static String ignored(Map<String, Integer> ignored) {
        if (ignored.isEmpty()) {
            return "";
        }
        return "; ignored other kinds: " + ignored.entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
    }
}
