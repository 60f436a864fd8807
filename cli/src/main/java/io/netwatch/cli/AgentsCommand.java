package io.netwatch.cli;

import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netwatch.aggregator.store.AgentRegistry;
import io.netwatch.proto.flow.v1.LossCounter;
import io.netwatch.proto.flow.v1.LossReason;
import io.netwatch.proto.query.v1.AgentInfo;
import io.netwatch.proto.query.v1.GetAgentsRequest;
import io.netwatch.proto.query.v1.GetAgentsResponse;
import io.netwatch.proto.query.v1.IdentityStreamView;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "agents", mixinStandardHelpOptions = true,
        description = "Show every agent the aggregator knows: status, capture coverage, losses.")
final class AgentsCommand implements Callable<Integer> {
    @Mixin
    QueryClient client;

    @Option(names = "--json", description = "Print the response as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        GetAgentsResponse r = all(client);
        if (json) {
            // Every field whatever its value: proto JSON leaves out zeros and false, and a script
            // would find no "connected" on a disconnected agent (messages stay absent when unknown).
            System.out.println(JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence()
                    .print(r));
            return 0;
        }
        for (AgentInfo a : r.getAgentsList()) {
            System.out.println(describe(a));
        }
        if (r.getAgentsCount() == 0) {
            System.out.println("no agent has connected yet");
        }
        return 0;
    }

    /** Agents listed at most before the aggregator is given up on (see {@link #all}). */
    static final int MAX_LISTED = 2 * AgentRegistry.MAX_AGENTS;

    /**
     * Every agent, page after page, as one answer: the aggregator answers a page at a time
     * (a cluster of thousands of nodes does not fit in one message). The pages are asked on one
     * connection (one TLS handshake), all within --timeout.
     */
    static GetAgentsResponse all(QueryClient client) throws InterruptedException {
        return client.call(stub -> all(stub, client));
    }

    private static GetAgentsResponse all(QueryGrpc.QueryBlockingStub stub, QueryClient client) {
        GetAgentsResponse.Builder all = GetAgentsResponse.newBuilder();
        // Every token followed: found in review, only a token given twice in a row was caught,
        // and an aggregator going t1, t2, t1 was followed forever, the list growing without end.
        Set<String> followed = new HashSet<>();
        String token = "";
        do {
            GetAgentsResponse page;
            try {
                page = stub.getAgents(GetAgentsRequest.newBuilder().setPageToken(token).build());
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && !token.isEmpty()) {
                    // Found in review: one --timeout bounds every page, and a listing cut by it
                    // said the aggregator "did not answer" after it had answered pages of agents.
                    throw new NetwatchMain.Failed("the aggregator at " + client.aggregator + " had listed "
                            + TextFormat.count(all.getAgentsCount(), "agent") + ", and more followed, when --timeout ("
                            + client.timeoutSeconds + " s) ran out: raise --timeout");
                }
                throw e;
            }
            all.addAllAgents(page.getAgentsList());
            token = page.getNextPageToken();
            // The aggregator's fault, not the command's: exit status 1, as for an outage. Its own
            // answers are never empty before the last, nor hold twice the agents it keeps: a full
            // registry's listing can pass it once, by the agents that joined under later names
            // while it was listed, each pushing out one listed already (found in review: bounded
            // at the registry's size, such a listing failed, the aggregator blamed).
            if (!token.isEmpty() && !followed.add(token)) {
                throw new NetwatchMain.Failed("the aggregator answered GetAgents with a page token it gave before;"
                        + " the agents listed so far would repeat forever");
            }
            if (!token.isEmpty() && page.getAgentsCount() == 0) {
                throw new NetwatchMain.Failed("the aggregator answered GetAgents with an empty page and a next one;"
                        + " it would be followed forever");
            }
            if (all.getAgentsCount() > MAX_LISTED) {
                throw new NetwatchMain.Failed("the aggregator listed more than " + MAX_LISTED + " agents, twice the "
                        + AgentRegistry.MAX_AGENTS + " it keeps; its answers are not to be trusted");
            }
        } while (!token.isEmpty());
        return all.build();
    }

    static String describe(AgentInfo a) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s  %s  %s  %s  packets %d  flows received %d  anomalies %d  coverage %.1f%%",
                a.getNodeName(), a.getConnected() ? "connected" : "disconnected", version(a),
                String.join(",", a.getSourcesList()),
                a.getStatus().getPacketsSeen(), a.getFlowsReceived(), a.getAnomaliesReceived(),
                a.getCaptureCoverage() * 100));
        if (a.hasIdentity()) {
            IdentityStreamView i = a.getIdentity();
            sb.append(String.format(Locale.ROOT, "%n    identities sent: %d snapshots, %d updates, %d entries, %d removals"
                            + "%s%s", i.getSnapshots(), i.getUpdates(), i.getEntries(), i.getRemovals(),
                    i.getCoalesced() == 0 ? "" : ", " + i.getCoalesced() + " coalesced",
                    i.getResyncs() == 0 ? "" : ", " + i.getResyncs() + " resyncs (agent too slow)"));
        }
        for (String state : a.getStatus().getSourceStatesList()) {
            if (!state.endsWith(": capturing")) {
                // Found in review: a capture that failed showed only "coverage 100.0%".
                sb.append(String.format(Locale.ROOT, "%n    source %s (the agent's log says why; coverage counts"
                        + " only what was read)", state));
            }
        }
        for (LossCounter c : a.getLoss().getCountersList()) {
            if (c.getCount() > 0) {
                boolean eviction = c.getReason() == LossReason.LOSS_REASON_FLOW_TABLE_EVICTION;
                // An evicted flow ends early but its record is sent: not a loss of records
                // (found in review: "lost 37739" beside "all acknowledged" read as a contradiction).
                sb.append(String.format(Locale.ROOT, "%n    %s %d: %s%s", eviction ? "ended early" : "lost",
                        c.getCount(), c.getReason().name().substring("LOSS_REASON_".length()).toLowerCase(Locale.ROOT),
                        eviction ? " (the flow table was full; their records were sent, raise --max-flows)"
                                : c.getInterface().isEmpty() ? "" : " on " + c.getInterface()));
            }
        }
        return sb.toString();
    }

    /** "v0.1.0-SNAPSHOT (abc123)", or "version unknown" for an agent that did not say. */
    static String version(AgentInfo a) {
        if (a.getVersion().isEmpty()) {
            return "version unknown";
        }
        return "v" + a.getVersion() + (a.getGitCommit().isEmpty() ? "" : " (" + a.getGitCommit() + ")");
    }
}
