package io.netwatch.cli;

import io.netwatch.aggregator.policy.suggest.ExternalPeers;
import io.netwatch.aggregator.policy.suggest.KnownNamespaces;
import io.netwatch.aggregator.policy.suggest.ObservedFlow;
import io.netwatch.aggregator.policy.suggest.PolicySuggester;
import io.netwatch.aggregator.policy.suggest.SuggestOptions;
import io.netwatch.aggregator.policy.suggest.SuggestionSet;
import io.netwatch.aggregator.policy.suggest.SuggestionYaml;
import io.netwatch.proto.query.v1.SuggestPoliciesRequest;
import io.netwatch.proto.query.v1.SuggestPoliciesResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "suggest", mixinStandardHelpOptions = true,
        description = {"Suggest least-privilege NetworkPolicies from observed flows: one per workload of a namespace,"
                + " selecting its pods by their stable labels, allowing what they were seen doing plus DNS.",
                "Asks the aggregator (--aggregator), or works offline on --cluster and --flows. Prints YAML; a summary"
                        + " goes to standard error."})
final class PolicySuggestCommand implements Callable<Integer> {
    @Mixin
    QueryClient client;

    @Mixin
    RecordedFlowsFile input;

    @Option(names = {"-n", "--namespace"}, required = true, description = "The namespace whose workloads get policies.")
    String namespace;

    @Option(names = "--workload", paramLabel = "[KIND/]NAME",
            description = "Only this workload of the namespace (cart, deployment/cart).")
    String workload;

    @Option(names = "--external", defaultValue = "auto", paramLabel = "auto|ipblock|review",
            description = "Peers outside the cluster: auto (an ipBlock of the address, commented out for review when"
                    + " its DNS name was seen at several addresses), ipblock (always), review (always commented out)."
                    + " Default: ${DEFAULT-VALUE}.")
    String external;

    @Option(names = "--dns-namespace", defaultValue = SuggestOptions.DEFAULT_DNS_NAMESPACE,
            description = "Namespace of the cluster DNS pods every policy allows (default: ${DEFAULT-VALUE}).")
    String dnsNamespace;

    @Option(names = "--dns-labels", defaultValue = "k8s-app=kube-dns", paramLabel = "KEY=VALUE[,KEY=VALUE]",
            description = "Labels of the cluster DNS pods (default: ${DEFAULT-VALUE}).")
    String dnsLabels;

    @Override
    public Integer call() throws Exception {
        long now = System.currentTimeMillis();
        SuggestOptions options;
        try {
            options = new SuggestOptions(namespace, workload, ExternalPeers.parse(external), dnsNamespace, labels(dnsLabels));
        } catch (IllegalArgumentException e) {
            throw new NetwatchMain.UserError(e.getMessage());
        }
        if (input.offline()) {
            offline(options, now);
        } else {
            online(options, now);
        }
        return 0;
    }

    private void offline(SuggestOptions options, long now) throws Exception {
        ClusterFile.Contents contents = ClusterFile.read(input.cluster);
        String unknown = KnownNamespaces.of(contents.snapshot()).unknown(namespace, String.valueOf(input.cluster));
        if (unknown != null) {
            throw new NetwatchMain.UserError("-n: " + unknown);
        }
        List<ObservedFlow> flows = new ArrayList<>();
        int lines = input.read(contents, now, (line, f) -> flows.add(f));
        SuggestionSet set = new PolicySuggester(options).suggest(flows);
        System.out.print(SuggestionYaml.render(set, "Suggested by netwatch for namespace " + namespace
                + (workload == null ? "" : ", workload " + workload) + ", from " + flows.size() + " flows of "
                + FlowLines.name(input.flows) + "."));
        System.out.flush();
        // Every line in the range is usable here: there is no verdict to lack.
        summary(set.policies().size(), set.flowsUsed(), set.flowsNotEstablished(), set.flowsOwnNode(),
                lines - flows.size(), set.skipped(), Map.of());
    }

    private void online(SuggestOptions options, long now) throws Exception {
        SuggestPoliciesRequest.Builder r = SuggestPoliciesRequest.newBuilder().setNamespace(namespace)
                .setExternalPeers(switch (options.external()) {
                    case AUTO -> io.netwatch.proto.query.v1.ExternalPeers.EXTERNAL_PEERS_AUTO;
                    case IP_BLOCK -> io.netwatch.proto.query.v1.ExternalPeers.EXTERNAL_PEERS_IP_BLOCK;
                    case REVIEW -> io.netwatch.proto.query.v1.ExternalPeers.EXTERNAL_PEERS_REVIEW;
                })
                .setDnsNamespace(options.dnsNamespace()).putAllDnsLabels(options.dnsLabels());
        if (workload != null) {
            r.setWorkload(workload);
        }
        if (input.since(now) != null) {
            r.setSince(input.since(now));
        }
        if (input.until(now) != null) {
            r.setUntil(input.until(now));
        }
        client.options(Map.of("namespace", "-n", "workload", "--workload", "since", "--since", "until", "--until"));
        SuggestPoliciesResponse s = client.call(stub -> stub.suggestPolicies(r.build()));
        System.out.print(s.getYaml());
        System.out.flush();
        summary(s.getPoliciesCount(), s.getFlowsUsed(), s.getFlowsNotEstablished(), s.getFlowsOwnNode(),
                s.getFlowsNotUsable(), s.getSkippedList(), s.getFlowsNotUsableInScopeMap());
    }

    /**
     * The summary line, each workload that got no policy, and when nothing came of the scope's
     * flows, what was seen of it and why none could be used.
     *
     * @param notUsableInScope flows of the scope that could not be used, by the reason of their
     *                         verdict (the aggregator's; none offline)
     */
    private void summary(int policies, long used, long notEstablished, long ownNode, long notUsed,
                         List<String> skipped, Map<String, Long> notUsableInScope) {
        StringBuilder s = new StringBuilder("netwatch policy suggest: ").append(policies).append(" policies from ")
                .append(used).append(" flows");
        if (notEstablished > 0) {
            s.append("; ").append(notEstablished).append(" never got through, left out");
        }
        if (ownNode > 0) {
            s.append("; ").append(ownNode).append(" between a pod and its own node (always allowed), left out");
        }
        if (notUsed > 0) {
            s.append("; ").append(notUsed).append(" outside the time range or not usable");
        }
        System.err.println(s);
        for (String k : skipped) {
            System.err.println("netwatch policy suggest: no policy for " + k);
        }
        if (policies == 0 && used == 0) {
            // A scope that exists and was quiet is an answer, not a mistake (exit 0), but "0
            // policies from 0 flows" alone read as if the flows had been looked at and found
            // wanting. Found in review: it said "no flow ... was seen" also when the scope's
            // flows had been seen and none could be used; it says which, and why.
            List<String> why = new ArrayList<>();
            long seen = 0;
            if (notEstablished > 0) {
                why.add(notEstablished + " never got through");
                seen += notEstablished;
            }
            if (ownNode > 0) {
                why.add(ownNode + " between a pod and its own node, which is always allowed");
                seen += ownNode;
            }
            for (Map.Entry<String, Long> e : new TreeMap<>(notUsableInScope).entrySet()) {
                why.add(e.getValue() + " " + notUsable(e.getKey()));
                seen += e.getValue();
            }
            String scope = (workload == null ? "" : "workload " + workload + " of ") + "namespace " + namespace;
            String range = input.since != null || input.until != null ? " in the time range" : "";
            System.err.println("netwatch policy suggest: " + (seen == 0 ? "no flow of " + scope + " was seen" + range
                    : seen + (seen == 1 ? " flow of " + scope + " was seen" : " flows of " + scope + " were seen")
                    + range + " but none is usable (" + String.join("; ", why) + ")") + ": nothing to suggest");
        }
    }

    /** A verdict's reason for not judging a flow, as why a suggestion cannot use it (query.proto). */
    private static String notUsable(String reason) {
        return switch (reason) {
            case "initiator unknown" -> "picked up mid-stream, so which end opened it is not known";
            case "service address" -> "with a Service's address at an end, not a pod's";
            case "cluster not listed yet" -> "stored before the aggregator had listed the cluster";
            case "no port" -> "without a port";
            case "not an address pair" -> "without a pair of addresses of one family";
            case "not judged" -> "never judged";
            default -> reason;
        };
    }

    /**
     * "k=v,k2=v2" as a map, or an error naming the bad pair. A value may be empty ("k="), as a
     * label's may (found in review: refused as "is not KEY=VALUE").
     */
    static Map<String, String> labels(String text) {
        Map<String, String> out = new TreeMap<>();
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--dns-labels: '" + pair + "' is not KEY=VALUE");
            }
            out.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
        }
        return out;
    }
}
