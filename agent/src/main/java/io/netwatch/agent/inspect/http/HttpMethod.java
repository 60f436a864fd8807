package io.netwatch.agent.inspect.http;

/**
 * The request methods requests are counted by: those of RFC 9110 and PATCH (RFC 5789), each as
 * sent; every other token, a WebDAV method or a scanner's made-up one, is {@link #OTHER}. A fixed
 * set, so that a metric labelled with it keeps its series bounded whatever a client sends.
 * Methods are case-sensitive (RFC 9110 section 9.1): {@code get} is {@link #OTHER}.
 */
public enum HttpMethod {
    GET, POST, PUT, DELETE, HEAD, OPTIONS, PATCH, CONNECT, TRACE,
    /** Any other method. */
    OTHER;

    /** The metric label: the method as sent, {@code other} for the rest. */
    public String label() {
        return this == OTHER ? "other" : name();
    }

    /**
     * The group of a request's method ({@link HttpRequest#method()}). A switch on the string
     * (its hash and one comparison), not a lookup in {@code values()}: it runs on the capture
     * thread.
     */
    public static HttpMethod of(String method) {
        return switch (method) {
            case "GET" -> GET;
            case "POST" -> POST;
            case "PUT" -> PUT;
            case "DELETE" -> DELETE;
            case "HEAD" -> HEAD;
            case "OPTIONS" -> OPTIONS;
            case "PATCH" -> PATCH;
            case "CONNECT" -> CONNECT;
            case "TRACE" -> TRACE;
            default -> OTHER;
        };
    }
}
