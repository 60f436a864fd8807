package io.netwatch.agent.identity;

import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Labels a flow's ends with the workloads the agent's {@link IdentityCache} has for their
 * addresses: once per flow record, in the export thread, never per packet. An end the copy
 * does not know stays unlabelled (the aggregator names external peers from what all agents
 * saw).
 *
 * <p>The label is who held the address when the record was exported, by the agent's last
 * copy; the aggregator, which keeps who held each address over time, resolves the flow's
 * start again and its answer wins (docs/architecture.md, "Identity").
 */
public final class FlowIdentities {
    private final IdentityCache cache;
    private final AtomicLong labelled = new AtomicLong();
    private final AtomicLong unknown = new AtomicLong();

    public FlowIdentities(IdentityCache cache) {
        this.cache = cache;
    }

    /** The flow with each end the copy knows labelled; the same object when it knows neither. */
    public Flow label(Flow f) {
        Workload s = lookup(f.getSource());
        Workload d = lookup(f.getDestination());
        if (s == null && d == null) {
            return f;
        }
        Flow.Builder b = f.toBuilder();
        if (s != null) {
            b.getSourceBuilder().setWorkload(s);
        }
        if (d != null) {
            b.getDestinationBuilder().setWorkload(d);
        }
        return b.build();
    }

    private Workload lookup(Endpoint e) {
        if (e.hasWorkload() || e.getIp().isEmpty()) {
            return null;
        }
        Workload w = cache.lookup(e.getIp());
        if (w == null) {
            unknown.incrementAndGet();
        } else {
            labelled.incrementAndGet();
        }
        return w;
    }

    /** Flow ends labelled from the copy. */
    public long labelled() {
        return labelled.get();
    }

    /** Flow ends whose address the copy did not know. */
    public long unknown() {
        return unknown.get();
    }
}
