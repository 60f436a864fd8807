package io.netwatch.agent.inspect.http;

import java.util.List;
import java.util.Objects;

/**
 * A response head.
 *
 * @param version             e.g. {@code HTTP/1.1} (at most {@link HttpParser#MAX_VERSION_CHARS})
 * @param status              the three-digit status code, 100 to 999
 * @param phrase              the reason phrase as sent (may be empty), capped at {@link HttpParser#MAX_PHRASE_CHARS}
 * @param contentType         the Content-Type value, or {@code null}
 * @param contentLengthHeader the first Content-Length value as sent, or {@code null}; kept only
 *                            when it is not the plain decimal spelling of {@code contentLength}
 *                            (which {@link #contentLengthHeader()} then spells on demand)
 * @param contentLength       that value in bytes, or -1 when absent or not a number
 * @param chunked             the body uses chunked transfer coding
 * @param connectionClose     a Connection header lists {@code close}
 * @param anomalies           {@link HttpAnomaly} codes
 */
public record HttpResponse(String version, int status, String phrase, String contentType,
        String contentLengthHeader, long contentLength, boolean chunked, boolean connectionClose,
        List<String> anomalies) implements HttpMessage {

    public HttpResponse {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(phrase, "phrase");
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("status " + status + " is not three digits");
        }
        anomalies = List.copyOf(anomalies);
        contentLengthHeader = HttpParser.unlessPlain(contentLengthHeader, contentLength);
    }

    /** The first Content-Length value as sent (trimmed), or {@code null} when absent. */
    @Override
    public String contentLengthHeader() {
        return HttpParser.spelt(contentLengthHeader, contentLength);
    }

    /** True for 1xx: an interim response; the final one follows for the same request. */
    public boolean isInterim() {
        return status >= 100 && status < 200;
    }
}
