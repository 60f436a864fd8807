package io.netwatch.aggregator.query;

import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.query.v1.FlowFilter;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A compiled {@link FlowFilter}: conditions ANDed, values within one condition ORed, an
 * empty condition matching everything; namespace and pod hold on the same endpoint. Invalid filters are rejected at compile time with a
 * message naming the bad value.
 */
final class FlowMatcher implements Predicate<Flow> {
    /**
     * Values one repeated field may hold. Every stored flow is compared with each address
     * value, so without a bound one request (up to 4 MiB: some 400,000 addresses) would hold a
     * CPU for hours over a full store.
     */
    static final int MAX_VALUES = 1024;

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
        QueryTime.ordered(f.hasSince(), f.getSince(), f.hasUntil(), f.getUntil());
        ip = prefixes(f.getIpList(), "ip");
        sourceIp = prefixes(f.getSourceIpList(), "source_ip");
        destinationIp = prefixes(f.getDestinationIpList(), "destination_ip");
        capped(f.getPortCount(), "port");
        capped(f.getIpProtocolCount(), "ip_protocol");
        names(f.getNodeNameList(), "node_name");
        names(f.getNamespaceList(), "namespace");
        names(f.getPodList(), "pod");
        for (int port : f.getPortList()) {
            // uint32 on the wire: compare unsigned, or 4294967295 (-1 here) would slip through.
            if (Integer.compareUnsigned(port, 65535) > 0) {
                throw new IllegalArgumentException("port: " + Integer.toUnsignedString(port)
                        + " is out of range 0-65535");
            }
        }
        for (int proto : f.getIpProtocolList()) {
            if (Integer.compareUnsigned(proto, 255) > 0) {
                throw new IllegalArgumentException("ip_protocol: " + Integer.toUnsignedString(proto)
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
        if (!ip.isEmpty() || !sourceIp.isEmpty() || !destinationIp.isEmpty()) {
            // Each address read once per flow, not once per value of the filter.
            byte[] sa = IpPrefix.address(s.getIp());
            byte[] da = IpPrefix.address(d.getIp());
            if (!ip.isEmpty() && !(any(ip, sa) || any(ip, da))) {
                return false;
            }
            if (!sourceIp.isEmpty() && !any(sourceIp, sa)) {
                return false;
            }
            if (!destinationIp.isEmpty() && !any(destinationIp, da)) {
                return false;
            }
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
        // A pod is named within its namespace: with both given, one endpoint holds both (else
        // billing/postgres-0 talking to shop would pass for shop/postgres-0).
        return identity(s) || identity(d);
    }

    private boolean identity(Endpoint e) {
        return (namespaces.isEmpty() || namespaces.contains(e.getWorkload().getNamespace()))
                && (pods.isEmpty() || pods.contains(e.getWorkload().getPodName()));
    }

    /** The addresses and prefixes of one filter field; a bad one is named with its field. */
    static List<IpPrefix> prefixes(List<String> values, String field) {
        capped(values.size(), field);
        try {
            return values.stream().map(IpPrefix::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage());
        }
    }

    /**
     * A field of names: bounded, and no empty name. An endpoint without identity has an empty
     * namespace and pod, so an empty value would match every flow whose identity is unknown,
     * which no one asking for a namespace means.
     */
    private static void names(List<String> values, String field) {
        capped(values.size(), field);
        if (values.contains("")) {
            throw new IllegalArgumentException(field + ": an empty name matches nothing named; leave " + field
                    + " out to match every flow");
        }
    }

    /** Refuses a repeated field with more than {@link #MAX_VALUES} values, naming it. */
    static void capped(int count, String field) {
        if (count > MAX_VALUES) {
            throw new IllegalArgumentException(field + ": " + count + " values, more than the " + MAX_VALUES
                    + " a filter field may hold");
        }
    }

    static boolean any(List<IpPrefix> prefixes, byte[] address) {
        for (IpPrefix p : prefixes) {
            if (p.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
