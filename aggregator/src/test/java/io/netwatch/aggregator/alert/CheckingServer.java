package io.netwatch.aggregator.alert;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;

/**
 * A local stand-in for a receiving service: checks each request as the real service would
 * (the {@link Check} returns what it would refuse, answered 400 like the service), and on
 * command fails (503), hangs until closed, or throttles (429 with Retry-After).
 */
final class CheckingServer implements AutoCloseable {
    /** What the service got. Header names are lowercase. */
    record Request(String method, String path, String query, Map<String, String> headers, String body) {
        JsonNode json() {
            return AlertJson.MAPPER.readTree(body);
        }
    }

    /** The real service's rules: an empty list when it would accept the request. */
    interface Check {
        List<String> problems(Request r);
    }

    enum Mode { OK, FAIL, HANG, THROTTLE }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Check check;
    private final int okStatus;
    private final String okBody;
    volatile Mode mode = Mode.OK;
    /** Seconds of Retry-After when throttling. */
    volatile long retryAfterSeconds = 1;
    final AtomicInteger attempts = new AtomicInteger();
    /** Requests held unanswered in HANG mode: none of them is answered before {@link #close}. */
    final AtomicInteger hanging = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    final List<Request> all = new CopyOnWriteArrayList<>();
    final List<Request> accepted = new CopyOnWriteArrayList<>();
    final List<String> refused = new CopyOnWriteArrayList<>();

    CheckingServer(Check check, int okStatus, String okBody) throws IOException {
        this.check = check;
        this.okStatus = okStatus;
        this.okBody = okBody;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        attempts.incrementAndGet();
        Map<String, String> headers = new TreeMap<>();
        x.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.getFirst()));
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Request r = new Request(x.getRequestMethod(), x.getRequestURI().getRawPath(), x.getRequestURI().getRawQuery(),
                headers, body);
        all.add(r);
        switch (mode) {
            case FAIL -> answer(x, 503, "{\"message\":\"unavailable\"}");
            case HANG -> {
                hanging.incrementAndGet();
                try {
                    closed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            case THROTTLE -> {
                x.getResponseHeaders().add("Retry-After", Long.toString(retryAfterSeconds));
                answer(x, 429, "{\"message\":\"rate limited\"}");
            }
            case OK -> {
                List<String> problems;
                try {
                    problems = check.problems(r);
                } catch (RuntimeException e) {
                    problems = List.of("unreadable request: " + e);
                }
                if (problems.isEmpty()) {
                    accepted.add(r);
                    answer(x, okStatus, okBody);
                } else {
                    refused.addAll(problems);
                    answer(x, 400, String.join("; ", problems));
                }
            }
        }
    }

    private static void answer(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        try (OutputStream o = x.getResponseBody()) {
            o.write(b);
        }
    }

    /** Problems collector for checks. */
    static final class Problems {
        final List<String> list = new ArrayList<>();

        Problems require(boolean ok, String problem) {
            if (!ok) {
                list.add(problem);
            }
            return this;
        }
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
