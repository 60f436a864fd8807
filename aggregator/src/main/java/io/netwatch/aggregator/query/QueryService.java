package io.netwatch.aggregator.query;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.util.Timestamps;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netwatch.aggregator.response.Response;
import io.netwatch.aggregator.security.QueryAuthenticator;
import io.netwatch.aggregator.security.ServerLimits;
import io.netwatch.aggregator.store.AgentRegistry;
import io.netwatch.aggregator.store.BoundedLog;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.LossCounter;
import io.netwatch.proto.flow.v1.LossReason;
import io.netwatch.proto.query.v1.AgentInfo;
import io.netwatch.proto.query.v1.IdentityStreamView;
import io.netwatch.proto.query.v1.AgentStatusView;
import io.netwatch.proto.query.v1.GetAgentsRequest;
import io.netwatch.proto.query.v1.GetAgentsResponse;
import io.netwatch.proto.query.v1.GetAnomaliesRequest;
import io.netwatch.proto.query.v1.GetAnomaliesResponse;
import io.netwatch.proto.query.v1.GetFlowsRequest;
import io.netwatch.proto.query.v1.GetFlowsResponse;
import io.netwatch.proto.query.v1.GetIncidentsRequest;
import io.netwatch.proto.query.v1.GetIncidentsResponse;
import io.netwatch.proto.query.v1.GetPolicyHitsRequest;
import io.netwatch.proto.query.v1.GetPolicyHitsResponse;
import io.netwatch.proto.query.v1.SimulatePoliciesRequest;
import io.netwatch.proto.query.v1.SimulatePoliciesResponse;
import io.netwatch.proto.query.v1.SuggestPoliciesRequest;
import io.netwatch.proto.query.v1.SuggestPoliciesResponse;
import io.netwatch.proto.query.v1.QueryGrpc;
import io.netwatch.proto.query.v1.GetBlockAuditRequest;
import io.netwatch.proto.query.v1.GetBlockAuditResponse;
import io.netwatch.proto.query.v1.ListBlocksRequest;
import io.netwatch.proto.query.v1.ListBlocksResponse;
import io.netwatch.proto.query.v1.RemoveBlockRequest;
import io.netwatch.proto.query.v1.RemoveBlockResponse;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The query API over the embedded store. Each streaming call reads the store through its own
 * cursor on a virtual thread and writes only while the client is ready (gRPC flow control),
 * so a slow client holds no memory; a follower that falls behind the store's bounds is told
 * how many records it missed. The policy queries (hit counts, suggestions, simulations) are
 * unary and answered by {@link PolicyQueries}, when the aggregator watches a cluster.
 */
public final class QueryService extends QueryGrpc.QueryImplBase {
    /** Records copied out of the store per read. */
    private static final int READ_CHUNK = 256;
    /** How long a follower waits for new records before checking for cancellation, ms. */
    private static final long FOLLOW_POLL_MILLIS = 500;
    /**
     * The description of the UNAVAILABLE status a follow call ends with when the aggregator
     * stops ({@link #stopFollowers()}); the command-line client tells it from a lost connection by it.
     */
    public static final String STOPPING = "the aggregator is stopping";

    private final FlowStore store;
    private final AgentRegistry registry;
    private final PolicyQueries policies;
    private final IncidentQueries incidents;
    /** Blocking decisions, or null when there is no response stage (tests). */
    private final Response response;
    /** The bound on suggestions and simulations running at once. */
    private final PolicyQueryLimit policyLimit;
    private final Followers followers = new Followers();

    /**
     * Flows, anomalies and agents only: the policy queries answer FAILED_PRECONDITION, the
     * incident and block queries UNIMPLEMENTED.
     */
    public QueryService(FlowStore store, AgentRegistry registry) {
        this(store, registry, null, null, null);
    }

    /**
     * @param policies  hit counts, suggestions and simulations over the identity data, or null
     *                  when the aggregator watches no cluster
     * @param incidents {@code GetIncidents} over the incident tracker, or null (UNIMPLEMENTED)
     * @param response  the blocking decisions ListBlocks, RemoveBlock and GetBlockAudit read, or null
     */
    public QueryService(FlowStore store, AgentRegistry registry, PolicyQueries policies, IncidentQueries incidents,
                        Response response) {
        this(store, registry, policies, incidents, response,
                new PolicyQueryLimit(ServerLimits.DEFAULT_MAX_POLICY_QUERIES));
    }

    /** @param policyLimit the bound on policy suggestions and simulations running at once */
    public QueryService(FlowStore store, AgentRegistry registry, PolicyQueries policies, IncidentQueries incidents,
                        Response response, PolicyQueryLimit policyLimit) {
        this.store = store;
        this.registry = registry;
        this.policies = policies;
        this.incidents = incidents;
        this.response = response;
        this.policyLimit = policyLimit;
    }

    /**
     * Ends each follow call open now, and any that opens later, with UNAVAILABLE and
     * {@link #STOPPING}: a stopping aggregator calls it once it takes no new calls, so that
     * followers are told why their stream ended instead of having it cancelled. Calls without
     * follow finish as they would.
     */
    public void stopFollowers() {
        followers.stop();
    }

    @Override
    public void getIncidents(GetIncidentsRequest request, StreamObserver<GetIncidentsResponse> responses) {
        if (incidents == null) {
            super.getIncidents(request, responses);
            return;
        }
        incidents.getIncidents(request, (ServerCallStreamObserver<GetIncidentsResponse>) responses, followers);
    }

    @Override
    public void listBlocks(ListBlocksRequest request, StreamObserver<ListBlocksResponse> responses) {
        blocks(responses, () -> response.list(request));
    }

    @Override
    public void removeBlock(RemoveBlockRequest request, StreamObserver<RemoveBlockResponse> responses) {
        String caller = QueryAuthenticator.CALLER.get();
        blocks(responses, () -> response.remove(request, caller));
    }

    @Override
    public void getBlockAudit(GetBlockAuditRequest request, StreamObserver<GetBlockAuditResponse> responses) {
        blocks(responses, () -> response.audit(request));
    }

    private <R> void blocks(StreamObserver<R> responses, java.util.function.Supplier<R> answer) {
        if (response == null) {
            responses.onError(Status.UNIMPLEMENTED.withDescription("this server has no response stage")
                    .asRuntimeException());
            return;
        }
        R r;
        try {
            r = answer.get();
        } catch (java.util.NoSuchElementException e) {
            responses.onError(CallError.of(Status.NOT_FOUND, e.getMessage()));
            return;
        } catch (IllegalArgumentException e) {
            responses.onError(CallError.of(Status.INVALID_ARGUMENT, e.getMessage()));
            return;
        } catch (RuntimeException e) {
            responses.onError(CallError.of(Status.UNAVAILABLE, e.getMessage()));
            return;
        }
        responses.onNext(r);
        responses.onCompleted();
    }

    @Override
    public void getPolicyHits(GetPolicyHitsRequest request, StreamObserver<GetPolicyHitsResponse> responses) {
        unary("GetPolicyHits", false, responses, () -> policies.hits(request));
    }

    @Override
    public void suggestPolicies(SuggestPoliciesRequest request, StreamObserver<SuggestPoliciesResponse> responses) {
        unary("SuggestPolicies", true, responses, () -> policies.suggest(request));
    }

    @Override
    public void simulatePolicies(SimulatePoliciesRequest request, StreamObserver<SimulatePoliciesResponse> responses) {
        unary("SimulatePolicies", true, responses, () -> policies.simulate(request));
    }

    /**
     * @param call    the method's name, for the log when the answer fails on the server's side
     * @param bounded whether it reads the whole store, and so takes one of {@link #policyLimit}'s places
     */
    private <R> void unary(String call, boolean bounded, StreamObserver<R> responses,
                           java.util.function.Supplier<R> answer) {
        if (policies == null) {
            responses.onError(Status.FAILED_PRECONDITION.withDescription("this aggregator watches no cluster, so it knows"
                    + " no workloads or policies: start it with `netwatch aggregator --kubernetes`").asRuntimeException());
            return;
        }
        if (bounded && !policyLimit.enter()) {
            responses.onError(Status.RESOURCE_EXHAUSTED.withDescription("the aggregator is running "
                    + policyLimit.max() + " policy suggestions and simulations, as many as it runs at once"
                    + " (query.max_policy_queries); try again when one ends").asRuntimeException());
            return;
        }
        // The place is given back before the answer goes, so that a client told the work is done
        // finds it free.
        R r = null;
        Throwable failure = null;
        Context bound = bounded ? Context.current().withValue(PolicyQueries.RUN_BOUND,
                PolicyQueries.RunBound.startingNow(policyLimit.maxRun())) : Context.current();
        Context previous = bound.attach();
        try {
            r = answer.get();
        } catch (IllegalArgumentException e) {
            failure = CallError.of(Status.INVALID_ARGUMENT, e.getMessage());
        } catch (io.grpc.StatusRuntimeException e) {
            // The call ended while it was answered, or the work ran past its bound (PolicyQueries
            // stops reading then).
            failure = e;
            if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
                policyLimit.overran();
            }
        } catch (RuntimeException e) {
            // Found in review: e.toString() went to the client, a server class and its message.
            failure = CallError.internal(call, e);
        } finally {
            bound.detach(previous);
            if (bounded) {
                policyLimit.leave();
            }
        }
        if (failure != null) {
            responses.onError(failure);
            return;
        }
        responses.onNext(r);
        responses.onCompleted();
    }

    @Override
    public void getFlows(GetFlowsRequest request, StreamObserver<GetFlowsResponse> responses) {
        FlowMatcher matcher;
        try {
            matcher = new FlowMatcher(request.getFilter());
        } catch (IllegalArgumentException e) {
            responses.onError(CallError.of(Status.INVALID_ARGUMENT, e.getMessage()));
            return;
        }
        stream("GetFlows", followers, store.flows(), matcher, request.getFollow(), request.getLimit(),
                request.getLast(), (ServerCallStreamObserver<GetFlowsResponse>) responses,
                (e, lost) -> GetFlowsResponse.newBuilder().setFlow(e.value())
                        .setReceived(Timestamps.fromMillis(e.receivedMillis())).setLostBefore(lost).build());
    }

    @Override
    public void getAnomalies(GetAnomaliesRequest request, StreamObserver<GetAnomaliesResponse> responses) {
        Predicate<Anomaly> matcher;
        try {
            matcher = anomalyMatcher(request);
        } catch (IllegalArgumentException e) {
            responses.onError(CallError.of(Status.INVALID_ARGUMENT, e.getMessage()));
            return;
        }
        stream("GetAnomalies", followers, store.anomalies(), matcher, request.getFollow(), request.getLimit(), false,
                (ServerCallStreamObserver<GetAnomaliesResponse>) responses,
                (e, lost) -> GetAnomaliesResponse.newBuilder().setAnomaly(e.value())
                        .setReceived(Timestamps.fromMillis(e.receivedMillis())).setLostBefore(lost).build());
    }

    private static Predicate<Anomaly> anomalyMatcher(GetAnomaliesRequest r) {
        long since = r.hasSince() ? QueryTime.nanos(r.getSince(), "since") : Long.MIN_VALUE;
        long until = r.hasUntil() ? QueryTime.nanos(r.getUntil(), "until") : Long.MAX_VALUE;
        QueryTime.ordered(r.hasSince(), r.getSince(), r.hasUntil(), r.getUntil());
        // Found in review: an empty type or node matched no anomaly, so a script's unset
        // variable answered "none" where GetFlows refuses the same empty name.
        FlowMatcher.names(r.getAnomalyTypeList(), "anomaly_type", "anomaly");
        FlowMatcher.names(r.getNodeNameList(), "node_name", "anomaly");
        Set<String> types = Set.copyOf(r.getAnomalyTypeList());
        Set<String> nodes = Set.copyOf(r.getNodeNameList());
        var ips = FlowMatcher.prefixes(r.getIpList(), "ip");
        return a -> {
            if (QueryTime.saturated(a.getEnd()) < since || QueryTime.saturated(a.getStart()) >= until) {
                return false;
            }
            if (!types.isEmpty() && !types.contains(a.getAnomalyType())) {
                return false;
            }
            if (!nodes.isEmpty() && !nodes.contains(a.getNodeName())) {
                return false;
            }
            return ips.isEmpty() || FlowMatcher.any(ips, IpPrefix.address(a.getSource().getIp()))
                    || FlowMatcher.any(ips, IpPrefix.address(a.getDestination().getIp()));
        };
    }

    @FunctionalInterface
    private interface Render<T, R> {
        R apply(BoundedLog.Entry<T> entry, long lostBefore);
    }

    /** @param call the method's name, for the log when reading fails on the server's side */
    private static <T, R> void stream(String call, Followers followers, BoundedLog<T> log, Predicate<T> matcher,
                                      boolean follow, long limit, boolean last, ServerCallStreamObserver<R> out,
                                      Render<T, R> render) {
        ReadyGate gate = new ReadyGate(out);
        long storedEnd = log.nextIndex();
        // Without follow, the store as the call found it: what arrives while a slow client reads
        // would otherwise keep a listing going as long as the flow rate outpaced the client.
        long endIndex = follow ? Long.MAX_VALUE : storedEnd;
        // Following from the last matches (tail -n N -f): the limit chose where to start, not when to stop.
        long stopAfter = last && follow ? 0 : limit;
        Thread.ofVirtual().name("netwatch-query").start(() -> {
            if (follow && !followers.enter()) {
                followers.leave();
                out.onError(Followers.stopped());
                return;
            }
            try {
                // Inside the try: whatever it throws, the reader leaves the followers (finally).
                long cursor = last && limit > 0 ? lastMatchesStart(log, matcher, limit, storedEnd, out)
                        : log.firstIndex();
                long sent = 0;
                // Evicted unread, not yet reported: carried across reads until the next match.
                long lost = 0;
                while (!out.isCancelled()) {
                    if (follow && followers.stopping()) {
                        // A reader busy with stored records, which the interrupt finds only when it waits.
                        out.onError(Followers.stopped());
                        return;
                    }
                    BoundedLog.Read<T> read = log.read(cursor, READ_CHUNK);
                    lost += read.missed();
                    for (BoundedLog.Entry<T> e : read.entries()) {
                        if (e.index() >= endIndex) {
                            out.onCompleted();
                            return;
                        }
                        if (!matcher.test(e.value())) {
                            continue;
                        }
                        if (!gate.await()) {
                            return;
                        }
                        out.onNext(render.apply(e, lost));
                        lost = 0;
                        if (stopAfter > 0 && ++sent >= stopAfter) {
                            out.onCompleted();
                            return;
                        }
                    }
                    cursor = read.nextIndex();
                    if (read.entries().isEmpty()) {
                        if (!follow) {
                            out.onCompleted();
                            return;
                        }
                        log.awaitIndex(cursor, FOLLOW_POLL_MILLIS);
                    }
                }
            } catch (InterruptedException e) {
                // Only a stopping aggregator interrupts a reader (Followers.stop).
                if (!out.isCancelled()) {
                    out.onError(Followers.stopped());
                }
            } catch (RuntimeException e) {
                if (!out.isCancelled()) {
                    out.onError(CallError.internal(call, e));
                }
            } finally {
                if (follow) {
                    followers.leave();
                }
            }
        });
    }

    /**
     * Index from which the last {@code limit} matching entries before {@code end} start (the
     * lowest index still stored when fewer match). Read backwards a chunk at a time, by the
     * entries' own indexes: the store evicts while this reads (found in review: reading one
     * index at a time, an evicted index read the oldest entry instead, again and again). Stops
     * when the client has gone.
     */
    private static <T> long lastMatchesStart(BoundedLog<T> log, Predicate<T> matcher, long limit, long end,
                                             ServerCallStreamObserver<?> out) {
        long index = end;
        long found = 0;
        while (!out.isCancelled()) {
            long from = Math.max(log.firstIndex(), index - READ_CHUNK);
            if (from >= index) {
                return index;
            }
            List<BoundedLog.Entry<T>> entries = log.read(from, (int) (index - from)).entries();
            for (int i = entries.size() - 1; i >= 0; i--) {
                BoundedLog.Entry<T> e = entries.get(i);
                // Past what was asked for when the oldest were evicted between the two reads above.
                if (e.index() < index && matcher.test(e.value()) && ++found >= limit) {
                    return e.index();
                }
            }
            index = from;
        }
        return index;
    }

    /** Agents in a GetAgents answer when the request says no page size. */
    static final int DEFAULT_AGENTS_PAGE = 500;
    /** Agents in a GetAgents answer at most, whatever the request says. */
    static final int MAX_AGENTS_PAGE = 5_000;
    /**
     * Encoded bytes of agents in one GetAgents answer past which the page ends (after at least
     * one agent): a client takes 4 MiB in one message, and one agent at the bounds of its
     * reports and hello is at most about 170 KiB. Found in review: the whole registry went in
     * one answer, which past a few dozen agents at those bounds (or a few hundred nodes with
     * many interfaces) every client refused, RESOURCE_EXHAUSTED, though the registry keeps up
     * to 10,000.
     */
    static final int MAX_AGENTS_PAGE_BYTES = 1 << 20;

    @Override
    public void getAgents(GetAgentsRequest request, StreamObserver<GetAgentsResponse> responses) {
        String after;
        try {
            after = AgentPageToken.decode(request.getPageToken());
        } catch (IllegalArgumentException e) {
            responses.onError(CallError.of(Status.INVALID_ARGUMENT, e.getMessage()));
            return;
        }
        int pageSize = request.getPageSize() == 0 ? DEFAULT_AGENTS_PAGE
                : (int) Math.min(Integer.toUnsignedLong(request.getPageSize()), MAX_AGENTS_PAGE);
        List<AgentRegistry.AgentView> agents = registry.snapshot().stream()
                .filter(v -> after == null || v.hello().getNodeName().compareTo(after) > 0)
                .sorted(Comparator.comparing(v -> v.hello().getNodeName()))
                .toList();
        GetAgentsResponse.Builder b = GetAgentsResponse.newBuilder();
        long bytes = 0;
        for (AgentRegistry.AgentView v : agents) {
            AgentInfo info = agentInfo(v);
            bytes += CodedOutputStream.computeMessageSize(GetAgentsResponse.AGENTS_FIELD_NUMBER, info);
            if (b.getAgentsCount() == pageSize || b.getAgentsCount() > 0 && bytes > MAX_AGENTS_PAGE_BYTES) {
                b.setNextPageToken(AgentPageToken.encode(b.getAgents(b.getAgentsCount() - 1).getNodeName()));
                break;
            }
            b.addAgents(info);
        }
        responses.onNext(b.build());
        responses.onCompleted();
    }

    /** What GetAgents says of one agent. */
    private static AgentInfo agentInfo(AgentRegistry.AgentView v) {
        AgentInfo.Builder a = AgentInfo.newBuilder()
                .setNodeName(v.hello().getNodeName())
                .setVersion(v.hello().getVersion())
                .setGitCommit(v.hello().getGitCommit())
                .setBootId(v.hello().getBootId())
                .addAllCapabilities(v.hello().getCapabilitiesList())
                .addAllSources(v.hello().getSourcesList())
                .setConnected(v.connected())
                .setPeer(v.peer())
                .setConnectedSince(Timestamps.fromMillis(v.connectedSinceMillis()))
                .setLastSeen(Timestamps.fromMillis(v.lastSeenMillis()))
                .setFlowsReceived(v.flowsReceived())
                .setAnomaliesReceived(v.anomaliesReceived())
                .setDuplicateBatches(v.duplicateBatches());
        // uint64 counts, as doubles: added as longs, counts past 2^63 (negative here) or a sum
        // that wraps put the coverage outside [0, 1], or at 1 for an agent that lost 2^64 - 10
        // of 10 packets.
        double seen = 0;
        if (v.status() != null) {
            var s = v.status();
            seen = unsigned(s.getPacketsSeen());
            a.setStatus(AgentStatusView.newBuilder().setAt(s.getAt()).setPacketsSeen(s.getPacketsSeen())
                    .setBytesSeen(s.getBytesSeen()).setFlowsCreated(s.getFlowsCreated())
                    .setFlowsExported(s.getFlowsExported()).setFlowsActive(s.getFlowsActive())
                    .setAnomaliesRaised(s.getAnomaliesRaised()).setExportQueueDepth(s.getExportQueueDepth())
                    .setUnackedBatches(s.getUnackedBatches()).addAllSourceStates(s.getSourceStatesList()));
        }
        double dropped = 0;
        if (v.loss() != null) {
            a.setLoss(v.loss());
            for (LossCounter c : v.loss().getCountersList()) {
                if (c.getReason() == LossReason.LOSS_REASON_KERNEL_DROP
                        || c.getReason() == LossReason.LOSS_REASON_INTERFACE_DROP
                        || c.getReason() == LossReason.LOSS_REASON_RECORDED_DROP) {
                    dropped += unsigned(c.getCount());
                }
            }
        }
        a.setCaptureCoverage(seen + dropped == 0 ? 1.0 : seen / (seen + dropped));
        if (v.identity() != null) {
            var t = v.identity();
            a.setIdentity(IdentityStreamView.newBuilder().setSnapshots(t.snapshots()).setUpdates(t.updates())
                    .setEntries(t.entries()).setRemovals(t.removals()).setCoalesced(t.coalesced())
                    .setResyncs(t.resyncs()));
        }
        return a.build();
    }

    /** A uint64 count as a double (Java reads one past 2^63 as negative). */
    private static double unsigned(long count) {
        return count >= 0 ? count : 0x1p64 + count;
    }
}
