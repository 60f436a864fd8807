package io.netwatch.bench.synth;

import java.util.SplittableRandom;

/**
 * Synthesizes DNS over UDP: a query and its response (A, AAAA, HTTPS, PTR, TXT; some NXDOMAIN,
 * a few unanswered and retried), and large TXT responses that IPv4 fragments. Messages are
 * well-formed (RFC 1035 wire format, compression pointers to the question, EDNS OPT records), so
 * a DNS parser sees real traffic. Names are under reserved or example domains only.
 */
final class DnsExchanges {
    private static final int TYPE_A = 1;
    private static final int TYPE_PTR = 12;
    private static final int TYPE_TXT = 16;
    private static final int TYPE_AAAA = 28;
    private static final int TYPE_HTTPS = 65;
    private static final int TYPE_OPT = 41;
    /** Resolver turnaround at the capture point, nanoseconds. */
    private static final long TURNAROUND_NANOS = 150_000;
    /** TXT strings in a large response: 12 of 255 bytes make a 3 KiB message, three fragments. */
    private static final int LARGE_TXT_STRINGS = 12;
    private static final int MTU = 1500;
    /** UDP payload sizes advertised in EDNS0 OPT records, bytes. */
    private static final int EDNS_PAYLOAD = 1232;
    private static final int EDNS_LARGE_PAYLOAD = 4096;

    private static final String[] HOSTS = {"api", "www", "cdn", "auth", "db", "cache", "metrics", "img", "static",
        "login", "queue", "search", "billing", "events", "grafana", "registry"};
    private static final String[] ZONES = {"example.test", "svc.cluster.local", "example.org", "example.net",
        "corp.example", "default.svc.cluster.local"};

    private final FrameBuilder frames;
    private final byte[] message = new byte[4096];

    DnsExchanges(FrameBuilder frames) {
        this.frames = frames;
    }

    /** Appends a query and (usually) its response starting at {@code start}. */
    void generate(SplittableRandom rnd, Conversation c, long start, long rttNanos, SessionPackets out) {
        int id = rnd.nextInt(1 << 16);
        String name = name(rnd);
        int qtype = switch (rnd.nextInt(20)) {
            case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 -> TYPE_A;
            case 11, 12, 13, 14, 15 -> TYPE_AAAA;
            case 16, 17 -> TYPE_HTTPS;
            case 18 -> TYPE_PTR;
            default -> TYPE_TXT;
        };
        boolean edns = rnd.nextBoolean();
        int queryLength = query(id, name, qtype, edns);
        byte[] query = frames.udp(c, true, message, 0, queryLength);
        out.add(start, query);
        if (rnd.nextDouble() < 0.03) {
            // Lost: the stub resolver retries once after a second, same id and port.
            out.add(start + 1_000_000_000L, query);
            start += 1_000_000_000L;
            if (rnd.nextBoolean()) {
                return;
            }
        }
        boolean nxdomain = rnd.nextDouble() < 0.06;
        int answers = nxdomain ? 0 : switch (qtype) {
            case TYPE_A -> 1 + rnd.nextInt(4);
            case TYPE_AAAA -> 1 + rnd.nextInt(2);
            case TYPE_HTTPS -> 0;
            default -> 1;
        };
        int responseLength = response(rnd, queryLength, edns, nxdomain, qtype, answers);
        out.add(start + rttNanos + TURNAROUND_NANOS, frames.udp(c, false, message, 0, responseLength));
    }

    /** Appends a TXT query and a response large enough for IPv4 to fragment it. */
    void generateLarge(SplittableRandom rnd, Conversation c, long start, long rttNanos, SessionPackets out) {
        int id = rnd.nextInt(1 << 16);
        int queryLength = query(id, "keys-" + rnd.nextInt(1000) + ".example.test", TYPE_TXT, true);
        put16(queryLength - 8, EDNS_LARGE_PAYLOAD);
        out.add(start, frames.udp(c, true, message, 0, queryLength));
        int at = answerStart(queryLength, true);
        put16(2, 0x8180);
        setCounts(1, 0);
        at = rr(at, TYPE_TXT, 300, LARGE_TXT_STRINGS * 256);
        for (int s = 0; s < LARGE_TXT_STRINGS; s++) {
            message[at++] = (byte) 255;
            for (int i = 0; i < 255; i++) {
                message[at++] = (byte) ('a' + rnd.nextInt(26));
            }
        }
        at = opt(at, EDNS_LARGE_PAYLOAD);
        byte[][] fragments = frames.udpFragments(c, false, message, 0, at, MTU);
        long t = start + rttNanos + TURNAROUND_NANOS;
        for (byte[] f : fragments) {
            out.add(t, f);
            t += 12_000;
        }
    }

    private static String name(SplittableRandom rnd) {
        // A skewed popularity: a few names are asked for most of the time.
        int rank = (int) Math.min(4_999, -Math.log(1 - rnd.nextDouble()) * 400);
        return HOSTS[rank % HOSTS.length] + "-" + rank / HOSTS.length + "." + ZONES[rank % ZONES.length];
    }

    /** Writes a query into {@link #message}, returns its length. */
    private int query(int id, String name, int qtype, boolean edns) {
        put16(0, id);
        put16(2, 0x0100);
        put16(4, 1);
        put16(6, 0);
        put16(8, 0);
        put16(10, edns ? 1 : 0);
        int at = 12;
        for (String label : name.split("\\.")) {
            message[at++] = (byte) label.length();
            for (int i = 0; i < label.length(); i++) {
                message[at++] = (byte) label.charAt(i);
            }
        }
        message[at++] = 0;
        put16(at, qtype);
        put16(at + 2, 1);
        at += 4;
        return edns ? opt(at, EDNS_PAYLOAD) : at;
    }

    /** Turns the query in {@link #message} into a response with {@code answers} records. */
    private int response(SplittableRandom rnd, int queryLength, boolean edns, boolean nxdomain, int qtype,
                         int answers) {
        int at = answerStart(queryLength, edns);
        put16(2, nxdomain ? 0x8183 : 0x8180);
        setCounts(answers, nxdomain || answers == 0 ? 1 : 0);
        for (int i = 0; i < answers; i++) {
            switch (qtype) {
                case TYPE_A -> {
                    at = rr(at, TYPE_A, 60, 4);
                    // 203.0.113.0/24, a documentation range.
                    put16(at, 0xCB00);
                    put16(at + 2, 0x7100 | rnd.nextInt(256));
                    at += 4;
                }
                case TYPE_AAAA -> {
                    at = rr(at, TYPE_AAAA, 60, 16);
                    put16(at, 0x2001);
                    put16(at + 2, 0x0db8);
                    for (int k = 4; k < 16; k += 2) {
                        put16(at + k, rnd.nextInt(1 << 16));
                    }
                    at += 16;
                }
                default -> {
                    // PTR or TXT: a short name or string.
                    at = rr(at, qtype, 3600, 12);
                    message[at] = 11;
                    for (int k = 1; k < 12; k++) {
                        message[at + k] = (byte) ('a' + rnd.nextInt(26));
                    }
                    at += 12;
                }
            }
        }
        if (nxdomain || answers == 0) {
            // The zone's SOA in the authority section, as negative answers carry.
            at = rr(at, 6, 900, 22);
            message[at] = 0;
            message[at + 1] = 0;
            for (int k = 2; k < 22; k++) {
                message[at + k] = (byte) (k * 7);
            }
            at += 22;
        }
        return edns ? opt(at, EDNS_PAYLOAD) : at;
    }

    /** Where the answer section starts: after the question (the query's OPT record dropped). */
    private static int answerStart(int queryLength, boolean edns) {
        return edns ? queryLength - 11 : queryLength;
    }

    private void setCounts(int answers, int authority) {
        put16(6, answers);
        put16(8, authority);
    }

    /** A resource record header naming the question (pointer 0xC00C); returns where rdata goes. */
    private int rr(int at, int type, int ttl, int rdLength) {
        put16(at, 0xC00C);
        put16(at + 2, type);
        put16(at + 4, 1);
        put16(at + 6, ttl >>> 16);
        put16(at + 8, ttl);
        put16(at + 10, rdLength);
        return at + 12;
    }

    /** An EDNS0 OPT pseudo-record advertising {@code udpPayload} bytes. */
    private int opt(int at, int udpPayload) {
        message[at] = 0;
        put16(at + 1, TYPE_OPT);
        put16(at + 3, udpPayload);
        put16(at + 5, 0);
        put16(at + 7, 0);
        put16(at + 9, 0);
        return at + 11;
    }

    private void put16(int at, int v) {
        message[at] = (byte) (v >>> 8);
        message[at + 1] = (byte) v;
    }
}
