package io.netwatch.agent.inspect.signature;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Suricata threshold.config: its {@code suppress} lines,
 * {@code suppress gen_id 1, sig_id SID} and
 * {@code suppress gen_id 1, sig_id SID, track by_src|by_dst|by_either, ip ADDRESS}, the address
 * in rule syntax (an address, a prefix, a list, an address group); and its {@code threshold}
 * and {@code event_filter} lines (the same thing under two names),
 * {@code threshold gen_id 1, sig_id SID, type limit|threshold|both, track by_src|by_dst|by_rule|by_both,
 * count N, seconds T}, in that order, as Suricata reads them. A line Netwatch cannot honour
 * ({@code rate_filter}, another gen_id) is refused with its line and the reason, as a rule is,
 * and the other lines still load. Never throws on input.
 */
public final class ThresholdParser {
    /** Longest line accepted, characters (continuation lines joined). */
    public static final int MAX_LINE_CHARS = 64 * 1024;
    static final String USAGE = "suppress gen_id 1, sig_id SID[, track by_src|by_dst|by_either, ip ADDRESS]";
    static final String THRESHOLD_USAGE = "threshold gen_id 1, sig_id SID, type limit|threshold|both,"
            + " track by_src|by_dst|by_rule|by_both, count N, seconds T";
    /** One part of a suppress line: its keyword, then its value (Suricata allows no space between). */
    private static final Pattern PART = Pattern.compile("([A-Za-z_]+)\\s*(.*)", Pattern.DOTALL);

    private final RuleVariables vars;

    /** @param vars the address groups an {@code ip $NAME} may use, as rules use them */
    public ThresholdParser(RuleVariables vars) {
        this.vars = vars;
    }

    /** A line read: a suppress line, or a threshold (or event_filter) line. */
    sealed interface Line permits Suppression, ThresholdLine {
    }

    /** What reading one file gave: its suppressions, its thresholds, and an error for each line refused. */
    public record Result(List<Suppression> suppressions, List<ThresholdLine> thresholds, List<RuleError> errors) {
        public Result {
            suppressions = List.copyOf(suppressions);
            thresholds = List.copyOf(thresholds);
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
        List<ThresholdLine> thresholds = new ArrayList<>();
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
                switch (line(joined.toString().strip(), source, startLine)) {
                    case Suppression sup -> out.add(sup);
                    case ThresholdLine th -> thresholds.add(th);
                }
            } catch (IllegalArgumentException e) {
                errors.add(startLine, e.getMessage());
            }
            joined.setLength(0);
        }
        return new Result(out, thresholds, errors.list());
    }

    /**
     * Reads one line: a {@link Suppression} or a {@link ThresholdLine}; throws {@link
     * IllegalArgumentException} with the reason it is refused.
     */
    Line line(String text, String source, int line) {
        int space = 0;
        while (space < text.length() && !Character.isWhitespace(text.charAt(space))) {
            space++;
        }
        String directive = text.substring(0, space);
        return switch (directive.toLowerCase(Locale.ROOT)) {
            case "suppress" -> suppress(text.substring(space), source, line);
            case "threshold", "event_filter" -> threshold(text.substring(space), source, line);
            // Documented as "rate_filter: rate_filter gen_id ...": the first word may carry a colon.
            case "threshold:", "event_filter:" -> throw new IllegalArgumentException("'" + directive + "' is not a"
                    + " threshold.config line; write it without the colon, as Suricata reads it: '" + THRESHOLD_USAGE
                    + "'");
            case "rate_filter", "rate_filter:" -> throw new IllegalArgumentException("not supported: rate_filter"
                    + " (a new action for a rule that alerts often); Netwatch's rules only alert: limit how often"
                    + " with a threshold line");
            default -> throw new IllegalArgumentException("'" + shorten(directive) + "' is not a threshold.config"
                    + " line; expected '" + USAGE + "' or '" + THRESHOLD_USAGE + "'");
        };
    }

    /**
     * A {@code threshold} or {@code event_filter} line after its first word: its parts in
     * Suricata's order, {@code sig_id 0} for every rule without a threshold of its own.
     */
    private ThresholdLine threshold(String rest, String source, int line) {
        List<String> parts = List.of(rest.split(",", -1));
        if (parts.size() != 6) {
            throw new IllegalArgumentException((parts.size() > 6 ? "unexpected '" + shorten(parts.get(6).strip())
                    + "' after seconds; " : "") + "expected '" + THRESHOLD_USAGE + "'");
        }
        int sid = sid(parts.get(0), parts.get(1), THRESHOLD_USAGE, "limit nothing");
        String typeWord = value(parts.get(2), "type", THRESHOLD_USAGE);
        Threshold.Type type = switch (typeWord.toLowerCase(Locale.ROOT)) {
            case "limit" -> Threshold.Type.LIMIT;
            case "threshold" -> Threshold.Type.THRESHOLD;
            case "both" -> Threshold.Type.BOTH;
            default -> throw new IllegalArgumentException("type '" + shorten(typeWord) + "' is not limit, threshold"
                    + " or both");
        };
        String trackWord = value(parts.get(3), "track", THRESHOLD_USAGE);
        Threshold.Track track = Threshold.Track.of(trackWord.toLowerCase(Locale.ROOT));
        if (track == null) {
            throw new IllegalArgumentException("track '" + shorten(trackWord) + "' is not one that threshold takes:"
                    + " by_src, by_dst, by_rule or by_both" + (trackWord.equalsIgnoreCase("by_either")
                    ? " (by_either is suppress's)" : ""));
        }
        long count = Threshold.number(value(parts.get(4), "count", THRESHOLD_USAGE), "count");
        long seconds = Threshold.number(value(parts.get(5), "seconds", THRESHOLD_USAGE), "seconds");
        return new ThresholdLine(sid, new Threshold(type, track, count, seconds), source, line);
    }

    /**
     * The sid of a line's gen_id and sig_id parts: gen_id must be 1, sig_id at most the largest
     * sid; {@code usage} is the line's form, {@code nothing} what a line for another generator
     * would do ("suppress nothing").
     */
    private static int sid(String genPart, String sidPart, String usage, String nothing) {
        String genText = value(genPart, "gen_id", usage);
        long gen = number(genText, "gen_id");
        if (gen != 1) {
            throw new IllegalArgumentException("gen_id " + genText + " is not supported: Netwatch's rules all have"
                    + " gen_id 1" + (gen == 0 ? " (gen_id 0, every generator, names no other rule here): write gen_id 1"
                    : ", so this line would " + nothing));
        }
        String sidText = value(sidPart, "sig_id", usage);
        long sid = number(sidText, "sig_id");
        if (sid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sig_id " + shorten(sidText) + " is past the largest sid a rule can"
                    + " have (" + Integer.MAX_VALUE + ")");
        }
        return (int) sid;
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
        int sid = sid(parts.get(0), parts.get(1), USAGE, "suppress nothing");
        if (parts.size() == 2) {
            if (sid == 0) {
                throw new IllegalArgumentException("sig_id 0 without track and ip would suppress every alert; name a"
                        + " rule's sid, or add track and ip (to run without the bundled rules, set rules.bundled to"
                        + " false)");
            }
            return new Suppression(sid, Suppression.Track.RULE, AddressSet.ANY, source, line);
        }
        String trackWord = value(parts.get(2), "track", USAGE);
        Suppression.Track track = switch (trackWord.toLowerCase(Locale.ROOT)) {
            case "by_src" -> Suppression.Track.BY_SRC;
            case "by_dst" -> Suppression.Track.BY_DST;
            case "by_either" -> Suppression.Track.BY_EITHER;
            default -> throw new IllegalArgumentException("track '" + shorten(trackWord) + "' is not one that"
                    + " suppress takes: by_src, by_dst or by_either");
        };
        String ip = value(parts.get(3), "ip", USAGE);
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
        return new Suppression(sid, track, addresses, source, line);
    }

    /** The value of a part that must start with {@code keyword}, in a line of the form {@code usage}. */
    private static String value(String part, String keyword, String usage) {
        Matcher m = PART.matcher(part.strip());
        if (!m.matches() || !m.group(1).equalsIgnoreCase(keyword)) {
            String given = part.strip();
            throw new IllegalArgumentException((given.isEmpty() ? "missing " + keyword : "expected " + keyword
                    + " where '" + shorten(given) + "' is") + "; expected '" + usage + "'");
        }
        String v = m.group(2).strip();
        if (v.isEmpty()) {
            throw new IllegalArgumentException(keyword + " has no value; expected '" + usage + "'");
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
