package io.netwatch.common.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Prometheus text exposition as the tests read it: each series (its name and labels as
 * printed) with its value. Shared by the agent's and the aggregator's metrics tests.
 */
public record Exposition(Map<String, Double> samples, Map<String, String> families) {
    /** A label pair: name="value" (values escape \ and "). */
    public static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /**
     * @param text the exposition; {@code # TYPE name type} lines give {@link #families()}
     */
    public static Exposition parse(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        Map<String, String> families = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                families.put(parts[2], parts[3]);
            }
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return new Exposition(out, families);
    }

    /** GETs {@code http://127.0.0.1:PORT/metrics} and parses it; fails on any status but 200. */
    public static Exposition scrape(int port) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /metrics answered " + r.statusCode() + ": " + r.body());
        }
        return parse(r.body());
    }

    /** The value of one series, which must be there. */
    public double value(String series) {
        Double v = samples.get(series);
        if (v == null) {
            throw new AssertionError("no series " + series + " in " + samples.keySet());
        }
        return v;
    }

    /** The series whose name starts with {@code prefix}, sorted. */
    public Set<String> series(String prefix) {
        Set<String> out = new TreeSet<>();
        for (String s : samples.keySet()) {
            if (s.startsWith(prefix)) {
                out.add(s);
            }
        }
        return out;
    }

    /** Metric names (without labels) that have at least one series. */
    public Set<String> names() {
        Set<String> out = new TreeSet<>();
        for (String s : samples.keySet()) {
            int brace = s.indexOf('{');
            out.add(brace < 0 ? s : s.substring(0, brace));
        }
        return out;
    }

    /** Every label name used by the series whose name starts with {@code prefix}. */
    public Set<String> labelNames(String prefix) {
        Set<String> out = new TreeSet<>();
        for (String s : series(prefix)) {
            Matcher m = LABEL.matcher(s);
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }
}
