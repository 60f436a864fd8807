package io.netwatch.aggregator.policy;

import java.util.Objects;

/** One entry of a rule's {@code ports} list: a protocol and which of its ports. */
public sealed interface PortMatch {
    Protocol protocol();

    /** {@code port} missing: every port of the protocol. */
    record AnyPort(Protocol protocol) implements PortMatch {
        public AnyPort {
            Objects.requireNonNull(protocol, "protocol");
        }
    }

    /** A number, or with {@code endPort} a range; both ends inclusive. */
    record Range(Protocol protocol, int first, int last) implements PortMatch {
        public Range {
            Objects.requireNonNull(protocol, "protocol");
            if (first < 1 || first > 65535) {
                throw new IllegalArgumentException("port " + first + " is out of range 1-65535");
            }
            if (last < first || last > 65535) {
                throw new IllegalArgumentException("endPort " + last + " must be " + first + " to 65535");
            }
        }
    }

    /**
     * A container port name, looked up among the destination pod's container ports of the
     * same protocol (every container's: two may declare the name). An address outside the
     * cluster has no named ports, so never matches.
     */
    record Named(Protocol protocol, String name) implements PortMatch {
        public Named {
            Objects.requireNonNull(protocol, "protocol");
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("a named port needs a name");
            }
        }
    }
}
