package io.netwatch.aggregator.baseline;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of the aggregator's baselines, {@code new_edge} and {@code lateral_movement}
 * (docs/baselines.md).
 *
 * @param learning           global learning period, from the first flow the aggregator ever saw
 *                           (kept across restarts in {@code file}): edges seen within it are the baseline
 * @param workloadLearning   a cluster workload first seen after that gets its own learning period
 *                           from its first flow, so a new Deployment is learned, not flagged edge by edge
 * @param edgeExpiry         an edge unused for longer than this (the aggregator's running time) is forgotten,
 *                           so its next use is new again; zero keeps edges until the table is full
 * @param maxEdges           edges kept; past it the least recently seen goes (counted)
 * @param maxWorkloads       workloads whose first sighting is remembered; past it the least recently seen goes
 * @param maxNewEdgesPerMinute {@code new_edge} anomalies per minute at most; the rest are learned and counted
 * @param lateralWindow      window in which one workload's new edges are counted for {@code lateral_movement}
 * @param lateralMinEdges    new edges from one workload within the window that raise {@code lateral_movement}
 * @param lateralMinPeers    distinct destinations among them
 * @param file               where the baseline is kept across restarts; null keeps it in memory only
 * @param saveEvery          how often the file is written (also on shutdown)
 * @param publishEvery       how often a changed baseline is pushed to the agents
 * @param queueCapacity      flows waiting for the baseline thread; a full queue drops (counted)
 */
public record BaselineConfig(Duration learning, Duration workloadLearning, Duration edgeExpiry, int maxEdges,
                             int maxWorkloads,
                             int maxNewEdgesPerMinute, Duration lateralWindow, int lateralMinEdges,
                             int lateralMinPeers, Path file, Duration saveEvery, Duration publishEvery,
                             int queueCapacity) {
    public static final Duration DEFAULT_LEARNING = Duration.ofHours(24);
    public static final Duration DEFAULT_WORKLOAD_LEARNING = Duration.ofHours(1);
    /**
     * 45 days: a monthly job's edges, used every 28 to 31 days, are kept with two weeks to spare
     * (a run late, a month skipped for a holiday still goes).
     */
    public static final Duration DEFAULT_EDGE_EXPIRY = Duration.ofDays(45);
    public static final int DEFAULT_MAX_EDGES = 100_000;
    public static final int DEFAULT_MAX_WORKLOADS = 20_000;
    public static final int DEFAULT_MAX_NEW_EDGES_PER_MINUTE = 60;
    public static final Duration DEFAULT_LATERAL_WINDOW = Duration.ofMinutes(5);
    public static final int DEFAULT_LATERAL_MIN_EDGES = 10;
    public static final int DEFAULT_LATERAL_MIN_PEERS = 5;
    public static final Duration DEFAULT_SAVE_EVERY = Duration.ofMinutes(1);
    public static final Duration DEFAULT_PUBLISH_EVERY = Duration.ofMinutes(1);
    public static final int DEFAULT_QUEUE_CAPACITY = 65_536;

    public BaselineConfig {
        if (learning == null || learning.isNegative() || workloadLearning == null || workloadLearning.isNegative()) {
            throw new IllegalArgumentException("baseline learning periods must be 0s or more, got " + learning
                    + " and " + workloadLearning);
        }
        if (edgeExpiry == null || edgeExpiry.isNegative()) {
            throw new IllegalArgumentException("baseline.edge_expiry must be 0s (never) or more, got " + edgeExpiry);
        }
        if (maxEdges < 1 || maxWorkloads < 1 || maxNewEdgesPerMinute < 0 || queueCapacity < 1) {
            throw new IllegalArgumentException("baseline bounds must be at least 1 (new edges per minute at least 0),"
                    + " got maxEdges=" + maxEdges + " maxWorkloads=" + maxWorkloads + " maxNewEdgesPerMinute="
                    + maxNewEdgesPerMinute + " queueCapacity=" + queueCapacity);
        }
        if (lateralWindow == null || lateralWindow.isNegative() || lateralWindow.isZero()
                || lateralMinEdges < 2 || lateralMinPeers < 1 || lateralMinPeers > lateralMinEdges) {
            throw new IllegalArgumentException("lateral movement (baseline.lateral.window, min_edges, min_peers) "
                    + "needs a positive window, at least 2 new edges and 1 to that many peers, got " + lateralWindow + ", " + lateralMinEdges + ", " + lateralMinPeers);
        }
        if (saveEvery == null || saveEvery.toMillis() < 1 || publishEvery == null || publishEvery.toMillis() < 1) {
            throw new IllegalArgumentException("baseline save and publish intervals must be positive, got "
                    + saveEvery + " and " + publishEvery);
        }
    }

    public static BaselineConfig defaults() {
        return new BaselineConfig(DEFAULT_LEARNING, DEFAULT_WORKLOAD_LEARNING, DEFAULT_EDGE_EXPIRY, DEFAULT_MAX_EDGES,
                DEFAULT_MAX_WORKLOADS, DEFAULT_MAX_NEW_EDGES_PER_MINUTE, DEFAULT_LATERAL_WINDOW,
                DEFAULT_LATERAL_MIN_EDGES, DEFAULT_LATERAL_MIN_PEERS, null, DEFAULT_SAVE_EVERY, DEFAULT_PUBLISH_EVERY,
                DEFAULT_QUEUE_CAPACITY);
    }

    public BaselineConfig withLearning(Duration global, Duration perWorkload) {
        return new BaselineConfig(global, perWorkload, edgeExpiry, maxEdges, maxWorkloads, maxNewEdgesPerMinute,
                lateralWindow, lateralMinEdges, lateralMinPeers, file, saveEvery, publishEvery, queueCapacity);
    }

    public BaselineConfig withFile(Path f, Duration every) {
        return new BaselineConfig(learning, workloadLearning, edgeExpiry, maxEdges, maxWorkloads, maxNewEdgesPerMinute,
                lateralWindow, lateralMinEdges, lateralMinPeers, f, every, publishEvery, queueCapacity);
    }

    public BaselineConfig withBounds(int edges, int workloads, int newEdgesPerMinute) {
        return new BaselineConfig(learning, workloadLearning, edgeExpiry, edges, workloads, newEdgesPerMinute,
                lateralWindow, lateralMinEdges, lateralMinPeers, file, saveEvery, publishEvery, queueCapacity);
    }

    public BaselineConfig withLateral(Duration window, int minEdges, int minPeers) {
        return new BaselineConfig(learning, workloadLearning, edgeExpiry, maxEdges, maxWorkloads, maxNewEdgesPerMinute,
                window, minEdges, minPeers, file, saveEvery, publishEvery, queueCapacity);
    }

    public BaselineConfig withEdgeExpiry(Duration expiry) {
        return new BaselineConfig(learning, workloadLearning, expiry, maxEdges, maxWorkloads, maxNewEdgesPerMinute,
                lateralWindow, lateralMinEdges, lateralMinPeers, file, saveEvery, publishEvery, queueCapacity);
    }

    public BaselineConfig withPublishEvery(Duration every) {
        return new BaselineConfig(learning, workloadLearning, edgeExpiry, maxEdges, maxWorkloads, maxNewEdgesPerMinute,
                lateralWindow, lateralMinEdges, lateralMinPeers, file, saveEvery, every, queueCapacity);
    }
}
