package io.netwatch.aggregator.response;

import io.netwatch.aggregator.policy.IpAddresses;
import io.netwatch.aggregator.store.StoreListener;
import io.netwatch.proto.flow.v1.Flow;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Remembers which addresses recently completed a TCP handshake as the initiator: they sent a
 * SYN, got the responder's SYN-ACK and acknowledged it. A spoofed source never receives the
 * SYN-ACK, so this is the evidence that an address is really held by whoever used it. Fed by
 * every stored flow (on the storing thread: one map update, no I/O); bounded, the address
 * seen longest ago goes first (counted).
 */
public final class HandshakeWitness implements StoreListener {
    /** Addresses remembered. */
    public static final int DEFAULT_MAX_ADDRESSES = 65_536;
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;

    private final long windowMillis;
    private final Map<String, Long> lastHandshake;
    private final AtomicLong evicted = new AtomicLong();

    /**
     * @param windowMillis how long a handshake counts as evidence
     */
    public HandshakeWitness(int maxAddresses, long windowMillis) {
        this.windowMillis = windowMillis;
        this.lastHandshake = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                if (size() > maxAddresses) {
                    evicted.incrementAndGet();
                    return true;
                }
                return false;
            }
        };
    }

    /**
     * Whether {@code flow}'s initiator completed its TCP handshake: it sent the SYN, got the
     * SYN-ACK and acknowledged it. What this witness remembers, and what a detector that sees
     * the flow can say of its source ({@code Anomaly.source_handshake_completed}).
     */
    public static boolean completedByInitiator(Flow flow) {
        if (!flow.hasTcp()) {
            return false;
        }
        int toServer = flow.getTcp().getFlagsToServer();
        int toClient = flow.getTcp().getFlagsToClient();
        return (toServer & SYN) != 0 && (toServer & ACK) != 0 && (toClient & (SYN | ACK)) == (SYN | ACK)
                && flow.getToServer().getPackets() >= 2;
    }

    @Override
    public void flowStored(Flow flow, long receivedMillis) {
        if (completedByInitiator(flow)) {
            byte[] ip = IpAddresses.parse(flow.getSource().getIp());
            if (ip != null) {
                String key = IpAddresses.format(ip);
                synchronized (lastHandshake) {
                    lastHandshake.put(key, receivedMillis);
                }
            }
        }
    }

    /** Whether {@code ip} completed a handshake as the initiator within the window before {@code nowMillis}. */
    public boolean owns(String ip, long nowMillis) {
        Long at;
        synchronized (lastHandshake) {
            at = lastHandshake.get(ip);
        }
        return at != null && nowMillis - at <= windowMillis;
    }

    /** Addresses forgotten because the table was full. */
    public long evicted() {
        return evicted.get();
    }
}
