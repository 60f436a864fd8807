package io.netwatch.aggregator.query;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netwatch.aggregator.identity.FlowEnricher;
import io.netwatch.aggregator.identity.IdentityIndex;
import io.netwatch.aggregator.identity.PolicyHistory;
import io.netwatch.aggregator.policy.PolicyRef;
import io.netwatch.aggregator.policy.Verdict;
import io.netwatch.aggregator.policy.suggest.ExternalPeers;
import io.netwatch.aggregator.policy.suggest.KnownNamespaces;
import io.netwatch.aggregator.policy.suggest.ObservedFlow;
import io.netwatch.aggregator.policy.suggest.Party;
import io.netwatch.aggregator.policy.suggest.PolicyDocuments;
import io.netwatch.aggregator.policy.suggest.PolicySimulator;
import io.netwatch.aggregator.policy.suggest.PolicySuggester;
import io.netwatch.aggregator.policy.suggest.SuggestOptions;
import io.netwatch.aggregator.policy.suggest.Suggestion;
import io.netwatch.aggregator.policy.suggest.SuggestionSet;
import io.netwatch.aggregator.policy.suggest.SuggestionYaml;
import io.netwatch.aggregator.store.BoundedLog;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.aggregator.verdict.PolicyHits;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.query.v1.BlockedFlow;
import io.netwatch.proto.query.v1.GetPolicyHitsRequest;
import io.netwatch.proto.query.v1.GetPolicyHitsResponse;
import io.netwatch.proto.query.v1.PolicyBlockCount;
import io.netwatch.proto.query.v1.PolicyHitCount;
import io.netwatch.proto.query.v1.RuleHitCount;
import io.netwatch.proto.query.v1.SimulatePoliciesRequest;
import io.netwatch.proto.query.v1.SimulatePoliciesResponse;
import io.netwatch.proto.query.v1.SimulationMode;
import io.netwatch.proto.query.v1.SuggestPoliciesRequest;
import io.netwatch.proto.query.v1.SuggestPoliciesResponse;
import io.netwatch.proto.query.v1.SuggestedPolicySummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The policy queries over the stored flows and the identity data: hit counts, suggestions,
 * simulations. Reads the store in chunks and never holds its lock across a chunk; a
 * suggestion keeps only the flows of its namespace, a simulation keeps only counts and the
 * listed blocked flows (up to the request's limit).
 *
 * <p>Bad input (a namespace missing, invalid policy YAML, an odd option) is an
 * {@link IllegalArgumentException} with a message for the user.
 */
public final class PolicyQueries {
    /** Blocked flows listed when the request sets no limit. */
    static final int DEFAULT_BLOCKED_LISTED = 1000;
    /**
     * Bytes of blocked flows listed in one response, whatever the limit: each is a whole stored
     * record, and a response past 4 MiB (gRPC's default for a client) reaches no one. The ones
     * past it are counted as not listed.
     */
    static final int MAX_LISTED_BYTES = 3 * 1024 * 1024;
    /**
     * NetworkPolicies one simulation takes. Each stored flow is judged against every one (found
     * in review: 20,000 policies, 4 MiB of YAML, over a full store took hours of a core); a
     * namespace holds a handful, and a large cluster's whole set a few hundred.
     */
    static final int MAX_SIMULATED_POLICIES = 1000;
    private static final int READ_CHUNK = 1024;
    /**
     * How the description of a policy query stopped by its {@link #RUN_BOUND} starts: the
     * command-line client tells it from its own deadline by it.
     */
    public static final String RAN_PAST = "the policy query ran past the ";
    /**
     * When the policy query of the current call must stop reading (see {@link PolicyQueryLimit#maxRun}),
     * set by {@link QueryService} around each suggestion and simulation; unset, a read stops
     * only when its call ends.
     */
    static final Context.Key<RunBound> RUN_BOUND = Context.key("netwatch-policy-query-run-bound");

    /** @param stopAtNanos the {@link System#nanoTime()} past which reading stops; {@code max} says how long that is */
    record RunBound(long stopAtNanos, java.time.Duration max) {
        static RunBound startingNow(java.time.Duration max) {
            return new RunBound(System.nanoTime() + max.toNanos(), max);
        }
    }

    private final FlowStore store;
    private final PolicyHistory history;
    private final PolicyHits hits;
    private final RecordedFlows recorded;

    public PolicyQueries(FlowStore store, IdentityIndex index, PolicyHistory history, PolicyHits hits) {
        this.store = Objects.requireNonNull(store, "store");
        this.history = Objects.requireNonNull(history, "history");
        this.hits = Objects.requireNonNull(hits, "hits");
        this.recorded = new RecordedFlows(index);
    }

    public GetPolicyHitsResponse hits(GetPolicyHitsRequest request) {
        Set<String> namespaces = Set.copyOf(request.getNamespaceList());
        GetPolicyHitsResponse.Builder out = GetPolicyHitsResponse.newBuilder();
        for (PolicyHits.PolicyCount p : hits.report(history.current())) {
            if (!namespaces.isEmpty() && !namespaces.contains(p.policy().namespace())) {
                continue;
            }
            PolicyHitCount.Builder b = PolicyHitCount.newBuilder().setPolicy(p.policy().toString())
                    .setAllowed(p.allowed()).setDenied(p.denied());
            for (PolicyHits.RuleCount r : p.rules()) {
                b.addRules(RuleHitCount.newBuilder().setDirection(r.rule().direction().field())
                        .setIndex(r.rule().index()).setFlows(r.flows()));
            }
            out.addPolicies(b);
        }
        return out.build();
    }

    public SuggestPoliciesResponse suggest(SuggestPoliciesRequest r) {
        if (r.getNamespace().isBlank()) {
            throw new IllegalArgumentException("namespace: is missing (the namespace whose workloads get policies)");
        }
        String unknown = KnownNamespaces.of(history.current()).unknown(r.getNamespace(),
                "the cluster the aggregator watches");
        if (unknown != null) {
            throw new IllegalArgumentException("namespace: " + unknown);
        }
        SuggestOptions options = new SuggestOptions(r.getNamespace(), r.getWorkload(), switch (r.getExternalPeers()) {
            case EXTERNAL_PEERS_IP_BLOCK -> ExternalPeers.IP_BLOCK;
            case EXTERNAL_PEERS_REVIEW -> ExternalPeers.REVIEW;
            case EXTERNAL_PEERS_UNKNOWN, EXTERNAL_PEERS_AUTO -> ExternalPeers.AUTO;
            // A value a newer client knows: suggesting as AUTO would answer another question.
            case UNRECOGNIZED -> throw new IllegalArgumentException("external_peers: " + r.getExternalPeersValue()
                    + " is not one this server knows (1 auto, 2 ip_block, 3 review)");
        }, r.getDnsNamespace().isEmpty() ? SuggestOptions.DEFAULT_DNS_NAMESPACE : r.getDnsNamespace(),
                r.getDnsLabelsMap().isEmpty() ? SuggestOptions.DEFAULT_DNS_LABELS : r.getDnsLabelsMap());
        Range range = Range.of(r.hasSince() ? r.getSince() : null, r.hasUntil() ? r.getUntil() : null);
        List<ObservedFlow> flows = new ArrayList<>();
        long[] notUsable = {0};
        // Found in review: a namespace whose flows were all stored unusable was told that none
        // of its flows was seen. Counted by why, so that the user learns what to fix or wait for.
        Map<String, Long> notUsableInScope = new TreeMap<>();
        read(range, (f, o, receivedMillis) -> {
            if (o == null) {
                notUsable[0]++;
                if (recorded.workloads(f, receivedMillis).stream().anyMatch(options::covers)) {
                    String reason = f.getPolicy().getReason();
                    notUsableInScope.merge(reason.isEmpty() ? "not judged" : reason, 1L, Long::sum);
                }
            } else if (in(o.source(), r.getNamespace()) || in(o.destination(), r.getNamespace())) {
                flows.add(o);
            }
        });
        SuggestionSet set = new PolicySuggester(options).suggest(flows);
        String header = "Suggested by netwatch for namespace " + r.getNamespace()
                + (options.workload() == null ? "" : ", workload " + options.workload())
                + ", from " + flows.size() + " stored flows" + range.describe() + ".";
        SuggestPoliciesResponse.Builder out = SuggestPoliciesResponse.newBuilder()
                .setYaml(SuggestionYaml.render(set, header))
                .addAllSkipped(set.skipped())
                .setFlowsUsed(set.flowsUsed())
                .setFlowsNotEstablished(set.flowsNotEstablished())
                .setFlowsOwnNode(set.flowsOwnNode())
                .setFlowsNotUsable(notUsable[0])
                .putAllFlowsNotUsableInScope(notUsableInScope);
        for (Suggestion s : set.policies()) {
            out.addPolicies(SuggestedPolicySummary.newBuilder().setNamespace(s.workload().namespace()).setName(s.name())
                    .setWorkloadKind(s.workload().kind()).setWorkloadName(s.workload().name())
                    .setIngressRules(s.ingressInForce().size()).setEgressRules(s.egressInForce().size())
                    .setToReview(s.toReview()).setFlows(s.flows()).addAllWarnings(s.warnings()));
        }
        return out.build();
    }

    public SimulatePoliciesResponse simulate(SimulatePoliciesRequest r) {
        if (r.getYaml().isBlank()) {
            throw new IllegalArgumentException("yaml: is empty (the NetworkPolicies to simulate)");
        }
        PolicyDocuments.Read read = PolicyDocuments.read(r.getYaml(), "policies", "default");
        if (read.policies().size() > MAX_SIMULATED_POLICIES) {
            throw new IllegalArgumentException("yaml: " + read.policies().size() + " NetworkPolicies, more than the "
                    + MAX_SIMULATED_POLICIES + " one simulation takes; simulate them a namespace or a few at a time");
        }
        PolicySimulator.Mode mode = switch (r.getMode()) {
            case SIMULATION_MODE_ADD -> PolicySimulator.Mode.ADD;
            case SIMULATION_MODE_UNKNOWN, SIMULATION_MODE_REPLACE -> PolicySimulator.Mode.REPLACE;
            // A mode a newer client knows: simulating as REPLACE would answer another question.
            case UNRECOGNIZED -> throw new IllegalArgumentException("mode: " + r.getModeValue()
                    + " is not a simulation mode this server knows (1 replace, 2 add)");
        };
        PolicySimulator simulator = new PolicySimulator(history.current(), read.policies(), mode);
        // uint32 on the wire: past 2^31 it is negative here, and still a count.
        long limit = r.getLimit() == 0 ? DEFAULT_BLOCKED_LISTED : Integer.toUnsignedLong(r.getLimit());
        long[] listedBytes = {0};
        SimulatePoliciesResponse.Builder out = SimulatePoliciesResponse.newBuilder();
        read.ignored().forEach((k, v) -> out.putIgnoredKinds(k, v));
        Map<PolicyRef, Long> byPolicy = new TreeMap<>();
        long[] counts = new long[4]; // judged, blocked, not listed, not judged
        read(Range.of(r.hasSince() ? r.getSince() : null, r.hasUntil() ? r.getUntil() : null), (f, o, receivedMillis) -> {
            if (o == null) {
                counts[3]++;
                return;
            }
            counts[0]++;
            PolicySimulator.Blocked b = simulator.judge(o);
            if (b == null) {
                return;
            }
            counts[1]++;
            // A flow counts once per policy, even when the policy isolates both its ends.
            Set<PolicyRef> deciding = new java.util.HashSet<>();
            for (Verdict.Side side : List.of(b.verdict().egress(), b.verdict().ingress())) {
                if (side instanceof Verdict.Denied d) {
                    deciding.addAll(d.isolatedBy());
                }
            }
            deciding.forEach(p -> byPolicy.merge(p, 1L, Long::sum));
            if (out.getBlockedCount() >= limit || listedBytes[0] >= MAX_LISTED_BYTES) {
                counts[2]++;
                return;
            }
            BlockedFlow listed = BlockedFlow.newBuilder().setFlow(f).setEgress(b.verdict().egress().outcome())
                    .setIngress(b.verdict().ingress().outcome())
                    .addAllPolicies(b.verdict().policies().stream().map(PolicyRef::toString).toList())
                    .setReason(b.reason()).setDeniedBefore(b.deniedBefore()).build();
            if (listedBytes[0] + listed.getSerializedSize() > MAX_LISTED_BYTES) {
                listedBytes[0] = MAX_LISTED_BYTES;
                counts[2]++;
                return;
            }
            listedBytes[0] += listed.getSerializedSize();
            out.addBlocked(listed);
        });
        byPolicy.forEach((p, n) -> out.addByPolicy(PolicyBlockCount.newBuilder().setPolicy(p.toString()).setFlows(n)));
        return out.setFlowsJudged(counts[0]).setFlowsBlocked(counts[1]).setBlockedNotListed(counts[2])
                .setFlowsNotJudged(counts[3]).build();
    }

    private static boolean in(Party p, String namespace) {
        return p instanceof Party.Member m && m.workload().namespace().equals(namespace);
    }

    /** Flows that started in [since, until): null ends are open; the ends in nanoseconds, read once. */
    record Range(Timestamp since, Timestamp until, long sinceNanos, long untilNanos) {
        static Range of(Timestamp since, Timestamp until) {
            // Each checked before they are compared, which fails on an invalid one with a message
            // that names neither (found with a hostile client: "Timestamp is not valid. See proto
            // definition for valid values.", as GetFlows names the field).
            long sinceNanos = since == null ? 0 : QueryTime.nanos(since, "since");
            long untilNanos = until == null ? 0 : QueryTime.nanos(until, "until");
            QueryTime.ordered(since != null, since, until != null, until);
            return new Range(since, until, sinceNanos, untilNanos);
        }

        boolean contains(long startNanos) {
            return (since == null || startNanos >= sinceNanos) && (until == null || startNanos < untilNanos);
        }

        String describe() {
            return (since == null ? "" : " since " + Timestamps.toString(since))
                    + (until == null ? "" : " until " + Timestamps.toString(until));
        }
    }

    @FunctionalInterface
    interface Visitor {
        /**
         * @param observed       the flow as suggestions see it, or null when it is not usable
         * @param receivedMillis when the aggregator stored it
         */
        void visit(Flow stored, ObservedFlow observed, long receivedMillis);
    }

    /**
     * Visits the stored flows that started in the range, until the call that asked has ended:
     * its deadline passed or its client went away (found with a hostile client: a simulation of
     * 2,000 policies judges a flow in some 13 ms, a store of 500,000 flows in hours, and it went
     * on that long after the caller's deadline, each retry adding one more).
     *
     * Nor past the {@link #RUN_BOUND} of the call, if it has one, whatever its deadline.
     *
     * Only the flows stored when the read began, as a listing without follow: found in review,
     * it read on into the flows that came while it read, so on a store filling faster than it
     * judged it never finished (until the call's deadline or the run bound, saying it had read
     * more flows than were stored), and a suggestion held every one of them it found in scope.
     *
     * @throws StatusRuntimeException CANCELLED once the call has ended, DEADLINE_EXCEEDED past its run bound
     */
    void read(Range range, Visitor v) {
        Context call = Context.current();
        RunBound bound = RUN_BOUND.get();
        BoundedLog<Flow> log = store.flows();
        long cursor = log.firstIndex();
        long end = log.nextIndex();
        long stored = end - cursor;
        long read = 0;
        while (cursor < end) {
            BoundedLog.Read<Flow> chunk = log.read(cursor, READ_CHUNK);
            if (chunk.entries().isEmpty()) {
                return;
            }
            for (BoundedLog.Entry<Flow> e : chunk.entries()) {
                if (e.index() >= end) {
                    return;
                }
                if (call.isCancelled()) {
                    throw Status.CANCELLED.withDescription("the call ended before the stored flows were read")
                            .withCause(call.cancellationCause()).asRuntimeException();
                }
                if (bound != null && System.nanoTime() - bound.stopAtNanos() > 0) {
                    String seconds = java.math.BigDecimal.valueOf(bound.max().toMillis(), 3).stripTrailingZeros()
                            .toPlainString();
                    throw Status.DEADLINE_EXCEEDED.withDescription(RAN_PAST + seconds + " s the aggregator gives one"
                            + " (query.max_policy_run), with " + read + " of the " + stored + " stored flows read:"
                            + " ask for a shorter time range (--since, --until) or, for a simulation, fewer"
                            + " policies").asRuntimeException();
                }
                read++;
                Flow f = e.value();
                if (!range.contains(FlowEnricher.startNanos(f, e.receivedMillis())) || f.getInterim()) {
                    continue;
                }
                v.visit(f, recorded.observed(f, e.receivedMillis()), e.receivedMillis());
            }
            cursor = chunk.nextIndex();
        }
    }
}
