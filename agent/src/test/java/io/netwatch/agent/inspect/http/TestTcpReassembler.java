package io.netwatch.agent.inspect.http;

import io.netwatch.agent.decode.DecodedPacket;
import io.netwatch.agent.decode.IpLayer;
import io.netwatch.agent.decode.PacketDecoder;
import io.netwatch.agent.flow.IpAddressFormat;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A deliberately simple TCP reassembler for the oracle test (the production one is the
 * lead's): connections keyed by their 4-tuple only (VLANs and tunnels ignored, as tshark does),
 * a new connection on a SYN whose ISN differs, in-order bytes per direction by sequence number,
 * first copy wins, out-of-order segments held until the hole fills or the capture ends (then
 * reported as a gap). The client is the SYN sender, else the side with the higher port.
 */
final class TestTcpReassembler {
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;

    /** What the reassembler delivers. */
    interface Listener {
        void data(Connection c, boolean fromClient, ByteBuffer buf, int off, int len);

        void gap(Connection c, boolean fromClient, long bytes);
    }

    static final class Direction {
        boolean started;
        int isn;
        long next;
        final TreeMap<Long, byte[]> held = new TreeMap<>();
    }

    static final class Connection {
        final String tuple;
        final int ordinal;
        final String clientIp;
        final int clientPort;
        final String serverIp;
        final int serverPort;
        final Direction toServer = new Direction();
        final Direction toClient = new Direction();
        /** Per-test state (the HTTP transaction). */
        Object state;

        Connection(String tuple, int ordinal, String clientIp, int clientPort, String serverIp, int serverPort) {
            this.tuple = tuple;
            this.ordinal = ordinal;
            this.clientIp = clientIp;
            this.clientPort = clientPort;
            this.serverIp = serverIp;
            this.serverPort = serverPort;
        }
    }

    private final Listener listener;
    private final Map<String, Connection> current = new HashMap<>();
    private final Map<String, Integer> ordinals = new HashMap<>();
    final List<Connection> connections = new ArrayList<>();

    TestTcpReassembler(Listener listener) {
        this.listener = listener;
    }

    static String tuple(String ipA, int portA, String ipB, int portB) {
        String a = ipA + "|" + portA;
        String b = ipB + "|" + portB;
        return a.compareTo(b) <= 0 ? a + "|" + b : b + "|" + a;
    }

    /** The innermost TCP layer of a decoded frame that carries a whole segment, or null. */
    static IpLayer tcpLayer(DecodedPacket p) {
        for (int i = p.layerCount - 1; i >= 0; i--) {
            IpLayer l = p.layers[i];
            if (l.protocol == PacketDecoder.PROTO_TCP && l.flowable()) {
                return l;
            }
        }
        return null;
    }

    void packet(ByteBuffer frame, IpLayer l) {
        String src = IpAddressFormat.format(l.ipVersion, l.srcHi, l.srcLo);
        String dst = IpAddressFormat.format(l.ipVersion, l.dstHi, l.dstLo);
        String key = tuple(src, l.srcPort, dst, l.dstPort);
        boolean syn = (l.tcpFlags & SYN) != 0;
        boolean synOnly = syn && (l.tcpFlags & ACK) == 0;
        Connection c = current.get(key);
        if (synOnly && c != null) {
            boolean sameClient = c.clientIp.equals(src) && c.clientPort == l.srcPort;
            if (!sameClient || (c.toServer.started && c.toServer.isn != l.tcpSeq + 1)) {
                c = null; // a new connection on a reused 4-tuple
            }
        }
        if (c == null) {
            boolean srcIsClient;
            if (syn) {
                srcIsClient = synOnly;
            } else {
                srcIsClient = l.srcPort > l.dstPort || (l.srcPort == l.dstPort);
            }
            int ordinal = ordinals.merge(key, 1, Integer::sum) - 1;
            c = srcIsClient
                    ? new Connection(key, ordinal, src, l.srcPort, dst, l.dstPort)
                    : new Connection(key, ordinal, dst, l.dstPort, src, l.srcPort);
            current.put(key, c);
            connections.add(c);
        }
        boolean fromClient = c.clientIp.equals(src) && c.clientPort == l.srcPort;
        Direction d = fromClient ? c.toServer : c.toClient;
        if (!d.started) {
            d.started = true;
            d.isn = syn ? l.tcpSeq + 1 : l.tcpSeq;
            if (!syn) {
                listener.gap(c, fromClient, 0); // joined mid-connection
            }
        }
        int len = l.payloadLength;
        if (len == 0) {
            return;
        }
        int diff = (syn ? l.tcpSeq + 1 : l.tcpSeq) - d.isn;
        int off = l.payloadOffset;
        if (diff < 0) { // bytes from before the first one seen: a retransmission, as tshark calls it
            if (diff + len <= 0) {
                return;
            }
            off -= diff;
            len += diff;
            diff = 0;
        }
        long rel = Integer.toUnsignedLong(diff);
        if (rel + len <= d.next) {
            return; // retransmission of delivered bytes
        }
        if (rel <= d.next) {
            int skip = (int) (d.next - rel);
            d.next += len - skip;
            listener.data(c, fromClient, frame, off + skip, len - skip);
            drain(c, fromClient, d);
        } else {
            byte[] copy = new byte[len];
            frame.get(off, copy);
            d.held.putIfAbsent(rel, copy);
        }
    }

    private void drain(Connection c, boolean fromClient, Direction d) {
        while (!d.held.isEmpty() && d.held.firstKey() <= d.next) {
            Map.Entry<Long, byte[]> e = d.held.pollFirstEntry();
            long end = e.getKey() + e.getValue().length;
            if (end > d.next) {
                int skip = (int) (d.next - e.getKey());
                d.next = end;
                listener.data(c, fromClient, ByteBuffer.wrap(e.getValue()), skip, e.getValue().length - skip);
            }
        }
    }

    /** Delivers what was held behind holes, each hole as a gap. */
    void finish() {
        for (Connection c : connections) {
            for (boolean fromClient : new boolean[] {true, false}) {
                Direction d = fromClient ? c.toServer : c.toClient;
                while (!d.held.isEmpty()) {
                    long first = d.held.firstKey();
                    listener.gap(c, fromClient, first - d.next);
                    d.next = first;
                    drain(c, fromClient, d);
                }
            }
        }
    }
}
