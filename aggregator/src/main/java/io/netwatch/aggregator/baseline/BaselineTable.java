package io.netwatch.aggregator.baseline;

import io.netwatch.proto.baseline.v1.BaselineState;
import io.netwatch.proto.baseline.v1.LearnedEdge;
import io.netwatch.proto.baseline.v1.WorkloadSeen;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The learned edges and the learning state: when learning started (the first flow), and when
 * each cluster workload was first seen. Bounded: past {@code maxEdges} edges (or
 * {@code maxWorkloads} workloads) the least recently seen is forgotten and counted. An edge
 * unused for longer than {@code edgeExpiry} of running time ({@link #running}) is forgotten too,
 * counted apart: an edge made once in a learning period (by a compromised pod as well as by a
 * job) does not stay allowed for as long as the baseline lives.
 *
 * <p>Edges learned in a learning period and edges added after it (new ones) are kept apart,
 * and the full table forgets an added edge first: new edges are what an attacker makes
 * cheaply (a spoofed flood from a thousand networks is a thousand of them), and forgetting the
 * learned baseline to make room would make every learned edge "new" again when next used. Not
 * thread-safe: the baseline thread owns it.
 */
final class BaselineTable {
    /** What one flow meant to the baseline. */
    enum Verdict {
        /** A new edge, seen while learning (globally, or for one of its workloads): now in the baseline. */
        LEARNED,
        /** An edge already in the baseline. */
        KNOWN,
        /**
         * A new edge after learning, or on a flow NetworkPolicy denies: it raises new_edge, and is in
         * the baseline from now on.
         */
        NEW
    }

    private final BaselineConfig config;
    /**
     * Edges seen in a learning period (global or a workload's), least recently seen first: each
     * part of the table is in the order of its edges' {@link EdgeStats#lastUsed}, so expiry looks
     * only at its head.
     */
    private final LinkedHashMap<EdgeKey, EdgeStats> learned = new LinkedHashMap<>(1024, 0.75f, true);
    /** Edges first seen after learning, least recently seen first: forgotten before any learned one. */
    private final LinkedHashMap<EdgeKey, EdgeStats> added = new LinkedHashMap<>(64, 0.75f, true);
    private final LinkedHashMap<String, Long> workloads;
    /**
     * A step of the wall clock: how far it moved from one reading to the next beyond what the
     * monotonic clock says passed (milliseconds). A step back further than this is the clock's new
     * base ({@link #now}); steps either way further than this are counted. The baseline thread
     * reads the clocks ten times a second.
     */
    static final long CLOCK_STEP_MILLIS = 60_000;
    /** Latest time a file may hold: the end of year 9999, as protobuf Timestamps (milliseconds). */
    static final long MAX_MILLIS = 253_402_300_799_999L;

    private long learningStarted = -1;
    /** The baseline's time ({@link #now}), milliseconds since the epoch; never goes back. */
    private long time = Long.MIN_VALUE;
    /**
     * How far {@link #time} runs ahead of the wall clock (milliseconds, 0 or more): what steps of
     * the clock back took from it, and how far behind the file's time a restart found the clock.
     */
    private long ahead;
    /** The wall-clock reading of the last reading applied; {@link Long#MIN_VALUE}: none yet (or since a restore). */
    private long lastWall = Long.MIN_VALUE;
    /** The monotonic stamp ({@link System#nanoTime}) of the last reading applied. */
    private long lastNanos;
    /** The monotonic stamp of the first reading, and {@link #running} then: running time is measured from it. */
    private long firstNanos;
    private long runningAtFirst;
    /**
     * Running time, milliseconds from an arbitrary start: moves as the monotonic clock does while
     * the aggregator runs, whatever the wall clock does, and not while it is stopped (a restart goes
     * on from where the file left it). How long an edge went unused is measured on it: an
     * aggregator stopped for longer than the expiry, or a clock set a year ahead, forgets nothing.
     */
    private long running;
    /** {@code baseline.edge_expiry} in milliseconds; 0: edges never expire. */
    private final long expiryMillis;
    private long edgesEvicted;
    private long edgesExpired;
    private long clockSteps;
    private long workloadsEvicted;

    BaselineTable(BaselineConfig config) {
        this.config = config;
        this.expiryMillis = config.edgeExpiry().toMillis();
        this.workloads = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                if (size() > config.maxWorkloads()) {
                    workloadsEvicted++;
                    return true;
                }
                return false;
            }
        };
    }

    /**
     * Records one flow on {@code key} at {@code nowMillis} (the baseline's time, {@link #now}).
     * {@code alias} is a DNS-named peer's edge by its network, or null: the flow counts on both,
     * and the DNS-named edge, once known, makes its network's edge known.
     *
     * @param node  the node whose agent reported the record: volume is learned per node, as agents judge it
     * @param bytes both directions' bytes of a final record; 0 for an interim one (its counters
     *              repeat in the final record)
     * @param flows 1 for a final record, 0 for an interim one
     * @param denied the cluster's NetworkPolicy denies the flow: no learning period applies to it
     */
    Verdict observe(EdgeKey key, EdgeKey alias, EdgeNames.Named source, EdgeNames.Named destination,
                    long nowMillis, String node, long bytes, int flows, boolean denied) {
        if (learningStarted < 0) {
            learningStarted = nowMillis;
        }
        boolean learning = nowMillis < learningStarted + config.learning().toMillis();
        learning |= workloadLearning(source, nowMillis);
        learning |= workloadLearning(destination, nowMillis);
        // A learning period takes what it sees as the cluster's normal traffic; a flow its
        // policies deny is by their own word not that (a compromised pod probing, a workload
        // misconfigured), and learnt it would be known for good. It is judged as after learning.
        learning &= !denied;
        EdgeStats s = live(key);
        EdgeStats a = alias == null ? null : live(alias);
        Verdict v = Verdict.KNOWN;
        if (s == null) {
            s = new EdgeStats(nowMillis);
            (learning ? learned : added).put(key, s);
            v = learning ? Verdict.LEARNED : Verdict.NEW;
        }
        if (alias != null && a == null) {
            // The peer's edge by its network, kept beside its DNS-named edge in the same part of
            // the table: the enricher names the peer by its network once it forgets the DNS
            // name, and that is the same edge. Not the reverse: a DNS name is news even on a
            // known network (a cloud /24 holds many tenants). The agents, which name every
            // outside peer by its network, judge this edge's volume.
            a = new EdgeStats(nowMillis);
            partOf(key).put(alias, a);
            v = v == Verdict.KNOWN ? Verdict.LEARNED : v;
        }
        s.add(nowMillis, node, bytes, flows);
        s.lastUsed = running;
        if (a != null) {
            a.add(nowMillis, node, bytes, flows);
            a.lastUsed = running;
        }
        if (v != Verdict.KNOWN) {
            evictPast(config.maxEdges(), key, alias);
        }
        return v;
    }

    /**
     * The edge on {@code key}, or null when there is none or it went unused for longer than the
     * expiry: it is forgotten then (counted), and its use now is a new edge's. The sweep
     * ({@link #expire}) runs ten times a second; this makes the expiry exact between sweeps.
     */
    private EdgeStats live(EdgeKey key) {
        EdgeStats s = edge(key);
        if (s != null && expired(s)) {
            partOf(key).remove(key);
            edgesExpired++;
            return null;
        }
        return s;
    }

    private boolean expired(EdgeStats s) {
        return expiryMillis > 0 && running - s.lastUsed > expiryMillis;
    }

    /**
     * Forgets every edge unused for longer than {@code baseline.edge_expiry} of running time.
     * Each part of the table is in the order of last use, so this looks at the expired edges and
     * one more per part, never at every edge.
     *
     * @return edges forgotten
     */
    int expire() {
        if (expiryMillis == 0) {
            return 0;
        }
        int n = expire(learned) + expire(added);
        edgesExpired += n;
        return n;
    }

    private int expire(LinkedHashMap<EdgeKey, EdgeStats> part) {
        int n = 0;
        Iterator<EdgeStats> eldest = part.values().iterator();
        while (eldest.hasNext() && expired(eldest.next())) {
            eldest.remove();
            n++;
        }
        return n;
    }

    /** The part of the table that holds {@code key} (added when it is in neither). */
    private LinkedHashMap<EdgeKey, EdgeStats> partOf(EdgeKey key) {
        return learned.containsKey(key) ? learned : added;
    }

    /**
     * Forgets the least recently seen edges until at most {@code max} are left: added edges
     * first, learned ones only when no added edge but the {@code newcomers} (just put, the most
     * recently seen) is left.
     */
    private void evictPast(int max, EdgeKey... newcomers) {
        while (learned.size() + added.size() > max) {
            int fresh = 0;
            for (EdgeKey k : newcomers) {
                if (k != null && added.containsKey(k)) {
                    fresh++;
                }
            }
            Iterator<EdgeKey> eldest = (added.size() > fresh || learned.isEmpty() ? added : learned).keySet()
                    .iterator();
            eldest.next();
            eldest.remove();
            edgesEvicted++;
        }
    }

    private boolean workloadLearning(EdgeNames.Named end, long nowMillis) {
        if (!end.workload()) {
            return false;
        }
        Long first = workloads.get(end.name());
        if (first == null) {
            workloads.put(end.name(), nowMillis);
            first = nowMillis;
        }
        return nowMillis < first + config.workloadLearning().toMillis();
    }

    /**
     * The baseline's time for a reading of the aggregator's clocks, taken together: the wall clock
     * ({@code wallMillis}) and the monotonic one ({@code nanos}, {@link System#nanoTime}), which
     * the wall clock's steps (NTP, an operator) do not move. Readings come from the baseline
     * thread and, as flows' stamps, from the ingest threads, and reach it out of order: one
     * stamped before the last reading applied (a flow that waited in the queue while the baseline
     * thread read the clocks) moves nothing and counts nothing; its flow is at the current time.
     *
     * <p>Otherwise the monotonic clock says how much time passed: {@link #running} moves by that,
     * exactly. How far the wall clock moved beyond it is a step of the clock, counted
     * ({@link #clockSteps}) when more than {@link #CLOCK_STEP_MILLIS} either way. The baseline's
     * time follows the wall clock forward, a step forward included (learning periods end early,
     * as the clock says), and never goes back: after a reading a little behind it waits for the
     * clock; after a step back of more than {@link #CLOCK_STEP_MILLIS} it goes on by the time that
     * passed, from where it was, and the clock's new reading is its base, so no learning period
     * that is over opens again. The first reading after a restore starts from the latest time the
     * file holds, and the time the aggregator was stopped is not running time.
     */
    long now(long wallMillis, long nanos) {
        if (lastWall == Long.MIN_VALUE) {
            time = Math.max(time, wallMillis);
            ahead = plus(time, -wallMillis);
            firstNanos = nanos;
            runningAtFirst = running;
        } else if (nanos - lastNanos < 0) {
            return time;
        } else {
            long passed = runningAtFirst + (nanos - firstNanos) / 1_000_000 - running;
            long step = plus(plus(wallMillis, -lastWall), -passed);
            running += passed;
            if (step < -CLOCK_STEP_MILLIS) {
                clockSteps++;
                time = plus(time, passed);
                ahead = plus(time, -wallMillis);
            } else {
                if (step > CLOCK_STEP_MILLIS) {
                    clockSteps++;
                }
                time = Math.max(time, plus(wallMillis, ahead));
            }
        }
        lastWall = wallMillis;
        lastNanos = nanos;
        return time;
    }

    /** {@code a + b}, held at the ends of the range instead of wrapping. */
    private static long plus(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
    }

    /** Whether the global learning period is running (or has not started: no flow yet). */
    boolean learning(long nowMillis) {
        return learningStarted < 0 || nowMillis < learningStarted + config.learning().toMillis();
    }

    /** When learning started, milliseconds since the epoch; -1 before the first flow. */
    long learningStarted() {
        return learningStarted;
    }

    EdgeStats edge(EdgeKey key) {
        EdgeStats s = learned.get(key);
        return s != null ? s : added.get(key);
    }

    int edges() {
        return learned.size() + added.size();
    }

    /** Edges first seen after learning (the ones forgotten first). */
    int addedEdges() {
        return added.size();
    }

    int workloads() {
        return workloads.size();
    }

    long edgesEvicted() {
        return edgesEvicted;
    }

    /** Edges forgotten because they went unused for longer than the expiry. */
    long edgesExpired() {
        return edgesExpired;
    }

    /** Steps of the wall clock of more than {@link #CLOCK_STEP_MILLIS}, either way, beyond the time that passed. */
    long clockSteps() {
        return clockSteps;
    }

    long workloadsEvicted() {
        return workloadsEvicted;
    }

    /** Every edge: learned ones, then added ones, each least recently seen first. */
    Iterable<Map.Entry<EdgeKey, EdgeStats>> entries() {
        List<Map.Entry<EdgeKey, EdgeStats>> all = new ArrayList<>(edges());
        all.addAll(learned.entrySet());
        all.addAll(added.entrySet());
        return all;
    }

    /** Folds every minute that is over by {@code nowMillis} into its edge's statistics. */
    void settle(long nowMillis) {
        for (EdgeStats s : learned.values()) {
            s.settle(nowMillis);
        }
        for (EdgeStats s : added.values()) {
            s.settle(nowMillis);
        }
    }

    /** What the file keeps. */
    BaselineState state(long nowMillis) {
        settle(nowMillis);
        BaselineState.Builder b = BaselineState.newBuilder().setVersion(BaselineFile.VERSION)
                .setLearningStartedMillis(learningStarted).setSavedMillis(Math.max(0, nowMillis));
        for (Map.Entry<EdgeKey, EdgeStats> e : entries()) {
            EdgeKey k = e.getKey();
            EdgeStats s = e.getValue();
            b.addEdges(LearnedEdge.newBuilder().setSource(k.source()).setDestination(k.destination())
                    .setPort(k.port()).setIpProtocol(k.protocol()).setFirstSeenMillis(s.firstSeen)
                    .setLastSeenMillis(s.lastSeen).setMinutes(s.minutes).setBytesMean(s.bytesMean)
                    .setBytesM2(s.bytesM2).setFlowsMean(s.flowsMean).setFlowsM2(s.flowsM2)
                    .setAddedAfterLearning(added.containsKey(k)).setUnusedMillis(running - s.lastUsed));
        }
        for (Map.Entry<String, Long> w : workloads.entrySet()) {
            b.addWorkloads(WorkloadSeen.newBuilder().setWorkload(w.getKey()).setFirstSeenMillis(w.getValue()));
        }
        return b.build();
    }

    /**
     * Takes back what a file kept, and the baseline's time goes on from the latest it holds.
     * Each edge's time unused goes on from what the file says (running time goes on from the
     * write: the time the aggregator was stopped is not counted), and the table is put in the
     * order of last use. Entries that are not well formed (no names, a port or protocol out of
     * range, statistics no counters could make, a time before 1970 or after 9999, a time unused
     * below 0 or past that) are skipped.
     *
     * @return entries skipped
     */
    int restore(BaselineState state) {
        int skipped = 0;
        LinkedHashMap<EdgeKey, Restored> read = new LinkedHashMap<>();
        long started = state.getLearningStartedMillis();
        learningStarted = started < 0 || started > MAX_MILLIS ? -1 : started;
        long latest = Math.max(learningStarted, inRange(state.getSavedMillis()) ? state.getSavedMillis() : -1);
        for (LearnedEdge e : state.getEdgesList()) {
            if (e.getSource().length() > EdgeNames.MAX_NAME || e.getDestination().length() > EdgeNames.MAX_NAME
                    || e.getPort() > 65_535 || e.getIpProtocol() > 255 || e.getSource().isEmpty()
                    || e.getDestination().isEmpty() || e.getMinutes() < 0
                    || !EdgeStats.plausible(e.getBytesMean(), e.getBytesM2(), e.getMinutes())
                    || !EdgeStats.plausible(e.getFlowsMean(), e.getFlowsM2(), e.getMinutes())
                    || !inRange(e.getFirstSeenMillis()) || !inRange(e.getLastSeenMillis())
                    || !inRange(e.getUnusedMillis())) {
                skipped++;
                continue;
            }
            latest = Math.max(latest, e.getLastSeenMillis());
            EdgeStats s = new EdgeStats(e.getFirstSeenMillis());
            s.lastSeen = e.getLastSeenMillis();
            s.minutes = e.getMinutes();
            s.bytesMean = e.getBytesMean();
            s.bytesM2 = e.getBytesM2();
            s.flowsMean = e.getFlowsMean();
            s.flowsM2 = e.getFlowsM2();
            s.lastUsed = running - e.getUnusedMillis();
            EdgeKey key = new EdgeKey(e.getSource(), e.getDestination(), e.getPort(), e.getIpProtocol());
            read.remove(key); // a key given twice: the last one counts
            read.put(key, new Restored(s, e.getAddedAfterLearning()));
        }
        // In the order of last use, which expiry relies on (stable: a file of an older format,
        // every edge just used, keeps its order of last sighting).
        List<Map.Entry<EdgeKey, Restored>> byUse = new ArrayList<>(read.entrySet());
        byUse.sort(Comparator.comparingLong(r -> r.getValue().stats().lastUsed));
        for (Map.Entry<EdgeKey, Restored> r : byUse) {
            learned.remove(r.getKey());
            added.remove(r.getKey());
            (r.getValue().added() ? added : learned).put(r.getKey(), r.getValue().stats());
        }
        evictPast(config.maxEdges());
        for (WorkloadSeen w : state.getWorkloadsList()) {
            if (w.getWorkload().isEmpty() || w.getWorkload().length() > EdgeNames.MAX_NAME
                    || !inRange(w.getFirstSeenMillis())) {
                skipped++;
                continue;
            }
            latest = Math.max(latest, w.getFirstSeenMillis());
            workloads.put(w.getWorkload(), w.getFirstSeenMillis());
        }
        time = Math.max(time, latest);
        lastWall = Long.MIN_VALUE;
        return skipped;
    }

    /** An edge read from the file, and whether it was added after learning. */
    private record Restored(EdgeStats stats, boolean added) {
    }

    private static boolean inRange(long millis) {
        return millis >= 0 && millis <= MAX_MILLIS;
    }
}
