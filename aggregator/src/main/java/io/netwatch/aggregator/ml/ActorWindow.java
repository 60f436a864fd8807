package io.netwatch.aggregator.ml;

import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;

/**
 * What one actor did in its current window, accumulated flow by flow and frozen into a
 * {@link FeatureWindow} when the window closes. Mutable and single-threaded: it lives only
 * inside {@link FeatureWindows}, on the detector's own thread. Counters saturate instead of
 * overflowing, so absurd counters from a hostile agent make a large feature, never a crash.
 */
final class ActorWindow {
    /** TCP SYN flag. */
    private static final int SYN = 0x02;
    /** Evidence flow ids kept per window. */
    static final int MAX_EVIDENCE = 10;

    final String actor;
    /** The actor as an endpoint (its workload when known), for the anomaly's source. */
    Endpoint endpoint;
    /** Window index: start = index × window length (milliseconds since epoch). */
    long index;
    private final long[] counts = new long[Feature.COUNT];
    private long dnsNameChars;
    private final DistinctSet peersOut = new DistinctSet();
    private final DistinctSet portsOut = new DistinctSet();
    private final DistinctSet peersIn = new DistinctSet();
    private final long[] evidence = new long[MAX_EVIDENCE];
    private int evidenceCount;
    private long firstMillis = Long.MAX_VALUE;
    private long lastMillis = Long.MIN_VALUE;

    ActorWindow(String actor, Endpoint endpoint, long index) {
        this.actor = actor;
        this.endpoint = endpoint;
        this.index = index;
    }

    /** Adds a flow that this actor started. */
    void addOutbound(Flow f, long millis) {
        touch(f, millis);
        bump(Feature.FLOWS_OUT, 1);
        bump(Feature.BYTES_OUT, f.getToServer().getBytes());
        bump(Feature.BYTES_IN, f.getToClient().getBytes());
        peersOut.add(f.getDestination().getIp().hashCode());
        portsOut.add(f.getDestination().getPort() * 31 + f.getIpProtocol());
        if (failed(f)) {
            bump(Feature.FAILED_OUT, 1);
        }
        if (f.hasDns() || f.getDestination().getPort() == 53) {
            bump(Feature.DNS_QUERIES, 1);
            dnsNameChars = saturatedAdd(dnsNameChars, f.getDns().getQuery().length());
        }
    }

    /** Adds a flow that another peer started toward this actor. */
    void addInbound(Flow f, long millis) {
        touch(f, millis);
        bump(Feature.FLOWS_IN, 1);
        bump(Feature.BYTES_OUT, f.getToClient().getBytes());
        bump(Feature.BYTES_IN, f.getToServer().getBytes());
        peersIn.add(f.getSource().getIp().hashCode());
        if (failed(f)) {
            bump(Feature.FAILED_IN, 1);
        }
    }

    /** True when a distinct-value set hit its cap in this window. */
    boolean saturated() {
        return peersOut.saturated() || portsOut.saturated() || peersIn.saturated();
    }

    /** The window as values, then empties this accumulator for the window {@code nextIndex}. */
    FeatureWindow freezeAndReset(long windowMillis, long nextIndex) {
        double[] raw = new double[Feature.COUNT];
        for (Feature feature : Feature.values()) {
            raw[feature.ordinal()] = switch (feature) {
                case PEERS_OUT -> peersOut.size();
                case PORTS_OUT -> portsOut.size();
                case PEERS_IN -> peersIn.size();
                case DNS_NAME_LENGTH -> counts[Feature.DNS_QUERIES.ordinal()] == 0 ? 0
                        : (double) dnsNameChars / counts[Feature.DNS_QUERIES.ordinal()];
                default -> counts[feature.ordinal()];
            };
        }
        long[] ids = java.util.Arrays.copyOf(evidence, evidenceCount);
        FeatureWindow w = new FeatureWindow(actor, endpoint, index * windowMillis, (index + 1) * windowMillis,
                raw, ids);
        java.util.Arrays.fill(counts, 0);
        dnsNameChars = 0;
        peersOut.clear();
        portsOut.clear();
        peersIn.clear();
        evidenceCount = 0;
        firstMillis = Long.MAX_VALUE;
        lastMillis = Long.MIN_VALUE;
        index = nextIndex;
        return w;
    }

    /** Approximate heap held by this accumulator, in bytes (for the memory figures). */
    long bytes() {
        return 200L + 8L * Feature.COUNT + 8L * MAX_EVIDENCE + peersOut.bytes() + portsOut.bytes() + peersIn.bytes()
                + 2L * actor.length();
    }

    private void touch(Flow f, long millis) {
        firstMillis = Math.min(firstMillis, millis);
        lastMillis = Math.max(lastMillis, millis);
        if (evidenceCount < MAX_EVIDENCE) {
            evidence[evidenceCount++] = f.getFlowId();
        }
    }

    private void bump(Feature feature, long by) {
        counts[feature.ordinal()] = saturatedAdd(counts[feature.ordinal()], by);
    }

    /** Never accepted: nothing came back, or a TCP flow whose responder never sent SYN-ACK. */
    private static boolean failed(Flow f) {
        if (f.getToClient().getPackets() == 0) {
            return true;
        }
        return f.hasTcp() && (f.getTcp().getFlagsToClient() & SYN) == 0;
    }

    /** uint64 counters arrive as signed longs: a negative one (above 2^63) counts as the maximum. */
    private static long saturatedAdd(long a, long b) {
        if (b < 0) {
            return Long.MAX_VALUE;
        }
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }
}
