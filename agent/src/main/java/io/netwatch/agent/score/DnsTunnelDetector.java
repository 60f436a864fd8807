package io.netwatch.agent.score;

import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.agent.inspect.dns.DnsMessage;
import io.netwatch.agent.inspect.dns.DnsParser;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * DNS tunnels ({@code dns_tunnel}) and data carried out in query names
 * ({@code exfiltration}), per registered domain (see {@link RegisteredDomain}) over a
 * tumbling window: how many distinct subdomains were asked for, how many of them carry data
 * (long and random, each judged on its own), how many characters the random ones add up to,
 * and which share asked for TXT or NULL records (see {@link DnsTunnelConfig}). A tunnel must
 * encode its data in names under a domain whose server it controls, so every one of these
 * grows with the data it carries. Names are judged one by one, not by their means over the
 * window: short names asked beside a tunnel's add nothing to its data, and must not dilute it.
 *
 * <p>Looks at DNS queries (not responses) on the capture thread, each once however many of
 * the node's interfaces saw it (before and after DNAT: {@link QueryCopyFilter}). Bounded:
 * domains in a fixed-capacity table whose evictions are counted, distinct subdomains in a fixed
 * set per domain (past it, each name the set does not hold counts as a new one, and as an
 * overflow), recent queries in a fixed table; names without a registered domain are counted
 * and skipped. Names in the {@link TrustedZones} (the cluster's domain, the reverse and the
 * clouds' private zones, and those configured) are counted and passed over. A query a pod made
 * by trying a name it had just asked under the cluster domain under another domain of its search
 * list is judged by that name, every label still judged ({@link SearchPaths},
 * {@link #searchPathQuery}); the names asked under the cluster domain are remembered per client in
 * a bounded table whose evictions are counted.
 */
public final class DnsTunnelDetector implements InspectionSink {
    public static final String DNS_TUNNEL = "dns_tunnel";
    public static final String EXFILTRATION = "exfiltration";
    /** MITRE ATT&CK: Application Layer Protocol: DNS. */
    public static final String TUNNEL_TECHNIQUE = "T1071.004";
    /** MITRE ATT&CK: Exfiltration Over Alternative Protocol. */
    public static final String EXFILTRATION_TECHNIQUE = "T1048";

    private final DnsTunnelConfig config;
    private final TrustedZones zones;
    private final AnomalySink sink;
    private final String nodeName;
    private final LruTable<String, Window> domains;
    /**
     * Queries of the last {@link QueryCopyFilter#WINDOW_NANOS} by type and name, whoever sent
     * them: one query is seen again on other paths. Before and after kube-proxy's DNAT (same
     * sender, another destination), as CoreDNS's or a node-local cache's query upstream (their
     * own address and id, or the node's after SNAT), all within a fraction of the window. Each
     * copy counted would weigh its client's queries twice in the TXT/NULL share, and the last
     * copy would name the tunnel's client: CoreDNS or a node, which the aggregator never
     * blocks, while the pod went free. The first sighting counts and names its sender; a
     * client's own retry comes a second or more later and counts again.
     */
    private final QueryCopyFilter copies = new QueryCopyFilter();
    /** The names each client asked under the cluster domain of late, to tell its tries of them elsewhere. */
    private final SearchPaths searchPaths;
    private long nextId = 1;
    /** The last query's capture time: windows over by it weigh nothing ({@link #evidence}). */
    private long clockNanos;
    private final AtomicLong tunnels = new AtomicLong();
    private final AtomicLong exfiltrations = new AtomicLong();
    private final AtomicLong unsplittable = new AtomicLong();
    private final AtomicLong trusted = new AtomicLong();
    private final AtomicLong podNames = new AtomicLong();
    private final AtomicLong searchPathNames = new AtomicLong();
    private final AtomicLong subdomainOverflows = new AtomicLong();

    /** With the default {@link TrustedZones}: the cluster domain {@code cluster.local}. */
    public DnsTunnelDetector(DnsTunnelConfig config, AnomalySink sink, String nodeName) {
        this(config, TrustedZones.defaults(), sink, nodeName);
    }

    public DnsTunnelDetector(DnsTunnelConfig config, TrustedZones zones, AnomalySink sink, String nodeName) {
        this.config = config;
        this.zones = java.util.Objects.requireNonNull(zones, "zones");
        this.sink = sink;
        this.nodeName = nodeName;
        this.domains = new LruTable<>(config.maxDomains(), this::evidence);
        this.searchPaths = new SearchPaths(zones.clusterDomain());
    }

    /**
     * What a domain's window holds, for the table to keep the domains that hold the most (see
     * {@link LruTable}): its distinct subdomains, none once the window is over. One-off domains
     * asked for between a tunnel's queries (a name each, nobody need answer) must not flush the
     * tunnel's window.
     */
    private long evidence(Window w) {
        return clockNanos - w.startNanos >= config.window().toNanos() ? 0 : w.subdomains.size();
    }

    /**
     * Search domains' labels remembered per window ({@link #knownTail}): a node has a few; past
     * the bound a tail is taken as new, judged with its stem.
     */
    static final int MAX_TAILS = 64;

    /** One registered domain's window; mutable, lives only in {@link #domains}. */
    private static final class Window {
        final FixedHashSet subdomains;
        long startNanos;
        long lastNanos;
        int queries;
        int txtNull;
        /**
         * Subdomains counted in the window, and the sums of their lengths and entropies: the
         * distinct ones, and past the set's capacity every one it does not hold ({@link #overflowed}).
         */
        int named;
        long characters;
        double entropySum;
        /** Characters of those subdomains outside ASCII: bytes no hostname has (see {@link DnsTunnelDetector#count}). */
        long nonAscii;
        /** Of the subdomains counted, those the full set turned away: each counted as new, repeats included. */
        int overflowed;
        /** Subdomains counted that carry data: long and random (see {@link DnsTunnelDetector#count}). */
        int dataNames;
        /** Characters of the subdomains counted that are random, whatever their length. */
        long randomCharacters;
        /** Queries whose first label is a pod name, judged by its prefix ({@link DnsTunnelDetector#judged}). */
        int podNames;
        /** Queries tried under a search domain, judged by their parts ({@link DnsTunnelDetector#searchPathQuery}). */
        int searchPaths;
        /**
         * The search domains' labels seen after a stem in the window ({@link DnsTunnelDetector#searchPathQuery}),
         * made only when the first try comes.
         */
        FixedHashSet tails;
        /** The last query's endpoints, spelt only if the window is reported. */
        InspectionEvent.Endpoints lastQuery;
        long[] evidence;
        int evidenceCount;
        boolean tunnelReported;
        boolean exfiltrationReported;

        Window(int maxSubdomains, long startNanos) {
            subdomains = new FixedHashSet(maxSubdomains);
            this.startNanos = startNanos;
        }

        void restart(long nowNanos) {
            subdomains.clear();
            if (tails != null) {
                tails.clear();
            }
            startNanos = nowNanos;
            lastNanos = nowNanos;
            queries = 0;
            txtNull = 0;
            named = 0;
            characters = 0;
            entropySum = 0;
            nonAscii = 0;
            overflowed = 0;
            dataNames = 0;
            randomCharacters = 0;
            podNames = 0;
            searchPaths = 0;
            evidenceCount = 0;
            tunnelReported = false;
            exfiltrationReported = false;
        }

        String lastClient() {
            return lastQuery == null ? "" : lastQuery.srcIp();
        }

        double meanLength() {
            return named == 0 ? 0 : (double) characters / named;
        }

        double meanEntropy() {
            return named == 0 ? 0 : entropySum / named;
        }

        double txtNullShare() {
            return queries == 0 ? 0 : (double) txtNull / queries;
        }

        double nonAsciiShare() {
            return characters == 0 ? 0 : (double) nonAscii / characters;
        }
    }

    @Override
    public void onEvent(InspectionEvent event) {
        if (!(event instanceof InspectionEvent.Dns dns) || dns.message().response()) {
            return;
        }
        DnsMessage m = dns.message();
        long now = dns.timestampNanos();
        // Split at the labels' boundaries: a label may hold a dot (see RegisteredDomain).
        RegisteredDomain.Query query = RegisteredDomain.query(m.escapedQname(), zones);
        if (query.passedOver()) {
            if (query.trusted()) {
                // Every sighting, copies on other paths included: the copy filter is for names judged.
                trusted.incrementAndGet();
                // A name tried under the cluster domain may be tried under the node's domains next.
                searchPaths.asked(dns.endpoints().srcIp(), query.name(), now);
            }
            return;
        }
        // One query seen on several paths is one query (see copies).
        if (copies.seenBefore(QueryCopyFilter.key(m.qtype(), query.name()), now)) {
            return;
        }
        RegisteredDomain.Split split = query.split();
        if (split == null) {
            unsplittable.incrementAndGet();
            return;
        }
        clockNanos = now;
        int stemEnd = searchPaths.stemEnd(dns.endpoints().srcIp(), split.subdomain(), split.domain(), now);
        if (stemEnd >= 0) {
            searchPathQuery(dns, split, stemEnd, now);
            return;
        }
        Window w = query(split.domain(), dns, now);
        if (offer(w, split.subdomain(), dns)) {
            w.podNames++;
            podNames.incrementAndGet();
        }
        judge(split.domain(), w);
    }

    /**
     * A query its client made by trying a name it asked under the cluster domain (the stem, ending
     * at {@code stemEnd} of {@code subdomain.domain}) under another domain of its search list
     * ({@link SearchPaths}): {@code api.stripe.com.corp.example.com},
     * {@code redis-cart.shop.svc.cluster.local.corp.example.com}. Judged by the stem, with the
     * cluster's search suffix it may end with ({@code .svc.CLUSTER}, {@code .CLUSTER}) set aside,
     * and not as one long subdomain of the search domain: a node's pods try every outside name and
     * every Service asked by its full name under each of the node's domains, and whole, those
     * names, the cluster's labels and the search domain's in them, read as data (few vowels, or an
     * OCI subnet's digits), eight a minute a {@code dns_tunnel} on the company's domain.
     *
     * <p>Judged where the query went, under its registered domain ({@code example.com}), whose
     * window counts it. Only the labels left of the query's registered domain are its subdomain's:
     * under a search domain with no registered domain of its own ({@code lan}) the stem's last
     * labels are the registered domain's. The labels after the stem ({@code corp}) are a search
     * domain's when a try came with them before in the window: a node's few, repeated by every try.
     * Then the query is two subdomains: the stem whole ({@code api.stripe.com},
     * {@code redis-cart.shop}) and those labels. Else, the window's first try under them or labels
     * a tunnel changes with every query, the stem and those labels are one subdomain. So every
     * label is judged, in the window of the server it reached (none counts under another domain,
     * where a tunnel could spread its names over as many windows as it names domains), and a try
     * carries unseen no more than any name: its stem in pieces, or the stem and changing labels
     * after it apart, carried two to three times as much (found in review).
     */
    private void searchPathQuery(InspectionEvent.Dns dns, RegisteredDomain.Split split, int stemEnd, long now) {
        String sub = split.subdomain();
        String name = sub.isEmpty() ? split.domain() : sub + "." + split.domain();
        int stemLength = clusterSearchStem(name, stemEnd);
        searchPathNames.incrementAndGet();
        Window w = query(split.domain(), dns, now);
        w.searchPaths++;
        // The search domain's own labels, left of the query's registered domain.
        String tail = stemEnd + 1 < sub.length() ? sub.substring(stemEnd + 1) : "";
        boolean pod;
        if (!tail.isEmpty() && knownTail(w, tail)) {
            // A search domain the window has seen after another stem: a node's, which every try
            // repeats, judged apart; the stem whole, as a query for it would be (found in review:
            // its public suffix set aside, a wildcard suffix's label, x.DATA.ck, went unjudged).
            pod = part(w, sub, 0, stemLength, dns);
            pod |= offer(w, tail, dns);
        } else if (stemLength == stemEnd || tail.isEmpty()) {
            // The first try under these labels, or labels no stem came before: judged with the stem
            // as one name, so that a tunnel that changes them with every query carries in a try no
            // more than in any name (found in review: the stem and the labels after it judged apart
            // took twice what one name may carry unseen, under the length and the entropy alike).
            // Here the two are one stretch of the subdomain.
            pod = part(w, sub, 0, stemLength == stemEnd ? sub.length() : stemLength, dns);
        } else {
            // The same, the cluster's search suffix between them set aside.
            pod = offer(w, stemLength == 0 ? tail : sub.substring(0, Math.min(stemLength, sub.length())) + "." + tail,
                    dns);
        }
        if (pod) {
            w.podNames++;
            podNames.incrementAndGet();
        }
        judge(split.domain(), w);
    }

    /**
     * Offers {@code sub[from, to)}, cut at the subdomain's end, when that leaves anything; true when
     * it was judged by a pod name's prefix.
     */
    private boolean part(Window w, String sub, int from, int to, InspectionEvent.Dns dns) {
        int end = Math.min(to, sub.length());
        return from < end && offer(w, sub.substring(from, end), dns);
    }

    /** Whether {@code tail} came after a stem in the window before; kept as seen now. */
    private static boolean knownTail(Window w, String tail) {
        if (w.tails == null) {
            w.tails = new FixedHashSet(MAX_TAILS);
        }
        return w.tails.offer(NameFeatures.hash(tail)) == FixedHashSet.Offer.PRESENT;
    }

    /**
     * The length of the stem {@code name[0, stemEnd)} without the cluster's search suffix it ends
     * with: {@code .svc.CLUSTER} or {@code .CLUSTER} ({@code redis-cart.shop} of
     * {@code redis-cart.shop.svc.cluster.local}, a Service asked by its full name without the final
     * dot); {@code stemEnd} when it ends with neither. Only those two: the label before {@code svc}
     * is a namespace's name in a Service's, and anyone's in a tunnel's, so it stays.
     */
    private int clusterSearchStem(String name, int stemEnd) {
        String cluster = zones.clusterDomain();
        int at = stemEnd - cluster.length();
        if (at < 0 || !name.startsWith(cluster, at) || at > 0 && !RegisteredDomain.separator(name, at - 1)) {
            return stemEnd;
        }
        int end = Math.max(0, at - 1);
        int svc = end - 3;
        if (svc >= 0 && name.startsWith("svc", svc) && (svc == 0 || RegisteredDomain.separator(name, svc - 1))) {
            return Math.max(0, svc - 1);
        }
        return end;
    }

    /** The window of {@code domain}, open (or opened again) at {@code now}, counting one query of {@code dns}. */
    private Window query(String domain, InspectionEvent.Dns dns, long now) {
        Window w = domains.get(domain);
        if (w == null) {
            w = new Window(config.maxSubdomains(), now);
            domains.put(domain, w);
        } else if (now - w.startNanos >= config.window().toNanos() || w.startNanos - now >= config.window().toNanos()) {
            // Past the window, or a whole window before its start: the capture clock went back
            // (files concatenated, a clock stepped), and the window held open until the clock
            // caught up would keep its domain's tunnel reported, so unreported, for that long.
            w.restart(now);
        }
        w.queries++;
        w.lastNanos = Math.max(w.lastNanos, now);
        w.lastQuery = dns.endpoints();
        int qtype = dns.message().qtype();
        if (qtype == DnsParser.TYPE_TXT || qtype == DnsParser.TYPE_NULL) {
            w.txtNull++;
        }
        return w;
    }

    /**
     * Offers one subdomain of {@code w}'s domain, judged and counted when new to the window; true
     * when it was judged by a pod name's prefix, for the caller to count once a query.
     */
    private boolean offer(Window w, String subdomain, InspectionEvent.Dns dns) {
        // A pod name's generated parts set aside (see judged): the pods of one Deployment are one name.
        String sub = judged(subdomain);
        // Only distinct names count: a client asking for the same few names over and over
        // (every service's lookups) carries no new data. Past the set's capacity a name it does
        // not hold may be new or not, and counts as new: left out, a client that first asked
        // as many short names as the set holds would tunnel unseen for the rest of the window.
        if (!sub.isEmpty()) {
            FixedHashSet.Offer offer = w.subdomains.offer(NameFeatures.hash(sub));
            if (offer != FixedHashSet.Offer.PRESENT) {
                if (offer == FixedHashSet.Offer.TURNED_AWAY) {
                    w.overflowed++;
                    subdomainOverflows.incrementAndGet();
                }
                count(w, sub);
                if (config.maxEvidence() > 0) {
                    if (w.evidence == null) {
                        w.evidence = new long[config.maxEvidence()];
                    }
                    if (w.evidenceCount < w.evidence.length) {
                        w.evidence[w.evidenceCount++] = dns.flowId();
                    }
                }
            }
        }
        return sub != subdomain;
    }

    /**
     * Counts one subdomain new to the window (as {@link #judged}: a pod name's generated parts set
     * aside), judged on its own: it is random when its entropy reaches
     * {@link DnsTunnelConfig#minEntropy()} and it reads as encoded, not as words ({@link #encoded}),
     * or when a tenth or more of its characters are not ASCII, and carries data when it is random
     * and {@link DnsTunnelConfig#minLength()} long.
     * Raw bytes in labels (iodine's Base128, say) are data whatever their entropy: hostnames
     * are letters, digits and hyphens, and international ones travel as punycode. The entropy
     * cannot tell: every character past ASCII counts as one symbol, and bytes that are not
     * UTF-8 are all written U+FFFD, so Base128 labels measure under 3 bits per character.
     */
    private void count(Window w, String sub) {
        int length = sub.length();
        double entropy = NameFeatures.entropy(sub);
        // Bounded: the parser caps a name at DnsParser.MAX_NAME_CHARS.
        int nonAscii = 0;
        for (int i = 0; i < length; i++) {
            if (sub.charAt(i) >= 128) {
                nonAscii++;
            }
        }
        w.named++;
        w.characters += length;
        w.entropySum += entropy;
        w.nonAscii += nonAscii;
        if (entropy >= config.minEntropy() && encoded(sub) || nonAscii * 10 >= length) {
            w.randomCharacters += length;
            if (length >= config.minLength()) {
                w.dataNames++;
            }
        }
    }

    /**
     * The subdomain as it is judged: itself, or, when its first label is a pod name Kubernetes
     * generated ({@link PodNames}: {@code web-7d4b9c8f6-x2k9p}) whose prefix is not random, with
     * that label cut to its prefix ({@code web}). A pod asks for its own name, and a search domain
     * outside the cluster's zones makes one name of each pod under it: their generated parts,
     * digits and no vowels, read as data, and a Deployment's rollout was a tunnel. Only the first
     * label (a host name) and only its last two dash-parts, each of the exact length and alphabet
     * Kubernetes gives them: a tunnel's labels must still carry their data in what is judged. A
     * random prefix is no object's name, and its label is judged whole: one of
     * {@link DnsTunnelConfig#minEntropy()} bits or more with a tenth or more digits or five
     * consonants in a row, as Base32, Base64 and hex data have. The vowels are left out of that
     * test: short workload names have few ({@code kube-dns}, {@code external-dns}). Allocates only
     * for a name of that form.
     */
    String judged(String sub) {
        int end = sub.indexOf('.');
        // An escaped dot is after a backslash, which no pod name holds: indexOf finds the label's end or refuses it.
        int prefix = PodNames.prefixLength(sub, end < 0 ? sub.length() : end);
        if (prefix < 0) {
            return sub;
        }
        String p = sub.substring(0, prefix);
        if (NameFeatures.entropy(p) >= config.minEntropy()
                && (NameFeatures.digitRatio(p) >= 0.1 || NameFeatures.longestConsonantRun(p) >= 5)) {
            return sub;
        }
        return end < 0 ? p : p + sub.substring(end);
    }

    /**
     * True when a name does not read like the words hostnames are made of: few vowels among its
     * letters (Base32 and Base64 draw about one letter in four from them, words about two in
     * five), a tenth or more digits (hex: three in five; Base32, one in five), or a long run of
     * consonants. Any one will do: a random name of 32 Base32 characters can draw vowels
     * enough to pass for words, seldom digits too. Entropy alone calls any long
     * hostname random: cloudresourcemanager measures 3.5 bits, kubernetes-dashboard 3.6,
     * and a node whose pods ask eight such names of one domain in a minute is no tunnel.
     * Vowels are counted among the letters: dots, dashes and digits are none (the digits have
     * their own test), and counted among all characters they made names of short words
     * ({@code product-catalog.prod.corp}, 28 %) read as encoded.
     */
    static boolean encoded(String sub) {
        return NameFeatures.vowelShareOfLetters(sub) < 0.3 || NameFeatures.digitRatio(sub) >= 0.1
                || NameFeatures.longestConsonantRun(sub) >= 5;
    }

    private void judge(String domain, Window w) {
        if (w.named < config.minUniqueSubdomains()) {
            return;
        }
        boolean encoded = w.dataNames >= config.minUniqueSubdomains();
        boolean records = w.txtNullShare() >= config.minTxtNullShare();
        if (!w.tunnelReported && (encoded || records)) {
            w.tunnelReported = true;
            tunnels.incrementAndGet();
            report(DNS_TUNNEL, TUNNEL_TECHNIQUE, domain, w, String.format(Locale.ROOT,
                    "%s queried %d distinct subdomains%s of %s in %.1f s, %d of them long and random (mean %.1f "
                            + "characters, %.2f bits of entropy per character, %.0f%% not ASCII; %.0f%% TXT or "
                            + "NULL%s): names that carry data",
                    w.lastClient(), w.named, overflowNote(w), domain, seconds(w), w.dataNames, w.meanLength(),
                    w.meanEntropy(), 100 * w.nonAsciiShare(), 100 * w.txtNullShare(),
                    podNote(w, "; ", "") + searchPathNote(w, "; ", "")));
        }
        if (!w.exfiltrationReported && w.randomCharacters >= config.exfiltrationBytes()) {
            w.exfiltrationReported = true;
            exfiltrations.incrementAndGet();
            report(EXFILTRATION, EXFILTRATION_TECHNIQUE, domain, w, String.format(Locale.ROOT,
                    "%s sent %d characters of high-entropy subdomains%s to %s in %.1f s, over the %d-character limit%s",
                    w.lastClient(), w.randomCharacters, overflowNote(w), domain, seconds(w),
                    config.exfiltrationBytes(), notes(w)));
        }
    }

    /** Says how many queries were for pod names, judged by their prefix, between {@code open} and {@code close}. */
    private static String podNote(Window w, String open, String close) {
        return w.podNames == 0 ? "" : String.format(Locale.ROOT, "%s%d queries for pod names, judged by their prefix%s",
                open, w.podNames, close);
    }

    /** Says how many queries were tried under a search domain, judged by the name before it. */
    private static String searchPathNote(Window w, String open, String close) {
        return w.searchPaths == 0 ? "" : String.format(Locale.ROOT,
                "%s%d queries tried under a search domain, judged by the name before it%s", open, w.searchPaths, close);
    }

    /** The pod-name and search-path notes together, in parentheses, or nothing. */
    private static String notes(Window w) {
        String pods = podNote(w, "", "");
        String paths = searchPathNote(w, "", "");
        String both = pods.isEmpty() || paths.isEmpty() ? pods + paths : pods + "; " + paths;
        return both.isEmpty() ? "" : " (" + both + ")";
    }

    /** Says how many names were counted past the set's capacity, whose repeats count again. */
    private String overflowNote(Window w) {
        return w.overflowed == 0 ? "" : String.format(Locale.ROOT,
                " (%d past the %d a window remembers, each counted as new)", w.overflowed, config.maxSubdomains());
    }

    private static double seconds(Window w) {
        return Math.max(0, w.lastNanos - w.startNanos) / 1e9;
    }

    private void report(String type, String technique, String domain, Window w, String summary) {
        Anomaly.Builder a = Anomalies.start(nodeName + "-" + type + "-" + nextId++, type, "dns_tunnel", technique,
                nodeName, Severity.SEVERITY_HIGH, (double) w.named / (4.0 * config.minUniqueSubdomains()),
                Anomalies.endpoint(w.lastClient()), io.netwatch.proto.flow.v1.Endpoint.newBuilder().setWorkload(
                        io.netwatch.proto.flow.v1.Workload.newBuilder().setExternalName(domain)).build(),
                w.startNanos, w.lastNanos, summary);
        a.getExplanationBuilder()
                .addObservations(Anomalies.observation("unique_subdomains", w.named,
                        config.minUniqueSubdomains(), "names"))
                .addObservations(Anomalies.observation("data_subdomains", w.dataNames,
                        config.minUniqueSubdomains(), "names"))
                .addObservations(Anomalies.observation("mean_subdomain_length", w.meanLength(),
                        config.minLength(), "characters"))
                .addObservations(Anomalies.observation("mean_subdomain_entropy", w.meanEntropy(),
                        config.minEntropy(), "bits/character"))
                .addObservations(Anomalies.observation("txt_null_share", w.txtNullShare(), config.minTxtNullShare(),
                        "ratio"))
                .addObservations(Anomalies.observation("non_ascii_share", w.nonAsciiShare(), 0.1, "ratio"))
                .addObservations(Anomalies.observation("high_entropy_characters", w.randomCharacters,
                        config.exfiltrationBytes(), "characters"));
        for (int i = 0; i < w.evidenceCount; i++) {
            a.addEvidenceFlowIds(w.evidence[i]);
        }
        sink.onAnomaly(a.build());
    }

    public long tunnelsRaised() {
        return tunnels.get();
    }

    public long exfiltrationsRaised() {
        return exfiltrations.get();
    }

    /** Query names with no registered domain (a bare suffix, one label, or refused by the suffix list). */
    public long unsplittableNames() {
        return unsplittable.get();
    }

    /**
     * Queries passed over because their name is in one of the {@link TrustedZones} (each
     * sighting, its copies on other paths included): answered by the cluster's or the company's
     * own resolvers, they carry nothing out.
     */
    public long trustedZoneNames() {
        return trusted.get();
    }

    /**
     * Queries whose name's first label is a pod name Kubernetes generated, judged by its prefix:
     * the generated parts neither made the name distinct nor counted as data ({@link #judged}).
     */
    public long podNames() {
        return podNames.get();
    }

    /**
     * Queries a client made by trying a name it had just asked under the cluster domain under
     * another domain of its search list, judged by that name ({@link #searchPathQuery}).
     */
    public long searchPathNames() {
        return searchPathNames.get();
    }

    /** Clients whose names asked under the cluster domain were forgotten to make room for others'. */
    public long searchPathClientEvictions() {
        return searchPaths.clientEvictions();
    }

    /** Names a client asked under the cluster domain forgotten within their 10 s for its newer ones. */
    public long searchPathStemOverwrites() {
        return searchPaths.stemOverwrites();
    }

    /** Queries not counted again: copies of one seen on another path (before and after DNAT, forwarded by a resolver). */
    public long queryCopies() {
        return copies.copies();
    }

    /** Recent queries forgotten within their window to make room, whose copies would count again. */
    public long queryCopyEvictions() {
        return copies.overwrites();
    }

    /**
     * Subdomains a domain's window did not remember, its set of {@link DnsTunnelConfig#maxSubdomains()}
     * being full: each was judged and counted as new, though it may have been a repeat.
     */
    public long subdomainOverflows() {
        return subdomainOverflows.get();
    }

    /** Domains forgotten because {@link DnsTunnelConfig#maxDomains()} were tracked. */
    public long evictions() {
        return domains.evictions();
    }
}
