package io.netwatch.aggregator.policy.suggest;

import io.netwatch.aggregator.policy.Protocol;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One suggested ingress or egress rule: one peer, the ports it was seen on, where the rule
 * came from, and whether a person must decide on it first.
 *
 * @param review null for a rule in force; else why it is left commented out for a person
 */
public record SuggestedRule(Peer peer, List<Port> ports, Origin origin, String review) {
    public SuggestedRule {
        Objects.requireNonNull(peer, "peer");
        ports = ports.stream().sorted().distinct().toList();
        Objects.requireNonNull(origin, "origin");
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("a suggested rule names its ports");
        }
    }

    public boolean inForce() {
        return review == null;
    }

    /** Who the rule lets in or out. */
    public sealed interface Peer {
    }

    /**
     * Pods of one namespace (by its {@code kubernetes.io/metadata.name} label) with these
     * labels.
     *
     * @param workload the workload they are, or null for the cluster DNS pods
     */
    public record Pods(String namespace, Map<String, String> labels, WorkloadRef workload) implements Peer {
        public Pods {
            Objects.requireNonNull(namespace, "namespace");
            labels = Map.copyOf(labels);
        }
    }

    /**
     * One address outside the cluster.
     *
     * @param cidr    the address as {@code /32} or {@code /128}
     * @param dnsName a name the agents saw resolve to it, or null
     */
    public record Address(String cidr, String dnsName) implements Peer {
        public Address {
            Objects.requireNonNull(cidr, "cidr");
        }
    }

    /** A port number and protocol. */
    public record Port(Protocol protocol, int port) implements Comparable<Port> {
        private static final Comparator<Port> ORDER = Comparator.comparing(Port::protocol).thenComparingInt(Port::port);

        public Port {
            Objects.requireNonNull(protocol, "protocol");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is out of range 1-65535");
            }
        }

        @Override
        public int compareTo(Port o) {
            return ORDER.compare(this, o);
        }

        @Override
        public String toString() {
            return port + "/" + protocol;
        }
    }

    /**
     * The flows a rule came from.
     *
     * @param firstNanos the earliest start, nanoseconds since the epoch; 0 when unknown
     * @param lastNanos  the latest last packet, likewise
     */
    public record Origin(long flows, long firstNanos, long lastNanos) {
        public static final Origin NONE = new Origin(0, 0, 0);

        /** The flows of both. */
        public Origin merge(Origin o) {
            long first = firstNanos == 0 ? o.firstNanos : o.firstNanos == 0 ? firstNanos : Math.min(firstNanos, o.firstNanos);
            return new Origin(flows + o.flows, first, Math.max(lastNanos, o.lastNanos));
        }

        /** This origin with one more flow. */
        public Origin plus(ObservedFlow f) {
            long first = f.firstSeenNanos() == 0 ? firstNanos
                    : firstNanos == 0 ? f.firstSeenNanos() : Math.min(firstNanos, f.firstSeenNanos());
            long lastOfFlow = Math.max(f.lastSeenNanos(), f.firstSeenNanos());
            return new Origin(flows + 1, first, Math.max(lastNanos, lastOfFlow));
        }
    }
}
