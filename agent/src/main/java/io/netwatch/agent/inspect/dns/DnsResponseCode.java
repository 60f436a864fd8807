package io.netwatch.agent.inspect.dns;

/**
 * The response codes responses are counted by: the six of RFC 1035 that resolvers answer
 * with, each by its mnemonic; every other code (the update and TSIG codes, BADVERS, BADCOOKIE,
 * unassigned ones) is {@link #OTHER}. A fixed set, so that a metric labelled with it keeps its
 * series bounded. A rise of NXDOMAIN is how a DGA's lookups, or a pod's search path asking
 * every name under each of its domains, show up.
 */
public enum DnsResponseCode {
    NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED,
    /** Any other code. */
    OTHER;

    /** The metric label: the mnemonic as {@link DnsParser#rcodeName} writes it, {@code other} for the rest. */
    public String label() {
        return this == OTHER ? "other" : name();
    }

    /**
     * The group of a response's code: its extended RCODE ({@link DnsMessage#extendedRcode()}),
     * so that BADVERS (16, whose header bits read 0) is not counted as NOERROR. A switch, not a
     * lookup in {@code values()}: it runs on the capture thread.
     */
    public static DnsResponseCode of(int rcode) {
        return switch (rcode) {
            case 0 -> NOERROR;
            case 1 -> FORMERR;
            case 2 -> SERVFAIL;
            case 3 -> NXDOMAIN;
            case 4 -> NOTIMP;
            case 5 -> REFUSED;
            default -> OTHER;
        };
    }
}
