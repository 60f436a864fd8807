package io.netwatch.aggregator.response;

/** Why a guardrail refused a block; {@link #label()} is the audit reason and the metrics tag. */
public enum Refusal {
    /** The actor's pod is in a protected namespace (kube-system, Netwatch's own, configured ones). */
    PROTECTED_NAMESPACE("protected_namespace"),
    /** The address is the API server's, cluster DNS's, a node's, a protected pod's or in a configured CIDR. */
    PROTECTED_ADDRESS("protected_address"),
    /** The evidence is something spoofed source addresses can produce (see docs/blocking.md). */
    SPOOFABLE_EVIDENCE("spoofable_evidence"),
    /** The cap on active blocks is reached. */
    CAP("cap"),
    /** Nothing to act on: no node to send a drop to, or no pod to quarantine. */
    NO_TARGET("no_target");

    private final String label;

    Refusal(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
