package io.netwatch.aggregator.policy;

/** The two directions a NetworkPolicy can isolate a pod for. */
public enum Direction {
    /** Connections the selected pod accepts: decided by the destination pod's policies. */
    INGRESS("ingress"),
    /** Connections the selected pod opens: decided by the source pod's policies. */
    EGRESS("egress");

    private final String field;

    Direction(String field) {
        this.field = field;
    }

    /** The name of the NetworkPolicy spec field holding this direction's rules. */
    public String field() {
        return field;
    }
}
