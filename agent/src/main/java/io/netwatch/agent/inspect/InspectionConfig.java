package io.netwatch.agent.inspect;

import io.netwatch.agent.inspect.signature.Buffer;
import io.netwatch.agent.inspect.signature.RuleSet;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Bounds of payload inspection, and which application protocols it parses.
 *
 * @param depthBytes        stream bytes inspected per direction of a TCP flow
 * @param maxPendingBytes   out-of-order bytes held per direction while waiting for a hole
 * @param budgetBytes       out-of-order bytes held across all flows
 * @param maxInspectedFlows flows inspected at once (one inspection is done with holds no place); at
 *                          the bound a new flow takes the place of an unanswered one, else of the
 *                          least recently active (counted)
 * @param parsers           the protocols whose messages are parsed. One left out is still named
 *                          by its first bytes (the flow's app_proto, port mismatches, rules on
 *                          the protocol in their header), but its messages are not read: no
 *                          record fields, no messages, no rules on its fields, no detector
 *                          that reads them. Suricata's {@code app-layer.protocols.X.enabled:
 *                          detection-only} is the same trade: CPU for what is learnt.
 */
public record InspectionConfig(int depthBytes, int maxPendingBytes, long budgetBytes, int maxInspectedFlows,
                               Set<MessageKind> parsers) {
    public InspectionConfig {
        if (depthBytes < 1024 || maxPendingBytes < 1024 || budgetBytes < maxPendingBytes || maxInspectedFlows < 1) {
            throw new IllegalArgumentException("inspection bounds: depth and pending bytes must be at least 1024, the "
                    + "budget at least the pending bytes, and at least one flow");
        }
        parsers = Set.copyOf(parsers);
    }

    /** Every parser, with the given bounds. */
    public InspectionConfig(int depthBytes, int maxPendingBytes, long budgetBytes, int maxInspectedFlows) {
        this(depthBytes, maxPendingBytes, budgetBytes, maxInspectedFlows, EnumSet.allOf(MessageKind.class));
    }

    /** 64 KiB per direction: several pipelined HTTP requests, any ClientHello, post-quantum ones included. */
    public static InspectionConfig defaults() {
        return new InspectionConfig(64 * 1024, 64 * 1024, ReassemblyBudget.DEFAULT_BYTES, 65_536);
    }

    /** The parsers' labels ({@link MessageKind#label()}), in declaration order: dns, http, tls, quic, ssh. */
    public List<String> parserLabels() {
        return parsers.stream().sorted().map(MessageKind::label).toList();
    }

    /** The same bounds, parsing only {@code only}. */
    public InspectionConfig withParsers(Set<MessageKind> only) {
        return new InspectionConfig(depthBytes, maxPendingBytes, budgetBytes, maxInspectedFlows, only);
    }

    /**
     * What loading {@code rules} under these parsers leaves unseen, one line each: the rules on
     * the fields of a protocol that is not parsed, which can never fire. Empty when all can.
     */
    public List<String> rulesThatCannotFire(RuleSet rules) {
        List<String> out = new ArrayList<>();
        unread(rules, Buffer.Group::isHttp, !parsers.contains(MessageKind.HTTP), "http", out);
        unread(rules, g -> g == Buffer.Group.DNS, !parsers.contains(MessageKind.DNS), "dns", out);
        unread(rules, g -> g == Buffer.Group.TLS,
                !parsers.contains(MessageKind.TLS) && !parsers.contains(MessageKind.QUIC), "tls and quic", out);
        return out;
    }

    private static void unread(RuleSet rules, Predicate<Buffer.Group> reads, boolean off,
                               String parser, List<String> out) {
        if (!off) {
            return;
        }
        long n = rules.rules().stream().filter(r -> reads.test(r.group())).count();
        if (n > 0) {
            out.add(n + " rule" + (n == 1 ? " reads " : "s read ") + parser + " fields, but inspection.parsers "
                    + "leaves " + parser + " out: " + (n == 1 ? "it" : "they") + " cannot fire");
        }
    }
}
