package io.netwatch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * One stage's figures as {@code key=value} lines, in the order measured: what {@link BenchReport}
 * reads back to print the table. Doubles are written with enough digits and a dot.
 */
final class Results {
    private final Path file;
    private final Map<String, String> values = new LinkedHashMap<>();

    Results(Path file) {
        this.file = file;
    }

    void put(String key, Object value) {
        String v = value instanceof Double d ? String.format(Locale.ROOT, "%.6g", d) : String.valueOf(value);
        values.put(key, v.replace("\n", " "));
    }

    void write() throws IOException {
        StringBuilder sb = new StringBuilder();
        values.forEach((k, v) -> sb.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        Files.writeString(file, sb.toString());
    }

    /** Reads a stage's file, or an empty set when the stage did not run. */
    static Properties read(Path file) throws IOException {
        Properties p = new Properties();
        if (Files.exists(file)) {
            try (var in = Files.newBufferedReader(file)) {
                p.load(in);
            }
        }
        return p;
    }
}
