package io.netwatch.agent.score;

import static io.netwatch.agent.score.Flows.SECOND;
import static io.netwatch.agent.score.Flows.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.inspect.dns.DnsParser;
import io.netwatch.proto.anomaly.v1.Anomaly;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Queries a pod's resolver makes by trying a name under each domain of its search list
 * ({@link SearchPaths}): judged by the name before the search domain, every label still judged.
 */
class SearchPathExpansionTest {
    private static final String CLIENT = "10.244.1.10";
    private static final long MS = 1_000_000L;
    private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

    private final List<Anomaly> anomalies = new ArrayList<>();
    private final Random random = new Random(42);
    private long flowId;

    private static List<String> raised(List<Anomaly> anomalies) {
        return anomalies.stream().map(a -> a.getAnomalyType() + " " + a.getDestination().getWorkload()
                .getExternalName()).toList();
    }

    /**
     * Found in calibration: with ndots:5 a node's pods try every outside name, every Service
     * asked by its full name without the final dot and every name that exists nowhere under each
     * of the node's search domains ({@code api.stripe.com.corp.example.com},
     * {@code redis-cart.shop.svc.cluster.local.corp.example.com}). Whole, those names read as data
     * (the cluster's labels and the outside names' have few vowels; an OCI subnet's label has
     * digits), and a busy node's minute raised a dns_tunnel, and on OCI an exfiltration, on the
     * company's or the cloud's domain: 6 anomalies in 65 seconds of these three nodes' traffic
     * (2 on example.com, 4 on oraclevcn.com, none under lan) before each try was judged by the
     * name before its search domain. Nothing here is trusted but the cluster domain.
     */
    @Test
    void aBusyNodesTriesUnderItsSearchDomainsAreNoTunnelNorDga() {
        List<List<String>> nodes = List.of(List.of("corp.example.com", "dc1.example.com"),
                List.of("sub06251815.vcn06251815.oraclevcn.com"), List.of("lan"));
        assertTrue(SearchPathTraffic.WORKLOADS.size() >= 40 && SearchPathTraffic.outsideNames().size() >= 40,
                "workloads " + SearchPathTraffic.WORKLOADS.size() + ", outside names "
                        + SearchPathTraffic.outsideNames().size());
        int seconds = 65;
        List<String> whole = new ArrayList<>();
        for (List<String> domains : nodes) {
            Random r = new Random(1);
            List<SearchPathTraffic.Pod> pods = SearchPathTraffic.pods(r, 2);
            List<InspectionEvent.Dns> events = SearchPathTraffic.node(pods, domains, r, seconds, 1000, T0);
            Detectors d = new Detectors(DetectionConfig.defaults(), anomalies::add, "node-a");
            events.forEach(d::onEvent);
            // The tries under the node's domains, each counted once however many paths it was seen on.
            QueryCopyFilter copies = new QueryCopyFilter();
            long tries = events.stream().filter(e -> !TrustedZones.DEFAULTS.covers(e.message().escapedQname())
                    && !copies.seenBefore(QueryCopyFilter.key(e.message().qtype(), e.message().escapedQname()),
                            e.timestampNanos())
                    && domains.stream().anyMatch(s -> e.message().qname().endsWith("." + s))).count();
            System.out.printf("search paths %s: %d pods, %d queries (%d a second), %d tried under the node's domains, "
                            + "%d judged by the name before it; anomalies %d%n", domains, pods.size(), events.size(),
                    events.size() / seconds, tries, d.dnsTunnel().searchPathNames(), anomalies.size());
            assertEquals(List.of(), raised(anomalies), domains.toString());
            assertEquals(tries, d.dnsTunnel().searchPathNames(), "every try recognised");
            assertEquals(0, d.dnsTunnel().searchPathClientEvictions() + d.dnsTunnel().searchPathStemOverwrites());
            // With room to spare: nothing either with the thresholds lowered to 5 names and 1024 characters
            // (a minute of the OCI node holds 4 names judged data: its subnet's labels, the minute's first
            // try with them, a Sentry DSN's host o450000.ingest.sentry.io and ingress-nginx-controller).
            DnsTunnelDetector lowered = new DnsTunnelDetector(new DnsTunnelConfig(Duration.ofSeconds(60), 5, 20, 3.0,
                    0.5, 1024, 4096, 256, 20), anomalies::add, "node-a");
            events.forEach(lowered::onEvent);
            assertEquals(List.of(), raised(anomalies), domains + ", thresholds lowered");
            // The same queries without the tries under the cluster domain, which tell a search path: judged whole.
            Detectors alone = new Detectors(DetectionConfig.defaults(), anomalies::add, "node-a");
            events.stream().filter(e -> !TrustedZones.DEFAULTS.covers(e.message().escapedQname()))
                    .forEach(alone::onEvent);
            assertEquals(0, alone.dnsTunnel().searchPathNames());
            System.out.printf("search paths %s judged whole: anomalies %d %s%n", domains, anomalies.size(),
                    raised(anomalies));
            whole.addAll(raised(anomalies));
            anomalies.clear();
        }
        assertTrue(whole.contains("dns_tunnel example.com") && whole.contains("dns_tunnel oraclevcn.com"),
                "whole, these names are a tunnel on the company's and the cloud's domain: " + whole);
    }

    /** {@code length} characters of base32, as iodine and dnscat encode data. */
    private String encoded(int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append(BASE32.charAt(random.nextInt(BASE32.length())));
        }
        return s.toString();
    }

    /**
     * A lookup of {@code name} as a pod of namespace {@code shop} makes it on a node whose search
     * domain is corp.example.com: under each search domain, then alone, A and AAAA each.
     */
    private long lookup(DnsTunnelDetector d, String client, String name, int qtype, long t) {
        for (String suffix : new String[] {".shop.svc.cluster.local", ".svc.cluster.local", ".cluster.local",
            ".corp.example.com", ""}) {
            d.onEvent(DnsQueries.query(flowId++, client, name + suffix, qtype, t));
            t += suffix.endsWith("cluster.local") ? MS : 10 * MS;
        }
        return t;
    }

    private DnsTunnelDetector detector() {
        return new DnsTunnelDetector(DnsTunnelConfig.defaults(), anomalies::add, "node-a");
    }

    /**
     * A tunnel's names looked up through the search path: its last query of each is judged under
     * its own domain, and its tries under the company's domain, where they went, by their parts:
     * the tunnel's labels are one of them, and carry its data there too.
     */
    @Test
    void aTunnelLookedUpThroughTheSearchPathIsStillATunnel() {
        DnsTunnelDetector d = detector();
        long t = T0;
        for (int i = 0; i < 16; i++) {
            t = lookup(d, CLIENT, encoded(40) + ".t.attacker.net", DnsParser.TYPE_A, t);
        }
        assertEquals(List.of("dns_tunnel example.com", "dns_tunnel attacker.net"), raised(anomalies));
        assertEquals(16, d.searchPathNames());
        assertTrue(anomalies.getFirst().getExplanation().getSummary().contains(
                "8 queries tried under a search domain, judged by the name before it"),
                anomalies.getFirst().getExplanation().getSummary());
        for (int i = 0; i < 40; i++) {
            t = lookup(d, CLIENT, encoded(60) + ".t.attacker.net", DnsParser.TYPE_A, t);
        }
        assertEquals(List.of("dns_tunnel example.com", "dns_tunnel attacker.net", "exfiltration example.com",
                "exfiltration attacker.net"), raised(anomalies));
    }

    /**
     * A tunnel's labels followed by the cluster's search suffix and the node's domain
     * ({@code DATA.svc.cluster.local.corp.example.com}), after the try under the cluster domain that
     * makes it look like a search path: the cluster's labels are set aside, the tunnel's are judged
     * under the domain the query went to. So too with a namespace-like label before svc, which is kept.
     */
    @Test
    void aTunnelsLabelsBeforeTheClustersSearchSuffixAreStillJudged() {
        for (String middle : new String[] {".svc.cluster.local", ".default.svc.cluster.local", ".cluster.local"}) {
            anomalies.clear();
            DnsTunnelDetector d = detector();
            long t = T0;
            for (int i = 0; i < 8; i++) {
                String stem = encoded(30) + middle;
                d.onEvent(DnsQueries.query(flowId++, CLIENT, stem + ".cluster.local", DnsParser.TYPE_A, t += MS));
                d.onEvent(DnsQueries.query(flowId++, CLIENT, stem + ".corp.example.com", DnsParser.TYPE_A, t += MS));
            }
            assertEquals(8, d.searchPathNames(), middle);
            assertEquals(List.of("dns_tunnel example.com"), raised(anomalies), middle);
            assertEquals(8, ScanDetectorTest.observed(anomalies.getFirst(), "data_subdomains"), middle);
        }
    }

    /**
     * What comes after a stem is judged too: a client that asks a short name under the cluster
     * domain and then that name followed by data and its own domain carries the data in what looks
     * like a search domain. It changes with every query, so it is as many subdomains.
     */
    @Test
    void dataAfterTheStemIsJudgedAsTheSearchDomainsLabels() {
        DnsTunnelDetector d = detector();
        long t = T0;
        d.onEvent(DnsQueries.query(flowId++, CLIENT, "a.cluster.local", DnsParser.TYPE_A, t));
        for (int i = 0; i < 8; i++) {
            d.onEvent(DnsQueries.query(flowId++, CLIENT, "a." + encoded(40) + ".t.tunnel.example", DnsParser.TYPE_A,
                    t += MS));
        }
        assertEquals(8, d.searchPathNames());
        assertEquals(List.of("dns_tunnel tunnel.example"), raised(anomalies));
    }

    /**
     * A stem that names a domain of its own under a public suffix is judged by its parts, all
     * under the domain the query went to: data in the stem's subdomain ({@code DATA.google.com}) or
     * in its registered domain's label ({@code DATA.shop}, a top-level domain; {@code www.DATA.shop})
     * is judged there, whether the search domain holds a registered domain ({@code t.tunnel.example})
     * or is a bare suffix ({@code com}, so that the query's registered domain is {@code shop.com}).
     * The summary says how the queries came.
     */
    @Test
    void aStemNamingADomainOfItsOwnHasEveryLabelJudged() {
        // The stem (DATA: 40 characters of base32), the domain it is tried under, what is raised.
        String[][] cases = {{"DATA.shop", ".t.tunnel.example", "dns_tunnel tunnel.example"},
            {"www.DATA.shop", ".t.tunnel.example", "dns_tunnel tunnel.example"},
            {"DATA.shop", ".com", "dns_tunnel shop.com"},
            {"DATA.google.com", ".t.tunnel.example", "dns_tunnel tunnel.example"}};
        for (String[] c : cases) {
            anomalies.clear();
            DnsTunnelDetector d = detector();
            long t = T0;
            for (int i = 0; i < 8; i++) {
                String stem = c[0].replace("DATA", encoded(40));
                d.onEvent(DnsQueries.query(flowId++, CLIENT, stem + ".cluster.local", DnsParser.TYPE_A, t += MS));
                d.onEvent(DnsQueries.query(flowId++, CLIENT, stem + c[1], DnsParser.TYPE_A, t += MS));
            }
            assertEquals(8, d.searchPathNames(), c[0] + c[1]);
            assertEquals(List.of(c[2]), raised(anomalies), c[0] + c[1]);
            assertTrue(anomalies.getFirst().getExplanation().getSummary().contains("8 queries tried under a search "
                    + "domain"), anomalies.getFirst().getExplanation().getSummary());
        }
    }

    /**
     * A tunnel that names another domain in each stem, cycling through many, has its data counted
     * where the queries went, not spread over the windows of the domains it names: judged under
     * the stem's own domain, as the resolver's last query for it would be, eight names of data
     * would take 64 queries to raise anything with eight such domains, and more with more.
     */
    @Test
    void aTunnelNamingManyDomainsInItsStemsIsJudgedWhereItsQueriesGo() {
        DnsTunnelDetector d = detector();
        long t = T0;
        for (int i = 0; i < 8; i++) {
            String stem = encoded(40) + ".decoy" + i + ".com";
            d.onEvent(DnsQueries.query(flowId++, CLIENT, stem + ".cluster.local", DnsParser.TYPE_A, t += MS));
            d.onEvent(DnsQueries.query(flowId++, CLIENT, stem + ".t.tunnel.example", DnsParser.TYPE_A, t += MS));
        }
        assertEquals(List.of("dns_tunnel tunnel.example"), raised(anomalies));
    }

    /**
     * A try is the same client's, within 10 s of its try under the cluster domain: another pod's
     * stem, or one asked 11 s before, makes no search path, and the name is judged whole.
     */
    @Test
    void onlyTheSameClientsRecentStemMakesASearchPath() {
        DnsTunnelDetector d = detector();
        String name = "redis-cart.shop.svc.cluster.local";
        d.onEvent(DnsQueries.query(1, CLIENT, name + ".cluster.local", DnsParser.TYPE_A, T0));
        d.onEvent(DnsQueries.query(2, "10.244.1.11", name + ".corp.example.com", DnsParser.TYPE_A, T0 + MS));
        assertEquals(0, d.searchPathNames(), "another client's");
        d.onEvent(DnsQueries.query(3, CLIENT, name + ".corp.example.com", DnsParser.TYPE_AAAA, T0 + 11 * SECOND));
        assertEquals(0, d.searchPathNames(), "too late");
        d.onEvent(DnsQueries.query(4, CLIENT, name + ".cluster.local", DnsParser.TYPE_A, T0 + 20 * SECOND));
        d.onEvent(DnsQueries.query(5, CLIENT, name + ".dc1.example.com", DnsParser.TYPE_A, T0 + 29 * SECOND));
        assertEquals(1, d.searchPathNames(), "within 10 s");
        // A Service's own name, or a search list's first two tries, are no stem: never tried elsewhere.
        d.onEvent(DnsQueries.query(6, CLIENT, "web.shop.svc.cluster.local", DnsParser.TYPE_A, T0 + 30 * SECOND));
        d.onEvent(DnsQueries.query(7, CLIENT, "web.shop.svc.corp.example.com", DnsParser.TYPE_A, T0 + 30 * SECOND));
        d.onEvent(DnsQueries.query(8, CLIENT, "1-2-3-4.shop.pod.cluster.local", DnsParser.TYPE_A, T0 + 30 * SECOND));
        d.onEvent(DnsQueries.query(9, CLIENT, "1-2-3-4.shop.pod.corp.example.com", DnsParser.TYPE_A,
                T0 + 30 * SECOND));
        assertEquals(1, d.searchPathNames());
    }

    /**
     * The stems are bounded: 16 a client, the earliest replaced first, those replaced within their
     * 10 s counted; 4096 clients, the least recently used forgotten, counted. A stem forgotten
     * leaves its tries judged whole. Names of any shape never throw, and an escaped dot is no
     * label boundary.
     */
    @Test
    void stemsAreBoundedTheirOverwritesCountedAndHostileNamesHarmless() {
        SearchPaths paths = new SearchPaths("cluster.local");
        for (int i = 0; i < SearchPaths.STEMS_PER_CLIENT + 4; i++) {
            paths.asked(CLIENT, "n" + i + ".cluster.local", T0 + i * MS);
        }
        assertEquals(4, paths.stemOverwrites());
        assertEquals(-1, paths.stemEnd(CLIENT, "n0.corp", "example.com", T0 + SECOND), "forgotten");
        assertEquals(3, paths.stemEnd(CLIENT, "n19.corp", "example.com", T0 + SECOND));
        paths.asked(CLIENT, "n19.cluster.local.", T0 + 2 * SECOND);
        assertEquals(4, paths.stemOverwrites(), "asked again: kept, not added");
        for (int i = 0; i < SearchPaths.MAX_CLIENTS + 10; i++) {
            paths.asked("10.9." + (i >> 8) + "." + (i & 255), "x.cluster.local", T0);
        }
        assertEquals(10 + 1, paths.clientEvictions(), "CLIENT and the first ten others");
        assertEquals(-1, paths.stemEnd(CLIENT, "n19.corp", "example.com", T0 + SECOND));

        // Case, escaped dots, empty and long names.
        paths.asked(CLIENT, "A\\.B.Cluster.Local", T0);
        assertEquals(-1, paths.stemEnd(CLIENT, "a.b.corp", "example.com", T0), "a\\.b is one label, not a.b");
        assertEquals(4, paths.stemEnd(CLIENT, "a\\.b.corp", "example.com", T0));
        assertEquals(4, paths.stemEnd(CLIENT, "a\\.b", "example.com", T0), "the search domain a registered domain");
        String[] hostile = {"", ".", "..", "cluster.local", ".cluster.local", "\\.cluster.local", "x\\.cluster.local",
            "svc.cluster.local", "\\", "a\\", "x".repeat(1016), "a.".repeat(127) + "cluster.local"};
        for (String h : hostile) {
            paths.asked(CLIENT, h, T0);
            paths.stemEnd(CLIENT, h, "example.com", T0);
            paths.stemEnd(CLIENT, "", h, T0);
        }
        // Through the detector, wire labels of any bytes: a dot inside a label, an empty stem, raw bytes.
        DnsTunnelDetector d = detector();
        List<List<byte[]>> names = List.of(DnsQueries.labels("a.b", "cluster", "local"), DnsQueries.labels("cluster",
                "local"), DnsQueries.labels("svc", "cluster", "local"), DnsQueries.labels("\\", "cluster", "local"),
                DnsQueries.labels("\u00ff\u0000", "cluster", "local"), DnsQueries.labels("a", "b", "cluster", "local"));
        int id = 0;
        for (List<byte[]> cluster : names) {
            d.onEvent(DnsQueries.query(id, CLIENT, 40000, "10.96.0.10", id++, cluster, DnsParser.TYPE_A, T0));
            for (String[] after : new String[][] {{"x", "y"}, {"com"}, {"corp", "example", "com"}}) {
                List<byte[]> tried = new ArrayList<>(cluster.subList(0, cluster.size() - 2));
                tried.addAll(DnsQueries.labels(after));
                d.onEvent(DnsQueries.query(id, CLIENT, 40000, "10.96.0.10", id++, tried, DnsParser.TYPE_A, T0 + MS));
            }
        }
        assertEquals(List.of(), anomalies);
        assertTrue(d.searchPathNames() > 0);
    }

    /**
     * A tunnel that asks each name under the cluster domain first (free: CoreDNS answers it) has
     * its queries judged as tries. Found in review: the stem was judged in pieces (its subdomain,
     * its registered domain's label, its public suffix), and pieces of 7 characters of base32 are
     * never random (at most log2(7) = 2.8 bits, under the 3.0 a random name needs), so 21
     * characters of data a query, judged whole a dns_tunnel in 8 queries and an exfiltration past
     * 2,048 characters, raised nothing. The stem is one name now, and labels after it that no try
     * came with before in the window are judged with it: these tries are judged as the whole
     * names are.
     */
    @Test
    void dataSplitIntoAStemsPiecesIsJudgedAsOneName() {
        for (int label : new int[] {7, 10}) {
            for (boolean tryFirst : new boolean[] {false, true}) {
                anomalies.clear();
                DnsTunnelDetector d = detector();
                long t = T0;
                for (int i = 0; i < 200; i++) {
                    String stem = encoded(label) + "." + encoded(label) + ".com";
                    if (tryFirst) {
                        d.onEvent(DnsQueries.query(flowId++, CLIENT, stem + ".cluster.local", DnsParser.TYPE_A,
                                t += MS));
                    }
                    d.onEvent(DnsQueries.query(flowId++, CLIENT, stem + "." + encoded(7) + ".tunnel.example",
                            DnsParser.TYPE_A, t += MS));
                }
                String why = label + "-character labels, " + (tryFirst ? "each asked under the cluster domain first"
                        : "judged whole");
                assertEquals(List.of("dns_tunnel tunnel.example", "exfiltration tunnel.example"), raised(anomalies), why);
                assertEquals(tryFirst ? 200 : 0, d.searchPathNames(), why);
            }
        }
    }

    /**
     * Found in review of 96b037f: the stem's public suffix is set aside, not judged, but the
     * Public Suffix List has wildcard rules ({@code *.ck}, {@code *.kawasaki.jp}, private ones),
     * under which any label is a public suffix's. A tunnel that puts its data there
     * ({@code x.DATA.ck}, DATA up to 63 characters) has none of it judged as a try, where the same
     * queries judged whole are a dns_tunnel and an exfiltration.
     */
    @Test
    void dataInAWildcardPublicSuffixOfTheStemIsJudged() {
        for (boolean tryFirst : new boolean[] {false, true}) {
            anomalies.clear();
            DnsTunnelDetector d = detector();
            long t = T0;
            for (int i = 0; i < 60; i++) {
                String stem = "x." + encoded(50) + ".ck";
                if (tryFirst) {
                    d.onEvent(DnsQueries.query(flowId++, CLIENT, stem + ".cluster.local", DnsParser.TYPE_A, t += MS));
                }
                d.onEvent(DnsQueries.query(flowId++, CLIENT, stem + ".tunnel.example", DnsParser.TYPE_A, t += MS));
            }
            String why = tryFirst ? "each asked under the cluster domain first" : "judged whole";
            assertEquals(tryFirst ? 60 : 0, d.searchPathNames(), why);
            assertEquals(List.of("dns_tunnel tunnel.example", "exfiltration tunnel.example"), raised(anomalies), why);
        }
    }

    /**
     * Found in review of 96b037f: the stem and the search domain's labels are two names judged
     * apart, so a try carries twice what one name can under each bound: 19 random characters in
     * each (api-like stem {@code A.B.com}, search domain {@code C.D}) are 38 a query and never a
     * name long enough to carry data (20), where the same queries judged whole are a dns_tunnel;
     * and 7 in each (no part of 7 reaches 3 bits) are 14 a query that count toward nothing, where
     * judged whole they are an exfiltration.
     */
    @Test
    void aTrysTwoPartsCarryNoMoreUnseenThanOneName() {
        int[][] cases = {{7, 1}, {9, 2}};
        for (int[] c : cases) {
            for (boolean tryFirst : new boolean[] {false, true}) {
                anomalies.clear();
                DnsTunnelDetector d = detector();
                long t = T0;
                for (int i = 0; i < 200; i++) {
                    String stem = c[1] == 2 ? encoded(c[0]) + "." + encoded(c[0]) + ".com" : encoded(c[0]) + ".com";
                    String search = c[1] == 2 ? encoded(c[0]) + "." + encoded(c[0]) : encoded(c[0]);
                    if (tryFirst) {
                        d.onEvent(DnsQueries.query(flowId++, CLIENT, stem + ".cluster.local", DnsParser.TYPE_A,
                                t += MS));
                    }
                    d.onEvent(DnsQueries.query(flowId++, CLIENT, stem + "." + search + ".tunnel.example",
                            DnsParser.TYPE_A, t += MS));
                }
                String why = c[0] + "x" + c[1] + " labels, " + (tryFirst ? "tries" : "judged whole");
                assertEquals(c[0] == 9 ? List.of("dns_tunnel tunnel.example", "exfiltration tunnel.example")
                        : List.of("exfiltration tunnel.example"), raised(anomalies), why);
            }
        }
    }
}
