package io.netwatch.agent.inspect.http;

import java.util.List;

/**
 * One HTTP/1.x message head: a {@link HttpRequest} or a {@link HttpResponse}. Absent headers
 * are {@code null}; every string is a capped copy of the bytes as sent (ISO-8859-1, one char
 * per byte), header values trimmed of surrounding spaces and tabs.
 */
public sealed interface HttpMessage permits HttpRequest, HttpResponse {

    /** The version as sent, e.g. {@code HTTP/1.1}; {@code null} when a request line had none. */
    String version();

    /** The Content-Type value, or {@code null}. */
    String contentType();

    /** The first Content-Length value as sent (trimmed), or {@code null}. */
    String contentLengthHeader();

    /** The first Content-Length as a number of bytes, or -1 when absent or not a number. */
    long contentLength();

    /** True when the last transfer coding is {@code chunked}. */
    boolean chunked();

    /** {@link HttpAnomaly#code()} of every anomaly seen in this head, in declaration order. */
    List<String> anomalies();
}
