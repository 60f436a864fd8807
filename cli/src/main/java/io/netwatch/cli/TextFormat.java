package io.netwatch.cli;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.incident.v1.Incident;
import io.netwatch.proto.incident.v1.IncidentState;
import io.netwatch.proto.query.v1.IncidentChange;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.PolicyDecision;
import io.netwatch.proto.flow.v1.Workload;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Human-readable one-line renderings, in the spirit of {@code hubble observe}. */
final class TextFormat {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("MMM dd HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneOffset.UTC);

    private TextFormat() {
    }

    static String flow(Flow f) {
        String src = endpoint(f.getSource(), JsonLines.hasPorts(f));
        String dst = endpoint(f.getDestination(), JsonLines.hasPorts(f));
        return String.format(Locale.ROOT, "%s  %-10s %s -> %s %s %s  %d/%d pkts  %s/%s%s",
                TIME.format(Instant.ofEpochSecond(f.getFirstSeen().getSeconds(), f.getFirstSeen().getNanos())),
                f.getNodeName(), src, dst, JsonLines.protocolName(f.getIpProtocol()).toUpperCase(Locale.ROOT)
                        + (f.getAppProto().isEmpty() ? "" : "/" + f.getAppProto()),
                JsonLines.state(f), f.getToServer().getPackets(), f.getToClient().getPackets(),
                bytes(f.getToServer().getBytes()), bytes(f.getToClient().getBytes()),
                f.getInterim() ? "  (interim)" : "") + verdict(f) + inspection(f);
    }

    /**
     * An endpoint as {@code hubble observe} shows one: its pod ({@code shop/web-1:40000}), or
     * the DNS name it is known by outside the cluster, else its address.
     */
    static String endpoint(Endpoint e, boolean hasPort) {
        String name = name(e.getWorkload());
        return name.isEmpty() ? endpoint(e.getIp(), e.getPort(), hasPort) : name + (hasPort ? ":" + e.getPort() : "");
    }

    /** An endpoint's pod as namespace/name, or the DNS name it is known by outside the cluster; empty when neither. */
    private static String name(Workload w) {
        return !w.getPodName().isEmpty() ? w.getNamespace() + "/" + w.getPodName() : JsonLines.dnsName(w);
    }

    /**
     * An anomaly's actor or target: its pod or outside name with its address, which is what
     * a block acts on ("shop/web-1 (10.0.0.5)"), else the address alone.
     */
    private static String who(Endpoint e) {
        String name = name(e.getWorkload());
        return name.isEmpty() ? e.getIp() : name + " (" + e.getIp() + ")";
    }

    /** The policy verdict, when the aggregator judged the flow: "  policy denied". */
    private static String verdict(Flow f) {
        PolicyDecision d = f.getPolicy().getDecision();
        return d == PolicyDecision.POLICY_DECISION_UNKNOWN ? "" : "  policy " + JsonLines.decision(d);
    }

    /** What payload inspection missed of the flow, when it missed something: " (inspection: ...)". */
    private static String inspection(Flow f) {
        String missed = f.getMissedBytes() == 0 ? "" : "missed " + bytes(f.getMissedBytes());
        String limit = switch (f.getInspectionLimit()) {
            case INSPECTION_LIMIT_FLOWS -> "not inspected, too many flows";
            case INSPECTION_LIMIT_EVICTED -> "cut short, made way for a new flow";
            case INSPECTION_LIMIT_MEMORY -> "cut short, out of memory";
            default -> "";
        };
        if (missed.isEmpty() && limit.isEmpty()) {
            return "";
        }
        return "  (inspection: " + (missed.isEmpty() ? limit : limit.isEmpty() ? missed : missed + ", " + limit) + ")";
    }

    static String anomaly(Anomaly a) {
        return String.format(Locale.ROOT, "%s  %-8s %-12s %s -> %s  score %.2f  %s%n    %s",
                TIME.format(Instant.ofEpochSecond(a.getStart().getSeconds(), a.getStart().getNanos())),
                JsonLines.severity(a).toUpperCase(Locale.ROOT), a.getAnomalyType(),
                // A flood names no actor (its sources may be spoofed), a tunnel no single target.
                a.getSource().getIp().isEmpty() ? "(many sources)" : who(a.getSource()),
                a.getDestination().getIp().isEmpty()
                        ? a.getDestination().getWorkload().getExternalName().isEmpty() ? "(many targets)"
                        : a.getDestination().getWorkload().getExternalName()
                        : who(a.getDestination()), a.getScore(),
                a.getAttackTechnique().isEmpty() ? "" : "ATT&CK " + a.getAttackTechnique(),
                a.getExplanation().getSummary());
    }

    /**
     * An incident as two lines: state, severity, id, family, actor, what it holds and when it
     * changed; then its summary. A followed change says what happened first.
     */
    static String incident(Incident i, IncidentChange change, long lostBefore) {
        String what = switch (change) {
            case INCIDENT_CHANGE_OPENED -> "opened   ";
            case INCIDENT_CHANGE_UPDATED -> "updated  ";
            case INCIDENT_CHANGE_RESOLVED -> "resolved ";
            default -> "";
        };
        String lost = lostBefore == 0 ? "" : "(" + lostBefore + " changes missed before this one)\n";
        return String.format(Locale.ROOT, "%s%s%-8s %-8s %-10s %-11s %s  %s, %s, %s  "
                        + "updated %s%n    %s",
                lost, what, i.getState() == IncidentState.INCIDENT_STATE_OPEN ? "OPEN" : "RESOLVED",
                JsonLines.severity(i.getSeverity()).toUpperCase(Locale.ROOT), i.getId(), i.getFamily(), i.getActor(),
                count(i.getDetections(), "detection"), count(i.getNodeNamesCount() + i.getNodeNamesMore(), "node"),
                count(i.getTargetsCount() + i.getTargetsMore() + i.getSourcesCount() + i.getSourcesMore(), "target"),
                TIME.format(Instant.ofEpochSecond(i.getUpdated().getSeconds(), i.getUpdated().getNanos())),
                i.getSummary());
    }

    /** The flow's application-layer summary in a few words. */
    static String l7(Flow f) {
        if (f.hasDns()) {
            var d = f.getDns();
            String answers = d.getAnswersList().stream().map(a -> a.getData()).limit(3)
                    .reduce((a, b) -> a + ", " + b).orElse("");
            return "DNS " + d.getQuery() + (d.getResponse() ? " -> " + (answers.isEmpty() ? "rcode " + d.getRcode() : answers)
                    : " (no answer seen)");
        }
        if (f.hasHttp()) {
            var h = f.getHttp();
            return "HTTP " + h.getMethod() + " " + h.getHost() + h.getUri() + (h.getStatus() > 0 ? " -> " + h.getStatus() : "")
                    + (h.getUserAgent().isEmpty() ? "" : "  (" + h.getUserAgent() + ")");
        }
        if (f.hasTls()) {
            var t = f.getTls();
            return (f.getAppProto().equals("quic") ? "QUIC " : "TLS ") + (t.getSni().isEmpty() ? "(no SNI)" : t.getSni())
                    + " " + t.getVersion() + (t.getAlpnCount() > 0 ? " alpn " + String.join(",", t.getAlpnList()) : "")
                    + (t.getJa4().isEmpty() ? "" : "  ja4 " + t.getJa4());
        }
        if (f.hasSsh()) {
            return "SSH " + f.getSsh().getClientVersion() + " / " + f.getSsh().getServerVersion();
        }
        return f.getAppProto();
    }

    static String endpoint(String ip, int port, boolean hasPort) {
        String host = ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip;
        return hasPort ? host + ":" + port : host;
    }

    /**
     * What a follower is told when the store evicted records before they could be sent:
     * "3 flows were dropped from the aggregator's store before they could be shown". The store
     * counts what it evicted unread, not what would have matched: with a filter, the count is
     * of stored records, and the message says so rather than claim them all.
     */
    static String lost(long n, String one, String many, boolean filtered) {
        if (filtered) {
            return count(n, "stored " + one, "stored " + many) + (n == 1 ? " was" : " were")
                    + " dropped from the aggregator's store before this reader reached "
                    + (n == 1 ? "it" : "them") + " (whether " + (n == 1 ? "it" : "they") + " matched the filter is not known)";
        }
        return count(n, one, many) + (n == 1 ? " was" : " were") + " dropped from the aggregator's store before "
                + (n == 1 ? "it" : "they") + " could be shown";
    }

    /** "1 flow", "2 flows": a count and its noun, plural when it is not one. */
    static String count(long n, String noun) {
        return count(n, noun, noun + "s");
    }

    /** "1 policy", "2 policies". */
    static String count(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    static String bytes(long b) {
        if (b < 10_000) {
            return b + " B";
        }
        if (b < 10_000_000) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
    }
}
