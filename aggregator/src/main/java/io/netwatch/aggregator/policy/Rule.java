package io.netwatch.aggregator.policy;

import java.util.List;

/**
 * One ingress or egress rule. An empty {@code peers} list (the API's {@code from}/{@code to}
 * missing or {@code []}) matches every peer, inside the cluster or out; an empty
 * {@code ports} list matches every port and protocol. A connection matches the rule when it
 * matches some peer and some port.
 */
public record Rule(List<Peer> peers, List<PortMatch> ports) {
    /** A rule with neither peers nor ports: allows everything in its direction. */
    public static final Rule ANYTHING = new Rule(List.of(), List.of());

    public Rule {
        peers = List.copyOf(peers);
        ports = List.copyOf(ports);
    }
}
