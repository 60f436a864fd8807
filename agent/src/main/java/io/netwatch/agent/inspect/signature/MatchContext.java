package io.netwatch.agent.inspect.signature;

/**
 * The packet-level facts a rule's header is checked against, for the bytes being matched.
 * Mutable and reused: the inspection stage fills it in before each match. Addresses are
 * held as the decoder holds them (IPv4 mapped into IPv6).
 */
public final class MatchContext {
    /** 4 or 6: how to write the addresses. */
    public int ipVersion;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    public int srcPort;
    public int dstPort;
    public boolean tcp;
    /** The bytes travel from the flow's client (its initiator, or the side that sent the request). */
    public boolean toServer;
    /** The flow's application protocol as inspection named it, or empty. */
    public String appProto = "";

    /** Sets the sender and receiver; {@code reversed} swaps them (bytes of the other direction). */
    public MatchContext endpoints(long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort,
                                  boolean reversed) {
        if (reversed) {
            this.srcHi = dstHi;
            this.srcLo = dstLo;
            this.srcPort = dstPort;
            this.dstHi = srcHi;
            this.dstLo = srcLo;
            this.dstPort = srcPort;
        } else {
            this.srcHi = srcHi;
            this.srcLo = srcLo;
            this.srcPort = srcPort;
            this.dstHi = dstHi;
            this.dstLo = dstLo;
            this.dstPort = dstPort;
        }
        return this;
    }

    boolean admits(Rule r) {
        if (!r.protocol().admits(tcp, appProto)) {
            return false;
        }
        if (r.flow() == Rule.FlowDirection.TO_SERVER && !toServer || r.flow() == Rule.FlowDirection.TO_CLIENT && toServer) {
            return false;
        }
        if (forward(r)) {
            return true;
        }
        return r.bidirectional() && r.source().matches(dstHi, dstLo) && r.sourcePorts().matches(dstPort)
                && r.destination().matches(srcHi, srcLo) && r.destPorts().matches(srcPort);
    }

    private boolean forward(Rule r) {
        return r.source().matches(srcHi, srcLo) && r.sourcePorts().matches(srcPort)
                && r.destination().matches(dstHi, dstLo) && r.destPorts().matches(dstPort);
    }
}
