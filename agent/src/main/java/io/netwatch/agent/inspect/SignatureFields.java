package io.netwatch.agent.inspect;

import io.netwatch.agent.inspect.dns.DnsMessage;
import io.netwatch.agent.inspect.http.HttpMessage;
import io.netwatch.agent.inspect.http.HttpRequest;
import io.netwatch.agent.inspect.http.HttpResponse;
import io.netwatch.agent.inspect.signature.Buffer;
import io.netwatch.agent.inspect.signature.FieldSource;
import io.netwatch.agent.inspect.tls.ClientHello;
import java.nio.charset.StandardCharsets;

/**
 * The buffers signature rules look at, taken from the parsers' results: the bridge between
 * the protocol packages and the signature engine, which knows none of them. Values are made
 * only when a rule asks for that buffer.
 */
final class SignatureFields {
    private static final byte[][] NONE = new byte[0][];

    private SignatureFields() {
    }

    static FieldSource http(HttpRequest request, HttpResponse response) {
        return buffer -> switch (buffer) {
            case HTTP_METHOD -> request == null ? NONE : one(request.method());
            case HTTP_URI -> request == null ? NONE : new byte[][] {percentDecoded(request.uri(), request.pathStart())};
            case HTTP_URI_RAW -> request == null ? NONE : one(request.uri());
            case HTTP_HOST -> request == null ? NONE : host(request, false);
            case HTTP_HOST_RAW -> request == null ? NONE : host(request, true);
            case HTTP_USER_AGENT -> request == null || request.userAgent() == null ? NONE : one(request.userAgent());
            // The message the rule is checked on: the response when there is one (Rule#group).
            case HTTP_CONTENT_TYPE -> response != null ? contentType(response)
                    : request == null ? NONE : contentType(request);
            case HTTP_STAT_CODE -> response == null || response.status() < 0 ? NONE
                    : one(String.format("%03d", response.status()));
            default -> NONE;
        };
    }

    static FieldSource dns(DnsMessage m) {
        return buffer -> {
            // Suricata's dns.query is the questions of requests only (its dns.query.name, of
            // 8.0, looks at responses too).
            if (buffer != Buffer.DNS_QUERY || m.response() || m.questions().isEmpty()) {
                return NONE;
            }
            byte[][] names = new byte[m.questions().size()][];
            for (int i = 0; i < names.length; i++) {
                names[i] = latin1(m.questions().get(i).name());
            }
            return names;
        };
    }

    static FieldSource tls(ClientHello hello, String ja3, String ja4) {
        return buffer -> switch (buffer) {
            case TLS_SNI -> hello.sni() == null ? NONE : one(hello.sni());
            case JA3_HASH -> ja3.isEmpty() ? NONE : one(ja3);
            case JA4_HASH -> ja4.isEmpty() ? NONE : one(ja4);
            default -> NONE;
        };
    }

    /**
     * Suricata's {@code http.host} ({@code raw} false) or {@code http.host.raw}: the host the
     * target names when it names one (a proxy's absolute-form target, a CONNECT's), else the
     * Host header. libhtp takes its request host name from the target first, and normalizes it
     * (percent-decoded, lower-cased, without trailing dots); Suricata's {@code http.host.raw}
     * reads that normalized name too, and the Host header as sent only when the target names no
     * host.
     */
    private static byte[][] host(HttpRequest request, boolean raw) {
        String fromTarget = request.uriHost();
        if (fromTarget != null) {
            return new byte[][] {normalizedHost(percentDecoded(fromTarget, 0))};
        }
        if (request.host() == null) {
            return NONE;
        }
        return raw ? one(request.host()) : hostName(request.host());
    }

    /**
     * The Host header as libhtp normalizes it for Suricata's {@code http.host}: the name without
     * its port, its ASCII letters lower-cased, without trailing dots ({@code [::1]:8080} gives
     * {@code [::1]}).
     * The value is as long as the parser keeps it: every loop is bounded by it.
     */
    static byte[][] hostName(String host) {
        String h = host.strip();
        int end = h.length();
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close > 0) {
                end = close + 1;
            }
        } else {
            int colon = h.indexOf(':');
            if (colon >= 0) {
                end = colon;
            }
        }
        return new byte[][] {normalizedHost(latin1(h.substring(0, end)))};
    }

    /**
     * {@code name}, lower-cased in place, without its trailing dots: libhtp's normalization of
     * a host name. The loops are bounded by the name.
     */
    private static byte[] normalizedHost(byte[] name) {
        int end = name.length;
        while (end > 0 && name[end - 1] == '.') {
            end--;
        }
        // ASCII letters only, byte by byte, as libhtp does in the C locale: a UTF-8 name's bytes
        // stay as they are (String.toLowerCase would turn the Latin-1 character C3 into E3).
        for (int i = 0; i < end; i++) {
            if (name[i] >= 'A' && name[i] <= 'Z') {
                name[i] += 'a' - 'A';
            }
        }
        return end == name.length ? name : java.util.Arrays.copyOf(name, end);
    }

    static byte[] percentDecoded(String uri) {
        return percentDecoded(uri, 0);
    }

    /**
     * The characters of {@code uri} from {@code from} on as bytes, each {@code %XX} decoded
     * once; a {@code %} not followed by two hex digits stays as it is, and {@code +} stays
     * {@code +} (it means a space only in form bodies).
     */
    static byte[] percentDecoded(String uri, int from) {
        byte[] raw = latin1(from == 0 ? uri : uri.substring(from));
        if (uri.indexOf('%', from) < 0) {
            return raw; // most URIs: nothing to decode, one copy
        }
        // Decoded in place: each byte written is at or before the ones read for it.
        int n = 0;
        for (int i = 0; i < raw.length; i++) {
            int hi;
            int lo;
            if (raw[i] == '%' && i + 2 < raw.length && (hi = Character.digit(raw[i + 1], 16)) >= 0
                    && (lo = Character.digit(raw[i + 2], 16)) >= 0) {
                raw[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else {
                raw[n++] = raw[i];
            }
        }
        return n == raw.length ? raw : java.util.Arrays.copyOf(raw, n);
    }

    private static byte[][] contentType(HttpMessage m) {
        return m.contentType() == null ? NONE : one(m.contentType());
    }

    private static byte[][] one(String s) {
        return new byte[][] {latin1(s)};
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
