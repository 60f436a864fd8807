package io.netwatch.agent.score;

import static io.netwatch.agent.score.Flows.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netwatch.agent.corpus.CorpusFlowsTest;
import io.netwatch.agent.inspect.dns.DnsParser;
import io.netwatch.proto.anomaly.v1.Anomaly;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The DGA scorer's features, its calibration on the corpus's benign names, and the per-client detector. */
class DgaDetectorTest {
    private static final String CLIENT = "10.1.0.10";
    private static final long MS = 1_000_000L;
    /** Shapes of real DGA output: consonant soup, letters mixed with digits, long random strings. */
    private static final List<String> GENERATED = List.of("xjkqwvbnrtzp.com", "a3f9k2l1m8qz.net", "kjhgfdsazxcvb.org",
            "qwrtplkjhgfdsm.info", "bcdfghjklmnpqrst.biz", "z9x8c7v6b5n4.ru");

    private final List<Anomaly> anomalies = new ArrayList<>();
    private final DgaScorer scorer = new DgaScorer(DgaConfig.defaults());

    @Test
    void generatedLookingLabelsAreCalledGeneratedAndWordsAreNot() {
        for (String g : GENERATED) {
            assertTrue(scorer.judge(DgaScorer.ownLabel(g)).generated(), g);
        }
        for (String benign : List.of("google", "wikipedia", "githubusercontent", "kubernetes", "cloudflare",
                "amazonaws", "stackoverflow", "microsoftonline", "spigotmc", "letsencrypt")) {
            assertFalse(scorer.judge(benign).generated(), benign);
        }
        DgaScorer.Verdict v = scorer.judge("xjkqwvbnrtzp");
        assertEquals(12, v.consonantRun());
        assertEquals(0, v.vowelRatio(), 1e-9);
        assertEquals(Math.log(12) / Math.log(2), v.entropy(), 1e-9, "twelve distinct letters");
    }

    /** Every name the corpus's captures resolve (the DNS tunnel captures aside) is benign: none may look generated. */
    @Test
    void noNameOfTheCorpusBenignCapturesLooksGenerated() throws IOException {
        Path dir = CorpusFlowsTest.corpus();
        assumeTrue(dir != null, "the shared capture corpus (../shared/pcaps) is not here");
        Set<String> domains = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir.resolve("reference"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".dns.tsv")
                    && !p.getFileName().toString().startsWith("dmachard-")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    String[] c = line.split("\t", -1);
                    if (c.length > 15 && (c[9].equals("query") || c[9].equals("response"))) {
                        RegisteredDomain.Split s = RegisteredDomain.of(c[15]);
                        if (s != null) {
                            domains.add(s.domain());
                        }
                    }
                }
            }
        }
        assertTrue(domains.size() > 20, "registered domains read: " + domains);
        List<String> flagged = domains.stream().filter(d -> scorer.judge(DgaScorer.ownLabel(d)).generated()).toList();
        System.out.println("dga calibration: " + flagged.size() + " of " + domains.size()
                + " registered domains in the corpus's benign captures look generated");
        assertEquals(List.of(), flagged);
    }

    @Test
    void theThirdDistinctGeneratedDomainFromOneClientRaisesDga() {
        DgaDetector d = new DgaDetector(DgaConfig.defaults(), anomalies::add, "node-a");
        d.onEvent(DnsQueries.query(1, CLIENT, "www." + GENERATED.get(0), DnsParser.TYPE_A, T0));
        d.onEvent(DnsQueries.query(2, CLIENT, GENERATED.get(0), DnsParser.TYPE_A, T0 + MS));
        d.onEvent(DnsQueries.query(3, CLIENT, "www.google.com", DnsParser.TYPE_A, T0 + 2 * MS));
        d.onEvent(DnsQueries.query(4, CLIENT, GENERATED.get(1), DnsParser.TYPE_A, T0 + 3 * MS));
        d.onEvent(DnsQueries.query(5, "10.1.0.11", GENERATED.get(2), DnsParser.TYPE_A, T0 + 4 * MS));
        assertEquals(List.of(), anomalies, "two distinct generated domains per client so far");
        d.onEvent(DnsQueries.query(6, CLIENT, GENERATED.get(3), DnsParser.TYPE_A, T0 + 5 * MS));
        assertEquals(1, anomalies.size());
        Anomaly a = anomalies.getFirst();
        assertEquals("dga", a.getAnomalyType());
        assertEquals("T1568.002", a.getAttackTechnique());
        assertEquals(CLIENT, a.getSource().getIp());
        assertEquals(3, ScanDetectorTest.observed(a, "generated_domains"));
        assertTrue(a.getExplanation().getSummary().contains(GENERATED.get(0)), a.getExplanation().getSummary());
        assertEquals(List.of(1L, 4L, 6L), a.getEvidenceFlowIdsList());
        assertEquals(5, d.generatedNames());
    }

    /**
     * A company's own zone under a top-level domain no one registers ({@code corp}), where its
     * resolvers name Windows machines as Windows does, {@code DESKTOP-} and seven random letters
     * and digits: each such name is its own registered domain there (no public suffix: the
     * last two labels), and looks generated. A client that resolved three machines raised
     * {@code dga}; the zone trusted, nothing.
     */
    @Test
    void namesInATrustedZoneAreNoDga() {
        List<String> machines = List.of("desktop-4f7k2qx.corp", "desktop-9x2mzr1.corp", "desktop-k3v8q2t.corp",
                "laptop-7h2kq9xw.corp");
        DgaDetector trusting = new DgaDetector(DgaConfig.defaults(), new TrustedZones("cluster.local",
                List.of("corp")), anomalies::add, "node-a");
        DgaDetector defaults = new DgaDetector(DgaConfig.defaults(), anomalies::add, "node-a");
        for (int i = 0; i < machines.size(); i++) {
            trusting.onEvent(DnsQueries.query(i, CLIENT, machines.get(i), DnsParser.TYPE_A, T0 + i * MS));
        }
        assertEquals(List.of(), anomalies);
        assertEquals(0, trusting.generatedNames());
        for (int i = 0; i < machines.size(); i++) {
            defaults.onEvent(DnsQueries.query(i, CLIENT, machines.get(i), DnsParser.TYPE_A, T0 + i * MS));
        }
        assertEquals(List.of("dga"), anomalies.stream().map(Anomaly::getAnomalyType).toList(),
                "the same names, the zone not trusted");
    }

    /**
     * Under a search domain with no public suffix ({@code lan}, {@code corp}), a pod asking for
     * its own name asks for a registered domain of its own, {@code web-7d4b9c8f6-x2k9p.lan}, whose
     * generated parts (digits, no vowels) look like a DGA's: three pods of a rollout raised
     * {@code dga}. A pod name's label is judged by its prefix; a generated label with the same
     * dashes is not a pod name's and still counts.
     */
    @Test
    void podNamesUnderASearchDomainWithNoPublicSuffixAreNoDga() {
        List<String> pods = List.of("web-7d4b9c8f6-x2k9p.lan", "web-7d4b9c8f6-m4q8z.lan",
                "payments-api-5d78c9869d-bq2xt.lan", "fluent-bit-7qz4m.lan", "nightly-backup-29412345-h8v6k.lan");
        DgaDetector d = new DgaDetector(DgaConfig.defaults(), anomalies::add, "node-a");
        for (int i = 0; i < pods.size(); i++) {
            assertTrue(scorer.judge(DgaScorer.ownLabel(pods.get(i))).generated(), "whole, it looks generated: "
                    + pods.get(i));
            d.onEvent(DnsQueries.query(i, CLIENT, pods.get(i), DnsParser.TYPE_A, T0 + i * MS));
        }
        assertEquals(List.of(), anomalies);
        assertEquals(0, d.generatedNames());
        assertFalse(d.verdict("web-7d4b9c8f6-x2k9p.lan").generated());
        assertEquals("web", d.verdict("web-7d4b9c8f6-x2k9p.lan").label());
        // A DGA's labels with a dash and five letters after it: the prefix is judged, and looks generated.
        for (int i = 0; i < 3; i++) {
            d.onEvent(DnsQueries.query(10 + i, CLIENT, "xjkqwvbnrtzp" + i + "-x2k9p.lan", DnsParser.TYPE_A,
                    T0 + (10 + i) * MS));
        }
        assertEquals(List.of("dga"), anomalies.stream().map(Anomaly::getAnomalyType).toList());
    }

    /**
     * The pod-name form is a search domain's pod asking for its own name: under a public suffix
     * no search domain makes one, and a DGA that draws its names in that form (a short prefix,
     * then a hash and a suffix of Kubernetes' alphabets, 57 bits) registers them there. Judged by
     * the prefix, {@code qz}, three of them from one client raised nothing.
     */
    @Test
    void aDgaShapingItsDomainsAsPodNamesUnderAPublicSuffixStillRaises() {
        List<String> names = List.of("qz-b59d47c8f6-x2k9p.com", "qz-c84f96d57b-m4q8z.net", "qz-d7b5c49f86-t6n2w.com");
        DgaDetector d = new DgaDetector(DgaConfig.defaults(), anomalies::add, "node-a");
        for (int i = 0; i < names.size(); i++) {
            String label = DgaScorer.ownLabel(names.get(i));
            assertTrue(PodNames.prefixLength(label, label.length()) > 0, "a pod name's form: " + names.get(i));
            assertTrue(scorer.judge(label).generated(), "whole, it looks generated: " + names.get(i));
            d.onEvent(DnsQueries.query(i, CLIENT, names.get(i), DnsParser.TYPE_A, T0 + i * MS));
        }
        assertTrue(d.verdict("qz-b59d47c8f6-x2k9p.com").generated());
        assertEquals(List.of("dga"), anomalies.stream().map(Anomaly::getAnomalyType).toList());
        assertFalse(d.verdict("web-7d4b9c8f6-x2k9p.lan").generated(), "under no public suffix: a pod's own name");
    }

    @Test
    void generatedNamesFromManyOtherClientsDoNotFlushAClientsWindow() {
        // Between two of a client's generated names, one each from as many other (spoofed)
        // clients as the table holds: the least recently used client went first, the one
        // looking for its command server, and it never reached three in a window.
        DgaDetector d = new DgaDetector(new DgaConfig(java.time.Duration.ofMinutes(5), 3, 10, 3.2, 0.2, 5, 0.2, 16, 20),
                anomalies::add, "node-a");
        java.util.Random r = new java.util.Random(7);
        long id = 100;
        for (int i = 0; i < 3; i++) {
            d.onEvent(DnsQueries.query(i, CLIENT, GENERATED.get(i), DnsParser.TYPE_A, T0 + i * 1000 * MS));
            for (int k = 0; k < 32; k++) {
                StringBuilder name = new StringBuilder();
                for (int c = 0; c < 20; c++) {
                    name.append("bcdfghjklmnpqrstvwxz0123456789".charAt(r.nextInt(30)));
                }
                d.onEvent(DnsQueries.query(id++, "10.9." + i + "." + k, name + ".com", DnsParser.TYPE_A,
                        T0 + i * 1000 * MS + (k + 1) * MS));
            }
        }
        assertEquals(List.of(CLIENT), anomalies.stream().map(a -> a.getSource().getIp()).toList());
        assertEquals(3 + 3 * 32, d.generatedNames(), "every name looked generated");
        assertEquals(3 * 32 + 1 - 16, d.evictions(), "the one-off clients went instead, counted");
    }

    @Test
    void generatedNamesForwardedByTheResolverRaiseOneDgaNamingThePod() {
        // On the node that runs CoreDNS, each of a pod's lookups is seen again as CoreDNS's own
        // query upstream (its address, port and id): it raised a second dga, naming CoreDNS.
        DgaDetector d = new DgaDetector(DgaConfig.defaults(), anomalies::add, "node-a");
        String coredns = "10.244.0.3";
        long t = T0;
        for (int i = 0; i < 4; i++) {
            List<byte[]> name = DnsQueries.labels(GENERATED.get(i).split("\\.")[0], GENERATED.get(i).split("\\.")[1]);
            d.onEvent(DnsQueries.query(2 * i, CLIENT, 40_000 + i, coredns, i, name, DnsParser.TYPE_A, t));
            d.onEvent(DnsQueries.query(2 * i + 1, coredns, 50_000 + i, "8.8.8.8", 0x4000 + i, name, DnsParser.TYPE_A,
                    t + MS / 2));
            t += 10 * MS;
        }
        assertEquals(List.of(CLIENT), anomalies.stream().map(a -> a.getSource().getIp()).toList());
        assertEquals(4, d.generatedNames(), "each name once");
        // The pod asking again a second later is another query.
        d.onEvent(DnsQueries.query(9, CLIENT, GENERATED.get(0), DnsParser.TYPE_A, t + 1_000 * MS));
        assertEquals(5, d.generatedNames());
    }

    @Test
    void aRememberedVerdictIsTheScorersForThatDomainWhateverSharesItsSlot() {
        DgaDetector d = new DgaDetector(DgaConfig.defaults(), anomalies::add, "node-a");
        // Three times as many domains as the memo holds, generated and not, asked twice in
        // turn: every slot is taken over by other domains between two asks for one.
        List<String> domains = new ArrayList<>();
        for (int i = 0; i < 3 * DgaDetector.VERDICTS; i++) {
            domains.add((i % 2 == 0 ? "shop" + i : GENERATED.get(i % GENERATED.size()).replace(".", i + ".")));
        }
        for (int round = 0; round < 2; round++) {
            for (String domain : domains) {
                assertEquals(scorer.judge(DgaScorer.ownLabel(domain)), d.verdict(domain), domain);
            }
        }
        String again = new String(domains.get(1).toCharArray());
        assertEquals(scorer.judge(DgaScorer.ownLabel(again)), d.verdict(again), "an equal name, another String");
    }
    @Test
    void generatedNamesAfterTheCaptureClockWentBackAreReportedAgain() {
        DgaDetector d = new DgaDetector(DgaConfig.defaults(), anomalies::add, "node-a");
        long late = T0 + 3600 * 1000 * MS;
        for (int i = 0; i < 3; i++) {
            d.onEvent(DnsQueries.query(i, CLIENT, GENERATED.get(i), DnsParser.TYPE_A, late + i * MS));
        }
        assertEquals(1, anomalies.size());
        // A second capture, an hour earlier by its clock: a new window for the client.
        for (int i = 0; i < 3; i++) {
            d.onEvent(DnsQueries.query(10 + i, CLIENT, GENERATED.get(3 + i), DnsParser.TYPE_A, T0 + i * MS));
        }
        assertEquals(2, anomalies.size());
    }
}
