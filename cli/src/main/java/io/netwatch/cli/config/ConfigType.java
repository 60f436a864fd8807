package io.netwatch.cli.config;

import io.netwatch.common.Durations;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The type of a configuration key: how its text becomes a value, how the value is printed
 * back (so printed configuration parses to the same value), and how the type and its
 * allowed values read in the documentation and in error messages.
 *
 * @param <T> the value's Java type
 */
public interface ConfigType<T> {
    /**
     * Reads a value; throws {@link IllegalArgumentException} whose message continues the
     * sentence "KEY: VALUE ..." ("is not an integer", "must be at least 1").
     */
    T parse(ConfigInput input);

    /** The value as YAML should hold it: a String, Number, Boolean or List of Strings. */
    Object yaml(T value);

    /** The type and its allowed values, for the documentation ("integer, 1 to 65535"). */
    String describe();

    /**
     * Whether a file may give the value as a mapping ({@code NAME: VALUE} lines, as Suricata's
     * {@code vars} are written); the file then passes it on as a list of {@code NAME=VALUE}.
     */
    default boolean readsMappings() {
        return false;
    }

    /** A whole number from {@code min} to {@code max}. */
    static ConfigType<Integer> integer(int min, int max) {
        return new Whole<>(min, max, Math::toIntExact);
    }

    /** A whole number from {@code min} to {@code max}, for byte counts past 2 GiB. */
    static ConfigType<Long> longInteger(long min, long max) {
        return new Whole<>(min, max, n -> n);
    }

    /** A number greater than {@code minExclusive} and at most {@code max}. */
    static ConfigType<Double> ratio(double minExclusive, double max) {
        return new Ratio(minExclusive, max);
    }

    /** A duration of at least {@code min}. */
    static ConfigType<Duration> duration(Duration min) {
        return new Span(min);
    }

    /** {@code true} or {@code false}. */
    static ConfigType<Boolean> bool() {
        return new Choice<>(List.of(true, false), b -> b.toString());
    }

    /** One of the given words (case-insensitive). */
    static ConfigType<String> oneOf(String... words) {
        return new Choice<>(Arrays.asList(words), w -> w);
    }

    /** Any text, possibly empty. */
    static ConfigType<String> text(String describe) {
        return new Text(describe);
    }

    /**
     * Text that {@code check} accepts (it throws {@link IllegalArgumentException} otherwise);
     * the error then says the value is not {@code describe}.
     */
    static ConfigType<String> checked(String describe, java.util.function.Consumer<String> check) {
        return new Checked(describe, check);
    }

    /** A list of texts; in an environment variable or option, comma-separated. */
    static ConfigType<List<String>> textList(String describe) {
        return new TextList(describe);
    }

    /**
     * A list of the given words (case-insensitive, each at most once, possibly none); in an
     * environment variable or option, comma-separated, and {@code none} for the empty list.
     */
    static ConfigType<List<String>> wordList(String... words) {
        return new WordList(List.of(words));
    }

    /**
     * A list of port numbers, 1 to 65535, each at most once, possibly none; in an environment
     * variable or option, comma-separated, and {@code none} for the empty list.
     */
    static ConfigType<List<Integer>> portList() {
        return new NumberList("port", 65535);
    }

    /**
     * A list of signature rule sids, 1 to 2147483647 (the sids a rule can have), each at most
     * once, possibly none; in an environment variable or option, comma-separated, and
     * {@code none} for the empty list.
     */
    static ConfigType<List<Integer>> sidList() {
        return new NumberList("sid", Integer.MAX_VALUE);
    }

    /**
     * A list of {@code NAME=VALUE} settings, each name at most once, possibly none. In an
     * environment variable or option the items are comma-separated outside brackets, so that a
     * value may itself be a list ({@code HOME_NET=[10.0.0.0/8,100.64.0.0/10],DMZ=192.0.2.0/24});
     * in a file they may also be a mapping of {@code NAME: VALUE}.
     */
    static ConfigType<List<String>> assignments(String describe) {
        return new Assignments(describe);
    }

    private static String scalar(ConfigInput in, String describe) {
        if (in.text() == null) {
            throw new IllegalArgumentException("is a list; expected " + describe);
        }
        return in.text().trim();
    }

    /** Converts a checked long to the value's type. */
    interface Narrow<T> {
        T of(long n);
    }

    /** Integers in a closed range. */
    record Whole<T extends Number>(long min, long max, Narrow<T> narrow) implements ConfigType<T> {
        @Override
        public T parse(ConfigInput in) {
            String t = scalar(in, describe());
            long n;
            String digits = t.replace("_", "");
            try {
                n = Long.parseLong(digits);
            } catch (NumberFormatException e) {
                if (!digits.matches("[-+]?\\d+")) {
                    throw new IllegalArgumentException("is not an integer (expected " + describe() + ")");
                }
                // An integer past a long: out of range, not "not an integer" (found in review).
                n = digits.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
            }
            if (n < min) {
                throw new IllegalArgumentException("is out of range (expected " + describe() + ")");
            }
            if (n > max) {
                // describe() leaves out a top at the type's largest value; the error must name it.
                throw new IllegalArgumentException("is out of range (expected integer, " + min + " to " + max + ")");
            }
            return narrow.of(n);
        }

        @Override
        public Object yaml(T value) {
            return value;
        }

        @Override
        public String describe() {
            String top = max == Integer.MAX_VALUE || max == Long.MAX_VALUE ? "" : " to " + max;
            return top.isEmpty() ? "integer, at least " + min : "integer, " + min + top;
        }
    }

    /** A fraction such as a share of failed probes. */
    record Ratio(double minExclusive, double max) implements ConfigType<Double> {
        @Override
        public Double parse(ConfigInput in) {
            double d;
            try {
                d = Double.parseDouble(scalar(in, describe()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("is not a number (expected " + describe() + ")");
            }
            if (!(d > minExclusive && d <= max)) {
                throw new IllegalArgumentException("is out of range (expected " + describe() + ")");
            }
            return d;
        }

        @Override
        public Object yaml(Double value) {
            return value;
        }

        @Override
        public String describe() {
            return "number, more than " + minExclusive + " and at most " + max;
        }
    }

    /** A duration with a lower bound. */
    record Span(Duration min) implements ConfigType<Duration> {
        @Override
        public Duration parse(ConfigInput in) {
            Duration d;
            try {
                d = Durations.parse(scalar(in, describe()));
            } catch (IllegalArgumentException e) {
                // Found by a new user: "-5s" is negative said what was wrong, not what is allowed.
                if ("is negative".equals(e.getMessage())) {
                    throw new IllegalArgumentException("is negative (expected " + describe() + ")");
                }
                throw e;
            }
            if (d.compareTo(min) < 0) {
                throw new IllegalArgumentException("is too short (expected " + describe() + ")");
            }
            return d;
        }

        @Override
        public Object yaml(Duration value) {
            return Durations.format(value);
        }

        @Override
        public String describe() {
            return "duration, at least " + Durations.format(min);
        }
    }

    /** One of a fixed set of values, written as words. */
    record Choice<T>(List<T> values, java.util.function.Function<T, String> word) implements ConfigType<T> {
        @Override
        public T parse(ConfigInput in) {
            String t = scalar(in, describe()).toLowerCase(Locale.ROOT);
            for (T v : values) {
                if (word.apply(v).toLowerCase(Locale.ROOT).equals(t)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("is not allowed (expected " + describe() + ")");
        }

        @Override
        public Object yaml(T value) {
            return value instanceof Boolean ? value : word.apply(value);
        }

        @Override
        public String describe() {
            return "one of " + String.join(", ", values.stream().map(word).toList());
        }
    }

    /** Free text. */
    record Text(String describe) implements ConfigType<String> {
        @Override
        public String parse(ConfigInput in) {
            return scalar(in, describe);
        }

        @Override
        public Object yaml(String value) {
            return value;
        }
    }

    /** Text with a form, such as HOST:PORT. */
    record Checked(String describe, java.util.function.Consumer<String> check) implements ConfigType<String> {
        @Override
        public String parse(ConfigInput in) {
            String t = scalar(in, describe);
            try {
                check.accept(t);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("is not " + describe);
            }
            return t;
        }

        @Override
        public Object yaml(String value) {
            return value;
        }
    }

    /** A list of words from a fixed set. */
    record WordList(List<String> words) implements ConfigType<List<String>> {
        @Override
        public List<String> parse(ConfigInput in) {
            if (in.items() == null && in.text().trim().equalsIgnoreCase("none")) {
                return List.of();
            }
            if (in.items() == null && in.text().isBlank()) {
                // An empty variable or option is more often a slip than a wish for none: say none.
                throw new IllegalArgumentException("is empty (expected " + describe() + ")");
            }
            List<String> given = new TextList(describe()).parse(in);
            List<String> out = new java.util.ArrayList<>();
            for (String g : given) {
                String w = g.toLowerCase(Locale.ROOT);
                if (!words.contains(w)) {
                    throw new IllegalArgumentException("names \"" + g + "\", which is not allowed (expected "
                            + describe() + ")");
                }
                if (out.contains(w)) {
                    throw new IllegalArgumentException("names " + w + " twice (expected " + describe() + ")");
                }
                out.add(w);
            }
            return List.copyOf(out);
        }

        @Override
        public Object yaml(List<String> value) {
            return value;
        }

        @Override
        public String describe() {
            return "list of " + String.join(", ", words) + ", each at most once (none or [] for none)";
        }
    }

    /** A list of numbers of one kind, from 1 to {@code max}: ports, sids. */
    record NumberList(String noun, int max) implements ConfigType<List<Integer>> {
        @Override
        public List<Integer> parse(ConfigInput in) {
            if (in.items() == null && in.text().trim().equalsIgnoreCase("none")) {
                return List.of();
            }
            if (in.items() == null && in.text().isBlank()) {
                // As for word lists: an empty variable or option is more often a slip; say none.
                throw new IllegalArgumentException("is empty (expected " + describe() + ")");
            }
            List<Integer> out = new java.util.ArrayList<>();
            for (String g : new TextList(describe()).parse(in)) {
                if (!g.matches("\\d+")) {
                    throw new IllegalArgumentException("names \"" + g + "\", which is not a " + noun
                            + (noun.equals("port") ? " number" : "") + " (expected " + describe() + ")");
                }
                // Past max's digits (leading zeros aside) it is out of range, and may be past an int.
                String digits = g.replaceFirst("^0+(?=\\d)", "");
                long n = digits.length() > String.valueOf(max).length() ? 0 : Long.parseLong(digits);
                if (n < 1 || n > max) {
                    throw new IllegalArgumentException("names " + noun + " " + g + ", which is out of range (expected "
                            + describe() + ")");
                }
                if (out.contains((int) n)) {
                    throw new IllegalArgumentException("names " + noun + " " + n + " twice (expected " + describe()
                            + ")");
                }
                out.add((int) n);
            }
            return List.copyOf(out);
        }

        @Override
        public Object yaml(List<Integer> value) {
            return value;
        }

        @Override
        public String describe() {
            return "list of " + noun + "s, 1 to " + max + ", each at most once (none or [] for none)";
        }
    }

    /** NAME=VALUE settings, kept as written ("NAME=VALUE", trimmed) so that they print back the same. */
    record Assignments(String describe) implements ConfigType<List<String>> {
        @Override
        public List<String> parse(ConfigInput in) {
            List<String> out = new java.util.ArrayList<>();
            java.util.Set<String> names = new java.util.HashSet<>();
            for (String item : in.items() != null ? in.items() : outsideBrackets(in.text())) {
                int eq = item.indexOf('=');
                String name = eq < 0 ? "" : item.substring(0, eq).trim();
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("names \"" + item.trim() + "\", which is not NAME=VALUE (expected "
                            + describe + ")");
                }
                if (!names.add(name)) {
                    throw new IllegalArgumentException("sets " + name + " twice (expected " + describe + ")");
                }
                out.add(name + "=" + item.substring(eq + 1).trim());
            }
            return List.copyOf(out);
        }

        /** Comma-separated items; a comma inside [...] belongs to its item. */
        private static List<String> outsideBrackets(String text) {
            List<String> items = new java.util.ArrayList<>();
            if (text.isBlank()) {
                return items;
            }
            int level = 0;
            int start = 0;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '[') {
                    level++;
                } else if (c == ']') {
                    // An extra ']' is left in its item, for the value's own check to name.
                    level = Math.max(0, level - 1);
                } else if (c == ',' && level == 0) {
                    items.add(text.substring(start, i));
                    start = i + 1;
                }
            }
            items.add(text.substring(start));
            return items;
        }

        @Override
        public Object yaml(List<String> value) {
            return value;
        }

        @Override
        public boolean readsMappings() {
            return true;
        }
    }

    /** A list of texts. */
    record TextList(String describe) implements ConfigType<List<String>> {
        @Override
        public List<String> parse(ConfigInput in) {
            if (in.items() != null) {
                return in.items();
            }
            String t = in.text().trim();
            return t.isEmpty() ? List.of() : Arrays.stream(t.split(",")).map(String::trim).toList();
        }

        @Override
        public Object yaml(List<String> value) {
            return value;
        }
    }
}
