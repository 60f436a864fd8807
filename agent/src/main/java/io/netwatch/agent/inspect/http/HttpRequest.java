package io.netwatch.agent.inspect.http;

import java.util.List;
import java.util.Objects;

/**
 * A request head.
 *
 * @param method              the method token as sent (at most {@link HttpParser#MAX_METHOD_CHARS})
 * @param uri                 the request target as sent: origin-form, absolute-form (proxies),
 *                            authority-form (CONNECT) or {@code *}; empty when the line had none;
 *                            capped at {@link HttpParser#MAX_URI_CHARS}
 * @param version             e.g. {@code HTTP/1.1}, or {@code null} when the request line had no version
 * @param host                the Host value, or {@code null}
 * @param userAgent           the User-Agent value, or {@code null}
 * @param contentType         the Content-Type value, or {@code null}
 * @param contentLengthHeader the first Content-Length value as sent, or {@code null}; kept only
 *                            when it is not the plain decimal spelling of {@code contentLength}
 *                            (which {@link #contentLengthHeader()} then spells on demand)
 * @param contentLength       that value in bytes, or -1 when absent or not a number
 * @param chunked             the body uses chunked transfer coding
 * @param connectionClose     a Connection header lists {@code close}
 * @param upgrade             an Upgrade header asks to switch protocols
 * @param anomalies           {@link HttpAnomaly} codes
 */
public record HttpRequest(String method, String uri, String version, String host, String userAgent,
        String contentType, String contentLengthHeader, long contentLength, boolean chunked,
        boolean connectionClose, boolean upgrade, List<String> anomalies) implements HttpMessage {

    public HttpRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(uri, "uri");
        anomalies = List.copyOf(anomalies);
        contentLengthHeader = HttpParser.unlessPlain(contentLengthHeader, contentLength);
    }

    /** The first Content-Length value as sent (trimmed), or {@code null} when absent. */
    @Override
    public String contentLengthHeader() {
        return HttpParser.spelt(contentLengthHeader, contentLength);
    }

    /** True for HEAD: its response has no body whatever its headers say. */
    public boolean isHead() {
        return method.equals("HEAD");
    }

    /** True for CONNECT: a 2xx response turns the connection into a tunnel. */
    public boolean isConnect() {
        return method.equals("CONNECT");
    }

    /**
     * Where the path of the target begins, as libhtp splits the target for Suricata's
     * normalized {@code http.uri} (which keeps the path, query and fragment only): after the
     * {@code scheme://authority} of an absolute-form target (a proxy's, RFC 9112 section
     * 3.2.2), after the {@code scheme:} of one without an authority, at the end of a
     * CONNECT's authority-form target (it has no path), and at 0 for the origin and asterisk
     * forms. A scheme is RFC 3986's (a letter, then letters, digits, {@code +}, {@code -} or
     * {@code .}): libhtp takes whatever comes before the first colon of a target that does not
     * start with {@code /} for a scheme, and so drops the start of a Log4Shell lookup sent as
     * the whole target; here such a target stays whole.
     */
    public int pathStart() {
        if (isConnect()) {
            return uri.length();
        }
        int colon = schemeEnd(uri);
        if (colon < 0) {
            return 0;
        }
        return hasAuthority(uri, colon + 1) ? authorityEnd(uri, colon + 3) : colon + 1;
    }

    /**
     * The host the target names, as sent: an absolute-form target's authority without its
     * user info and port, or a CONNECT's ({@code [::1]} keeps its brackets); {@code null} when
     * the target names none or its host is empty. libhtp takes the request's host name from
     * here before the Host header (RFC 9112 section 3.2.2: a server ignores the Host header
     * then).
     */
    public String uriHost() {
        int from;
        int to;
        if (isConnect()) {
            from = 0;
            to = uri.length();
        } else {
            int colon = schemeEnd(uri);
            if (colon < 0 || !hasAuthority(uri, colon + 1)) {
                return null;
            }
            from = colon + 3;
            to = authorityEnd(uri, from);
            // User info ends at the authority's first '@', as libhtp reads it.
            for (int i = from; i < to; i++) {
                if (uri.charAt(i) == '@') {
                    from = i + 1;
                    break;
                }
            }
        }
        int end = from;
        if (from < to && uri.charAt(from) == '[') {
            while (end < to && uri.charAt(end) != ']') {
                end++;
            }
            end = Math.min(end + 1, to);
        } else {
            while (end < to && uri.charAt(end) != ':') {
                end++;
            }
        }
        return end > from ? uri.substring(from, end) : null;
    }

    /** The index of the colon ending {@code uri}'s RFC 3986 scheme, or -1 when it does not start with one. */
    private static int schemeEnd(String uri) {
        if (uri.isEmpty() || !isAsciiLetter(uri.charAt(0))) {
            return -1;
        }
        for (int i = 1; i < uri.length(); i++) { // bounded by the URI, at most MAX_URI_CHARS
            char c = uri.charAt(i);
            if (c == ':') {
                return i;
            }
            if (!isAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') {
                return -1;
            }
        }
        return -1;
    }

    /** {@code //} and a character that is not a third {@code /} follow at {@code at}: libhtp's test for an authority. */
    private static boolean hasAuthority(String uri, int at) {
        return at + 2 < uri.length() && uri.charAt(at) == '/' && uri.charAt(at + 1) == '/' && uri.charAt(at + 2) != '/';
    }

    /** Where the authority that starts at {@code from} ends: at the first {@code /}, {@code ?} or {@code #}, or the end. */
    private static int authorityEnd(String uri, int from) {
        int i = from;
        while (i < uri.length() && uri.charAt(i) != '/' && uri.charAt(i) != '?' && uri.charAt(i) != '#') {
            i++;
        }
        return i;
    }

    private static boolean isAsciiLetter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }
}
