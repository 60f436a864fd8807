package io.netwatch.agent.inspect.dns;

/**
 * The question types queries are counted by: the types a cluster's lookups use, the ones DNS
 * tunnels favour (TXT, NULL, CNAME, MX) and ANY (amplification), each by its RFC mnemonic;
 * every other type is {@link #OTHER}. A fixed set, so that a metric labelled with it keeps its
 * series bounded whatever types are sent.
 */
public enum DnsQueryType {
    A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT, HTTPS, SVCB, ANY, NULL,
    /** Any other type, and a query without a question. */
    OTHER;

    /** The metric label: the mnemonic as {@link DnsParser#typeName} writes it, {@code other} for the rest. */
    public String label() {
        return this == OTHER ? "other" : name();
    }

    /**
     * The group of a QTYPE ({@link DnsMessage#qtype()}, -1 for no question). A switch, not a
     * lookup in {@code values()} (which copies its array): it runs on the capture thread.
     */
    public static DnsQueryType of(int qtype) {
        return switch (qtype) {
            case DnsParser.TYPE_A -> A;
            case DnsParser.TYPE_AAAA -> AAAA;
            case DnsParser.TYPE_CNAME -> CNAME;
            case DnsParser.TYPE_MX -> MX;
            case DnsParser.TYPE_NS -> NS;
            case DnsParser.TYPE_PTR -> PTR;
            case DnsParser.TYPE_SOA -> SOA;
            case DnsParser.TYPE_SRV -> SRV;
            case DnsParser.TYPE_TXT -> TXT;
            case DnsParser.TYPE_HTTPS -> HTTPS;
            case DnsParser.TYPE_SVCB -> SVCB;
            case DnsParser.TYPE_ANY -> ANY;
            case DnsParser.TYPE_NULL -> NULL;
            default -> OTHER;
        };
    }
}
