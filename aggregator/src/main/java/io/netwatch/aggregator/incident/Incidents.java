package io.netwatch.aggregator.incident;

import io.micrometer.core.instrument.MeterRegistry;
import io.netwatch.aggregator.store.FlowStore;
import java.util.function.Predicate;

/**
 * The incident stage as the aggregator wires it: the {@link IncidentTracker} over every
 * stored anomaly and the {@link BeaconDetector} over every stored flow, both listening to the
 * store, with their meters. Alerts and blocking subscribe through {@link #tracker()}.
 */
public final class Incidents implements AutoCloseable {
    private final IncidentTracker tracker;

    private Incidents(IncidentTracker tracker) {
        this.tracker = tracker;
    }

    /**
     * Starts tracking what {@code store} stores from now on.
     *
     * @param clusterWatched whether flows carry workloads (beaconing then judges only external peers)
     * @param nodeAddress    whether an address is one of the cluster's nodes' (not external to it);
     *                       asked on the storing thread, must not block
     */
    public static Incidents start(IncidentConfig config, FlowStore store, boolean clusterWatched,
                                  Predicate<String> nodeAddress, MeterRegistry meters) {
        IncidentTracker tracker = new IncidentTracker(config, new IncidentCounters(), System::currentTimeMillis);
        BeaconDetector beacons = new BeaconDetector(config.beaconing(), clusterWatched, nodeAddress, tracker,
                a -> store.addAnomaly(a, System.currentTimeMillis()));
        store.listen(tracker);
        store.listen(beacons);
        new IncidentMetrics(tracker).bindTo(meters);
        return new Incidents(tracker);
    }

    public IncidentTracker tracker() {
        return tracker;
    }

    @Override
    public void close() throws InterruptedException {
        tracker.close();
    }
}
