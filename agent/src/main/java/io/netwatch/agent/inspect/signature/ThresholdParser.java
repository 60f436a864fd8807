package io.netwatch.agent.inspect.signature;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the {@code suppress} lines of a Suricata threshold.config:
 * {@code suppress gen_id 1, sig_id SID} and
 * {@code suppress gen_id 1, sig_id SID, track by_src|by_dst|by_either, ip ADDRESS}, the address
 * in rule syntax (an address, a prefix, a list, an address group). A line Netwatch cannot honour
 * ({@code threshold}, {@code event_filter}, {@code rate_filter}, another gen_id) is refused with
 * its line and the reason, as a rule is, and the other lines still load. Never throws on input.
 */
public final class ThresholdParser {
    /** Longest line accepted, characters (continuation lines joined). */
    public static final int MAX_LINE_CHARS = 64 * 1024;
    static final String USAGE = "suppress gen_id 1, sig_id SID[, track by_src|by_dst|by_either, ip ADDRESS]";
    /** One part of a suppress line: its keyword, then its value (Suricata allows no space between). */
    private static final Pattern PART = Pattern.compile("([A-Za-z_]+)\\s*(.*)", Pattern.DOTALL);

    private final RuleVariables vars;

    /** @param vars the address groups an {@code ip $NAME} may use, as rules use them */
    public ThresholdParser(RuleVariables vars) {
        this.vars = vars;
    }

    /** What reading one file gave: its suppressions, and an error for each line refused. */
    public record Result(List<Suppression> suppressions, List<RuleError> errors) {
        public Result {
            suppressions = List.copyOf(suppressions);
            errors = List.copyOf(errors);
        }
    }

    /**
     * Reads every line of {@code text}. Lines starting with {@code #} and blank lines are
     * skipped; a line ending in {@code \} (white space after it aside) continues on the next,
     * as in Suricata.
     *
     * @param source the file's name, for errors
     */
    public Result parse(String text, String source) {
        List<Suppression> out = new ArrayList<>();
        FileErrors errors = new FileErrors(source);
        String[] lines = text.split("\r?\n", -1);
        StringBuilder joined = new StringBuilder();
        int startLine = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (joined.isEmpty()) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                startLine = i + 1;
            }
            // As Suricata's SCThresholdConfLineIsMultiline: white space after the backslash is no matter.
            String body = line.stripTrailing();
            boolean continued = body.endsWith("\\");
            joined.append(continued ? body.substring(0, body.length() - 1) : line);
            if (joined.length() > MAX_LINE_CHARS) {
                errors.add(startLine, "the line is longer than " + MAX_LINE_CHARS + " characters");
                joined.setLength(0);
                while (continued && i + 1 < lines.length) {
                    continued = lines[++i].stripTrailing().endsWith("\\");
                }
                continue;
            }
            if (continued && i + 1 < lines.length) {
                continue;
            }
            try {
                out.add(line(joined.toString().strip(), source, startLine));
            } catch (IllegalArgumentException e) {
                errors.add(startLine, e.getMessage());
            }
            joined.setLength(0);
        }
        return new Result(out, errors.list());
    }

    /** Reads one line; throws {@link IllegalArgumentException} with the reason it is refused. */
    Suppression line(String text, String source, int line) {
        int space = 0;
        while (space < text.length() && !Character.isWhitespace(text.charAt(space))) {
            space++;
        }
        String directive = text.substring(0, space);
        return switch (directive.toLowerCase(Locale.ROOT)) {
            case "suppress" -> suppress(text.substring(space), source, line);
            // Documented as "rate_filter: rate_filter gen_id ...": the first word may carry a colon.
            case "threshold", "event_filter", "threshold:", "event_filter:" -> throw new IllegalArgumentException(
                    "not supported: " + directive.replace(":", "") + " (a limit on how often a rule alerts);"
                            + " Netwatch reads suppress lines only. A rule alerts at most once per flow, and its"
                            + " signature anomaly once per source and rule every 5 minutes");
            case "rate_filter", "rate_filter:" -> throw new IllegalArgumentException("not supported: rate_filter"
                    + " (a new action for a rule that alerts often); Netwatch reads suppress lines only, and its"
                    + " rules only alert");
            default -> throw new IllegalArgumentException("'" + shorten(directive) + "' is not a threshold.config"
                    + " line; expected '" + USAGE + "'");
        };
    }

    private Suppression suppress(String rest, String source, int line) {
        List<String> parts;
        try {
            parts = RuleText.splitList(rest);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ip: " + e.getMessage());
        }
        if (parts.size() != 2 && parts.size() != 4) {
            throw new IllegalArgumentException(parts.size() == 3 ? "track needs an ip after it; expected '" + USAGE
                    + "'" : parts.size() > 4 ? "unexpected '" + shorten(parts.get(4).strip()) + "' after ip; expected '"
                    + USAGE + "'" : "expected '" + USAGE + "'");
        }
        String genText = value(parts.get(0), "gen_id");
        long gen = number(genText, "gen_id");
        if (gen != 1) {
            throw new IllegalArgumentException("gen_id " + genText + " is not supported: Netwatch's rules all have"
                    + " gen_id 1" + (gen == 0 ? " (gen_id 0, every generator, names no other rule here): write gen_id 1"
                    : ", so this line would suppress nothing"));
        }
        String sidText = value(parts.get(1), "sig_id");
        long sid = number(sidText, "sig_id");
        if (sid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sig_id " + shorten(sidText) + " is past the largest sid a rule can"
                    + " have (" + Integer.MAX_VALUE + ")");
        }
        if (parts.size() == 2) {
            if (sid == 0) {
                throw new IllegalArgumentException("sig_id 0 without track and ip would suppress every alert; name a"
                        + " rule's sid, or add track and ip (to run without the bundled rules, set rules.bundled to"
                        + " false)");
            }
            return new Suppression((int) sid, Suppression.Track.RULE, AddressSet.ANY, source, line);
        }
        String trackWord = value(parts.get(2), "track");
        Suppression.Track track = switch (trackWord.toLowerCase(Locale.ROOT)) {
            case "by_src" -> Suppression.Track.BY_SRC;
            case "by_dst" -> Suppression.Track.BY_DST;
            case "by_either" -> Suppression.Track.BY_EITHER;
            default -> throw new IllegalArgumentException("track '" + shorten(trackWord) + "' is not one that"
                    + " suppress takes: by_src, by_dst or by_either");
        };
        String ip = value(parts.get(3), "ip");
        if (ip.indexOf('!') >= 0) {
            // Suricata's suppress refuses '!' too: a file read here must mean the same there.
            throw new IllegalArgumentException("ip '" + shorten(ip) + "': '!' is not accepted in a suppress line,"
                    + " as in Suricata; list the addresses to suppress, or name an address group");
        }
        AddressSet addresses;
        try {
            addresses = AddressSet.parse(ip, vars);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ip '" + shorten(ip) + "': " + e.getMessage());
        }
        if (sid == 0 && addresses.coversEverything()) {
            throw new IllegalArgumentException("sig_id 0 with ip " + shorten(ip) + " would suppress every alert, as"
                    + " sig_id 0 alone would; name the addresses to suppress (to run without the bundled rules, set"
                    + " rules.bundled to false)");
        }
        return new Suppression((int) sid, track, addresses, source, line);
    }

    /** The value of a part that must start with {@code keyword}. */
    private static String value(String part, String keyword) {
        Matcher m = PART.matcher(part.strip());
        if (!m.matches() || !m.group(1).equalsIgnoreCase(keyword)) {
            String given = part.strip();
            throw new IllegalArgumentException((given.isEmpty() ? "missing " + keyword : "expected " + keyword
                    + " where '" + shorten(given) + "' is") + "; expected '" + USAGE + "'");
        }
        String v = m.group(2).strip();
        if (v.isEmpty()) {
            throw new IllegalArgumentException(keyword + " has no value; expected '" + USAGE + "'");
        }
        return v;
    }

    /** A whole number; {@link Long#MAX_VALUE} for one past 18 digits, which no id can be. */
    private static long number(String v, String keyword) {
        if (!v.matches("\\d+")) {
            throw new IllegalArgumentException(keyword + " '" + shorten(v) + "' is not a number");
        }
        String digits = v.replaceFirst("^0+(?=\\d)", "");
        return digits.length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits);
    }

    /** Text of the file quoted in an error, cut so that one error stays one line. */
    private static String shorten(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
