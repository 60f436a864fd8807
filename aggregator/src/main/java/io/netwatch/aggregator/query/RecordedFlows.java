package io.netwatch.aggregator.query;

import io.netwatch.aggregator.identity.AddressHolder;
import io.netwatch.aggregator.identity.FlowEnricher;
import io.netwatch.aggregator.identity.IdentityIndex;
import io.netwatch.aggregator.identity.IpKey;
import io.netwatch.aggregator.policy.Connection;
import io.netwatch.aggregator.policy.PodView;
import io.netwatch.aggregator.policy.Protocol;
import io.netwatch.aggregator.policy.suggest.ObservedFlow;
import io.netwatch.aggregator.policy.suggest.Party;
import io.netwatch.aggregator.policy.suggest.WorkloadRef;
import io.netwatch.aggregator.verdict.FlowVerdicts;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.PolicyDecision;
import io.netwatch.proto.flow.v1.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Stored flows as suggestions and simulations see them: each end the pod that held its
 * address when the flow started (from the identity index, with its container ports for
 * named ports), else the identity stored on the flow, else an outside address with the DNS
 * name the enricher gave it.
 *
 * <p>Only final records that the verdict stage judged are usable: interim records repeat a
 * flow, and a flow not judged (no port, a Service's cluster IP, before the cluster was
 * listed) is not one a NetworkPolicy decides; one whose opener is unknown (picked up
 * mid-stream) might be used backwards. A flow between a pod and its own node is usable: the
 * verdict stage allowed it, as any policy would, and suggestions must see it to leave it
 * out rather than take the node for an outside peer.
 */
final class RecordedFlows {
    private final IdentityIndex index;

    RecordedFlows(IdentityIndex index) {
        this.index = Objects.requireNonNull(index, "index");
    }

    /** The flow with who was at each end, or null when it is not usable. */
    ObservedFlow observed(Flow f, long receivedMillis) {
        String reason = f.getPolicy().getReason();
        boolean ownNode = reason.equals(FlowVerdicts.POD_AND_ITS_NODE);
        if (f.getInterim() || f.getPolicy().getDecision() == PolicyDecision.POLICY_DECISION_UNKNOWN
                || (!reason.isEmpty() && !ownNode)) {
            return null;
        }
        Protocol protocol = switch (f.getIpProtocol()) {
            case 6 -> Protocol.TCP;
            case 17 -> Protocol.UDP;
            case 132 -> Protocol.SCTP;
            default -> null;
        };
        int port = f.getDestination().getPort();
        IpKey src = IpKey.parse(f.getSource().getIp());
        IpKey dst = IpKey.parse(f.getDestination().getIp());
        if (protocol == null || port < 1 || port > 65535 || src == null || dst == null || src.v6() != dst.v6()) {
            return null;
        }
        long start = FlowEnricher.startNanos(f, receivedMillis);
        long last = f.hasLastSeen() ? Math.max(start, f.getLastSeen().getSeconds() * 1_000_000_000L + f.getLastSeen().getNanos())
                : start;
        // Of a flow the verdict stage found between a pod and its node, the other end is the
        // pod's node, even when the pod as read here no longer says so (the index has
        // forgotten it: the identity stored on the flow has no node).
        return new ObservedFlow(new Connection(src.bytes(), dst.bytes(), port, protocol),
                party(f.getSource(), src, start, ownNode ? dst : null),
                party(f.getDestination(), dst, start, ownNode ? src : null), Math.max(0, start),
                Math.max(0, last), FlowVerdicts.established(f));
    }

    /**
     * The workloads at the ends of a flow {@link #observed} found not usable, placed as it
     * places them (the pod that held the address when the flow started, else the identity
     * stored on the flow): so that a suggestion can say which of a namespace's flows it could
     * not use, and why, rather than that it saw none.
     */
    List<WorkloadRef> workloads(Flow f, long receivedMillis) {
        long start = FlowEnricher.startNanos(f, receivedMillis);
        List<WorkloadRef> out = new ArrayList<>(2);
        for (Endpoint e : List.of(f.getSource(), f.getDestination())) {
            IpKey ip = IpKey.parse(e.getIp());
            if (ip != null && party(e, ip, start, null) instanceof Party.Member m) {
                out.add(m.workload());
            } else if (ip == null && !e.getWorkload().getNamespace().isEmpty() && !e.getWorkload().getPodName().isEmpty()) {
                out.add(workload(e.getWorkload(), e.getWorkload().getNamespace(), e.getWorkload().getPodName()));
            }
        }
        return out;
    }

    /** @param node the address of the pod's node when the flow is known to be with it, else null */
    private Party party(Endpoint e, IpKey ip, long atNanos, IpKey node) {
        AddressHolder h = index.at(ip, atNanos);
        if (h != null && h.isPod()) {
            return new Party.Member(onNode(h.pod(), node), workload(h.workload(), h.pod().namespace(), h.pod().name()));
        }
        Workload w = e.getWorkload();
        if (!w.getNamespace().isEmpty() && !w.getPodName().isEmpty()) {
            // The index has forgotten the pod (long gone): the identity stored on the flow.
            PodView pod = new PodView(w.getNamespace(), w.getPodName(), w.getLabelsMap(), List.of(ip.bytes()), List.of());
            return new Party.Member(onNode(pod, node), workload(w, w.getNamespace(), w.getPodName()));
        }
        String name = w.getExternalName();
        // The enricher gives a CIDR ("203.0.113.0/24") when no DNS name was seen.
        return new Party.Outside(name.contains("/") ? null : name);
    }

    /** The pod, with this address among its node's when it is not already. */
    private static PodView onNode(PodView pod, IpKey node) {
        if (node == null || pod.onNode(node.bytes())) {
            return pod;
        }
        List<byte[]> hosts = new ArrayList<>(pod.hostIps());
        hosts.add(node.bytes());
        return new PodView(pod.namespace(), pod.name(), pod.labels(), pod.ips(), pod.containerPorts(), hosts);
    }

    private static WorkloadRef workload(Workload w, String namespace, String pod) {
        return w.getWorkloadKind().isEmpty() || w.getWorkloadName().isEmpty()
                ? new WorkloadRef(namespace, "Pod", pod)
                : new WorkloadRef(namespace, w.getWorkloadKind(), w.getWorkloadName());
    }
}
