package io.netwatch.agent.inspect;

/** Receives application-layer messages as inspection finds them (JSON lines, detectors). */
@FunctionalInterface
public interface InspectionSink {
    void onEvent(InspectionEvent event);

    InspectionSink NONE = e -> { };
}
