package io.netwatch.aggregator.verdict;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.aggregator.identity.AnomalyEnricher;
import io.netwatch.aggregator.identity.ClusterNodes;
import io.netwatch.aggregator.identity.FlowEnricher;
import io.netwatch.aggregator.identity.IdentityIndex;
import io.netwatch.common.metrics.FunctionMeters;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * Meters of the identity and verdict stages. No per-policy, per-pod or per-address tags:
 * per-rule counts are read from {@link PolicyHits#report}.
 */
public final class VerdictMetrics implements MeterBinder {
    private final FlowVerdicts verdicts;
    private final ViolationReporter reporter;
    private final IdentityIndex index;
    /** Null: no enricher meters (a caller that only judges). */
    private final FlowEnricher enricher;
    /** Null: no stale-claims meter. */
    private LongSupplier staleClaims;
    /** Null: no meters of the agents' anomalies' ends. */
    private AnomalyEnricher anomalies;
    /** Null: no node-address meters. */
    private ClusterNodes nodes;

    public VerdictMetrics(FlowVerdicts verdicts, ViolationReporter reporter, IdentityIndex index) {
        this(verdicts, reporter, index, null);
    }

    public VerdictMetrics(FlowVerdicts verdicts, ViolationReporter reporter, IdentityIndex index,
                          FlowEnricher enricher) {
        this.verdicts = verdicts;
        this.reporter = reporter;
        this.index = index;
        this.enricher = enricher;
    }

    /** Also serves the claims the cluster's state left out as stale ({@code ClusterState.staleClaims()}). */
    public VerdictMetrics withStaleClaims(LongSupplier count) {
        this.staleClaims = count;
        return this;
    }

    /** Also serves what the address histories made of the agents' anomalies' ends. */
    public VerdictMetrics withAnomalyEnricher(AnomalyEnricher enricher) {
        this.anomalies = enricher;
        return this;
    }

    /** Also serves the cluster's node addresses ({@code ClusterState.nodes()}). */
    public VerdictMetrics withNodes(ClusterNodes clusterNodes) {
        this.nodes = clusterNodes;
        return this;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        flows(meters, "allowed", v -> v.stats().allowed());
        flows(meters, "denied", v -> v.stats().denied());
        flows(meters, "not_judged", v -> v.stats().notJudged());
        meters.counter("netwatch.policy.violations", reporter, r -> r.raised(), "policy_violation anomalies raised");
        meters.counter("netwatch.policy.violations.suppressed", reporter, r -> r.suppressed(),
                "Violating flows counted in an open window instead of raising their own anomaly");
        meters.gauge("netwatch.identity.addresses", index, i -> i.stats().addresses(),
                "Addresses with an identity history");
        meters.counter("netwatch.identity.refused.addresses", index, i -> i.stats().refused(),
                "Address claims refused because the index was full");
        meters.counter("netwatch.identity.tenures.dropped", index, i -> i.stats().tenuresDropped(),
                "Past holders of an address dropped because its history was full");
        meters.counter("netwatch.identity.conflicts", index, i -> i.stats().conflicts(),
                "Addresses claimed by another object while one still held them (a reused address seen before its"
                        + " release)");
        if (staleClaims != null) {
            meters.counter("netwatch.identity.stale.claims", staleClaims, LongSupplier::getAsLong,
                    "Claims of an address a newer pod holds, by a terminating or older pod, left out");
        }
        if (anomalies != null) {
            meters.counter("netwatch.identity.anomaly.ends", anomalies, AnomalyEnricher::endsNamed,
                    "Addresses of agents' anomalies, by whether the address's history named their holder when the"
                            + " anomaly began", "outcome", "named");
            meters.counter("netwatch.identity.anomaly.ends", anomalies, AnomalyEnricher::endsUnknown,
                    "Addresses of agents' anomalies, by whether the address's history named their holder when the"
                            + " anomaly began", "outcome", "unknown");
        }
        if (nodes != null) {
            meters.gauge("netwatch.identity.node.addresses", nodes, ClusterNodes::size,
                    "Addresses of the cluster's nodes (their InternalIPs and ExternalIPs, their pods' host addresses)");
            meters.counter("netwatch.identity.node.list.failures", nodes, ClusterNodes::listFailures,
                    "Lists of the Nodes that failed (their addresses stay as last read)");
        }
        if (enricher != null) {
            meters.counter("netwatch.identity.agent.labels", enricher, e -> e.agentLabelsOverruled(),
                    "Flow ends an agent labelled, by what the address's history made of the label", "outcome",
                    "overruled");
            meters.counter("netwatch.identity.agent.labels", enricher, e -> e.agentLabelsKept(),
                    "Flow ends an agent labelled, by what the address's history made of the label", "outcome",
                    "kept");
            meters.gauge("netwatch.identity.dns.names", enricher, e -> e.dnsNames(),
                    "Outside addresses named by a DNS answer of a trusted resolver");
            meters.counter("netwatch.identity.dns.names.evicted", enricher, e -> e.dnsNamesEvicted(),
                    "Names of outside addresses dropped because the bound on named addresses was reached");
            meters.counter("netwatch.identity.dns.untrusted.answers", enricher, e -> e.untrustedDnsAnswers(),
                    "DNS responses whose answers named no address: a resolver not trusted gave them"
                            + " (kubernetes.dns_resolvers), they came inside a tunnel, or they answered no question"
                            + " the agent saw");
        }
    }

    private void flows(FunctionMeters meters, String outcome, ToDoubleFunction<FlowVerdicts> f) {
        meters.counter("netwatch.policy.flows", verdicts, f, "Flow records judged against NetworkPolicy, by outcome",
                "outcome", outcome);
    }
}
