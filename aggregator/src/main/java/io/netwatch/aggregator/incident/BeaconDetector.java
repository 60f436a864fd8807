package io.netwatch.aggregator.incident;

import com.google.protobuf.util.Timestamps;
import io.netwatch.aggregator.store.StoreListener;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Explanation;
import io.netwatch.proto.anomaly.v1.Observation;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The {@code beaconing} detector: an established, regular rhythm of connections from one
 * actor (workload, else address) to one external peer (address, protocol, port); only
 * connections the peer answered count. With a cluster watched, a peer is external when no
 * pod or Service holds its address (no namespace) and it is none of the nodes' addresses:
 * a probe or a scraper calls on the kubelet or a host-network agent like clockwork. For each
 * pair it keeps the starts of the last {@link BeaconConfig#MAX_SAMPLES} connections; once
 * there are enough, the intervals between them are judged by their median (the period) and
 * their robust coefficient of variation, 1.4826 x MAD / median (the jitter): about 1 for
 * Poisson arrivals, near 0 for a timer, and a missed beat moves the median little. The
 * MAD ignores up to half the intervals, so a rhythm also needs no interval shorter than
 * (1 - 2 x max jitter) x median: random arrivals always have short gaps. The table of pairs is bounded (least recently seen evicted, counted); the work runs
 * on the incident worker, never on the storing thread.
 */
public final class BeaconDetector implements StoreListener {
    /** Two connection starts closer than this are one connection seen twice (interim records, two nodes), ns. */
    static final long SAME_START_NANOS = 50_000_000L;
    /** MAD of a normal distribution is 0.6745 sigma: this factor makes the jitter comparable to a CV. */
    private static final double MAD_TO_SIGMA = 1.4826;
    static final String TYPE = "beaconing";
    static final String TECHNIQUE = "T1071";

    private final BeaconConfig config;
    private final Predicate<Flow> external;
    private final IncidentTracker worker;
    private final Consumer<Anomaly> raise;
    private final IncidentCounters counters;
    private final LinkedHashMap<String, Pair> pairs;
    /** Scratch for the intervals, reused: the worker is one thread. */
    private final double[] intervals = new double[BeaconConfig.MAX_SAMPLES];
    private final double[] deviations = new double[BeaconConfig.MAX_SAMPLES];
    private long nextId;

    /** One actor/peer pair: the starts of its latest connections, ascending, with their flow ids. */
    private static final class Pair {
        final long[] starts = new long[BeaconConfig.MAX_SAMPLES];
        final long[] flowIds = new long[BeaconConfig.MAX_SAMPLES];
        int n;
        long reportedAtNanos = Long.MIN_VALUE;
    }

    /** As below, with no node addresses known. */
    public BeaconDetector(BeaconConfig config, boolean clusterWatched, IncidentTracker worker,
                          Consumer<Anomaly> raise) {
        this(config, clusterWatched, ip -> false, worker, raise);
    }

    /**
     * @param clusterWatched with a cluster, only peers outside it are judged; without, every
     *                       destination
     * @param nodeAddress    whether an address (as flows write it) is one of the cluster's
     *                       nodes': such a peer is in the cluster though no pod holds it. Asked
     *                       on the storing thread for each answered flow: must not block
     * @param worker         runs the judging, in order, off the storing thread
     * @param raise          stores a beaconing anomaly (the store then tells the incidents)
     */
    public BeaconDetector(BeaconConfig config, boolean clusterWatched, Predicate<String> nodeAddress,
                          IncidentTracker worker, Consumer<Anomaly> raise) {
        this.config = config;
        this.external = clusterWatched
                ? f -> f.getDestination().getWorkload().getNamespace().isEmpty()
                        && !nodeAddress.test(f.getDestination().getIp())
                : f -> true;
        this.worker = worker;
        this.raise = raise;
        this.counters = worker.counters();
        int max = config.maxPairs();
        this.pairs = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Pair> eldest) {
                if (size() > max) {
                    counters.beaconPairsEvicted.increment();
                    return true;
                }
                return false;
            }
        };
    }

    @Override
    public void flowStored(Flow flow, long receivedMillis) {
        // Only established connections: the peer answered (a beacon's server does; a flood's
        // or a scan's regular probes go unanswered).
        if (flow.getToClient().getPackets() == 0
                || flow.getSource().getIp().isEmpty() || flow.getDestination().getIp().isEmpty()
                || config.ignoredPorts().contains(flow.getDestination().getPort()) || !external.test(flow)) {
            return;
        }
        worker.submitFlow(() -> judge(flow));
    }

    /** Adds one connection start to its pair and reports the pair when its rhythm is a beacon. Worker thread only. */
    void judge(Flow flow) {
        counters.beaconFlows.increment();
        String key = IncidentKey.party(flow.getSource()) + "|" + flow.getDestination().getIp() + "|"
                + flow.getIpProtocol() + "|" + flow.getDestination().getPort();
        Pair p = pairs.computeIfAbsent(key, k -> new Pair());
        long start = CaptureTime.nanos(flow.getFirstSeen());
        if (!insert(p, start, flow.getFlowId())) {
            return;
        }
        if (p.n < config.minConnections() || p.reportedAtNanos != Long.MIN_VALUE
                && start - p.reportedAtNanos < config.cooldown().toNanos()) {
            return;
        }
        int k = p.n - 1;
        for (int i = 0; i < k; i++) {
            intervals[i] = p.starts[i + 1] - p.starts[i];
        }
        double shortest = Double.MAX_VALUE;
        for (int i = 0; i < k; i++) {
            shortest = Math.min(shortest, intervals[i]);
        }
        double median = median(intervals, k);
        for (int i = 0; i < k; i++) {
            deviations[i] = Math.abs(intervals[i] - median);
        }
        double jitter = median <= 0 ? Double.POSITIVE_INFINITY : MAD_TO_SIGMA * median(deviations, k) / median;
        if (median < config.minPeriod().toNanos() || median > config.maxPeriod().toNanos()
                || jitter > config.maxJitter() || shortest < (1 - 2 * config.maxJitter()) * median) {
            return;
        }
        p.reportedAtNanos = p.starts[p.n - 1];
        counters.beacons.increment();
        raise.accept(anomaly(flow, p, median, jitter));
    }

    /** Inserts in order; false for a start already held (the same connection again) or older than all held. */
    private static boolean insert(Pair p, long start, long flowId) {
        int i = p.n;
        while (i > 0 && p.starts[i - 1] > start) {
            i--;
        }
        if (i > 0 && start - p.starts[i - 1] < SAME_START_NANOS || i < p.n && p.starts[i] - start < SAME_START_NANOS) {
            return false;
        }
        if (p.n == BeaconConfig.MAX_SAMPLES) {
            if (i == 0) {
                return false;
            }
            // Full: the oldest start goes.
            System.arraycopy(p.starts, 1, p.starts, 0, i - 1);
            System.arraycopy(p.flowIds, 1, p.flowIds, 0, i - 1);
            i--;
        } else {
            System.arraycopy(p.starts, i, p.starts, i + 1, p.n - i);
            System.arraycopy(p.flowIds, i, p.flowIds, i + 1, p.n - i);
            p.n++;
        }
        p.starts[i] = start;
        p.flowIds[i] = flowId;
        return true;
    }

    /** Median of the first {@code n} values (sorts them in place). */
    private static double median(double[] values, int n) {
        java.util.Arrays.sort(values, 0, n);
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    private Anomaly anomaly(Flow flow, Pair p, double periodNanos, double jitter) {
        Endpoint source = Endpoint.newBuilder().setIp(flow.getSource().getIp())
                .setWorkload(flow.getSource().getWorkload()).build();
        Endpoint peer = flow.getDestination();
        String peerName = peer.getWorkload().getExternalName().isEmpty() ? peer.getIp() + ":" + peer.getPort()
                : peer.getIp() + ":" + peer.getPort() + " (" + peer.getWorkload().getExternalName() + ")";
        long first = p.starts[0];
        long last = p.starts[p.n - 1];
        String summary = String.format(Locale.ROOT,
                "%s opened %d connections to %s every %.1f s (median interval) with jitter %.3f (robust coefficient "
                        + "of variation, threshold %.2f) from %s to %s: a regular rhythm like a command-and-control "
                        + "beacon", IncidentKey.party(flow.getSource()), p.n, peerName, periodNanos / 1e9, jitter,
                config.maxJitter(), Instant.ofEpochSecond(0, first), Instant.ofEpochSecond(0, last));
        Anomaly.Builder a = Anomaly.newBuilder()
                .setId("aggregator.beaconing-" + ++nextId)
                .setAnomalyType(TYPE)
                .setSeverity(Severity.SEVERITY_LOW)
                .setScore(Math.max(0, Math.min(1, 1 - jitter / config.maxJitter())))
                .setSource(source)
                .setDestination(peer)
                .setStart(Timestamps.fromNanos(first))
                .setEnd(Timestamps.fromNanos(last))
                .setAttackTechnique(TECHNIQUE)
                .setNodeName("")
                .setDetector("aggregator.beaconing")
                .setExplanation(Explanation.newBuilder().setSummary(summary)
                        .addObservations(observation("median_interval", periodNanos / 1e9,
                                config.minPeriod().toNanos() / 1e9, "seconds"))
                        .addObservations(observation("interval_jitter", jitter, config.maxJitter(), "ratio"))
                        .addObservations(observation("connections", p.n, config.minConnections(), "connections")));
        for (int i = 0; i < p.n; i++) {
            a.addEvidenceFlowIds(p.flowIds[i]);
        }
        return a.build();
    }

    private static Observation observation(String name, double observed, double expected, String unit) {
        return Observation.newBuilder().setName(name).setObserved(observed).setExpected(expected).setUnit(unit)
                .build();
    }

    /** Actor/peer pairs tracked now (worker thread, or tests after {@link IncidentTracker#awaitIdle}). */
    int pairs() {
        return pairs.size();
    }
}
