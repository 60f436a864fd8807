package io.netwatch.aggregator.identity;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Workload;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Names the ends of an agent's anomaly as {@link FlowEnricher} names a flow's: by the pod (or
 * Service) that held each address when the anomaly's evidence began, from the address's
 * history. The agents' detectors run before any identity and name addresses; named here, an
 * agent's {@code dga} and the aggregator's own {@code beaconing} of one pod name the same
 * workload and are one actor's, a rollout (new pods, new addresses) keeps the actor, and an
 * address a later pod took is never blamed on it. Reads only memory: never waits on the API
 * server.
 *
 * <p>An address nobody held then (as far as the history goes) is left as it came: its anomaly
 * names the address. Unlike a flow's end it gets no outside name or network: an incident's
 * actor and targets are the address, and the agent's external name (a tunnel's registered
 * domain, which names a campaign) must stay what it is.
 *
 * <p><b>The aggregator wins</b>, as for flows: a holder in the history replaces whatever the
 * agent wrote of the end's pod (its external name kept); an agent's pod for an address the
 * history says nobody held then is dropped (a later holder's); it is kept only when the
 * history has nothing for the address.
 */
public final class AnomalyEnricher {
    private final IdentityIndex index;
    private final AtomicLong named = new AtomicLong();
    private final AtomicLong unknown = new AtomicLong();

    public AnomalyEnricher(IdentityIndex index) {
        this.index = Objects.requireNonNull(index, "index");
    }

    public Anomaly enrich(Anomaly a, long receivedMillis) {
        long at = a.hasStart() ? FlowEnricher.captureNanos(a.getStart(), receivedMillis) : receivedMillis * 1_000_000L;
        Endpoint s = endpoint(a.getSource(), at);
        Endpoint d = endpoint(a.getDestination(), at);
        if (s == a.getSource() && d == a.getDestination()) {
            return a;
        }
        return a.toBuilder().setSource(s).setDestination(d).build();
    }

    private Endpoint endpoint(Endpoint e, long atNanos) {
        if (e.getIp().isEmpty()) {
            // No address to name: a sweep's target, a tunnel's domain.
            return e;
        }
        IpKey ip = IpKey.parse(e.getIp());
        AddressHolder h = ip == null ? null : index.at(ip, atNanos);
        String external = e.getWorkload().getExternalName();
        if (h != null) {
            named.incrementAndGet();
            Workload w = external.isEmpty() ? h.workload() : h.workload().toBuilder().setExternalName(external).build();
            return w.equals(e.getWorkload()) ? e : e.toBuilder().setWorkload(w).build();
        }
        unknown.incrementAndGet();
        if (ip != null && !e.getWorkload().getNamespace().isEmpty() && index.knows(ip)) {
            // Our history says nobody held it then: the agent's label is a later holder's.
            return external.isEmpty() ? e.toBuilder().clearWorkload().build()
                    : e.toBuilder().setWorkload(Workload.newBuilder().setExternalName(external)).build();
        }
        return e;
    }

    /** Anomaly ends with an address the history named (a holder when the anomaly began). */
    public long endsNamed() {
        return named.get();
    }

    /** Anomaly ends with an address the history had no holder for then, left as they came. */
    public long endsUnknown() {
        return unknown.get();
    }
}
