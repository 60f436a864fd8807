package io.netwatch.agent.inspect.dns;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One decoded DNS message. Holds only copies (names and RDATA text, each capped), so it may
 * outlive the buffer it came from.
 *
 * @param id                 transaction ID, 16 bits
 * @param response           QR: a response, not a query
 * @param opcode             OPCODE, 4 bits (0 = QUERY)
 * @param authoritative      AA
 * @param truncated          TC: the sender cut the message short (the client should retry over TCP)
 * @param recursionDesired   RD
 * @param recursionAvailable RA
 * @param authenticData      AD
 * @param checkingDisabled   CD
 * @param rcode              the header's 4-bit RCODE
 * @param extendedRcode      the 12-bit RCODE when an OPT record is present (its upper 8 bits then
 *                           the header's 4), otherwise equal to {@code rcode}
 * @param qdcount            QDCOUNT as sent (may exceed the questions decoded)
 * @param ancount            ANCOUNT as sent
 * @param nscount            NSCOUNT as sent
 * @param arcount            ARCOUNT as sent
 * @param questions          the question section, at most {@link DnsParser#MAX_RECORDS_PER_SECTION}
 * @param answers            the answer section, at most {@link DnsParser#MAX_RECORDS_PER_SECTION}
 * @param authority          the authority section, likewise
 * @param additional         the additional section (the OPT record included), likewise
 * @param edns               the OPT record's contents, when the message has one
 * @param skippedRecords     questions and records walked over but not decoded: beyond
 *                           {@link DnsParser#MAX_RECORDS_PER_SECTION} in a section, or after
 *                           {@link DnsParser#MAX_COPIED_CHARS} of text were kept
 * @param length             bytes of the message that the sections took (trailing bytes excluded;
 *                           for an {@link DnsResult.Incomplete}, all the bytes given)
 * @param anomalies          recoverable oddities, each a stable snake_case word (the
 *                           {@code DnsParser} anomaly constants), in the order first seen, no repeats
 */
public record DnsMessage(
        int id,
        boolean response,
        int opcode,
        boolean authoritative,
        boolean truncated,
        boolean recursionDesired,
        boolean recursionAvailable,
        boolean authenticData,
        boolean checkingDisabled,
        int rcode,
        int extendedRcode,
        int qdcount,
        int ancount,
        int nscount,
        int arcount,
        List<DnsQuestion> questions,
        List<DnsRecord> answers,
        List<DnsRecord> authority,
        List<DnsRecord> additional,
        Optional<DnsEdns> edns,
        int skippedRecords,
        int length,
        List<String> anomalies) {

    public DnsMessage {
        questions = List.copyOf(Objects.requireNonNull(questions, "questions"));
        answers = List.copyOf(Objects.requireNonNull(answers, "answers"));
        authority = List.copyOf(Objects.requireNonNull(authority, "authority"));
        additional = List.copyOf(Objects.requireNonNull(additional, "additional"));
        Objects.requireNonNull(edns, "edns");
        anomalies = List.copyOf(Objects.requireNonNull(anomalies, "anomalies"));
    }

    /** The first question's name, or the empty string when there is no question. */
    public String qname() {
        return questions.isEmpty() ? "" : questions.getFirst().name();
    }

    /**
     * The first question's name with dots and backslashes inside labels escaped
     * ({@link DnsQuestion#escapedName()}), or the empty string when there is no question.
     */
    public String escapedQname() {
        return questions.isEmpty() ? "" : questions.getFirst().escapedName();
    }

    /** The first question's type, or -1 when there is no question. */
    public int qtype() {
        return questions.isEmpty() ? -1 : questions.getFirst().type();
    }

    /** True when the parser noted {@code anomaly} (one of the {@code DnsParser} anomaly constants). */
    public boolean has(String anomaly) {
        return anomalies.contains(anomaly);
    }
}
