package io.netwatch.agent.inspect.signature;

import java.util.List;
import java.util.Objects;

/**
 * One parsed signature: Suricata's {@code alert PROTO SRC SPORT -> DST DPORT (options)}.
 * Immutable; compiled into a {@link RuleSet}.
 *
 * @param sid           the rule's id, unique in a rule set
 * @param rev           its revision
 * @param msg           what an alert says
 * @param classtype     Suricata classification ({@link ClassTypes}), empty when none
 * @param priority      1 (most severe) to 4, from the classtype or the {@code priority} keyword
 * @param protocol      which flows the rule looks at
 * @param source        where the matched bytes come from
 * @param sourcePorts   their port
 * @param destination   where they go
 * @param destPorts     their port
 * @param bidirectional {@code <>}: either side may be the source
 * @param flow          which direction of a flow the bytes must travel
 * @param contents      in rule order; at least one is not negated
 * @param threshold     its {@code threshold} or {@code detection_filter} keyword, or null for none (a
 *                      threshold.config line for its sid replaces it: see {@link Thresholds})
 * @param origin        file and line the rule came from, for errors and alerts
 */
public record Rule(int sid, int rev, String msg, String classtype, int priority, RuleProtocol protocol,
                   AddressSet source, PortSet sourcePorts, AddressSet destination, PortSet destPorts,
                   boolean bidirectional, FlowDirection flow, List<ContentMatch> contents, Threshold threshold,
                   String origin) {

    /** Which way the matched bytes go: toward the server (the flow's responder) or back. */
    public enum FlowDirection { EITHER, TO_SERVER, TO_CLIENT }

    public Rule {
        if (sid <= 0) {
            throw new IllegalArgumentException("sid must be a positive number");
        }
        Objects.requireNonNull(msg, "msg");
        Objects.requireNonNull(classtype, "classtype");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(flow, "flow");
        contents = List.copyOf(contents);
        if (contents.stream().allMatch(ContentMatch::negated)) {
            throw new IllegalArgumentException("a rule needs at least one content that is not negated");
        }
        if (priority < 1 || priority > 4) {
            throw new IllegalArgumentException("priority must be 1 to 4");
        }
    }

    /**
     * The inspection results the rule is checked on. An HTTP rule with a response buffer is
     * checked on responses (its request's buffers come with them); else one with a request
     * buffer on requests; one on buffers both messages have ({@code http.content_type}) on
     * the messages its {@code flow} names, and without a flow on both ({@link
     * Buffer.Group#HTTP_MESSAGE}), as Suricata inspects such a buffer in both directions.
     */
    public Buffer.Group group() {
        Buffer.Group g = contents.get(0).buffer().group();
        if (!g.isHttp()) {
            return g;
        }
        boolean request = false;
        for (ContentMatch c : contents) { // at most RuleParser.MAX_CONTENTS
            Buffer.Group cg = c.buffer().group();
            if (cg == Buffer.Group.HTTP_RESPONSE) {
                return Buffer.Group.HTTP_RESPONSE;
            }
            request |= cg == Buffer.Group.HTTP_REQUEST;
        }
        if (request) {
            return Buffer.Group.HTTP_REQUEST;
        }
        return switch (flow) {
            case TO_SERVER -> Buffer.Group.HTTP_REQUEST;
            case TO_CLIENT -> Buffer.Group.HTTP_RESPONSE;
            case EITHER -> Buffer.Group.HTTP_MESSAGE;
        };
    }

    /** True when the rule is checked on the messages of {@code message} (see {@link #group}). */
    boolean checkedOn(Buffer.Group message) {
        Buffer.Group g = group();
        return g == message || g == Buffer.Group.HTTP_MESSAGE && message.isHttp();
    }

    /**
     * The content the automaton looks for: the one marked {@code fast_pattern}, else the
     * longest that is not negated (a longer pattern is a rarer one).
     */
    public ContentMatch fastPattern() {
        ContentMatch best = null;
        for (ContentMatch c : contents) {
            if (c.negated()) {
                continue;
            }
            if (c.fastPattern()) {
                return c;
            }
            if (best == null || c.patternView().length > best.patternView().length) {
                best = c;
            }
        }
        return best;
    }

    /** Severity for alerts and anomalies: "high", "medium", "low" or "info". */
    public String severity() {
        return switch (priority) {
            case 1 -> "high";
            case 2 -> "medium";
            case 3 -> "low";
            default -> "info";
        };
    }
}
