package io.netwatch.aggregator.policy;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What NetworkPolicy says about one connection, and why. A connection is allowed only when
 * both sides permit it: the source pod's egress and the destination pod's ingress.
 */
public record Verdict(Side egress, Side ingress) {
    public Verdict {
        Objects.requireNonNull(egress, "egress");
        Objects.requireNonNull(ingress, "ingress");
    }

    public boolean allowed() {
        return egress.permits() && ingress.permits();
    }

    /**
     * The policies that decided the verdict, sorted by namespace/name. For an allowed
     * connection, the policies with a rule that allowed either side (empty when neither side
     * is isolated). For a denied one, the policies isolating each side that denied it: those
     * selecting that pod with that direction among their policy types. A side that allowed
     * a denied connection did not decide it, so its policies are not listed.
     */
    public List<PolicyRef> policies() {
        Set<PolicyRef> out = new TreeSet<>();
        boolean allowed = allowed();
        for (Side s : List.of(egress, ingress)) {
            switch (s) {
                case Allowed a when allowed -> a.rules().forEach(r -> out.add(r.policy()));
                case Denied d -> out.addAll(d.isolatedBy());
                default -> {
                }
            }
        }
        return List.copyOf(out);
    }

    /** One side of the connection: the source's egress or the destination's ingress. */
    public sealed interface Side {
        /** "allow", "deny", "not-isolated", "external", "node" or "self", as the offline check prints it. */
        String outcome();

        boolean permits();
    }

    /** The pod is isolated for this direction and these rules (at least one) allow it. */
    public record Allowed(List<RuleRef> rules) implements Side {
        public Allowed {
            rules = List.copyOf(rules);
            if (rules.isEmpty()) {
                throw new IllegalArgumentException("an allowed side names the rules that allowed it");
            }
        }

        @Override
        public String outcome() {
            return "allow";
        }

        @Override
        public boolean permits() {
            return true;
        }
    }

    /** The pod is isolated for this direction by these policies, and none of their rules allows it. */
    public record Denied(List<PolicyRef> isolatedBy) implements Side {
        public Denied {
            isolatedBy = List.copyOf(isolatedBy);
            if (isolatedBy.isEmpty()) {
                throw new IllegalArgumentException("a denied side names the policies that isolate it");
            }
        }

        @Override
        public String outcome() {
            return "deny";
        }

        @Override
        public boolean permits() {
            return false;
        }
    }

    /** No policy selecting the pod has this direction among its types: everything passes. */
    public record NotIsolated() implements Side {
        @Override
        public String outcome() {
            return "not-isolated";
        }

        @Override
        public boolean permits() {
            return true;
        }
    }

    /**
     * The other end is this pod's own node (a kubelet probe, a node-local agent): Kubernetes
     * documents that traffic between a pod and its node is always allowed.
     */
    public record OwnNode() implements Side {
        @Override
        public String outcome() {
            return "node";
        }

        @Override
        public boolean permits() {
            return true;
        }
    }

    /**
     * Both ends are one pod: Kubernetes documents that a pod cannot block access to itself
     * (packets to its own address do not leave it), whatever policies select it.
     */
    public record Itself() implements Side {
        @Override
        public String outcome() {
            return "self";
        }

        @Override
        public boolean permits() {
            return true;
        }
    }

    /** This end is not a known pod IP: outside the cluster, where no NetworkPolicy applies. */
    public record External() implements Side {
        @Override
        public String outcome() {
            return "external";
        }

        @Override
        public boolean permits() {
            return true;
        }
    }
}
