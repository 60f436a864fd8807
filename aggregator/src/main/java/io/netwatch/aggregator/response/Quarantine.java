package io.netwatch.aggregator.response;

/** Isolates a pod through the API server; {@link KubernetesQuarantine} is the real one. */
public interface Quarantine {
    /** Without a cluster: every quarantine fails with this reason. */
    Quarantine NONE = new Quarantine() {
        @Override
        public void apply(String namespace, String pod, String ip) {
            throw new IllegalStateException("no cluster is watched (start the aggregator with --kubernetes)");
        }

        @Override
        public void lift(String namespace, String pod) {
        }
    };

    /**
     * Labels the pod and makes sure its namespace has the deny-all policy selecting the label,
     * once the cluster confirms the pod holds {@code ip}, the offending address: the pod's
     * name comes from an agent, and no agent may name the pod to isolate.
     *
     * @throws RuntimeException with a message saying what failed
     */
    void apply(String namespace, String pod, String ip);

    /** Takes the label off; the policy stays (it selects nothing then). */
    void lift(String namespace, String pod);
}
