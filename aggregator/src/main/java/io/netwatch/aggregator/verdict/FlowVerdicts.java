package io.netwatch.aggregator.verdict;

import io.netwatch.aggregator.identity.AddressHolder;
import io.netwatch.aggregator.identity.FlowEnricher;
import io.netwatch.aggregator.identity.IdentityIndex;
import io.netwatch.aggregator.identity.IpKey;
import io.netwatch.aggregator.identity.PolicyHistory;
import io.netwatch.aggregator.policy.Connection;
import io.netwatch.aggregator.policy.PodView;
import io.netwatch.aggregator.policy.PolicyEvaluator;
import io.netwatch.aggregator.policy.PolicyRef;
import io.netwatch.aggregator.policy.Protocol;
import io.netwatch.aggregator.policy.Verdict;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.PolicyDecision;
import io.netwatch.proto.flow.v1.PolicyVerdict;
import io.netwatch.proto.flow.v1.TCP;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * Judges every flow the aggregator receives against the NetworkPolicies of the flow's start,
 * with the pods that held its addresses then, and records the verdict on the flow. A denied
 * flow that was established (a TCP handshake completed, or UDP/SCTP traffic both ways) got
 * through although the policies say it should not have: a {@code policy_violation}.
 *
 * <p>Not judged, and said so in {@link PolicyVerdict#getReason()}: flows before the cluster
 * is listed (a half-listed cluster would deny wrongly), protocols without ports, and flows to
 * or from a Service's cluster IP (the network plugin judges the backend after NAT; the agent
 * on the backend's node reports that flow). Traffic between a pod and its own node is always
 * allowed, as NetworkPolicy specifies.
 *
 * <p>NetworkPolicy judges a connection by who opened it; replies are always allowed. A TCP
 * flow picked up mid-stream (no SYN seen either way, as after an agent restart) has only a
 * guessed opener, the sender of the first packet seen, which for a server's reply is wrong:
 * judged that way, a client isolated for ingress would show a violation on its own outgoing
 * connection. Such a flow is judged both ways round and reported denied only when neither
 * end may have opened it; either way it carries the reason "initiator unknown", so policy
 * hits, simulations and suggestions leave it out.
 *
 * <p>Memory reads only: never waits on the API server.
 */
public final class FlowVerdicts {
    private static final int TCP_SYN = 0x02;
    private static final int TCP_SYN_ACK = 0x12;
    private static final String INITIATOR_UNKNOWN = "initiator unknown";
    /**
     * The reason on an allowed flow between a pod and its own node: no policy judged it, and
     * none could have denied it.
     */
    public static final String POD_AND_ITS_NODE = "pod and its node";

    /** Flows by outcome since start. */
    public record Stats(long allowed, long denied, long notJudged, long violations) {
    }

    private final IdentityIndex index;
    private final PolicyHistory history;
    private final BooleanSupplier ready;
    private final PolicyHits hits;
    private final ViolationReporter reporter;
    private final LongAdder allowed = new LongAdder();
    private final LongAdder denied = new LongAdder();
    private final LongAdder notJudged = new LongAdder();
    private final LongAdder violations = new LongAdder();

    /**
     * @param ready whether the cluster has been listed: until then nothing is judged
     */
    public FlowVerdicts(IdentityIndex index, PolicyHistory history, BooleanSupplier ready, PolicyHits hits,
                        ViolationReporter reporter) {
        this.index = Objects.requireNonNull(index, "index");
        this.history = Objects.requireNonNull(history, "history");
        this.ready = Objects.requireNonNull(ready, "ready");
        this.hits = Objects.requireNonNull(hits, "hits");
        this.reporter = Objects.requireNonNull(reporter, "reporter");
    }

    /** The flow with its verdict; a policy_violation raised when it is one. */
    public Flow judge(Flow f, long nowMillis) {
        return f.toBuilder().setPolicy(verdict(f, nowMillis)).build();
    }

    PolicyVerdict verdict(Flow f, long nowMillis) {
        if (!ready.getAsBoolean()) {
            return notJudged("cluster not listed yet");
        }
        Protocol protocol = switch (f.getIpProtocol()) {
            case 6 -> Protocol.TCP;
            case 17 -> Protocol.UDP;
            case 132 -> Protocol.SCTP;
            default -> null;
        };
        int port = f.getDestination().getPort();
        if (protocol == null || port < 1 || port > 65535) {
            return notJudged("no port");
        }
        IpKey src = IpKey.parse(f.getSource().getIp());
        IpKey dst = IpKey.parse(f.getDestination().getIp());
        if (src == null || dst == null || src.v6() != dst.v6()) {
            return notJudged("not an address pair");
        }
        long at = FlowEnricher.startNanos(f, nowMillis);
        AddressHolder from = index.at(src, at);
        AddressHolder to = index.at(dst, at);
        if ((from != null && !from.isPod()) || (to != null && !to.isPod())) {
            return notJudged("service address");
        }
        if ((from != null && from.hostIps().contains(dst)) || (to != null && to.hostIps().contains(src))) {
            allowed.increment();
            return PolicyVerdict.newBuilder().setDecision(PolicyDecision.POLICY_DECISION_ALLOWED)
                    .setReason(POD_AND_ITS_NODE).build();
        }
        PodView srcPod = from == null ? null : from.pod();
        PodView dstPod = to == null ? null : to.pod();
        PolicyEvaluator evaluator = history.at(at).evaluator();
        Verdict v = evaluator.evaluate(new Connection(src.bytes(), dst.bytes(), port, protocol), srcPod, dstPod);
        boolean knownOpener = initiatorKnown(f);
        if (!knownOpener) {
            int back = f.getSource().getPort();
            boolean reverseAllowed = back < 1 || back > 65535 || evaluator.evaluate(
                    new Connection(dst.bytes(), src.bytes(), back, protocol), dstPod, srcPod).allowed();
            if (v.allowed() || reverseAllowed) {
                return notJudged(INITIATOR_UNKNOWN);
            }
        } else if (!f.getInterim()) {
            hits.count(v);
        }
        boolean ok = v.allowed();
        (ok ? allowed : denied).increment();
        if (!ok && established(f)) {
            violations.increment();
            reporter.violation(f, v, port, protocol.name(), nowMillis);
        }
        PolicyVerdict.Builder b = PolicyVerdict.newBuilder()
                .setDecision(ok ? PolicyDecision.POLICY_DECISION_ALLOWED : PolicyDecision.POLICY_DECISION_DENIED)
                .setEgress(v.egress().outcome())
                .setIngress(v.ingress().outcome());
        for (PolicyRef p : v.policies()) {
            b.addPolicies(p.toString());
        }
        if (!knownOpener) {
            b.setReason(INITIATOR_UNKNOWN);
        }
        return b.build();
    }

    /**
     * Whether the flow's source is known to have opened it: for TCP, a SYN was seen (the
     * initiator's, or the responder's SYN-ACK, whose receiver opened it). UDP and SCTP have
     * nothing better than the first packet seen, which is taken as the opener.
     */
    static boolean initiatorKnown(Flow f) {
        if (!f.hasTcp()) {
            return true;
        }
        TCP t = f.getTcp();
        return ((t.getFlagsToServer() | t.getFlagsToClient()) & TCP_SYN) != 0;
    }

    /**
     * Whether the flow got through: a TCP handshake completed (the responder answered the
     * SYN), or a UDP or SCTP exchange went both ways. A SYN left unanswered was enforced.
     */
    public static boolean established(Flow f) {
        if (f.hasTcp()) {
            TCP t = f.getTcp();
            return switch (t.getState()) {
                case TCP_STATE_ESTABLISHED, TCP_STATE_CLOSING, TCP_STATE_CLOSED -> true;
                case TCP_STATE_RESET -> (t.getFlagsToClient() & TCP_SYN_ACK) == TCP_SYN_ACK;
                default -> false;
            };
        }
        return (f.getIpProtocol() == 17 || f.getIpProtocol() == 132)
                && f.getToServer().getPackets() > 0 && f.getToClient().getPackets() > 0;
    }

    private PolicyVerdict notJudged(String reason) {
        notJudged.increment();
        return PolicyVerdict.newBuilder().setReason(reason).build();
    }

    public PolicyHits hits() {
        return hits;
    }

    public Stats stats() {
        return new Stats(allowed.sum(), denied.sum(), notJudged.sum(), violations.sum());
    }
}
