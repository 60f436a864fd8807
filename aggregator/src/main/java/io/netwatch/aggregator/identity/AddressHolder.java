package io.netwatch.aggregator.identity;

import io.netwatch.aggregator.policy.PodView;
import io.netwatch.proto.flow.v1.Workload;
import java.util.List;
import java.util.Objects;

/**
 * What held an address for a while: a pod, or a Service's cluster IP.
 *
 * @param uid      the object's {@code metadata.uid}: a new pod that reuses a name is still a
 *                 new holder
 * @param workload the identity flows are enriched with
 * @param pod      the pod as policies see it; null for a Service's cluster IP, which no
 *                 NetworkPolicy judges (the network plugin judges the backend after NAT)
 * @param hostIps  the addresses of the pod's node (status.hostIPs): traffic between a pod and
 *                 its node is always allowed, whatever the policies say
 */
public record AddressHolder(String uid, Workload workload, PodView pod, List<IpKey> hostIps) {
    public AddressHolder {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(workload, "workload");
        hostIps = List.copyOf(hostIps);
    }

    public boolean isPod() {
        return pod != null;
    }

    /**
     * Whether the two describe the same identity: same object, same workload (labels,
     * owner, services, node), same policy view. The pods' addresses are not compared: they
     * are what the holder is looked up by.
     */
    public boolean sameAs(AddressHolder o) {
        if (!uid.equals(o.uid) || !workload.equals(o.workload) || !hostIps.equals(o.hostIps)) {
            return false;
        }
        if (pod == null || o.pod == null) {
            return pod == o.pod;
        }
        return pod.namespace().equals(o.pod.namespace()) && pod.name().equals(o.pod.name())
                && pod.labels().equals(o.pod.labels()) && pod.containerPorts().equals(o.pod.containerPorts());
    }
}
