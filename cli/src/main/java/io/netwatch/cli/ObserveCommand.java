package io.netwatch.cli;

import com.google.protobuf.util.Timestamps;
import io.netwatch.agent.inspect.ProtocolProbe;
import io.netwatch.proto.flow.v1.PolicyDecision;
import io.netwatch.proto.query.v1.FlowFilter;
import io.netwatch.proto.query.v1.GetFlowsRequest;
import io.netwatch.proto.query.v1.GetFlowsResponse;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "observe", mixinStandardHelpOptions = true,
        description = "Show flows stored by the aggregator, like `hubble observe`.")
final class ObserveCommand implements Callable<Integer> {
    @Mixin
    QueryClient client;

    @Option(names = {"-f", "--follow"}, description = "Keep streaming new flows.")
    boolean follow;

    @Option(names = "--json", description = "Print JSON lines (the same schema as `netwatch inspect`).")
    boolean json;

    @Option(names = "--last", converter = AtLeastOne.Long.class, description = "Start from the last N matching flows (with --follow, then keep "
            + "streaming, as tail -n N -f).")
    long last;

    @Option(names = "--limit", converter = AtLeastOne.Long.class, description = "Stop after the first N flows (not with --last).")
    long limit;

    @Option(names = "--since", description = "Flows active since: RFC 3339 time or a duration ago (5m), by the"
            + " capture's clock (a replayed capture's flows are as old as the capture).")
    String since;

    @Option(names = "--until", description = "Flows active before: RFC 3339 time or a duration ago.")
    String until;

    @Option(names = "--ip", split = ",", description = "Either endpoint's address or CIDR.")
    List<String> ip = List.of();

    @Option(names = "--from-ip", split = ",", description = "Source (initiator) address or CIDR.")
    List<String> fromIp = List.of();

    @Option(names = "--to-ip", split = ",", description = "Destination address or CIDR.")
    List<String> toIp = List.of();

    @Option(names = "--port", split = ",", description = "Either endpoint's port.")
    List<Integer> port = List.of();

    @Option(names = "--protocol", split = ",", description = "tcp, udp, icmp, icmpv6, sctp, or a protocol number.")
    List<String> protocol = List.of();

    @Option(names = "--node", split = ",", description = "Node name.")
    List<String> node = List.of();

    @Option(names = "--namespace", split = ",", description = "Kubernetes namespace of either endpoint.")
    List<String> namespace = List.of();

    @Option(names = "--pod", split = ",", description = "Pod name of either endpoint (with --namespace, a pod of that namespace).")
    List<String> pod = List.of();

    @Option(names = "--verdict", split = ",", description = "The aggregator's NetworkPolicy verdict: allowed, denied,"
            + " or unknown (not judged).")
    List<String> verdict = List.of();

    @Option(names = "--app-proto", split = ",", description = "Application protocol named by the payload, whatever the"
            + " port: http, tls, quic, dns, ssh, stratum.")
    List<String> appProto = List.of();

    @Option(names = "--label", description = "Pod labels of either endpoint: key=value or key terms, joined by commas"
            + " (all on one pod); repeat --label for either of several selectors. With --namespace or --pod, the"
            + " labelled pod is that endpoint.")
    List<String> label = List.of();

    @Option(names = "--fqdn", split = ",", description = "DNS name either endpoint is known by (a name the cluster's"
            + " resolvers were seen to answer with its address, known only to an aggregator that watches the cluster,"
            + " kubernetes.enabled); a * stands for any characters, dots included, as in Hubble: *.example.com for"
            + " every name below example.com.")
    List<String> fqdn = List.of();

    /** The option that sets each field of the request, for the aggregator's refusals. */
    private static final Map<String, String> OPTIONS = Map.ofEntries(Map.entry("ip", "--ip"),
            Map.entry("source_ip", "--from-ip"), Map.entry("destination_ip", "--to-ip"), Map.entry("port", "--port"),
            Map.entry("ip_protocol", "--protocol"), Map.entry("node_name", "--node"),
            Map.entry("namespace", "--namespace"), Map.entry("pod", "--pod"), Map.entry("since", "--since"),
            Map.entry("until", "--until"), Map.entry("verdict", "--verdict"), Map.entry("app_proto", "--app-proto"),
            Map.entry("label", "--label"), Map.entry("fqdn", "--fqdn"));

    @Override
    public Integer call() throws Exception {
        if (last > 0 && limit > 0) {
            // Found in review: --limit was dropped without a word when --last was given.
            throw new NetwatchMain.UserError("--last and --limit do not go together: --last N shows the last N"
                    + " matching flows (then, with --follow, new ones), --limit N the first N");
        }
        names("--node", node);
        names("--namespace", namespace);
        names("--pod", pod);
        names("--app-proto", appProto);
        names("--label", label);
        names("--fqdn", fqdn);
        long now = System.currentTimeMillis();
        FlowFilter.Builder filter = FlowFilter.newBuilder().addAllIp(ip).addAllSourceIp(fromIp).addAllDestinationIp(toIp)
                .addAllNodeName(node).addAllNamespace(namespace).addAllPod(pod).addAllLabel(label).addAllFqdn(fqdn);
        for (String p : appProto) {
            String name = p.toLowerCase(Locale.ROOT);
            if (!APP_PROTOS.contains(name)) {
                // Found trying it: --app-proto htp asked for flows no agent names so, and the
                // answer was "none", as if there were no HTTP flows.
                throw new NetwatchMain.UserError("--app-proto: '" + p + "' is no application protocol the agents name;"
                        + " they name " + String.join(", ", APP_PROTO_NAMES));
            }
            filter.addAppProto(name);
        }
        for (String v : verdict) {
            filter.addVerdict(switch (v.toLowerCase(Locale.ROOT)) {
                case "allowed" -> PolicyDecision.POLICY_DECISION_ALLOWED;
                case "denied" -> PolicyDecision.POLICY_DECISION_DENIED;
                case "unknown" -> PolicyDecision.POLICY_DECISION_UNKNOWN;
                default -> throw new NetwatchMain.UserError("--verdict must be allowed, denied or unknown, got '" + v + "'");
            });
        }
        for (int p : port) {
            if (p < 0 || p > 65535) {
                throw new IllegalArgumentException("--port must be 0-65535, got " + p);
            }
            filter.addPort(p);
        }
        for (String p : protocol) {
            filter.addIpProtocol(protocolNumber(p));
        }
        if (since != null) {
            filter.setSince(TimeArg.parse("--since", since, now));
        }
        if (until != null) {
            filter.setUntil(TimeArg.parse("--until", until, now));
        }
        if (since != null && until != null && Timestamps.compare(filter.getSince(), filter.getUntil()) >= 0) {
            // Found in review: it answered "none", as if nothing had been stored.
            throw new IllegalArgumentException("--since " + since + " is not before --until " + until
                    + ": no flow can be active in between");
        }
        GetFlowsRequest request = GetFlowsRequest.newBuilder().setFilter(filter).setFollow(follow)
                .setLimit(last > 0 ? last : limit).setLast(last > 0).build();
        QueryOutput stdout = new QueryOutput(json);
        JsonLines out = stdout.json();
        client.options(OPTIONS);
        // The store counts what it evicted unread, matching or not.
        boolean filtered = !request.getFilter().equals(FlowFilter.getDefaultInstance());
        long count;
        try {
            count = client.stream(follow, stdout, stub -> stub.getFlows(request), (GetFlowsResponse r) -> {
                if (r.getLostBefore() > 0) {
                    System.err.println("netwatch observe: " + TextFormat.lost(r.getLostBefore(), "flow", "flows",
                            filtered));
                }
                if (out != null) {
                    out.flow(r.getFlow());
                } else {
                    stdout.line(TextFormat.flow(r.getFlow()));
                }
            });
        } catch (UncheckedIOException e) {
            return stdout.failed("netwatch observe", e);
        }
        if (count == 0 && out == null) {
            System.err.println("netwatch observe: none" + clusterHint());
        }
        return 0;
    }

    /**
     * Why filters on what the aggregator learns from the cluster may match nothing: found by a
     * new user, who ran README's "observe --fqdn" and "--verdict denied --label app=web" against
     * `demo --serve` and got a bare "none"; an aggregator without --kubernetes names no pod, DNS
     * name or verdict, so those filters match no flow it holds.
     */
    private String clusterHint() {
        List<String> given = new java.util.ArrayList<>();
        if (!namespace.isEmpty()) {
            given.add("--namespace");
        }
        if (!pod.isEmpty()) {
            given.add("--pod");
        }
        if (!label.isEmpty()) {
            given.add("--label");
        }
        if (!fqdn.isEmpty()) {
            given.add("--fqdn");
        }
        if (verdict.stream().anyMatch(v -> !v.equalsIgnoreCase("unknown"))) {
            given.add("--verdict");
        }
        if (given.isEmpty()) {
            return "";
        }
        return " (" + String.join(", ", given) + (given.size() == 1 ? " matches" : " match") + " only what an"
                + " aggregator run with --kubernetes learns from the cluster: pods and their labels, DNS names its"
                + " resolvers gave, policy verdicts)";
    }

    /**
     * Refuses an empty name: it would match every endpoint without that identity (one outside
     * the cluster), which no one asks for on purpose (found in review: --namespace "$NS" with
     * NS unset).
     */
    static void names(String option, List<String> values) {
        for (String v : values) {
            if (v.isBlank()) {
                throw new NetwatchMain.UserError(option + ": an empty name (leave " + option + " out to match all)");
            }
        }
    }

    /**
     * What inspection names: the values --app-proto takes, and a hint
     * when one is given to --protocol, as Hubble's --protocol takes them.
     */
    private static final List<String> APP_PROTO_NAMES = List.of(ProtocolProbe.HTTP, ProtocolProbe.TLS,
            ProtocolProbe.QUIC, ProtocolProbe.DNS, ProtocolProbe.SSH, ProtocolProbe.STRATUM);
    private static final Set<String> APP_PROTOS = Set.copyOf(APP_PROTO_NAMES);

    static int protocolNumber(String p) {
        return switch (p.toLowerCase(Locale.ROOT)) {
            case "tcp" -> 6;
            case "udp" -> 17;
            case "icmp" -> 1;
            case "icmpv6" -> 58;
            case "sctp" -> 132;
            default -> {
                try {
                    int n = Integer.parseInt(p);
                    if (n < 0 || n > 255) {
                        throw new NumberFormatException();
                    }
                    yield n;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--protocol must be tcp, udp, icmp, icmpv6, sctp or 0-255, got '"
                            + p + "'" + (APP_PROTOS.contains(p.toLowerCase(Locale.ROOT))
                            ? " (an application protocol, named by the payload, is --app-proto " + p + ")" : ""));
                }
            }
        };
    }
}
