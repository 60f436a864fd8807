package io.netwatch.aggregator.alert;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * One HTTP POST of a sink, on the JDK's {@link HttpClient}: no dependency beyond the JDK
 * (fabric8 already runs on it here), a deadline per request, TLS and HTTP/2 to the SaaS
 * endpoints. The status decides: 2xx sent; 408, 429 and 5xx retried (429 and 503 with the
 * service's Retry-After); other 4xx failed for good.
 */
final class HttpPoster {
    /** Response body kept in a failure's reason. */
    private static final int MAX_REASON_CHARS = 200;
    private final HttpClient client;

    HttpPoster(HttpClient client) {
        this.client = client;
    }

    Delivery post(URI uri, Map<String, String> headers, String body, Duration timeout) throws InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        HttpResponse<String> r;
        try {
            r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            return new Delivery.Retry(null, "timed out after " + timeout.toMillis() + "ms");
        } catch (IOException e) {
            return new Delivery.Retry(null, "I/O error: " + e.getMessage());
        }
        int status = r.statusCode();
        if (status >= 200 && status < 300) {
            return Delivery.SENT;
        }
        String reason = "HTTP " + status + ": " + truncate(r.body());
        if (status == 429 || status == 503) {
            return new Delivery.Retry(retryAfter(r.headers().firstValue("Retry-After").orElse(null)), reason);
        }
        if (status == 408 || status >= 500) {
            return new Delivery.Retry(null, reason);
        }
        return new Delivery.Failed(reason);
    }

    /** Retry-After as delta-seconds or an HTTP date (RFC 9110); null when absent or unreadable. */
    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException e) {
            try {
                Duration d = Duration.between(java.time.Instant.now(),
                        ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    static String truncate(String s) {
        String one = s == null ? "" : s.replaceAll("\\s+", " ").strip();
        return one.length() <= MAX_REASON_CHARS ? one : one.substring(0, MAX_REASON_CHARS) + "...";
    }
}
