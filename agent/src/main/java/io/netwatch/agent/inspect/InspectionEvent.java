package io.netwatch.agent.inspect;

/**
 * An application-layer message found by inspection, with the flow it belongs to and the
 * endpoints of the packet (or stream direction) that carried it. Immutable.
 */
public sealed interface InspectionEvent permits InspectionEvent.Ssh {
    /** The flow record's id. */
    long flowId();

    /** Capture time of the packet that completed the message, nanoseconds since the epoch. */
    long timestampNanos();

    Endpoints endpoints();

    /** Sender and receiver of the message, and its transport ("udp", "tcp", "quic"). */
    record Endpoints(String srcIp, int srcPort, String dstIp, int dstPort, String transport) {
    }

    /** An SSH identification string. */
    record Ssh(long flowId, long timestampNanos, Endpoints endpoints, boolean client, String version)
            implements InspectionEvent {
    }
}
