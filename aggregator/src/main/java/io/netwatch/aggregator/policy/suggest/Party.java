package io.netwatch.aggregator.policy.suggest;

import io.netwatch.aggregator.policy.PodView;
import java.util.Objects;

/** One end of an observed flow: a pod of some workload, or an address outside the cluster. */
public sealed interface Party {
    /**
     * A pod, as policies see it (labels, container ports), and the workload that owns it.
     */
    record Member(PodView pod, WorkloadRef workload) implements Party {
        public Member {
            Objects.requireNonNull(pod, "pod");
            Objects.requireNonNull(workload, "workload");
            if (!pod.namespace().equals(workload.namespace())) {
                throw new IllegalArgumentException("pod " + pod + " is not in the namespace of " + workload);
            }
        }
    }

    /**
     * An address no pod held.
     *
     * @param dnsName a DNS name the agents saw resolve to the address, or null when none
     */
    record Outside(String dnsName) implements Party {
        public Outside {
            if (dnsName != null && dnsName.isEmpty()) {
                dnsName = null;
            }
        }
    }
}
