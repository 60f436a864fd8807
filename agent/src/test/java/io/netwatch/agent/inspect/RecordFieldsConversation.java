package io.netwatch.agent.inspect;

import static io.netwatch.agent.Frames.ethernet;
import static io.netwatch.agent.Frames.ipv4;
import static io.netwatch.agent.Frames.ipv4Packet;
import static io.netwatch.agent.Frames.tcp;
import static io.netwatch.agent.Frames.udp;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.flow.v1.Flow;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One conversation between 10.0.0.1 (the client) and 10.0.0.2 through a pipeline whose flows
 * report every second of activity, for the tests of what a flow's records carry between its
 * interim records and its last one.
 */
public final class RecordFieldsConversation {
    public static final long SECOND = 1_000_000_000L;
    /** Every record the pipeline made, in order. */
    public final List<Flow> flows = new ArrayList<>();
    private final Pipeline pipeline = Pipeline.create("n", List.of("eth0"),
            new FlowTableConfig(FlowTableConfig.DEFAULT_MAX_FLOWS, Duration.ofSeconds(30), Duration.ofMinutes(5),
                    Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(1)),
            DetectionConfig.defaults(), InspectionConfig.defaults(), Signatures.bundled(), flows::add, a -> { },
            e -> { });
    private final byte[] client = ipv4(10, 0, 0, 1);
    private final byte[] server = ipv4(10, 0, 0, 2);
    private final int clientPort;
    private final int serverPort;
    private long t = 1_700_000_000_000_000_000L;
    private int clientSeq = 101;
    private int serverSeq = 501;

    public RecordFieldsConversation(int clientPort, int serverPort) {
        this.clientPort = clientPort;
        this.serverPort = serverPort;
    }

    /** Moves the clock on. */
    public void pass(long nanos) {
        t += nanos;
    }

    /** The TCP handshake, sequence numbers 100 and 500. */
    public void handshake() {
        for (byte[] f : List.of(
                ethernet(0x0800, ipv4Packet(client, server, 6, tcp(clientPort, serverPort, 0x02, 100, 0))),
                ethernet(0x0800, ipv4Packet(server, client, 6, tcp(serverPort, clientPort, 0x12, 500, 0))),
                ethernet(0x0800, ipv4Packet(client, server, 6, tcp(clientPort, serverPort, 0x10, 101, 0))))) {
            frame(f);
        }
    }

    /** A TCP segment in order (a FIN counts one sequence number). */
    public void segment(boolean fromClient, int flags, byte[] payload) {
        byte[] tcp = fromClient ? tcp(clientPort, serverPort, flags, clientSeq, payload.length)
                : tcp(serverPort, clientPort, flags, serverSeq, payload.length);
        System.arraycopy(payload, 0, tcp, 20, payload.length);
        frame(ethernet(0x0800, fromClient ? ipv4Packet(client, server, 6, tcp) : ipv4Packet(server, client, 6, tcp)));
        int advance = payload.length + ((flags & 0x01) != 0 ? 1 : 0);
        if (fromClient) {
            clientSeq += advance;
        } else {
            serverSeq += advance;
        }
    }

    /** A UDP datagram. */
    public void datagram(boolean fromClient, byte[] payload) {
        byte[] u = fromClient ? udp(clientPort, serverPort, payload.length) : udp(serverPort, clientPort, payload.length);
        System.arraycopy(payload, 0, u, 8, payload.length);
        frame(ethernet(0x0800, fromClient ? ipv4Packet(client, server, 17, u) : ipv4Packet(server, client, 17, u)));
    }

    public void finish() {
        pipeline.finish();
    }

    private void frame(byte[] f) {
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }
}
