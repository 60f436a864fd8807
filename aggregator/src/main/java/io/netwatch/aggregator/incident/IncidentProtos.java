package io.netwatch.aggregator.incident;

import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.incident.v1.IncidentState;
import io.netwatch.proto.incident.v1.TypeCount;

/** {@link Incident} records as {@code netwatch.incident.v1.Incident} messages. */
public final class IncidentProtos {
    private IncidentProtos() {
    }

    public static io.netwatch.proto.incident.v1.Incident toProto(Incident i) {
        var b = io.netwatch.proto.incident.v1.Incident.newBuilder()
                .setId(i.id())
                .setState(i.open() ? IncidentState.INCIDENT_STATE_OPEN : IncidentState.INCIDENT_STATE_RESOLVED)
                .setSeverity(i.severity())
                .setBaseSeverity(i.baseSeverity())
                .addAllEscalations(i.escalations())
                .setFamily(i.family().label())
                .setActor(i.actor())
                .setWorkload(i.workload())
                .setDomain(i.domain())
                .setFirstSeen(Timestamps.fromNanos(i.firstSeenNanos()))
                .setLastSeen(Timestamps.fromNanos(i.lastSeenNanos()))
                .setOpened(Timestamps.fromMillis(i.openedMillis()))
                .setUpdated(Timestamps.fromMillis(i.updatedMillis()))
                .addAllNodeNames(i.nodes())
                .addAllTargets(i.targets())
                .addAllSources(i.sources())
                .addAllAttackTechniques(i.techniques())
                .addAllAnomalyIds(i.anomalyIds())
                .setDetections(i.detections())
                .setDuplicates(i.duplicates())
                .setNodeNamesMore(i.nodesMore())
                .setTargetsMore(i.targetsMore())
                .setSourcesMore(i.sourcesMore())
                .setEvicted(i.evicted())
                .setSummary(i.summary());
        if (!i.open()) {
            b.setResolved(Timestamps.fromMillis(i.resolvedMillis()));
        }
        i.types().forEach((t, n) -> b.addTypes(TypeCount.newBuilder().setAnomalyType(t).setCount(n)));
        return b.build();
    }
}
