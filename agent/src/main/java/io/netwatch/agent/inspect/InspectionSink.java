package io.netwatch.agent.inspect;

/** Receives application-layer messages as inspection finds them (JSON lines, detectors). */
@FunctionalInterface
public interface InspectionSink {
    void onEvent(InspectionEvent event);

    /**
     * Whether this sink reads DNS responses, not only queries: when no sink does, a response
     * is parsed for the flow record but no event is made of it.
     */
    default boolean takesDnsResponses() {
        return true;
    }

    InspectionSink NONE = e -> { };
}
