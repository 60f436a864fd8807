package io.netwatch.agent.inspect.dns;

import io.netwatch.agent.flow.IpAddressNames;
import io.netwatch.agent.inspect.TextCache;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The DNS payload parser (RFC 1035, EDNS from RFC 6891): one message's bytes, from a UDP datagram
 * or from one length-prefixed TCP frame ({@link DnsTcpFramer}), to a {@link DnsResult}.
 *
 * <p>A pure function: no state, no logging, no locks. It reads the buffer with absolute gets
 * inside {@code [offset, offset + length)} only, never moves its position or limit, and never
 * throws on any bytes. Every loop over packet bytes is bounded by one of the {@code MAX_}
 * constants below or by the message length. It copies only what it keeps: the names and the
 * RDATA text, each capped, and at most {@link #MAX_COPIED_CHARS} of text per message.
 *
 * <p>Compression pointers must point strictly backward, before the start of the run of labels
 * they end (the name's start, or the previous pointer's target). So every walk makes progress and
 * ends; a pointer to itself or into its own run is {@link #MALFORMED_POINTER_LOOP}, one to a later
 * offset {@link #MALFORMED_FORWARD_POINTER}. (In any loop of pointers one of them points forward
 * or into its own run, so no loop survives this rule; {@link #MAX_POINTER_HOPS} bounds the rest.)
 * A bad name in the question or in a record's owner makes the whole message
 * {@link DnsResult.Malformed}, as the records after it cannot be found; a bad name or a wrong
 * length inside one record's RDATA only empties that record's {@code data} and adds an anomaly.
 *
 * <p>Text is written as tshark 4.0 writes it, so Netwatch's DNS fields read like the reference
 * decoder's: names without the trailing dot, case as sent, the root as the empty string (as
 * {@code <Root>} inside RDATA text), non-printable bytes escaped ({@code \000}, {@code \t},
 * {@code \}{@code u200B}) and invalid UTF-8 as U+FFFD; record data as described on
 * {@link DnsRecord#data()}. For the types tshark only summarises, {@code data} is what tshark shows
 * first: DS and DNSKEY their key tag and flags in hex ({@code 0x3039}), RRSIG the type covered as
 * a number, NSEC3 the hash algorithm, CAA the flags ({@code 0x00}), SVCB and HTTPS the priority,
 * SSHFP the algorithm, TLSA the certificate usage, LOC the version, SPF its first string's length,
 * OPT the UDP payload size; HINFO, DNAME, NAPTR and NSEC tshark's one-line summary ({@code dname
 * target.example}); any other type its bytes in colon hex. The RDATA's place
 * ({@link DnsRecord#rdataOffset()}, {@link DnsRecord#rdLength()}) is kept for a fuller decode.
 *
 * <p>A dot inside a label is written as is, as tshark (and Suricata's and Zeek's DNS names) write
 * it, so a name's text does not tell its labels apart; a question also carries its
 * {@link DnsQuestion#escapedName() escaped name}, which does, for whoever needs the labels.
 */
public final class DnsParser {

    /** Bytes of the fixed header. */
    public static final int HEADER_LENGTH = 12;
    /** Longest message parsed, bytes: the most a TCP length prefix can announce (a datagram holds less). */
    public static final int MAX_MESSAGE_LENGTH = 65_535;
    /** Longest name, bytes on the wire: length octets and the root's zero included (RFC 1035 2.3.4). */
    public static final int MAX_NAME_LENGTH = 255;
    /**
     * Longest label, bytes. The wire format cannot exceed it (length octets 64 to 191 are the
     * other label types, {@link #MALFORMED_BAD_LABEL_TYPE}); stated for readers.
     */
    public static final int MAX_LABEL_LENGTH = 63;
    /** Most labels walked in one name, across its pointers (a 255-byte name has at most 127). */
    public static final int MAX_LABELS = 128;
    /** Most compression pointers followed in one name. */
    public static final int MAX_POINTER_HOPS = 16;
    /** Most questions, and most records of each section, decoded; the rest are walked over and counted. */
    public static final int MAX_RECORDS_PER_SECTION = 64;
    /** Longest RDATA text kept per record, chars (TXT text; colon hex is 3 chars per byte). */
    public static final int MAX_DATA_CHARS = 4_096;
    /**
     * Most text kept per message, chars: names and RDATA together. Once the next record could
     * pass it, records are walked over and counted instead ({@link #COPY_LIMIT_REACHED}).
     */
    public static final int MAX_COPIED_CHARS = 65_536;
    /** Most EDNS options listed from an OPT record. */
    public static final int MAX_EDNS_OPTIONS = 32;
    /** Most chars one name's text can take: 254 bytes of labels, none written in more than 4 chars. */
    static final int MAX_NAME_CHARS = (MAX_NAME_LENGTH - 1) * 4;

    // Malformed reasons (DnsResult.Malformed#reason).
    /** Fewer than {@link #HEADER_LENGTH} bytes. */
    public static final String MALFORMED_HEADER_TRUNCATED = "header_truncated";
    /** More than {@link #MAX_MESSAGE_LENGTH} bytes. */
    public static final String MALFORMED_MESSAGE_TOO_LONG = "message_too_long";
    /** A compression pointer to an offset after itself. */
    public static final String MALFORMED_FORWARD_POINTER = "forward_pointer";
    /** A compression pointer to itself or into the run of labels it ends. */
    public static final String MALFORMED_POINTER_LOOP = "pointer_loop";
    /** More than {@link #MAX_POINTER_HOPS} pointers in one name. */
    public static final String MALFORMED_TOO_MANY_POINTERS = "too_many_pointers";
    /** More than {@link #MAX_LABELS} labels in one name. */
    public static final String MALFORMED_TOO_MANY_LABELS = "too_many_labels";
    /** A length octet with the top bits 01 or 10 (extended or reserved label types). */
    public static final String MALFORMED_BAD_LABEL_TYPE = "bad_label_type";

    // Anomalies (DnsMessage#anomalies).
    /** Bytes after the last record the counts announce. */
    public static final String TRAILING_BYTES = "trailing_bytes";
    /** The counts need more bytes than the whole message has, even at the smallest sizes. */
    public static final String COUNTS_EXCEED_MESSAGE = "counts_exceed_message";
    /** The bytes end inside the message (always on an {@link DnsResult.Incomplete}). */
    public static final String MESSAGE_TRUNCATED = "message_truncated";
    /** A name longer than {@link #MAX_NAME_LENGTH}; its text stops at the last label that fits. */
    public static final String NAME_TOO_LONG = "name_too_long";
    /** A section with more than {@link #MAX_RECORDS_PER_SECTION} entries: the rest are counted, not decoded. */
    public static final String RECORDS_OVER_LIMIT = "records_over_limit";
    /** {@link #MAX_COPIED_CHARS} reached: the remaining records are counted, not decoded. */
    public static final String COPY_LIMIT_REACHED = "copy_limit_reached";
    /** A record's text was cut at {@link #MAX_DATA_CHARS}. */
    public static final String DATA_TRUNCATED = "data_truncated";
    /** RDATA that does not fit its type (wrong length, a name or string past RDLENGTH); its data is empty. */
    public static final String BAD_RDATA = "bad_rdata";
    /** The reserved Z bit of the header is set. */
    public static final String Z_FLAG_SET = "z_flag_set";
    /** More than one OPT record; the first counts. */
    public static final String MULTIPLE_OPT = "multiple_opt";
    /** An OPT record in the answer or authority section (ignored as EDNS). */
    public static final String OPT_OUTSIDE_ADDITIONAL = "opt_outside_additional";
    /** An OPT record whose owner is not the root. */
    public static final String OPT_OWNER_NOT_ROOT = "opt_owner_not_root";
    /** EDNS options that run past the OPT RDATA. */
    public static final String BAD_EDNS_OPTIONS = "bad_edns_options";
    /** More than {@link #MAX_EDNS_OPTIONS} EDNS options; the rest are not listed. */
    public static final String EDNS_OPTIONS_OVER_LIMIT = "edns_options_over_limit";

    public static final int TYPE_A = 1;
    public static final int TYPE_NS = 2;
    public static final int TYPE_CNAME = 5;
    public static final int TYPE_SOA = 6;
    public static final int TYPE_NULL = 10;
    public static final int TYPE_HINFO = 13;
    public static final int TYPE_PTR = 12;
    public static final int TYPE_MX = 15;
    public static final int TYPE_TXT = 16;
    public static final int TYPE_AAAA = 28;
    public static final int TYPE_LOC = 29;
    public static final int TYPE_SRV = 33;
    public static final int TYPE_NAPTR = 35;
    public static final int TYPE_DNAME = 39;
    public static final int TYPE_OPT = 41;
    public static final int TYPE_DS = 43;
    public static final int TYPE_SSHFP = 44;
    public static final int TYPE_RRSIG = 46;
    public static final int TYPE_NSEC = 47;
    public static final int TYPE_DNSKEY = 48;
    public static final int TYPE_NSEC3 = 50;
    public static final int TYPE_TLSA = 52;
    public static final int TYPE_SVCB = 64;
    public static final int TYPE_HTTPS = 65;
    public static final int TYPE_SPF = 99;
    /** QTYPE * (RFC 1035, RFC 8482): all records, a query type only. */
    public static final int TYPE_ANY = 255;
    public static final int TYPE_CAA = 257;

    /** Shortest question (the root, type, class) and shortest record (the root and 10 bytes), bytes. */
    private static final int MIN_QUESTION = 5;
    private static final int MIN_RECORD = 11;

    private DnsParser() {
    }

    /**
     * Parses the DNS message in {@code buf[offset, offset + length)}: a whole UDP payload, or one
     * TCP frame without its two-byte length prefix.
     *
     * @throws IndexOutOfBoundsException if the range is not inside {@code [0, buf.limit())} (a
     *                                   caller's bug; bytes never cause it)
     */
    public static DnsResult parse(ByteBuffer buf, int offset, int length) {
        Objects.requireNonNull(buf, "buf");
        Objects.checkFromIndexSize(offset, length, buf.limit());
        if (length < HEADER_LENGTH) {
            return new DnsResult.Malformed(MALFORMED_HEADER_TRUNCATED);
        }
        if (length > MAX_MESSAGE_LENGTH) {
            return new DnsResult.Malformed(MALFORMED_MESSAGE_TOO_LONG);
        }
        return READERS.get().start(buf, offset, length).read();
    }

    /**
     * A cheap check that {@code buf[offset, offset + length)} can be the start of a DNS message:
     * a whole header, a known opcode (0 to 6 but 3), at most {@link #MAX_RECORDS_PER_SECTION}
     * questions, and the question count not zero for a query. Suits guessing whether a stream or
     * a port carries DNS; {@link #parse} still decides.
     */
    public static boolean probe(ByteBuffer buf, int offset, int length) {
        Objects.requireNonNull(buf, "buf");
        Objects.checkFromIndexSize(offset, length, buf.limit());
        if (length < HEADER_LENGTH) {
            return false;
        }
        int flags = u16(buf, offset + 2);
        int opcode = (flags >>> 11) & 0xF;
        int qdcount = u16(buf, offset + 4);
        boolean response = (flags & 0x8000) != 0;
        return opcode <= 6 && opcode != 3 && qdcount <= MAX_RECORDS_PER_SECTION && (response || qdcount > 0);
    }

    /**
     * The name tshark gives a record type ({@code A}, {@code AAAA}, {@code NULL}, {@code ANY},
     * {@code Unused} for 0, ...), or {@code Unknown (N)}. As in tshark, 253 is {@code MAILA} and
     * 254 {@code MAILB} (RFC 1035 has them the other way round).
     */
    public static String typeName(int type) {
        if (type >= 0 && type < LOW_TYPES.length && LOW_TYPES[type] != null) {
            return LOW_TYPES[type];
        }
        return switch (type) {
            case 249 -> "TKEY";
            case 250 -> "TSIG";
            case 251 -> "IXFR";
            case 252 -> "AXFR";
            case 253 -> "MAILA";
            case 254 -> "MAILB";
            case 255 -> "ANY";
            case 256 -> "URI";
            case 257 -> "CAA";
            case 32768 -> "TA";
            case 32769 -> "DLV";
            case 65281 -> "WINS";
            case 65282 -> "WINS-R";
            case 65422 -> "XPF";
            default -> "Unknown (" + type + ")";
        };
    }

    private static final String[] LOW_TYPES = lowTypes();

    private static String[] lowTypes() {
        String[] t = new String[110];
        String[] names = {"Unused", "A", "NS", "MD", "MF", "CNAME", "SOA", "MB", "MG", "MR", "NULL", "WKS", "PTR",
            "HINFO", "MINFO", "MX", "TXT", "RP", "AFSDB", "X25", "ISDN", "RT", "NSAP", "NSAP-PTR", "SIG", "KEY", "PX",
            "GPOS", "AAAA", "LOC", "NXT", "EID", "NIMLOC", "SRV", "ATMA", "NAPTR", "KX", "CERT", "A6", "DNAME", "SINK",
            "OPT", "APL", "DS", "SSHFP", "IPSECKEY", "RRSIG", "NSEC", "DNSKEY", "DHCID", "NSEC3", "NSEC3PARAM", "TLSA",
            null, null, "HIP", null, "RKEY", "TALINK", "CDS", "CDNSKEY", "OPENPGPKEY", "CSYNC", "ZONEMD", "SVCB",
            "HTTPS"};
        System.arraycopy(names, 0, t, 0, names.length);
        String[] high = {"SPF", "UINFO", "UID", "GID", "UNSPEC", "NID", "L32", "L64", "LP", "EUI48", "EUI64"};
        System.arraycopy(high, 0, t, 99, high.length);
        return t;
    }

    /** The RFC mnemonic of an RCODE (header or extended: NOERROR, NXDOMAIN, BADVERS, ...), or {@code Unknown (N)}. */
    public static String rcodeName(int rcode) {
        return switch (rcode) {
            case 0 -> "NOERROR";
            case 1 -> "FORMERR";
            case 2 -> "SERVFAIL";
            case 3 -> "NXDOMAIN";
            case 4 -> "NOTIMP";
            case 5 -> "REFUSED";
            case 6 -> "YXDOMAIN";
            case 7 -> "YXRRSET";
            case 8 -> "NXRRSET";
            case 9 -> "NOTAUTH";
            case 10 -> "NOTZONE";
            case 11 -> "DSOTYPENI";
            case 16 -> "BADVERS";
            case 17 -> "BADKEY";
            case 18 -> "BADTIME";
            case 19 -> "BADMODE";
            case 20 -> "BADNAME";
            case 21 -> "BADALG";
            case 22 -> "BADTRUNC";
            case 23 -> "BADCOOKIE";
            default -> "Unknown (" + rcode + ")";
        };
    }

    static int u16(ByteBuffer b, int at) {
        return ((b.get(at) & 0xFF) << 8) | (b.get(at + 1) & 0xFF);
    }

    /** Each thread's reader: parses do not nest, so one serves them all in turn. */
    private static final ThreadLocal<Reader> READERS = ThreadLocal.withInitial(Reader::new);

    /**
     * One parse at a time: the cursor, the anomalies and the text budget, set afresh by
     * {@link #start}; and, kept from parse to parse, the thread's scratch space: the builder
     * for names and data, the entries of each section until the message is made, and recent
     * addresses as text.
     */
    private static final class Reader {
        /** {@link #failure} value when the bytes end inside a name: the message is incomplete. */
        private static final String INCOMPLETE = "incomplete";
        /** {@link #failure} value when a name inside RDATA runs past RDLENGTH. */
        private static final String RDATA_OVERRUN = "rdata_overrun";
        /** Names remembered per message for the pointers to them ({@link #namedAt}). */
        private static final int MAX_NAMED = 4;
        /** Most text one record can add: its owner name and its data. */
        private static final int MAX_RECORD_CHARS = MAX_NAME_CHARS + MAX_DATA_CHARS;
        /** The question section's index in {@link #entries}; a record section's is one more than its own. */
        private static final int QUESTION = 0;
        private static final int ANSWER = 0;
        private static final int AUTHORITY = 1;
        private static final int ADDITIONAL = 2;

        private ByteBuffer b;
        private int base;
        private int end;
        /** Made at the first anomaly: most messages have none. */
        private List<String> anomalies;
        /** Chars of text kept so far. */
        private int copied;
        private int skipped;
        /** Why the last {@link #name} call failed, or null. */
        private String failure;
        private DnsEdns edns;
        /** The OPT TTL's upper 8 bits (the extended RCODE), or -1 without OPT. */
        private int rcodeHigh = -1;
        /** Where each name and each record's data is spelt, one at a time; bounded by the text budget of one message. */
        private final StringBuilder text = new StringBuilder(256);
        /**
         * The entries decoded so far of each section (question, answer, authority, additional),
         * at most {@link #MAX_RECORDS_PER_SECTION} each; copied into the message's lists, and
         * cleared, when it is made.
         */
        private final Object[][] entries = new Object[4][MAX_RECORDS_PER_SECTION];
        private final int[] counts = new int[4];
        /** Recent A- and AAAA-record addresses as text (IPv6 with a dotted IPv4 tail, as tshark): answers repeat. */
        private final IpAddressNames addresses = new IpAddressNames(1024, true);
        /** The thread's recent texts: a reader belongs to one thread, made on it. */
        private final TextCache texts = TextCache.forThisThread();
        /** The text of the name {@link #ownerName} read last. */
        private String nameText;
        /** The same name with dots and backslashes inside its labels escaped: {@link DnsQuestion#escapedName()}. */
        private String nameEscaped;
        /** A name's labels as bytes with dots between them, written by {@link #name} when asked to flatten. */
        private final byte[] flat = new byte[MAX_NAME_LENGTH];
        private int flatLength;
        /** False once a byte of the flattened name is not printable ASCII, so that its text is not its bytes. */
        private boolean flatPlain;
        /** True once a label of the flattened name holds a dot or a backslash, so that its escaped text is not its text. */
        private boolean flatDotted;
        /** Pointers the last {@link #name} followed. */
        private int hops;
        /**
         * The questions' and owners' names read whole in this message, by where they start, with
         * the pointers each followed: an answer's owner is mostly a pointer to its question.
         */
        private final int[] namedAt = new int[MAX_NAMED];
        private final String[] named = new String[MAX_NAMED];
        private final String[] namedEscaped = new String[MAX_NAMED];
        private final int[] namedHops = new int[MAX_NAMED];
        private int namedCount;

        /** Readies this reader for one message; returns it. */
        Reader start(ByteBuffer b, int base, int length) {
            this.b = b;
            this.base = base;
            this.end = base + length;
            anomalies = List.of();
            copied = 0;
            skipped = 0;
            failure = null;
            edns = null;
            rcodeHigh = -1;
            Arrays.fill(named, 0, namedCount, null);
            Arrays.fill(namedEscaped, 0, namedCount, null);
            namedCount = 0;
            return this;
        }

        private int u8(int at) {
            return b.get(at) & 0xFF;
        }

        /** Four bytes, network order, unsigned, whatever the buffer's order. */
        private long u32(int at) {
            return (long) u16(b, at) << 16 | u16(b, at + 2);
        }

        /** Eight bytes, network order, whatever the buffer's order. */
        private long u64(int at) {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = v << 8 | (b.get(at + i) & 0xFF);
            }
            return v;
        }

        private void anomaly(String a) {
            if (anomalies.isEmpty()) {
                anomalies = new ArrayList<>(4);
            }
            if (!anomalies.contains(a)) {
                anomalies.add(a);
            }
        }

        DnsResult read() {
            int flags = u16(b, base + 2);
            int qd = u16(b, base + 4);
            int an = u16(b, base + 6);
            int ns = u16(b, base + 8);
            int ar = u16(b, base + 10);
            if ((flags & 0x0040) != 0) {
                anomaly(Z_FLAG_SET);
            }
            if ((long) qd * MIN_QUESTION + (long) (an + ns + ar) * MIN_RECORD > end - base - HEADER_LENGTH) {
                anomaly(COUNTS_EXCEED_MESSAGE);
            }
            try {
                return read(flags, qd, an, ns, ar);
            } finally {
                // The thread keeps the arrays, not what they held.
                for (int s = 0; s < counts.length; s++) {
                    Arrays.fill(entries[s], 0, counts[s], null);
                    counts[s] = 0;
                }
                b = null;
            }
        }

        private DnsResult read(int flags, int qd, int an, int ns, int ar) {
            int p = base + HEADER_LENGTH;
            boolean incomplete = false;
            // Each loop runs at most its 16-bit count; each pass consumes at least 5 (question) or
            // 11 (record) bytes of a message of at most MAX_MESSAGE_LENGTH, or stops the parse.
            for (int i = 0; i < qd && !incomplete; i++) {
                p = question(p);
                if (p < 0) {
                    if (!INCOMPLETE.equals(failure)) {
                        return new DnsResult.Malformed(failure);
                    }
                    incomplete = true;
                }
            }
            for (int s = ANSWER; s <= ADDITIONAL && !incomplete; s++) {
                int count = s == ANSWER ? an : s == AUTHORITY ? ns : ar;
                for (int i = 0; i < count && !incomplete; i++) {
                    p = record(p, s);
                    if (p < 0) {
                        if (!INCOMPLETE.equals(failure)) {
                            return new DnsResult.Malformed(failure);
                        }
                        incomplete = true;
                    }
                }
            }
            if (incomplete) {
                anomaly(MESSAGE_TRUNCATED);
            } else if (p < end) {
                anomaly(TRAILING_BYTES);
            }
            int rcode = flags & 0xF;
            DnsMessage m = new DnsMessage(u16(b, base), (flags & 0x8000) != 0, (flags >>> 11) & 0xF,
                    (flags & 0x0400) != 0, (flags & 0x0200) != 0, (flags & 0x0100) != 0, (flags & 0x0080) != 0,
                    (flags & 0x0020) != 0, (flags & 0x0010) != 0, rcode, rcodeHigh < 0 ? rcode : (rcodeHigh << 4) | rcode,
                    qd, an, ns, ar, list(QUESTION), list(1 + ANSWER), list(1 + AUTHORITY), list(1 + ADDITIONAL),
                    Optional.ofNullable(edns), skipped,
                    (incomplete ? end : p) - base, anomalies);
            return incomplete ? new DnsResult.Incomplete(m) : new DnsResult.Ok(m);
        }

        /** True when the next entry of a section is walked over rather than decoded (and says why). */
        private boolean skipNext(int decodedInSection) {
            if (decodedInSection >= MAX_RECORDS_PER_SECTION) {
                anomaly(RECORDS_OVER_LIMIT);
                return true;
            }
            if (copied > MAX_COPIED_CHARS - MAX_RECORD_CHARS) {
                anomaly(COPY_LIMIT_REACHED);
                return true;
            }
            return false;
        }

        /** Entries of a section as an immutable list: most sections hold none, one or two. */
        @SuppressWarnings("unchecked")
        private <T> List<T> list(int section) {
            Object[] e = entries[section];
            return switch (counts[section]) {
                case 0 -> List.of();
                case 1 -> List.of((T) e[0]);
                case 2 -> List.of((T) e[0], (T) e[1]);
                default -> (List<T>) List.of(Arrays.copyOf(e, counts[section]));
            };
        }

        private void add(int section, Object entry) {
            entries[section][counts[section]++] = entry;
        }

        /** Reads one question at {@code p}; returns the position after it, or -1 with {@link #failure} set. */
        private int question(int p) {
            boolean skip = skipNext(counts[QUESTION]);
            int q = skip ? name(p, end, null, false) : ownerName(p);
            if (q < 0) {
                return -1;
            }
            if (q + 4 > end) {
                failure = INCOMPLETE;
                return -1;
            }
            if (skip) {
                skipped++;
            } else {
                copied += nameText.length() + (nameEscaped == nameText ? 0 : nameEscaped.length());
                add(QUESTION, new DnsQuestion(nameText, u16(b, q), u16(b, q + 2), nameEscaped));
            }
            return q + 4;
        }

        /** Reads one resource record at {@code p}; returns the position after it, or -1 with {@link #failure} set. */
        private int record(int p, int section) {
            boolean skip = skipNext(counts[1 + section]);
            int q = skip ? name(p, end, null, false) : ownerName(p);
            if (q < 0) {
                return -1;
            }
            if (q + 10 > end) {
                failure = INCOMPLETE;
                return -1;
            }
            int type = u16(b, q);
            int dnsClass = u16(b, q + 2);
            long ttl = u32(q + 4);
            int rdLength = u16(b, q + 8);
            int rd = q + 10;
            if (rd + rdLength > end) {
                failure = INCOMPLETE;
                return -1;
            }
            if (type == TYPE_OPT) {
                opt(section, p, dnsClass, ttl, rd, rdLength);
            }
            if (skip) {
                skipped++;
            } else {
                String ownerName = nameText;
                String data = rdata(type, dnsClass, rd, rdLength);
                copied += ownerName.length() + data.length();
                add(1 + section, new DnsRecord(ownerName, type, dnsClass, ttl, data, rd - base, rdLength));
            }
            return rd + rdLength;
        }

        /**
         * Reads the name of a question or a record's owner at {@code pos} into {@link #nameText}
         * and {@link #nameEscaped}: the same text as {@link #name} spells, found faster. A
         * pointer to a name read whole earlier in the message (an answer's owner to its question)
         * takes that name's text again, as walking it would; a name of printable ASCII, as nearly
         * all are, is looked up by its bytes instead of being spelt char by char. Returns the position after the name,
         * or -1 as {@link #name} does.
         */
        private int ownerName(int pos) {
            if (pos + 2 <= end && (u8(pos) & 0xC0) == 0xC0) {
                int target = base + (((u8(pos) & 0x3F) << 8) | u8(pos + 1));
                for (int i = 0; i < namedCount; i++) {
                    // Behind this name, and one pointer more within the bound: the walk would end the same.
                    if (namedAt[i] == target && target < pos && namedHops[i] < MAX_POINTER_HOPS) {
                        nameText = named[i];
                        nameEscaped = namedEscaped[i];
                        return pos + 2;
                    }
                }
            }
            flatLength = 0;
            flatPlain = true;
            flatDotted = false;
            int q = name(pos, end, null, true);
            if (q < 0) {
                return -1;
            }
            if (flatPlain) {
                nameText = texts.latin1(flat, flatLength);
            } else {
                // Escapes or UTF-8: spelt by the same walk, which ends where the first did.
                StringBuilder sb = text();
                name(pos, end, sb, false);
                nameText = string(sb);
            }
            if (flatDotted) {
                // Rare: a label with a dot (or a backslash) in it. Spelt again, the labels told apart.
                StringBuilder sb = text();
                name(pos, end, sb, false, true);
                nameEscaped = string(sb);
            } else {
                nameEscaped = nameText;
            }
            if (namedCount < MAX_NAMED) {
                namedAt[namedCount] = pos;
                named[namedCount] = nameText;
                namedEscaped[namedCount] = nameEscaped;
                namedHops[namedCount++] = hops;
            }
            return q;
        }

        /**
         * Walks the name at {@code pos}, appending its text to {@code out} when not null, and its
         * labels' bytes to {@link #flat} when {@code flatten} (noting in {@link #flatPlain} a byte
         * that is not printable ASCII, in {@link #flatDotted} a dot or backslash inside a label).
         * The first run of labels must end by {@code limit}; what pointers lead to, by the
         * message end. Returns the position after the name where it was
         * written (after its first pointer or its zero), or -1 with {@link #failure} set to a
         * {@code MALFORMED_*} reason, {@link #INCOMPLETE} or {@link #RDATA_OVERRUN}.
         */
        private int name(int pos, int limit, StringBuilder out, boolean flatten) {
            return name(pos, limit, out, flatten, false);
        }

        /** {@link #name}, with dots and backslashes inside labels escaped in {@code out} when {@code escape}. */
        private int name(int pos, int limit, StringBuilder out, boolean flatten, boolean escape) {
            int runStart = pos;
            int bound = limit;
            int after = -1;
            int wire = 1;
            int labels = 0;
            int hops = 0;
            int textStart = out == null ? 0 : out.length();
            boolean tooLong = false;
            // Ends: each pass reads a label (at most MAX_LABELS) or follows a pointer (at most
            // MAX_POINTER_HOPS), or returns.
            while (true) {
                if (pos >= bound) {
                    return fail(pos >= end ? INCOMPLETE : RDATA_OVERRUN);
                }
                int len = u8(pos);
                if (len == 0) {
                    if (after < 0) {
                        after = pos + 1;
                    }
                    break;
                }
                int kind = len & 0xC0;
                if (kind == 0xC0) {
                    if (pos + 2 > bound) {
                        return fail(pos + 2 > end ? INCOMPLETE : RDATA_OVERRUN);
                    }
                    int target = base + (((len & 0x3F) << 8) | u8(pos + 1));
                    if (after < 0) {
                        after = pos + 2;
                    }
                    if (target >= runStart) {
                        return fail(target > pos ? MALFORMED_FORWARD_POINTER : MALFORMED_POINTER_LOOP);
                    }
                    if (++hops > MAX_POINTER_HOPS) {
                        return fail(MALFORMED_TOO_MANY_POINTERS);
                    }
                    runStart = target;
                    pos = target;
                    bound = end;
                    continue;
                }
                if (kind != 0) {
                    return fail(MALFORMED_BAD_LABEL_TYPE);
                }
                if (++labels > MAX_LABELS) {
                    return fail(MALFORMED_TOO_MANY_LABELS);
                }
                if (pos + 1 + len > bound) {
                    return fail(pos + 1 + len > end ? INCOMPLETE : RDATA_OVERRUN);
                }
                wire += 1 + len;
                if (wire > MAX_NAME_LENGTH) {
                    tooLong = true;
                }
                if (out != null && !tooLong) {
                    if (out.length() > textStart) {
                        out.append('.');
                    }
                    DnsText.appendLabel(b, pos + 1, len, out, escape);
                }
                if (flatten && !tooLong) {
                    flatLabel(pos + 1, len);
                }
                pos += 1 + len;
            }
            if (tooLong) {
                anomaly(NAME_TOO_LONG);
            }
            this.hops = hops;
            return after;
        }

        /** Appends one label's bytes to {@link #flat}, after a dot unless it is the first. */
        private void flatLabel(int from, int len) {
            if (flatLength > 0) {
                flat[flatLength++] = '.';
            }
            b.get(from, flat, flatLength, len);
            for (int i = flatLength, e = flatLength + len; i < e; i++) {
                int c = flat[i];
                if (c < 0x20 || c > 0x7E) {
                    flatPlain = false;
                } else if (c == '.' || c == '\\') {
                    flatDotted = true;
                }
            }
            flatLength += len;
        }

        private int fail(String why) {
            failure = why;
            return -1;
        }

        /** Takes the first OPT record of the additional section as the message's EDNS. */
        private void opt(int section, int ownerAt, int dnsClass, long ttl, int rd, int rdLength) {
            if (section != ADDITIONAL) {
                anomaly(OPT_OUTSIDE_ADDITIONAL);
                return;
            }
            if (edns != null) {
                anomaly(MULTIPLE_OPT);
                return;
            }
            if (u8(ownerAt) != 0) {
                anomaly(OPT_OWNER_NOT_ROOT);
            }
            List<DnsEdns.Option> options = new ArrayList<>(2);
            int q = rd;
            int rdEnd = rd + rdLength;
            // Each pass consumes at least 4 bytes of the RDATA or stops; at most MAX_EDNS_OPTIONS kept.
            while (q < rdEnd) {
                if (options.size() == MAX_EDNS_OPTIONS) {
                    anomaly(EDNS_OPTIONS_OVER_LIMIT);
                    break;
                }
                if (q + 4 > rdEnd || q + 4 + u16(b, q + 2) > rdEnd) {
                    anomaly(BAD_EDNS_OPTIONS);
                    break;
                }
                int len = u16(b, q + 2);
                options.add(new DnsEdns.Option(u16(b, q), len));
                q += 4 + len;
            }
            rcodeHigh = (int) (ttl >>> 24);
            edns = new DnsEdns(dnsClass, rcodeHigh, (int) (ttl >>> 16) & 0xFF, (ttl & 0x8000) != 0, (int) (ttl & 0xFFFF),
                    options);
        }

        /** The record's data text (see {@link DnsRecord#data()}); empty, with an anomaly, when it does not fit its type. */
        private String rdata(int type, int dnsClass, int rd, int len) {
            if (type == TYPE_A && len == 4) {
                // A cluster's answers name the same addresses over and over: the thread's recent texts.
                long v4 = (long) (b.get(rd) & 0xFF) << 24 | (b.get(rd + 1) & 0xFF) << 16 | (b.get(rd + 2) & 0xFF) << 8
                        | b.get(rd + 3) & 0xFF;
                return addresses.of(4, 0, v4);
            }
            if (type == TYPE_AAAA && len == 16) {
                return addresses.of(6, u64(rd), u64(rd + 8));
            }
            int rdEnd = rd + len;
            StringBuilder sb = text();
            boolean ok = switch (type) {
                case TYPE_A, TYPE_AAAA -> false; // of the wrong length
                case TYPE_NS, TYPE_CNAME, TYPE_PTR -> rdataName(rd, rdEnd, sb) == rdEnd;
                case TYPE_DNAME -> rdataName(rd, rdEnd, sb.append("dname ")) == rdEnd;
                case TYPE_NSEC -> rdataName(rd, rdEnd, sb.append("next domain name ")) > 0;
                case TYPE_MX -> len >= 3 && rdataName(rd + 2, rdEnd, sb.append(u16(b, rd)).append(' ')) == rdEnd;
                case TYPE_SRV -> len >= 7 && rdataName(rd + 6, rdEnd, sb.append(u16(b, rd)).append(' ')
                        .append(u16(b, rd + 2)).append(' ').append(u16(b, rd + 4)).append(' ')) == rdEnd;
                case TYPE_SOA -> soa(rd, rdEnd, sb);
                case TYPE_TXT -> txt(rd, rdEnd, sb);
                case TYPE_HINFO -> hinfo(rd, rdEnd, sb);
                case TYPE_NAPTR -> naptr(rd, rdEnd, sb);
                // tshark shows an SPF record's first string length first.
                case TYPE_SPF -> len == 0 || append(sb, Integer.toString(u8(rd)));
                case TYPE_DS, TYPE_DNSKEY -> len >= 2 && append(sb, String.format("0x%04x", u16(b, rd)));
                case TYPE_CAA -> len >= 1 && append(sb, String.format("0x%02x", u8(rd)));
                case TYPE_RRSIG, TYPE_SVCB, TYPE_HTTPS -> len >= 2 && append(sb, Integer.toString(u16(b, rd)));
                case TYPE_NSEC3, TYPE_SSHFP, TYPE_TLSA, TYPE_LOC -> len >= 1 && append(sb, Integer.toString(u8(rd)));
                case TYPE_OPT -> append(sb, Integer.toString(dnsClass));
                default -> hex(rd, len, sb);
            };
            if (!ok) {
                anomaly(BAD_RDATA);
                return "";
            }
            return string(sb);
        }

        /** {@link #text}, emptied. */
        private StringBuilder text() {
            text.setLength(0);
            return text;
        }

        /**
         * The text as a string, one per text among the thread's recent ones: an answer's owner is
         * mostly its question's name, and names and data repeat from message to message.
         */
        private String string(StringBuilder sb) {
            return texts.of(sb);
        }

        /**
         * Appends the name at {@code p} inside RDATA ending at {@code rdEnd}, {@code <Root>} for the
         * root; returns the position after it, or -1 after noting why (a malformed name is this
         * record's problem only: the reason becomes an anomaly).
         */
        private int rdataName(int p, int rdEnd, StringBuilder sb) {
            int start = sb.length();
            int q = name(p, rdEnd, sb, false);
            if (q < 0) {
                if (!INCOMPLETE.equals(failure) && !RDATA_OVERRUN.equals(failure)) {
                    anomaly(failure);
                }
                return -1;
            }
            if (sb.length() == start) {
                sb.append("<Root>");
            }
            return q;
        }

        /** "mname rname serial". */
        private boolean soa(int rd, int rdEnd, StringBuilder sb) {
            int q = rdataName(rd, rdEnd, sb);
            if (q < 0) {
                return false;
            }
            q = rdataName(q, rdEnd, sb.append(' '));
            if (q < 0 || q + 20 != rdEnd) {
                return false;
            }
            sb.append(' ').append(u32(q));
            return true;
        }

        /** Every character-string, concatenated; what came before a broken one is kept. */
        private boolean txt(int rd, int rdEnd, StringBuilder sb) {
            int q = rd;
            // Each pass consumes at least the length octet.
            while (q < rdEnd) {
                int len = u8(q);
                if (q + 1 + len > rdEnd) {
                    anomaly(BAD_RDATA);
                    return true;
                }
                int room = MAX_DATA_CHARS - sb.length();
                if (len > room) {
                    DnsText.appendTxt(b, q + 1, len, sb, room);
                    anomaly(DATA_TRUNCATED);
                    return true;
                }
                DnsText.appendTxt(b, q + 1, len, sb, room);
                q += 1 + len;
            }
            return true;
        }

        /** "CPU x, OS y". */
        private boolean hinfo(int rd, int rdEnd, StringBuilder sb) {
            if (rd >= rdEnd || rd + 1 + u8(rd) >= rdEnd) {
                return false;
            }
            int cpu = u8(rd);
            int os = rd + 1 + cpu;
            if (os + 1 + u8(os) > rdEnd) {
                return false;
            }
            sb.append("CPU ");
            DnsText.appendTxt(b, rd + 1, cpu, sb, cpu);
            sb.append(", OS ");
            DnsText.appendTxt(b, os + 1, u8(os), sb, u8(os));
            return true;
        }

        /** "order N, preference N, flags F". */
        private boolean naptr(int rd, int rdEnd, StringBuilder sb) {
            if (rd + 5 > rdEnd || rd + 5 + u8(rd + 4) > rdEnd) {
                return false;
            }
            sb.append("order ").append(u16(b, rd)).append(", preference ").append(u16(b, rd + 2)).append(", flags ");
            DnsText.appendTxt(b, rd + 5, u8(rd + 4), sb, u8(rd + 4));
            return true;
        }

        /** Appends {@code text}; true, so that it reads as the last step of a condition. */
        private static boolean append(StringBuilder sb, String text) {
            sb.append(text);
            return true;
        }

        private boolean hex(int rd, int len, StringBuilder sb) {
            int shown = Math.min(len, (MAX_DATA_CHARS + 1) / 3);
            if (shown < len) {
                anomaly(DATA_TRUNCATED);
            }
            DnsText.appendHex(b, rd, shown, sb);
            return true;
        }
    }
}
