package io.netwatch.aggregator.store;

import io.netwatch.proto.flow.v1.LossReport;
import io.netwatch.proto.ingest.v1.AgentStatus;
import io.netwatch.proto.ingest.v1.Hello;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every agent that has said hello, keyed by node name: its stream, its last status and loss
 * report, and the last batch sequence stored from its current boot (so a batch sent again
 * after a reconnect is acknowledged but not stored twice). At most {@link #MAX_AGENTS}: past
 * it, the agent disconnected longest ago is forgotten (counted) to make room.
 */
public final class AgentRegistry {
    /** Agents known at most: Kubernetes supports clusters of 5,000 nodes. */
    public static final int MAX_AGENTS = 10_000;
    /** Boot ids whose batch sequences are remembered per node. */
    static final int MAX_BOOTS = 4;

    /** A snapshot of one agent, for queries. */
    public record AgentView(Hello hello, boolean connected, String peer, long connectedSinceMillis,
                            long lastSeenMillis, AgentStatus status, LossReport loss, long flowsReceived,
                            long anomaliesReceived, long duplicateBatches,
                            IdentityStreamCounters.Totals identity) {
    }

    private static final class AgentState {
        Hello hello;
        String peer = "";
        long connectedSinceMillis;
        long lastSeenMillis;
        AgentStatus status;
        LossReport loss;
        long flowsReceived;
        long anomaliesReceived;
        long duplicateBatches;
        /**
         * The last batch sequence stored, per boot id (the latest few, and those of the open
         * streams): a stream that says hello with another boot id cannot move the sequence of
         * this one (found in review: a stream saying hello as a node with sequence 2^63-1 had
         * every later batch of the real agent acknowledged and dropped).
         */
        final LinkedHashMap<String, Long> lastSequence = new LinkedHashMap<>();
        /** The node's open streams and their boot ids: the node is connected while one is open. */
        final Map<Long, String> open = new HashMap<>();

        boolean connected() {
            return !open.isEmpty();
        }
        /** Null until the agent takes identity updates. */
        IdentityStreamCounters identity;
    }

    private final Map<String, AgentState> agents = new LinkedHashMap<>();
    private long nextConnection = 1;
    /** Totals over every agent ever seen, for metrics: they only grow. */
    private long flowsReceived;
    private long anomaliesReceived;
    private long duplicateBatches;
    private long batchesAccepted;
    private long agentsForgotten;
    private final int maxAgents;

    public AgentRegistry() {
        this(MAX_AGENTS);
    }

    AgentRegistry(int maxAgents) {
        this.maxAgents = maxAgents;
    }

    /**
     * Registers a stream's hello.
     *
     * @return a connection id for the stream's later calls; 0 when the registry is full of
     *         connected agents
     */
    public synchronized long connect(Hello hello, String peer, long nowMillis) {
        if (!agents.containsKey(hello.getNodeName()) && agents.size() >= maxAgents && !forgetOldestDisconnected()) {
            return 0;
        }
        AgentState s = agents.computeIfAbsent(hello.getNodeName(), k -> new AgentState());
        // A new agent process starts its sequence numbers again, under its own boot id.
        Long last = s.lastSequence.remove(hello.getBootId());
        s.lastSequence.put(hello.getBootId(), last == null ? 0L : last);
        long connection = nextConnection++;
        s.open.put(connection, hello.getBootId());
        forgetOldBoots(s);
        s.hello = hello;
        s.peer = peer;
        s.connectedSinceMillis = nowMillis;
        s.lastSeenMillis = nowMillis;
        return connection;
    }

    /**
     * Past {@link #MAX_BOOTS}, forgets the boot ids said hello with longest ago, never one of
     * an open stream: streams under the node's name with new boot ids cannot push out the
     * real agent's sequence (found in review).
     */
    private static void forgetOldBoots(AgentState s) {
        var it = s.lastSequence.keySet().iterator();
        while (s.lastSequence.size() > MAX_BOOTS && it.hasNext()) {
            if (!s.open.containsValue(it.next())) {
                it.remove();
            }
        }
    }

    private boolean forgetOldestDisconnected() {
        String oldest = null;
        long seen = Long.MAX_VALUE;
        for (Map.Entry<String, AgentState> e : agents.entrySet()) {
            if (!e.getValue().connected() && e.getValue().lastSeenMillis < seen) {
                oldest = e.getKey();
                seen = e.getValue().lastSeenMillis;
            }
        }
        if (oldest == null) {
            return false;
        }
        agents.remove(oldest);
        agentsForgotten++;
        return true;
    }

    /** Disconnected agents forgotten to make room for new ones (see {@link #MAX_AGENTS}). */
    public synchronized long agentsForgotten() {
        return agentsForgotten;
    }

    public synchronized void disconnect(String node, long connection, long nowMillis) {
        AgentState s = agents.get(node);
        if (s != null && s.open.remove(connection) != null) {
            s.lastSeenMillis = nowMillis;
        }
    }

    /**
     * Decides whether a batch is new. Sequences are per boot (the boot id of the connection's
     * hello) and strictly increasing; an agent resends unacknowledged batches in order after
     * a reconnect. The ingest stream refuses a sequence no agent reaches before it gets here
     * ({@code IngestService.MAX_BATCH_SEQUENCE}): one taken would make every later batch of
     * its boot a duplicate.
     *
     * @param sequence   the batch's sequence, a uint64
     * @param connection what {@link #connect} returned for the stream the batch came on
     * @return true when the batch must be stored; false for a duplicate (counted)
     */
    public synchronized boolean acceptBatch(String node, long connection, long sequence, long nowMillis) {
        AgentState s = agents.get(node);
        s.lastSeenMillis = nowMillis;
        String bootId = s.open.getOrDefault(connection, "");
        long last = s.lastSequence.getOrDefault(bootId, 0L);
        // uint64 on the wire: compared as unsigned, a sequence past 2^63 (negative here) is not
        // taken for an old one.
        if (Long.compareUnsigned(sequence, last) <= 0) {
            s.duplicateBatches++;
            duplicateBatches++;
            return false;
        }
        s.lastSequence.put(bootId, sequence);
        batchesAccepted++;
        return true;
    }

    public synchronized void countStored(String node, long flows, long anomalies) {
        AgentState s = agents.get(node);
        s.flowsReceived += flows;
        s.anomaliesReceived += anomalies;
        flowsReceived += flows;
        anomaliesReceived += anomalies;
    }

    /** Agents with an open stream now. */
    public synchronized int connectedAgents() {
        int n = 0;
        for (AgentState s : agents.values()) {
            if (s.connected()) {
                n++;
            }
        }
        return n;
    }

    /** Agents ever seen (connected or not). */
    public synchronized int knownAgents() {
        return agents.size();
    }

    /** Flow records stored from every agent since start. */
    public synchronized long flowsReceived() {
        return flowsReceived;
    }

    /** Anomalies stored from every agent since start. */
    public synchronized long anomaliesReceived() {
        return anomaliesReceived;
    }

    /** Batches stored (new sequence numbers) from every agent since start. */
    public synchronized long batchesAccepted() {
        return batchesAccepted;
    }

    /** Batches received again after a reconnect and not stored twice. */
    public synchronized long duplicateBatches() {
        return duplicateBatches;
    }

    public synchronized void status(String node, AgentStatus status, long nowMillis) {
        AgentState s = agents.get(node);
        s.status = status;
        s.lastSeenMillis = nowMillis;
    }

    public synchronized void loss(String node, LossReport loss, long nowMillis) {
        AgentState s = agents.get(node);
        s.loss = loss;
        s.lastSeenMillis = nowMillis;
    }

    /** The identity-stream counters of an agent that said hello, made on first use; cumulative over its streams. */
    public synchronized IdentityStreamCounters identityCounters(String node) {
        AgentState s = agents.get(node);
        if (s.identity == null) {
            s.identity = new IdentityStreamCounters();
        }
        return s.identity;
    }

    public synchronized List<AgentView> snapshot() {
        List<AgentView> out = new ArrayList<>();
        for (AgentState s : agents.values()) {
            out.add(new AgentView(s.hello, s.connected(), s.peer, s.connectedSinceMillis, s.lastSeenMillis, s.status,
                    s.loss, s.flowsReceived, s.anomaliesReceived, s.duplicateBatches,
                    s.identity == null ? null : s.identity.totals()));
        }
        return out;
    }
}
