package io.netwatch.agent.inspect.http;

/**
 * The classes responses are counted by: the first digit of the status code (RFC 9110 section
 * 15), {@code 1xx} to {@code 5xx}; codes 600 to 999, which the parser accepts as three digits
 * but no class defines, are {@link #OTHER}. Classes rather than codes keep a metric's series
 * few and bounded.
 */
public enum HttpStatusClass {
    INFORMATIONAL("1xx"), SUCCESSFUL("2xx"), REDIRECTION("3xx"), CLIENT_ERROR("4xx"), SERVER_ERROR("5xx"),
    /** 600 to 999. */
    OTHER("other");

    private final String label;

    HttpStatusClass(String label) {
        this.label = label;
    }

    /** The metric label: {@code 1xx} to {@code 5xx}, or {@code other}. */
    public String label() {
        return label;
    }

    /** The class of a status code ({@link HttpResponse#status()}, 100 to 999). */
    public static HttpStatusClass of(int status) {
        return switch (status / 100) {
            case 1 -> INFORMATIONAL;
            case 2 -> SUCCESSFUL;
            case 3 -> REDIRECTION;
            case 4 -> CLIENT_ERROR;
            case 5 -> SERVER_ERROR;
            default -> OTHER;
        };
    }
}
