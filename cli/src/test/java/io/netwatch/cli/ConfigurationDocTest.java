package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.cli.config.ConfigKey;
import io.netwatch.cli.config.ConfigSchema;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md lists exactly the keys the code reads, in the same order, each with
 * the default the code uses and the type the code checks.
 */
class ConfigurationDocTest {
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z0-9_.]+)` \\| ([^|]+) \\| `([^`]*)` \\| [^|]+\\|$");

    /** A section's table rows: key, type, default. */
    private static List<String[]> rows(String doc, String heading) {
        int start = doc.indexOf("\n" + heading + "\n");
        assertTrue(start >= 0, "docs/configuration.md has no section " + heading);
        int end = doc.indexOf("\n## ", start + heading.length() + 2);
        List<String[]> rows = new ArrayList<>();
        for (String line : doc.substring(start, end < 0 ? doc.length() : end).split("\n")) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                rows.add(new String[] {m.group(1), m.group(2).trim(), m.group(3)});
            }
        }
        return rows;
    }

    private static <T> String shown(ConfigKey<T> k) {
        String t = String.valueOf(k.type().yaml(k.defaultValue())).replace(", ", ",");
        return t.isEmpty() ? "\"\"" : t;
    }

    private static void check(ConfigSchema schema, String heading) throws Exception {
        String doc = Files.readString(Samples.repoRoot().resolve("docs/configuration.md"));
        List<String[]> rows = rows(doc, heading);
        List<String> documented = rows.stream().map(r -> r[0]).toList();
        List<String> inCode = schema.keys().stream().map(ConfigKey::path).toList();
        List<String> undocumented = new ArrayList<>(inCode);
        undocumented.removeAll(documented);
        List<String> unknown = new ArrayList<>(documented);
        unknown.removeAll(inCode);
        assertTrue(undocumented.isEmpty(), "keys of the " + schema.component() + " missing from docs/configuration.md: "
                + undocumented);
        assertTrue(unknown.isEmpty(), "keys in docs/configuration.md the " + schema.component() + " does not read: "
                + unknown);
        assertEquals(inCode, documented, "documented in a different order than printed");
        for (String[] r : rows) {
            ConfigKey<?> k = schema.find(r[0]);
            assertEquals(shown(k), r[2], "default of " + r[0] + " in docs/configuration.md");
            assertEquals(k.type().describe(), r[1], "type of " + r[0] + " in docs/configuration.md");
        }
    }

    @Test
    void everyAgentKeyIsDocumentedAndNothingElse() throws Exception {
        check(AgentSettings.SCHEMA, "## Agent (`agent.yaml`)");
    }

    @Test
    void everyAggregatorKeyIsDocumentedAndNothingElse() throws Exception {
        check(AggregatorSettings.SCHEMA, "## Aggregator (`aggregator.yaml`)");
    }
}
