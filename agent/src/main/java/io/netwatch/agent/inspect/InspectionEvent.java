package io.netwatch.agent.inspect;

/**
 * An application-layer message found by inspection, with the flow it belongs to and the
 * endpoints of the packet (or stream direction) that carried it. Immutable.
 */
public sealed interface InspectionEvent permits InspectionEvent.Ssh, InspectionEvent.Dns {
    /** The flow record's id. */
    long flowId();

    /** Capture time of the packet that completed the message, nanoseconds since the epoch. */
    long timestampNanos();

    Endpoints endpoints();

    /** Sender and receiver of the message, and its transport ("udp", "tcp", "quic"). */
    record Endpoints(String srcIp, int srcPort, String dstIp, int dstPort, String transport) {
    }

    /**
     * A DNS message (query or response) over UDP or TCP.
     *
     * @param raw the message's bytes (a copy, at most 64 KiB) when it came in one datagram;
     *            null over TCP. Record data offsets in {@code message} index into it.
     */
    record Dns(long flowId, long timestampNanos, Endpoints endpoints, io.netwatch.agent.inspect.dns.DnsMessage message,
               byte[] raw) implements InspectionEvent {
    }

    /** An SSH identification string. */
    record Ssh(long flowId, long timestampNanos, Endpoints endpoints, boolean client, String version)
            implements InspectionEvent {
    }
}
