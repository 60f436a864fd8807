package io.netwatch.agent.score;

import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients resolving algorithmically generated domains ({@code dga}): malware that finds its
 * command server by trying many generated names. One generated-looking name is weak
 * evidence; several distinct ones from one client in a window are not (see
 * {@link DgaConfig}). Works on DNS queries on the capture thread; names in the
 * {@link TrustedZones} and names with no public suffix (cluster-internal ones) are skipped.
 * Bounded: clients in a fixed-capacity table whose evictions are counted, domains per client in
 * a fixed set.
 */
public final class DgaDetector implements InspectionSink {
    public static final String TYPE = "dga";
    /** MITRE ATT&CK: Dynamic Resolution: Domain Generation Algorithms. */
    public static final String TECHNIQUE = "T1568.002";
    /** Example names quoted in an anomaly's summary. */
    private static final int EXAMPLES = 3;

    private final DgaConfig config;
    private final TrustedZones zones;
    private final DgaScorer scorer;
    private final AnomalySink sink;
    private final String nodeName;
    private final LruTable<String, Window> clients;
    /** Generated names asked within the last 100 ms, by any sender: their copies on other paths. */
    private final QueryCopyFilter copies = new QueryCopyFilter();
    /** Registered domains whose verdict is remembered, at most (direct-mapped by hash). */
    static final int VERDICTS = 1024;
    /**
     * The latest verdicts by registered domain: a node's pods ask for the same few domains
     * again and again, and scoring a label (entropy, vowels, runs) costs more than the rest of
     * the detector. A generated domain is new each time and is scored each time.
     */
    private final String[] verdictDomains = new String[VERDICTS];
    private final DgaScorer.Verdict[] verdicts = new DgaScorer.Verdict[VERDICTS];
    private long nextId = 1;
    /** The last generated name's capture time: windows over by it weigh nothing ({@link #evidence}). */
    private long clockNanos;
    private final AtomicLong raised = new AtomicLong();
    private final AtomicLong generatedNames = new AtomicLong();

    /** With the default {@link TrustedZones}: the cluster domain {@code cluster.local}. */
    public DgaDetector(DgaConfig config, AnomalySink sink, String nodeName) {
        this(config, TrustedZones.defaults(), sink, nodeName);
    }

    public DgaDetector(DgaConfig config, TrustedZones zones, AnomalySink sink, String nodeName) {
        this.config = config;
        this.zones = java.util.Objects.requireNonNull(zones, "zones");
        this.scorer = new DgaScorer(config);
        this.sink = sink;
        this.nodeName = nodeName;
        this.clients = new LruTable<>(config.maxClients(), this::evidence);
    }

    /**
     * What a client's window holds, for the table to keep the clients that hold the most (see
     * {@link LruTable}): its distinct generated domains, none once the window is over. A
     * generated name each from many other (spoofed) clients must not flush a client's window.
     */
    private long evidence(Window w) {
        return clockNanos - w.startNanos >= config.window().toNanos() ? 0 : w.domains.size();
    }

    /** One client's window; mutable, lives only in {@link #clients}. */
    private static final class Window {
        final FixedHashSet domains = new FixedHashSet(DgaConfig.MAX_DOMAINS_PER_CLIENT);
        final String[] examples = new String[EXAMPLES];
        long startNanos;
        long lastNanos;
        long[] evidence;
        int evidenceCount;
        boolean reported;
        double entropySum;

        void restart(long nowNanos) {
            domains.clear();
            java.util.Arrays.fill(examples, null);
            startNanos = nowNanos;
            lastNanos = nowNanos;
            evidenceCount = 0;
            reported = false;
            entropySum = 0;
        }
    }

    @Override
    public void onEvent(InspectionEvent event) {
        if (!(event instanceof InspectionEvent.Dns dns) || dns.message().response()) {
            return;
        }
        // Split at the labels' boundaries: a label may hold a dot (see RegisteredDomain).
        RegisteredDomain.Query query = RegisteredDomain.query(dns.message().escapedQname(), zones);
        RegisteredDomain.Split split = query.split();
        if (query.passedOver() || split == null || split.domain().indexOf('.') < 0) {
            return;
        }
        DgaScorer.Verdict v = verdict(split.domain());
        if (!v.generated()) {
            return;
        }
        long now = dns.timestampNanos();
        // A generated name forwarded by CoreDNS or a node-local cache (or seen before and after
        // DNAT) is the asking pod's query again: counted, the resolver or the node would raise a
        // dga of its own beside the pod's (see QueryCopyFilter).
        if (copies.seenBefore(QueryCopyFilter.key(dns.message().qtype(), query.name()), now)) {
            return;
        }
        generatedNames.incrementAndGet();
        String client = dns.endpoints().srcIp();
        clockNanos = now;
        Window w = clients.get(client);
        if (w == null) {
            w = new Window();
            w.startNanos = now;
            clients.put(client, w);
        } else if (now - w.startNanos >= config.window().toNanos() || w.startNanos - now >= config.window().toNanos()) {
            // A whole window before its start: the capture clock went back; see DnsTunnelDetector.
            w.restart(now);
        }
        w.lastNanos = Math.max(w.lastNanos, now);
        if (!w.domains.add(NameFeatures.hash(split.domain()))) {
            return;
        }
        w.entropySum += v.entropy();
        int n = w.domains.size();
        if (n <= EXAMPLES) {
            w.examples[n - 1] = split.domain();
        }
        if (config.maxEvidence() > 0) {
            if (w.evidence == null) {
                w.evidence = new long[config.maxEvidence()];
            }
            if (w.evidenceCount < w.evidence.length) {
                w.evidence[w.evidenceCount++] = dns.flowId();
            }
        }
        if (!w.reported && n >= config.minDomains()) {
            w.reported = true;
            report(client, w);
        }
    }

    /**
     * The verdict on a registered domain's own label, remembered or scored now. A label that is a
     * pod name Kubernetes generated ({@link PodNames}) under a domain with no public suffix is
     * judged by its prefix: under a search domain with no public suffix ({@code corp},
     * {@code lan}) a pod's own name is a registered domain of its own,
     * {@code web-7d4b9c8f6-x2k9p.lan}, whose generated parts look like a DGA's. Under a public
     * suffix ({@code com}) no search domain makes one, and the label is judged whole: a DGA's
     * names shaped as pod names ({@code qz-b59d47c8f6-x2k9p.com}) are registrable there.
     */
    DgaScorer.Verdict verdict(String domain) {
        int h = domain.hashCode() * 0x9E3779B9;
        int slot = (h ^ h >>> 16) & (VERDICTS - 1);
        String kept = verdictDomains[slot];
        if (kept != null && kept.equals(domain)) {
            return verdicts[slot];
        }
        String label = DgaScorer.ownLabel(domain);
        int prefix = PodNames.prefixLength(label, label.length());
        if (prefix >= 0 && RegisteredDomain.underPublicSuffix(domain)) {
            prefix = -1;
        }
        DgaScorer.Verdict v = scorer.judge(prefix < 0 ? label : label.substring(0, prefix));
        verdictDomains[slot] = domain;
        verdicts[slot] = v;
        return v;
    }

    private void report(String client, Window w) {
        int n = w.domains.size();
        StringBuilder examples = new StringBuilder();
        for (String e : w.examples) {
            if (e != null) {
                examples.append(examples.isEmpty() ? "" : ", ").append(e);
            }
        }
        String summary = String.format(Locale.ROOT,
                "%s looked up %d distinct generated-looking domains in %.1f s (%s; mean entropy %.2f bits per character)",
                client, n, Math.max(0, w.lastNanos - w.startNanos) / 1e9, examples, w.entropySum / n);
        Anomaly.Builder a = Anomalies.start(nodeName + "-dga-" + nextId++, TYPE, "dga", TECHNIQUE, nodeName,
                Severity.SEVERITY_MEDIUM, (double) n / (3.0 * config.minDomains()), Anomalies.endpoint(client),
                io.netwatch.proto.flow.v1.Endpoint.getDefaultInstance(), w.startNanos, w.lastNanos, summary);
        a.getExplanationBuilder()
                .addObservations(Anomalies.observation("generated_domains", n, config.minDomains(), "domains"))
                .addObservations(Anomalies.observation("mean_label_entropy", w.entropySum / n, config.minEntropy(),
                        "bits/character"));
        for (int i = 0; i < w.evidenceCount; i++) {
            a.addEvidenceFlowIds(w.evidence[i]);
        }
        raised.incrementAndGet();
        sink.onAnomaly(a.build());
    }

    public long raised() {
        return raised.get();
    }

    /** Queried names whose domain looked generated (each counted, anomaly or not). */
    public long generatedNames() {
        return generatedNames.get();
    }

    /** Clients forgotten because {@link DgaConfig#maxClients()} were tracked. */
    public long evictions() {
        return clients.evictions();
    }
}
