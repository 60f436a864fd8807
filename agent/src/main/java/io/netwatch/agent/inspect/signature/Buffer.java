package io.netwatch.agent.inspect.signature;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a content match looks at: the stream or datagram payload, or one field an
 * application-layer parser extracted. Names follow Suricata 7's sticky buffers, and the
 * older content modifiers (`http_uri` after the content) where Suricata had one.
 */
public enum Buffer {
    /** The first bytes of each direction of a TCP stream, or a UDP datagram's payload. */
    PAYLOAD("pkt_data", null, Group.PAYLOAD),
    HTTP_METHOD("http.method", "http_method", Group.HTTP_REQUEST),
    /**
     * The request target's path and query (a proxy's absolute-form target without its scheme
     * and authority), percent-decoded once (see docs/signatures.md for how it differs from libhtp).
     */
    HTTP_URI("http.uri", "http_uri", Group.HTTP_REQUEST),
    /** The request target as sent. */
    HTTP_URI_RAW("http.uri.raw", "http_raw_uri", Group.HTTP_REQUEST),
    /**
     * The host the target names, else the Host header's, as libhtp normalizes it: lower-cased,
     * without its port and trailing dots.
     */
    HTTP_HOST("http.host", "http_host", Group.HTTP_REQUEST),
    /** The Host header as sent; the host the target names, normalized, when it names one (as Suricata reads it). */
    HTTP_HOST_RAW("http.host.raw", "http_raw_host", Group.HTTP_REQUEST),
    HTTP_USER_AGENT("http.user_agent", "http_user_agent", Group.HTTP_REQUEST),
    /** The Content-Type header of the message the rule is checked on: the request's or the response's. */
    HTTP_CONTENT_TYPE("http.content_type", null, Group.HTTP_MESSAGE),
    /** The response status code, three digits. */
    HTTP_STAT_CODE("http.stat_code", "http_stat_code", Group.HTTP_RESPONSE),
    /** The name in each question of a DNS message. */
    DNS_QUERY("dns.query", "dns_query", Group.DNS),
    TLS_SNI("tls.sni", "tls_sni", Group.TLS),
    /** JA3 hash (32 hex digits) of a ClientHello. */
    JA3_HASH("ja3.hash", "ja3_hash", Group.TLS),
    /** JA4 fingerprint of a ClientHello, as {@code t13d1516h2_8daaf6152771_e5627efa2ab1}. */
    JA4_HASH("ja4.hash", null, Group.TLS);

    /** The inspection result a buffer comes from: a rule's buffers must all come from one. */
    public enum Group {
        PAYLOAD, HTTP_REQUEST, HTTP_RESPONSE,
        /**
         * Either HTTP message, a header both have (Suricata's "Both" direction): the request's
         * when the rule is checked on requests, the response's when on responses.
         */
        HTTP_MESSAGE,
        DNS, TLS;

        /** True when a rule may combine buffers of this group with buffers of {@code other}. */
        boolean combinesWith(Group other) {
            return this == other || (isHttp() && other.isHttp());
        }

        public boolean isHttp() {
            return this == HTTP_REQUEST || this == HTTP_RESPONSE || this == HTTP_MESSAGE;
        }
    }

    private final String sticky;
    private final String modifier;
    private final Group group;

    Buffer(String sticky, String modifier, Group group) {
        this.sticky = sticky;
        this.modifier = modifier;
        this.group = group;
    }

    /** The sticky-buffer keyword, as written before the contents it applies to. */
    public String keyword() {
        return sticky;
    }

    public Group group() {
        return group;
    }

    static Optional<Buffer> bySticky(String keyword) {
        return Arrays.stream(values()).filter(b -> b.sticky.equals(keyword)).findFirst();
    }

    static Optional<Buffer> byModifier(String keyword) {
        return Arrays.stream(values()).filter(b -> keyword.equals(b.modifier)).findFirst();
    }
}
