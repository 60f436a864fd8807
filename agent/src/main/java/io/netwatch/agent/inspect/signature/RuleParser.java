package io.netwatch.agent.inspect.signature;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads rules written in the subset of Suricata's syntax that docs/signatures.md describes.
 * A rule that cannot be read, or asks for something Netwatch does not do, is refused with
 * its line and the reason; the other rules of the file still load. Never throws on input.
 */
public final class RuleParser {
    /** Longest rule accepted, characters (continuation lines joined). */
    public static final int MAX_RULE_CHARS = 64 * 1024;
    /** Most contents in one rule. */
    public static final int MAX_CONTENTS = 32;

    private static final Pattern HEADER = Pattern.compile(
            "^(\\S+)\\s+(\\S+)\\s+(\\S+|\\[[^]]*])\\s+(\\S+|\\[[^]]*])\\s+(\\S+)\\s+(\\S+|\\[[^]]*])\\s+(\\S+|\\[[^]]*])\\s*\\((.*)\\)\\s*$",
            Pattern.DOTALL);
    /** Options read and ignored: they document a rule and change nothing Netwatch does. */
    private static final Set<String> DOCUMENTATION = Set.of("reference", "metadata", "target", "gid");
    /** Everything the parser knows, for the error that names an unknown keyword. */
    private static final String SUPPORTED = "msg, content, nocase, offset, depth, distance, within, startswith, "
            + "endswith, fast_pattern, sid, rev, classtype, priority, flow, threshold, detection_filter, reference, "
            + "metadata, target, gid, pkt_data, "
            + "http.method, http.uri, http.uri.raw, http.host, http.host.raw, http.user_agent, http.content_type, "
            + "http.stat_code, dns.query, tls.sni, ja3.hash, ja4.hash";

    private final RuleVariables vars;

    public RuleParser(RuleVariables vars) {
        this.vars = vars;
    }

    /**
     * What reading one text gave: the rules that loaded, an error for each that did not, and
     * the sids of those left unread because they are disabled (see {@link #parse(String, String, Set)}),
     * each once however many lines gave it.
     */
    public record Result(List<Rule> rules, List<RuleError> errors, List<Integer> disabledUnread) {
        public Result {
            rules = List.copyOf(rules);
            errors = List.copyOf(errors);
            disabledUnread = List.copyOf(disabledUnread);
        }

        public Result(List<Rule> rules, List<RuleError> errors) {
            this(rules, errors, List.of());
        }
    }

    /**
     * Reads every rule of {@code text}. Lines starting with {@code #} and blank lines are
     * skipped; a line ending in {@code \} continues on the next.
     *
     * @param source the file's name, for origins and errors
     */
    public Result parse(String text, String source) {
        return parse(text, source, Set.of());
    }

    /**
     * As {@link #parse(String, String)}, but a rule that cannot be read and whose sid is in
     * {@code disabled} is left out unsaid, its sid in {@link Result#disabledUnread()}: disabling
     * the sids of the rules Netwatch refuses is how a Suricata ruleset is tuned to it, as
     * suricata-update's disable.conf comments rules out before Suricata reads them. (Rules read
     * are returned whatever their sid: the caller leaves the disabled ones out.)
     */
    public Result parse(String text, String source, Set<Integer> disabled) {
        // A set: a file repeating one disabled rule's line keeps one sid, not one a line.
        Set<Integer> disabledUnread = new LinkedHashSet<>();
        List<Rule> rules = new ArrayList<>();
        FileErrors errors = new FileErrors(source);
        String[] lines = text.split("\r?\n", -1);
        StringBuilder rule = new StringBuilder();
        int startLine = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (rule.isEmpty()) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                startLine = i + 1;
            }
            boolean continued = line.endsWith("\\");
            rule.append(continued ? line.substring(0, line.length() - 1) : line);
            if (rule.length() > MAX_RULE_CHARS) {
                errors.add(startLine, "the rule is longer than " + MAX_RULE_CHARS + " characters");
                rule.setLength(0);
                // Skip to the end of this rule's continuation lines.
                while (continued && i + 1 < lines.length) {
                    continued = lines[++i].endsWith("\\");
                }
                continue;
            }
            if (continued && i + 1 < lines.length) {
                continue;
            }
            String ruleText = rule.toString().strip();
            try {
                rules.add(rule(ruleText, source + ":" + startLine));
            } catch (IllegalArgumentException e) {
                int sid = disabled.isEmpty() ? -1 : sidOf(ruleText);
                if (disabled.contains(sid)) {
                    disabledUnread.add(sid);
                } else {
                    errors.add(startLine, e.getMessage());
                }
            }
            rule.setLength(0);
        }
        return new Result(rules, errors.list(), List.copyOf(disabledUnread));
    }

    /**
     * The sid a rule's text gives, read leniently for a rule that cannot be read otherwise, or
     * -1 when its header or options cannot be told apart or it gives none (one longer than the
     * rule limit never gets here).
     */
    static int sidOf(String text) {
        Matcher m = HEADER.matcher(text);
        if (!m.matches()) {
            return -1;
        }
        try {
            for (RuleText.Option o : RuleText.options(m.group(8))) {
                if (o.name().equals("sid") && o.value() != null && o.value().matches("\\d{1,10}")) {
                    long sid = Long.parseLong(o.value());
                    return sid > 0 && sid <= Integer.MAX_VALUE ? (int) sid : -1;
                }
            }
        } catch (IllegalArgumentException e) {
            return -1;
        }
        return -1;
    }

    /** Parses one rule; throws {@link IllegalArgumentException} with the reason it is refused. */
    Rule rule(String text, String origin) {
        Matcher m = HEADER.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a rule: expected 'alert PROTO SRC PORT -> DST PORT (options;)'");
        }
        String action = m.group(1);
        if (!action.equals("alert")) {
            throw new IllegalArgumentException("action '" + action + "' is not supported: Netwatch rules only alert "
                    + "(blocking is decided by the response policy)");
        }
        RuleProtocol protocol = RuleProtocol.of(m.group(2)).orElseThrow(() -> new IllegalArgumentException(
                "protocol '" + m.group(2) + "' is not one of ip, any, tcp, udp, http, dns, tls, ssh"));
        AddressSet src = address(m.group(3), "source");
        PortSet srcPorts = ports(m.group(4), "source");
        String direction = m.group(5);
        if (!direction.equals("->") && !direction.equals("<>")) {
            throw new IllegalArgumentException("direction '" + direction + "' must be '->' or '<>'");
        }
        AddressSet dst = address(m.group(6), "destination");
        PortSet dstPorts = ports(m.group(7), "destination");

        Options o = new Options();
        for (RuleText.Option opt : RuleText.options(m.group(8))) {
            o.apply(opt);
        }
        return o.build(protocol, src, srcPorts, dst, dstPorts, direction.equals("<>"), origin);
    }

    private AddressSet address(String s, String side) {
        try {
            return AddressSet.parse(s, vars);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(side + " address: " + e.getMessage());
        }
    }

    private PortSet ports(String s, String side) {
        try {
            return PortSet.parse(s, vars);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(side + " port: " + e.getMessage());
        }
    }

    /** The options of one rule as they are read, in order. */
    private static final class Options {
        private String msg;
        private int sid = -1;
        private int rev;
        private String classtype = "";
        private int priority = -1;
        private Rule.FlowDirection flow = Rule.FlowDirection.EITHER;
        /** The rule's threshold or detection_filter, at most one of them. */
        private Threshold threshold;
        private Buffer sticky = Buffer.PAYLOAD;
        /** A sticky buffer was named and no content has followed it yet. */
        private String stickyWaiting;
        private final List<Content> contents = new ArrayList<>();
        private final Map<String, Boolean> seen = new HashMap<>();

        void apply(RuleText.Option o) {
            String k = o.name();
            Optional<Buffer> stickyBuffer = Buffer.bySticky(k);
            if (stickyBuffer.isPresent()) {
                noValue(o);
                if (stickyWaiting != null) {
                    throw new IllegalArgumentException(stickyWaiting + " is not followed by a content");
                }
                sticky = stickyBuffer.get();
                stickyWaiting = sticky == Buffer.PAYLOAD ? null : k;
                return;
            }
            Optional<Buffer> modifier = Buffer.byModifier(k);
            if (modifier.isPresent()) {
                noValue(o);
                Content c = last(k);
                if (c.buffer != Buffer.PAYLOAD || c.bufferFromModifier) {
                    throw new IllegalArgumentException(k + " applies to a content that already looks at "
                            + c.buffer.keyword());
                }
                c.buffer = modifier.get();
                c.bufferFromModifier = true;
                return;
            }
            switch (k) {
                case "msg" -> msg = RuleText.unquote(once(o), "msg");
                case "sid" -> sid = positive(once(o), "sid");
                case "rev" -> rev = number(once(o), "rev", 0, Integer.MAX_VALUE);
                case "classtype" -> {
                    classtype = once(o);
                    if (ClassTypes.priority(classtype) < 0) {
                        throw new IllegalArgumentException("unknown classtype '" + classtype
                                + "' (Suricata's classification.config names, e.g. attempted-recon, web-application-attack)");
                    }
                }
                case "priority" -> priority = number(once(o), "priority", 1, 4);
                case "flow" -> flow(once(o));
                case "threshold", "detection_filter" -> {
                    String v = once(o);
                    if (threshold != null) {
                        throw new IllegalArgumentException("threshold and detection_filter are not allowed in the same"
                                + " rule, as in Suricata");
                    }
                    threshold = threshold(k, v);
                }
                case "content" -> {
                    Content c = new Content();
                    String v = value(o);
                    if (v.startsWith("!")) {
                        c.negated = true;
                        v = v.substring(1).trim();
                    }
                    c.pattern = RuleText.contentBytes(v);
                    if (c.pattern.length == 0 || c.pattern.length > ContentMatch.MAX_PATTERN) {
                        throw new IllegalArgumentException("content must be 1 to " + ContentMatch.MAX_PATTERN + " bytes");
                    }
                    c.buffer = sticky;
                    stickyWaiting = null;
                    contents.add(c);
                    if (contents.size() > MAX_CONTENTS) {
                        throw new IllegalArgumentException("more than " + MAX_CONTENTS + " contents in one rule");
                    }
                }
                case "nocase" -> {
                    noValue(o);
                    modifier(k).nocase = true;
                }
                case "fast_pattern" -> {
                    noValue(o);
                    Content c = modifier(k);
                    if (c.negated) {
                        throw new IllegalArgumentException("fast_pattern cannot be a negated content");
                    }
                    c.fastPattern = true;
                }
                case "startswith" -> {
                    noValue(o);
                    modifier(k).startsWith = true;
                }
                case "endswith" -> {
                    noValue(o);
                    modifier(k).endsWith = true;
                }
                case "offset" -> modifier(k).offset = number(value(o), k, 0, 65535);
                case "depth" -> modifier(k).depth = number(value(o), k, 1, 65535);
                case "distance" -> modifier(k).distance = number(value(o), k, -65535, 65535);
                case "within" -> modifier(k).within = number(value(o), k, 1, 65535);
                default -> {
                    if (!DOCUMENTATION.contains(k)) {
                        throw new IllegalArgumentException("unsupported keyword '" + k + "' (Netwatch reads: "
                                + SUPPORTED + ")");
                    }
                }
            }
        }

        Rule build(RuleProtocol protocol, AddressSet src, PortSet srcPorts, AddressSet dst, PortSet dstPorts,
                   boolean bidirectional, String origin) {
            if (stickyWaiting != null) {
                throw new IllegalArgumentException(stickyWaiting + " is not followed by a content");
            }
            if (sid < 0) {
                throw new IllegalArgumentException("the rule has no sid");
            }
            if (msg == null) {
                throw new IllegalArgumentException("the rule has no msg (an alert must say what it found)");
            }
            if (contents.isEmpty()) {
                throw new IllegalArgumentException("the rule has no content (Netwatch matches rules by content)");
            }
            List<ContentMatch> matches = new ArrayList<>();
            Map<Buffer, Integer> perBuffer = new HashMap<>();
            Buffer.Group group = null;
            for (Content c : contents) {
                c.check(perBuffer.getOrDefault(c.buffer, 0) == 0);
                perBuffer.merge(c.buffer, 1, Integer::sum);
                Buffer.Group g = c.buffer.group();
                if (group != null && !group.combinesWith(g)) {
                    throw new IllegalArgumentException("contents on " + c.buffer.keyword() + " and on "
                            + contents.get(0).buffer.keyword() + " cannot be combined in one rule: they come from "
                            + "different inspection results (write two rules)");
                }
                group = group == null ? g : group;
                checkProtocol(protocol, c.buffer);
                matches.add(new ContentMatch(c.buffer, c.pattern, c.nocase, c.negated, c.offset, c.depth, c.distance,
                        c.within, c.startsWith, c.endsWith, c.fastPattern));
            }
            int p = priority > 0 ? priority : classtype.isEmpty() ? 3 : ClassTypes.priority(classtype);
            Rule rule = new Rule(sid, rev, msg, classtype, p, protocol, src, srcPorts, dst, dstPorts, bidirectional,
                    flow, matches, threshold, origin);
            checkDirection(rule);
            return rule;
        }

        /**
         * Refuses an HTTP rule whose flow is the other way from the only message its buffers are
         * in (a request's buffer and {@code flow:to_client}): it could never fire. Suricata
         * refuses it too ("mixes keywords with conflicting directions").
         */
        private static void checkDirection(Rule rule) {
            Buffer.Group g = rule.group();
            boolean request = g == Buffer.Group.HTTP_REQUEST && rule.flow() == Rule.FlowDirection.TO_CLIENT;
            boolean response = g == Buffer.Group.HTTP_RESPONSE && rule.flow() == Rule.FlowDirection.TO_SERVER;
            if (!request && !response) {
                return;
            }
            for (ContentMatch c : rule.contents()) {
                if (c.buffer().group() == g) {
                    throw new IllegalArgumentException(c.buffer().keyword() + " is in "
                            + (request ? "requests only, which flow:to_client" : "responses only, which flow:to_server")
                            + " never sees: the rule could never fire");
                }
            }
        }

        private static void checkProtocol(RuleProtocol p, Buffer b) {
            boolean ok = switch (b.group()) {
                case PAYLOAD -> true;
                case HTTP_REQUEST, HTTP_RESPONSE, HTTP_MESSAGE ->
                        p == RuleProtocol.HTTP || p == RuleProtocol.TCP || p == RuleProtocol.IP;
                case DNS -> p == RuleProtocol.DNS || p == RuleProtocol.UDP || p == RuleProtocol.TCP || p == RuleProtocol.IP;
                case TLS -> p == RuleProtocol.TLS || p == RuleProtocol.TCP || p == RuleProtocol.UDP || p == RuleProtocol.IP;
            };
            if (!ok) {
                throw new IllegalArgumentException(b.keyword() + " cannot match in a " + p.keyword() + " rule");
            }
        }

        /**
         * A {@code threshold} or {@code detection_filter} keyword's value: its parts in any
         * order, each once, as Suricata reads them. What Netwatch cannot count the same way is
         * refused: {@code track by_flow} and {@code type backoff} count matches within one
         * flow, where a rule here matches once; {@code unique_on} counts distinct ports.
         */
        static Threshold threshold(String keyword, String value) {
            boolean filter = keyword.equals("detection_filter");
            String usage = filter ? "detection_filter: track by_src|by_dst|by_rule|by_both, count N, seconds T"
                    : "threshold: type limit|threshold|both, track by_src|by_dst|by_rule|by_both, count N, seconds T";
            Map<String, String> parts = new HashMap<>();
            for (String part : value.split(",", -1)) {
                String p = part.strip();
                int space = 0;
                while (space < p.length() && !Character.isWhitespace(p.charAt(space))) {
                    space++;
                }
                String name = p.substring(0, space);
                String v = p.substring(space).strip();
                switch (name) {
                    case "track", "count", "seconds" -> { }
                    case "type" -> {
                        if (filter) {
                            throw new IllegalArgumentException("detection_filter takes no type; expected '" + usage + "'");
                        }
                    }
                    case "multiplier" -> throw new IllegalArgumentException(keyword + ": multiplier (type backoff) is not"
                            + " supported: it counts the matches of one flow, and a rule matches at most once per flow"
                            + " in Netwatch");
                    case "unique_on" -> throw new IllegalArgumentException(keyword + ": unique_on is not supported;"
                            + " expected '" + usage + "'");
                    default -> throw new IllegalArgumentException(keyword + ": " + (p.isEmpty() ? "an empty part"
                            : "'" + Threshold.shorten(p) + "'") + " is not one of its parts; expected '" + usage + "'");
                }
                if (v.isEmpty()) {
                    throw new IllegalArgumentException(keyword + ": " + name + " has no value; expected '" + usage + "'");
                }
                if (parts.put(name, v) != null) {
                    throw new IllegalArgumentException(keyword + ": " + name + " is given twice");
                }
            }
            for (String required : filter ? List.of("track", "count", "seconds")
                    : List.of("type", "track", "count", "seconds")) {
                if (!parts.containsKey(required)) {
                    throw new IllegalArgumentException(keyword + ": " + required + " is missing; expected '" + usage
                            + "'");
                }
            }
            Threshold.Type type = Threshold.Type.DETECTION_FILTER;
            if (!filter) {
                type = switch (parts.get("type")) {
                    case "limit" -> Threshold.Type.LIMIT;
                    case "threshold" -> Threshold.Type.THRESHOLD;
                    case "both" -> Threshold.Type.BOTH;
                    case "backoff" -> throw new IllegalArgumentException("threshold: type backoff is not supported:"
                            + " it counts the matches of one flow (track by_flow only), and a rule matches at most"
                            + " once per flow in Netwatch");
                    default -> throw new IllegalArgumentException("threshold: type '"
                            + Threshold.shorten(parts.get("type")) + "' is not limit, threshold or both");
                };
            }
            String trackWord = parts.get("track");
            Threshold.Track track = Threshold.Track.of(trackWord);
            if (track == null) {
                throw new IllegalArgumentException(keyword + ": track '" + Threshold.shorten(trackWord) + "' is not "
                        + (trackWord.equals("by_flow") ? "supported: a rule matches at most once per flow in Netwatch,"
                        + " so a count by flow never passes 1; use by_src, by_dst, by_rule or by_both"
                        : "by_src, by_dst, by_rule or by_both"));
            }
            try {
                return new Threshold(type, track, Threshold.number(parts.get("count"), "count"),
                        Threshold.number(parts.get("seconds"), "seconds"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(keyword + ": " + e.getMessage());
            }
        }

        private void flow(String v) {
            for (String part : v.split(",")) {
                switch (part.trim()) {
                    case "to_server", "from_client" -> flow = Rule.FlowDirection.TO_SERVER;
                    case "to_client", "from_server" -> flow = Rule.FlowDirection.TO_CLIENT;
                    // Netwatch matches reassembled streams and parsed messages: established is implied.
                    case "established", "stateless" -> { }
                    default -> throw new IllegalArgumentException("flow option '" + part.trim()
                            + "' is not supported (to_server, to_client, from_server, from_client, established, stateless)");
                }
            }
        }

        private Content last(String keyword) {
            if (contents.isEmpty()) {
                throw new IllegalArgumentException(keyword + " must follow a content");
            }
            return contents.get(contents.size() - 1);
        }

        /**
         * The content a modifier applies to, refusing one it was given already: Suricata refuses
         * a second depth or nocase on one content rather than keep either.
         */
        private Content modifier(String keyword) {
            Content c = last(keyword);
            if (!c.modifiers.add(keyword)) {
                throw new IllegalArgumentException(keyword + " is given twice for content \""
                        + RuleText.printable(c.pattern) + "\"");
            }
            return c;
        }

        private String once(RuleText.Option o) {
            if (seen.put(o.name(), Boolean.TRUE) != null) {
                throw new IllegalArgumentException(o.name() + " is given twice");
            }
            return value(o);
        }

        private static String value(RuleText.Option o) {
            if (o.value() == null || o.value().isEmpty()) {
                throw new IllegalArgumentException(o.name() + " needs a value (" + o.name() + ":...;)");
            }
            return o.value();
        }

        private static void noValue(RuleText.Option o) {
            if (o.value() != null) {
                throw new IllegalArgumentException(o.name() + " takes no value");
            }
        }

        private static int positive(String v, String keyword) {
            return number(v, keyword, 1, Integer.MAX_VALUE);
        }

        private static int number(String v, String keyword, int min, int max) {
            try {
                long n = Long.parseLong(v.trim());
                if (n >= min && n <= max) {
                    return (int) n;
                }
            } catch (NumberFormatException e) {
                // Falls through.
            }
            throw new IllegalArgumentException(keyword + " must be a whole number from " + min + " to " + max
                    + ", not '" + v + "'");
        }
    }

    /** A content while its modifiers are being read. */
    private static final class Content {
        Buffer buffer;
        boolean bufferFromModifier;
        byte[] pattern;
        boolean negated;
        boolean nocase;
        boolean fastPattern;
        boolean startsWith;
        boolean endsWith;
        int offset = ContentMatch.UNSET;
        int depth = ContentMatch.UNSET;
        int distance = ContentMatch.UNSET;
        int within = ContentMatch.UNSET;
        /** The modifiers given so far, each at most once. */
        final Set<String> modifiers = new java.util.HashSet<>();

        void check(boolean firstOfBuffer) {
            String what = "content \"" + RuleText.printable(pattern) + "\"";
            boolean absolute = offset != ContentMatch.UNSET || depth != ContentMatch.UNSET || startsWith;
            boolean relative = distance != ContentMatch.UNSET || within != ContentMatch.UNSET;
            if (absolute && relative) {
                throw new IllegalArgumentException(what + " mixes absolute (offset, depth, startswith) and relative "
                        + "(distance, within) positions");
            }
            if (relative && firstOfBuffer) {
                throw new IllegalArgumentException(what + " uses distance or within but is the first content of "
                        + buffer.keyword());
            }
            if (depth != ContentMatch.UNSET && depth < pattern.length) {
                throw new IllegalArgumentException(what + " has a depth shorter than the content");
            }
            if (within != ContentMatch.UNSET && within < pattern.length) {
                throw new IllegalArgumentException(what + " has a within shorter than the content");
            }
            if (startsWith && offset != ContentMatch.UNSET) {
                throw new IllegalArgumentException(what + " has both startswith and offset");
            }
            if (startsWith && depth != ContentMatch.UNSET) {
                // Suricata refuses it too: startswith is offset:0 with a depth of the content's length.
                throw new IllegalArgumentException(what + " has both startswith and depth");
            }
            if (buffer == Buffer.HTTP_HOST && !nocase) {
                for (byte b : pattern) {
                    if (b >= 'A' && b <= 'Z') {
                        throw new IllegalArgumentException(what + " on http.host has upper-case letters: the buffer "
                                + "is lower-cased, so it can never match (write it in lower case or add nocase)");
                    }
                }
            }
        }
    }
}
