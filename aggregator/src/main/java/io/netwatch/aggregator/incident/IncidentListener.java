package io.netwatch.aggregator.incident;

/**
 * Told about every change of an incident: alerting and blocking subscribe here
 * ({@link IncidentTracker#subscribe}). Called on the incident worker thread, one call at a
 * time and in order, never on an ingest stream's thread; a listener must return quickly
 * (hand slow work such as an HTTP call to its own executor). A listener that throws is
 * counted and skipped.
 */
public interface IncidentListener {
    /** A new incident: its first anomaly. */
    default void opened(Incident incident) {
    }

    /** An open incident took another anomaly (its severity may have risen). */
    default void updated(Incident incident) {
    }

    /** The incident went quiet (or was evicted, {@link Incident#evicted()}); it takes no more anomalies. */
    default void resolved(Incident incident) {
    }
}
