package io.netwatch.cli;

import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.incident.v1.IncidentState;
import io.netwatch.proto.query.v1.GetIncidentsRequest;
import io.netwatch.proto.query.v1.GetIncidentsResponse;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "incidents", mixinStandardHelpOptions = true,
        description = "Show incidents: the aggregator's anomalies grouped by actor and time, deduplicated, "
                + "most severe first, each with its explanation (docs/incidents.md).")
final class IncidentsCommand implements Callable<Integer> {
    /** The states a user can ask for. */
    enum State { open, resolved }

    /** The severities a user can name. */
    enum Level { info, low, medium, high, critical }

    @Mixin
    QueryClient client;

    @Option(names = {"-f", "--follow"}, description = "After the stored incidents, stream each change (opened, "
            + "updated, resolved).")
    boolean follow;

    @Option(names = "--json", description = "Print JSON lines (docs/json-lines.md).")
    boolean json;

    @Option(names = "--state", split = ",", description = "Only incidents in these states: ${COMPLETION-CANDIDATES}.")
    List<State> states = List.of();

    @Option(names = "--min-severity", description = "Only incidents at this severity or above: "
            + "${COMPLETION-CANDIDATES}.")
    Level minSeverity;

    @Option(names = "--since", description = "Only incidents updated since: RFC 3339 time or a duration ago (5m), by"
            + " the aggregator's clock (when it took their anomalies, whatever the capture's time).")
    String since;

    @Option(names = "--limit", converter = AtLeastOne.Long.class, description = "Stop after N incidents.")
    long limit;

    @Override
    public Integer call() throws Exception {
        GetIncidentsRequest.Builder request = GetIncidentsRequest.newBuilder().setFollow(follow).setLimit(limit);
        for (State s : states) {
            request.addState(s == State.open ? IncidentState.INCIDENT_STATE_OPEN : IncidentState.INCIDENT_STATE_RESOLVED);
        }
        if (minSeverity != null) {
            request.setMinSeverity(Severity.valueOf("SEVERITY_" + minSeverity.name().toUpperCase(Locale.ROOT)));
        }
        if (since != null) {
            request.setSince(TimeArg.parse("--since", since, System.currentTimeMillis()));
        }
        QueryOutput stdout = new QueryOutput(json);
        JsonLines out = stdout.json();
        long count;
        try {
            count = client.stream(follow, stdout, stub -> stub.getIncidents(request.build()), (GetIncidentsResponse r) -> {
                if (out != null) {
                    out.incident(r.getIncident(), r.getChange(), r.getLostBefore());
                } else {
                    stdout.line(TextFormat.incident(r.getIncident(), r.getChange(), r.getLostBefore()));
                }
            });
        } catch (UncheckedIOException e) {
            return stdout.failed("netwatch incidents", e);
        }
        if (count == 0 && out == null) {
            System.err.println("netwatch incidents: none");
        }
        return 0;
    }
}
