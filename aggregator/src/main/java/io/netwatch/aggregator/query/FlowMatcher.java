package io.netwatch.aggregator.query;

import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.query.v1.FlowFilter;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A compiled {@link FlowFilter}: conditions ANDed, values within one condition ORed, an
 * empty condition matching everything. Invalid filters are rejected at compile time with a
 * message naming the bad value.
 */
final class FlowMatcher implements Predicate<Flow> {
    private final long sinceNanos;
    private final long untilNanos;
    private final List<IpPrefix> ip;
    private final List<IpPrefix> sourceIp;
    private final List<IpPrefix> destinationIp;
    private final Set<Integer> ports;
    private final Set<Integer> protocols;
    private final Set<String> nodes;
    private final Set<String> namespaces;
    private final Set<String> pods;

    FlowMatcher(FlowFilter f) {
        sinceNanos = f.hasSince() ? QueryTime.nanos(f.getSince(), "since") : Long.MIN_VALUE;
        untilNanos = f.hasUntil() ? QueryTime.nanos(f.getUntil(), "until") : Long.MAX_VALUE;
        ip = f.getIpList().stream().map(IpPrefix::parse).toList();
        sourceIp = f.getSourceIpList().stream().map(IpPrefix::parse).toList();
        destinationIp = f.getDestinationIpList().stream().map(IpPrefix::parse).toList();
        for (int port : f.getPortList()) {
            // uint32 on the wire: compare unsigned, or 4294967295 (-1 here) would slip through.
            if (Integer.compareUnsigned(port, 65535) > 0) {
                throw new IllegalArgumentException("port " + Integer.toUnsignedString(port)
                        + " is out of range 0-65535");
            }
        }
        for (int proto : f.getIpProtocolList()) {
            if (Integer.compareUnsigned(proto, 255) > 0) {
                throw new IllegalArgumentException("IP protocol " + Integer.toUnsignedString(proto)
                        + " is out of range 0-255");
            }
        }
        ports = Set.copyOf(f.getPortList());
        protocols = Set.copyOf(f.getIpProtocolList());
        nodes = Set.copyOf(f.getNodeNameList());
        namespaces = Set.copyOf(f.getNamespaceList());
        pods = Set.copyOf(f.getPodList());
    }

    @Override
    public boolean test(Flow flow) {
        if (sinceNanos != Long.MIN_VALUE || untilNanos != Long.MAX_VALUE) {
            long first = QueryTime.saturated(flow.getFirstSeen());
            long last = QueryTime.saturated(flow.getLastSeen());
            if (last < sinceNanos || first >= untilNanos) {
                return false;
            }
        }
        Endpoint s = flow.getSource();
        Endpoint d = flow.getDestination();
        if (!ip.isEmpty() && !(any(ip, s.getIp()) || any(ip, d.getIp()))) {
            return false;
        }
        if (!sourceIp.isEmpty() && !any(sourceIp, s.getIp())) {
            return false;
        }
        if (!destinationIp.isEmpty() && !any(destinationIp, d.getIp())) {
            return false;
        }
        if (!ports.isEmpty() && !(ports.contains(s.getPort()) || ports.contains(d.getPort()))) {
            return false;
        }
        if (!protocols.isEmpty() && !protocols.contains(flow.getIpProtocol())) {
            return false;
        }
        if (!nodes.isEmpty() && !nodes.contains(flow.getNodeName())) {
            return false;
        }
        if (!namespaces.isEmpty() && !(namespaces.contains(s.getWorkload().getNamespace())
                || namespaces.contains(d.getWorkload().getNamespace()))) {
            return false;
        }
        return pods.isEmpty() || pods.contains(s.getWorkload().getPodName()) || pods.contains(d.getWorkload().getPodName());
    }

    private static boolean any(List<IpPrefix> prefixes, String ip) {
        for (IpPrefix p : prefixes) {
            if (p.contains(ip)) {
                return true;
            }
        }
        return false;
    }
}
