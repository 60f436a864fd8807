package io.netwatch.cli;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.netwatch.aggregator.policy.PodView;
import io.netwatch.aggregator.policy.suggest.ObservedFlow;
import io.netwatch.aggregator.policy.suggest.Party;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * The offline input of {@code policy suggest} and {@code policy simulate}: a cluster file
 * (as {@code policy check} reads it) and a flows file whose lines may also carry
 * {@code first_seen}/{@code last_seen} (RFC 3339), {@code src_name}/{@code dst_name} (a DNS
 * name of an address outside the cluster) and {@code established} (false for an attempt
 * that got no answer). Each end is the pod with that address in the cluster file, owned by
 * the workload its controller names; else it is outside the cluster.
 */
final class RecordedFlowsFile {
    @Option(names = "--cluster", paramLabel = "CLUSTER.yaml",
            description = "Offline: Namespaces, Pods (with ownerReferences) and NetworkPolicies, as for `policy check`.")
    Path cluster;

    @Option(names = "--flows", paramLabel = "FLOWS.jsonl",
            description = "Offline: one JSON object per line: src_ip, dst_ip, dst_port, proto; optional first_seen,"
                    + " last_seen (RFC 3339), src_name, dst_name (DNS names), established (default: true); - reads"
                    + " standard input.")
    String flows;

    @Option(names = "--since", description = "Only flows that started at or after: RFC 3339 time or a duration ago (5m).")
    String since;

    @Option(names = "--until", description = "Only flows that started before: RFC 3339 time or a duration ago.")
    String until;

    @FunctionalInterface
    interface Visitor {
        void flow(FlowLines.Line line, ObservedFlow flow);
    }

    /** Whether the files are given (offline), after checking they come together. */
    boolean offline() {
        if ((cluster == null) != (flows == null)) {
            throw new NetwatchMain.UserError("give both --cluster and --flows to work offline, or neither to ask the"
                    + " aggregator (--aggregator)");
        }
        return cluster != null;
    }

    Timestamp since(long nowMillis) {
        return since == null ? null : time("--since", since, nowMillis);
    }

    Timestamp until(long nowMillis) {
        return until == null ? null : time("--until", until, nowMillis);
    }

    private static Timestamp time(String option, String text, long nowMillis) {
        return TimeArg.parse(option, text, nowMillis);
    }

    /** Reads the flows in the time range, streamed; returns how many lines were read. */
    int read(ClusterFile.Contents contents, long nowMillis, Visitor visitor) throws IOException {
        Timestamp from = since(nowMillis);
        Timestamp to = until(nowMillis);
        if (from != null && to != null && Timestamps.compare(from, to) >= 0) {
            throw new NetwatchMain.UserError("--since must be before --until");
        }
        return FlowLines.read(flows, line -> {
            long first = nanos(line, "first_seen");
            long last = Math.max(first, nanos(line, "last_seen"));
            if ((from != null || to != null) && first == 0) {
                throw new NetwatchMain.UserError(line.where() + "first_seen: is missing (--since and --until need it)");
            }
            if ((from != null && first < Timestamps.toNanos(from)) || (to != null && first >= Timestamps.toNanos(to))) {
                return;
            }
            JsonNode established = line.input().get("established");
            if (established != null && !established.isBoolean()) {
                throw new NetwatchMain.UserError(line.where() + "established: " + established + " is not true or false");
            }
            ObservedFlow f = new ObservedFlow(line.connection(),
                    party(contents, contents.snapshot().podAt(line.connection().source()), line, "src_name"),
                    party(contents, contents.snapshot().podAt(line.connection().destination()), line, "dst_name"),
                    first, last, established == null || established.booleanValue());
            visitor.flow(line, f);
        });
    }

    private static Party party(ClusterFile.Contents contents, PodView pod, FlowLines.Line line, String nameField) {
        if (pod != null) {
            return new Party.Member(pod, contents.owner(pod));
        }
        JsonNode name = line.input().get(nameField);
        if (name != null && !name.isNull() && !name.isString()) {
            throw new NetwatchMain.UserError(line.where() + nameField + ": " + name + " is not a DNS name");
        }
        return new Party.Outside(name == null || name.isNull() ? null : name.asString());
    }

    /** The field as nanoseconds since the epoch, 0 when absent. */
    private static long nanos(FlowLines.Line line, String field) {
        JsonNode v = line.input().get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        try {
            if (!v.isString()) {
                throw new DateTimeParseException("not a string", v.toString(), 0);
            }
            Instant i = Instant.parse(v.asString());
            if (i.getEpochSecond() < 0 || i.getEpochSecond() > Long.MAX_VALUE / 1_000_000_000L - 1) {
                throw new DateTimeParseException("out of range", v.asString(), 0);
            }
            return i.getEpochSecond() * 1_000_000_000L + i.getNano();
        } catch (DateTimeParseException e) {
            throw new NetwatchMain.UserError(line.where() + field + ": " + v + " is not a time like 2026-01-02T03:04:05Z");
        }
    }
}
