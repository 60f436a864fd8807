package io.netwatch.agent.inspect.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Recoverable oddities of one HTTP/1.x head. They never make a head fail to parse: they ride on
 * the {@link HttpResult.Ok} result as stable snake_case codes ({@link #code()}), so a detector
 * can count them (several are request-smuggling or evasion tells).
 */
public enum HttpAnomaly {
    /** A line ended in LF without the CR before it. */
    BARE_LF("bare_lf"),
    /**
     * A header line began with a space or tab: obsolete line folding (RFC 9112 section 5.2). It
     * is unfolded into the value of the line before it when that is one the parser reads (Host,
     * User-Agent, Content-Type, Content-Length, Transfer-Encoding, Connection, Upgrade).
     */
    OBS_FOLD("obs_fold"),
    /** A header line longer than {@link HttpParser#MAX_HEADER_LINE_BYTES}. */
    HEADER_LINE_TOO_LONG("header_line_too_long"),
    /**
     * More than {@link HttpParser#MAX_HEADERS} header lines (all still read): padding that pushes
     * a header out of reach of a parser that stops counting is an evasion tell.
     */
    TOO_MANY_HEADERS("too_many_headers"),
    /** A header line without a colon (ignored). */
    HEADER_WITHOUT_COLON("header_without_colon"),
    /** A header name with a character outside the RFC 9110 token set. */
    BAD_HEADER_NAME("bad_header_name"),
    /** Whitespace between a header name and its colon (a smuggling tell). */
    SPACE_BEFORE_COLON("space_before_colon"),
    /**
     * Content-Length given more than once, in several field lines or as a list in one (the first
     * is used; one value repeated, {@code 5, 5}, is that value: RFC 9110 section 8.6).
     */
    DUPLICATE_CONTENT_LENGTH("duplicate_content_length"),
    /** Content-Length given more than once with different values (compared as text, so {@code 012} and {@code 12} differ). */
    CONFLICTING_CONTENT_LENGTH("conflicting_content_length"),
    /**
     * A Content-Length (its first field line, folds unfolded) that is not a decimal number of at
     * most {@link HttpParser#MAX_CONTENT_LENGTH_DIGITS} digits, nor one such number repeated as
     * a list: {@code 1 2}, {@code 5,}, {@code 5, 6}. No length is read from it.
     */
    BAD_CONTENT_LENGTH("bad_content_length"),
    /** Both Transfer-Encoding and Content-Length (the transfer coding wins). */
    TRANSFER_ENCODING_AND_CONTENT_LENGTH("transfer_encoding_and_content_length"),
    /**
     * A Transfer-Encoding whose final coding is not chunked: all its field lines read as one
     * list, empty elements ignored (RFC 9110 section 5.6.1, RFC 9112 section 6.3).
     */
    BAD_TRANSFER_ENCODING("bad_transfer_encoding"),
    /** Host given more than once (the first one is kept). */
    DUPLICATE_HOST("duplicate_host"),
    /** An HTTP/1.1 request without a Host header. */
    MISSING_HOST("missing_host"),
    /** An absolute-form URI whose authority differs from the Host header. */
    HOST_MISMATCH("host_mismatch"),
    /** A request line without an HTTP version (HTTP/0.9 style, or a broken client). */
    MISSING_VERSION("missing_version"),
    /** A version that is not {@code HTTP/<digit>.<digit>}. */
    BAD_VERSION("bad_version"),
    /** A method outside the registered set (still a token, and the line ends in an HTTP version). */
    UNKNOWN_METHOD("unknown_method"),
    /** Spaces inside the request target. */
    SPACE_IN_URI("space_in_uri"),
    /** Control characters (below 0x20, or 0x7f) inside the request target. */
    CONTROL_CHAR_IN_URI("control_char_in_uri"),
    /** The URI was longer than {@link HttpParser#MAX_URI_CHARS} and was cut. */
    URI_TRUNCATED("uri_truncated"),
    /** A kept header value or reason phrase was longer than its cap and was cut. */
    VALUE_TRUNCATED("value_truncated");

    private final String code;

    HttpAnomaly(String code) {
        this.code = code;
    }

    /** The stable snake_case name used in results and output. */
    public String code() {
        return code;
    }

    private static final HttpAnomaly[] ALL = values();

    /** The codes of the anomalies whose bit ({@code 1 << ordinal}) is set in {@code bits}, in declaration order. */
    static List<String> codes(int bits) {
        if (bits == 0) {
            return List.of();
        }
        List<String> out = new ArrayList<>(Integer.bitCount(bits));
        for (HttpAnomaly a : ALL) {
            if ((bits & a.bit()) != 0) {
                out.add(a.code);
            }
        }
        return List.copyOf(out);
    }

    int bit() {
        return 1 << ordinal();
    }
}
