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
}
