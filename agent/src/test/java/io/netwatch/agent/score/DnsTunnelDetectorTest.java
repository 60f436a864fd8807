package io.netwatch.agent.score;

import static io.netwatch.agent.score.Flows.SECOND;
import static io.netwatch.agent.score.Flows.T0;
import static io.netwatch.agent.score.ScanDetectorTest.observed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.agent.inspect.dns.DnsParser;
import io.netwatch.proto.anomaly.v1.Anomaly;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Tunnels and exfiltration per registered domain, fed DNS queries through the real parser. */
class DnsTunnelDetectorTest {
    private static final String CLIENT = "10.1.0.10";
    private static final long MS = 1_000_000L;
    private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

    private final List<Anomaly> anomalies = new ArrayList<>();
    private final Random random = new Random(42);

    private DnsTunnelDetector detector(DnsTunnelConfig config) {
        return new DnsTunnelDetector(config, anomalies::add, "node-a");
    }

    /** {@code length} characters of base32, as iodine and dnscat encode data. */
    private String encoded(int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            if (i > 0 && i % 60 == 0) {
                s.append('.');
            }
            s.append(BASE32.charAt(random.nextInt(BASE32.length())));
        }
        return s.toString();
    }

    @Test
    void registeredDomainsComeFromThePublicSuffixListAndSurviveGarbage() {
        assertEquals(new RegisteredDomain.Split("example.co.uk", "a.b"), RegisteredDomain.of("a.b.example.co.uk."));
        assertEquals("biillpi.com", RegisteredDomain.of("z0pja-La-fl\u00fbte!.t1.biillpi.com").domain());
        assertEquals("t1", RegisteredDomain.of("-bad-.t1.BIILLPI.com").subdomain().substring(6));
        assertEquals("cluster.local", RegisteredDomain.of("api.default.svc.cluster.local").domain());
        assertNull(RegisteredDomain.of("co.uk"));
        assertNull(RegisteredDomain.of("localhost"));
        assertNull(RegisteredDomain.of(""));
        assertNull(RegisteredDomain.of("..."));
    }

    @Test
    void aServicesRepeatedLookupsUnderTheSameDomainDoNotHideATunnelThere() {
        // The lab's case: every pod asks for web.lab.test and db.lab.test over and over; a
        // tunnel under t.lab.test shares the registered domain. Only distinct names count.
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        long t = T0;
        for (int i = 0; i < 2000; i++) {
            d.onEvent(DnsQueries.query(i, "10.1.0.20", (i % 2 == 0 ? "web" : "db") + ".lab.test", DnsParser.TYPE_A,
                    t += MS));
        }
        for (int i = 0; i < 8; i++) {
            d.onEvent(DnsQueries.query(5000 + i, CLIENT, encoded(100) + ".t.lab.test", DnsParser.TYPE_NULL, t += MS));
        }
        assertEquals(List.of(DnsTunnelDetector.DNS_TUNNEL), anomalies.stream().map(Anomaly::getAnomalyType).toList(),
                "eight encoded names after 2,000 repeated lookups are a tunnel at once");
    }

    @Test
    void theClustersOwnZonesAreNoTunnelHoweverManyNamesTheyHold() {
        // A big cluster resolves thousands of Services and dashed pod addresses; CoreDNS answers
        // them itself, so no byte leaves the cluster through them.
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        for (int i = 0; i < 200; i++) {
            d.onEvent(DnsQueries.query(i, CLIENT, encoded(40) + ".shop.svc.cluster.local", DnsParser.TYPE_A, T0 + i * MS));
            d.onEvent(DnsQueries.query(i, CLIENT, (i % 250) + "." + encoded(8).length() + ".1.10.in-addr.arpa",
                    DnsParser.TYPE_PTR, T0 + i * MS));
        }
        assertEquals(List.of(), anomalies);
        assertTrue(TrustedZones.defaults().covers("A.svc.Cluster.Local."));
        assertTrue(TrustedZones.defaults().covers("cluster.local"));
        assertFalse(TrustedZones.defaults().covers("evilcluster.local"), "a label boundary, not a suffix of text");
        assertFalse(TrustedZones.defaults().covers("cluster.local.example.com"));
        // The same names under an outside domain are a tunnel.
        for (int i = 0; i < 8; i++) {
            d.onEvent(DnsQueries.query(i, CLIENT, encoded(40) + ".shop.svc.cluster-local.example", DnsParser.TYPE_A,
                    T0 + (300 + i) * MS));
        }
        assertEquals(1, anomalies.size());
    }

    /**
     * A cluster whose kubelets run with another --cluster-domain asks for its Services and pods
     * there, and with ndots:5 for every outside name under each search domain first; CoreDNS
     * answers them itself. With cluster.local fixed in code, a busy minute of such a cluster
     * was a dns_tunnel and an exfiltration on its cluster domain's registered domain. A
     * company's own zone, answered by its own resolvers, likewise.
     */
    @Test
    void aCustomClusterDomainAndTheCompanysOwnZonesAreNoTunnel() {
        List<String> names = new ArrayList<>();
        String[] outside = {"api.github.com", "registry-1.docker.io", "sts.amazonaws.com", "hooks.slack.com"};
        for (int i = 0; i < 120; i++) {
            String ns = "team" + (i % 7);
            names.add((10 + i % 3) + "-244-" + (i % 40) + "-" + (100 + i) + "." + ns + ".pod.k8s.example.com");
            names.add(outside[i % outside.length] + "." + ns + ".svc.k8s.example.com");
            names.add(encoded(24) + ".svc.k8s.example.com");
            names.add("build-" + encoded(12) + ".ci.corp.example.net");
        }
        TrustedZones zones = new TrustedZones("K8s.Example.COM.", List.of("corp.example.net"));
        DnsTunnelDetector trusting = new DnsTunnelDetector(DnsTunnelConfig.defaults(), zones, anomalies::add, "node-a");
        long t = T0;
        for (int i = 0; i < names.size(); i++) {
            trusting.onEvent(DnsQueries.query(i, CLIENT, names.get(i), DnsParser.TYPE_A, t += 10 * MS));
        }
        assertEquals(List.of(), anomalies);
        assertEquals(names.size(), trusting.trustedZoneNames(), "each passed over, and counted");
        assertEquals("k8s.example.com", zones.clusterDomain(), "kept in lower case, without the trailing dot");
        assertTrue(zones.covers("web.shop.svc.k8s.example.com."));
        assertTrue(zones.covers("4.3.2.10.in-addr.arpa"), "the reverse zones stay");
        assertTrue(zones.covers("ip-10-0-0-1.us-west-2.compute.internal"), "and the clouds' private zones");
        assertFalse(zones.covers("web.shop.svc.cluster.local"), "cluster.local is the default, not a given");
        assertFalse(zones.covers("k8s-example.com"));
        assertFalse(zones.covers("evilcorp.example.net"), "a label boundary, not a suffix of text");
        // The same names with the default cluster domain: a tunnel and exfiltration on both registered domains.
        DnsTunnelDetector defaults = detector(DnsTunnelConfig.defaults());
        t = T0;
        for (int i = 0; i < names.size(); i++) {
            defaults.onEvent(DnsQueries.query(i, CLIENT, names.get(i), DnsParser.TYPE_A, t += 10 * MS));
        }
        assertEquals(0, defaults.trustedZoneNames());
        assertEquals(List.of("dns_tunnel example.com", "dns_tunnel example.net", "exfiltration example.com",
                        "exfiltration example.net"),
                anomalies.stream().map(a -> a.getAnomalyType() + " " + a.getDestination().getWorkload()
                        .getExternalName()).sorted().toList());
    }

    /** A zone that is no DNS domain is refused, the message saying what to write. */
    @Test
    void aZoneThatIsNoDomainIsRefusedSayingWhatToWrite() {
        assertEquals(List.of("corp.example.com", "lan"), new TrustedZones("cluster.local",
                List.of(" Corp.Example.com. ", "LAN")).zones());
        String[] refused = {"", "*.corp.example.com", "corp..example", "corp example", "-corp.example", "corp-.example",
            "10.0.0.1", "com", "co.uk", "corp_example.com", "x".repeat(64) + ".example", ".", "corp.example.com/24"};
        for (String z : refused) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new TrustedZones("cluster.local", List.of(z)), z);
            assertTrue(e.getMessage().contains("write"), e.getMessage());
        }
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> TrustedZones.zone("*.corp.example.com")).getMessage().contains("(corp.example.com)"));
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> TrustedZones.zone("co.uk")).getMessage().contains("public suffix"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TrustedZones("cluster..local", List.of()));
        List<String> many = new ArrayList<>();
        for (int i = 0; i <= TrustedZones.MAX_ZONES; i++) {
            many.add("z" + i + ".example.com");
        }
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TrustedZones("cluster.local", many)).getMessage().contains("at most 64"));
        assertEquals(List.of("in-addr.arpa"), new TrustedZones("cluster.local", List.of("in-addr.arpa")).zones(),
                "a built-in zone is a public suffix, and may be named");
    }

    /** {@code n} characters drawn from {@code alphabet}. */
    private String drawn(String alphabet, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    /**
     * Pod names as Kubernetes makes them: Deployments' (NAME-HASH-SUFFIX), DaemonSets' and
     * Jobs' (NAME-SUFFIX), CronJobs' (NAME-MINUTES-SUFFIX), {@code perName} pods of each name.
     */
    private List<String> podNames(int perName) {
        String[] deployments = {"payments-api", "checkout", "web", "frontend", "recommendation-service", "cart",
            "ad-service", "email-service", "currency-service", "shipping", "product-catalog", "nginx", "coredns",
            "redis-cart", "grafana", "prometheus-server"};
        String[] generated = {"fluent-bit", "kube-proxy", "node-exporter", "calico-node", "ebs-csi-node", "db-migrate",
            "cilium"};
        List<String> pods = new ArrayList<>();
        for (String d : deployments) {
            // One ReplicaSet's hash per Deployment, nine or ten characters (a 32-bit number's digits).
            String hash = drawn(PodNames.HASH_ALPHABET, 9 + random.nextInt(2));
            for (int i = 0; i < perName; i++) {
                pods.add(d + "-" + hash + "-" + drawn(PodNames.ALPHABET, 5));
            }
        }
        for (String g : generated) {
            for (int i = 0; i < perName; i++) {
                pods.add(g + "-" + drawn(PodNames.ALPHABET, 5));
            }
        }
        for (int i = 0; i < perName; i++) {
            pods.add("nightly-backup-" + (29_412_000 + random.nextInt(1440)) + "-" + drawn(PodNames.ALPHABET, 5));
        }
        return pods;
    }

    /**
     * Found in calibration: pods ask for their own names (many programs resolve their host
     * name as they start), and a node's search domain outside the cluster's zones (an
     * on-premises corp.example.com) turns each into a name under it. Their generated parts,
     * digits and no vowels, read as data: a rollout's new pods, eight or more in a minute, were
     * a dns_tunnel, and some sixty an exfiltration, on the company's domain.
     */
    @Test
    void podNamesUnderAnOnPremisesSearchDomainAreNoTunnel() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        List<String> pods = podNames(6);
        assertTrue(pods.size() >= 140, "pods: " + pods.size());
        long t = T0;
        int id = 0;
        int looksEncoded = 0;
        for (String pod : pods) {
            looksEncoded += NameFeatures.entropy(pod) >= 3 && DnsTunnelDetector.encoded(pod) ? 1 : 0;
            d.onEvent(DnsQueries.query(id++, CLIENT, pod + ".prod.corp.example.com", DnsParser.TYPE_A, t += 100 * MS));
            d.onEvent(DnsQueries.query(id++, CLIENT, pod + ".prod.corp.example.com", DnsParser.TYPE_AAAA, t += MS));
        }
        assertTrue(looksEncoded > pods.size() / 2, "whole, most of these names read as data: " + looksEncoded);
        assertTrue(t - T0 < 60 * SECOND, "all in one window");
        assertEquals(List.of(), anomalies);
        assertEquals(2L * pods.size(), d.podNames(), "each query judged by its prefix, and counted");
        assertEquals("payments-api.prod.corp", d.judged("payments-api-7d4b9c8f6-x2k9p.prod.corp"));
        assertEquals("kube-proxy", d.judged("kube-proxy-x2k9p"));
        assertEquals("nightly-backup", d.judged("nightly-backup-29412345-x2k9p"));
        // Under another search domain, in a window of its own.
        for (String pod : pods) {
            d.onEvent(DnsQueries.query(id++, CLIENT, pod + ".dc1.corp.example", DnsParser.TYPE_A, t += MS));
        }
        assertEquals(List.of(), anomalies);
    }

    /**
     * A tunnel whose labels are dressed as pod names, or carry dashes, is judged on what is
     * not a pod name's generated parts: a random prefix is no object's name (the label is judged
     * whole), only the first label and its last two dash-parts can be set aside, each part of the
     * length and alphabet Kubernetes gives it. Base32, hex and (case-folded) Base64 labels with
     * dashes still raise dns_tunnel, and exfiltration past 2048 characters.
     */
    @Test
    void aTunnelDressedWithDashesOrAsPodNamesStillRaises() {
        String base64 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
        List<java.util.function.Supplier<String>> dressings = List.of(
                // Base32 data with a hash and a suffix of Kubernetes' alphabets after it.
                () -> encoded(30) + "-" + drawn(PodNames.HASH_ALPHABET, 10) + "-" + drawn(PodNames.ALPHABET, 5),
                // Base32 data with a suffix only.
                () -> encoded(40) + "-" + drawn(PodNames.ALPHABET, 5),
                // Base32 cut into dash-parts of five, as a suffix is.
                () -> String.join("-", encoded(5), encoded(5), encoded(5), encoded(5), encoded(5), encoded(5)),
                // Hex data before a pod name's parts.
                () -> drawn("0123456789abcdef", 32) + "-" + drawn(PodNames.HASH_ALPHABET, 9) + "-"
                        + drawn(PodNames.ALPHABET, 5),
                // A random prefix (16 hex characters of 3 bits or more) too short to carry data alone: no
                // object's name, the label is judged whole.
                () -> randomHex16() + "-" + drawn(PodNames.HASH_ALPHABET, 10) + "-" + drawn(PodNames.ALPHABET, 5),
                // Base64url data (DNSExfiltrator's), its dashes where they fall.
                () -> drawn(base64, 50) + "-" + drawn(PodNames.ALPHABET, 5),
                // A pod name first, the data in the labels after it.
                () -> "web-" + drawn(PodNames.HASH_ALPHABET, 10) + "-" + drawn(PodNames.ALPHABET, 5) + "."
                        + encoded(40));
        for (java.util.function.Supplier<String> dressing : dressings) {
            anomalies.clear();
            DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
            String example = dressing.get();
            // Sixteen names: a random label can read as words now and then (about one Base64 label in a
            // hundred: vowels enough, few digits), and the tunnel is then raised a name or two later.
            for (int i = 0; i < 16; i++) {
                d.onEvent(DnsQueries.query(i, CLIENT, dressing.get() + ".t.tunnel.example", DnsParser.TYPE_A,
                        T0 + i * MS));
            }
            assertEquals(List.of(DnsTunnelDetector.DNS_TUNNEL), anomalies.stream().map(Anomaly::getAnomalyType)
                    .toList(), example);
            for (int i = 16; i < 80; i++) {
                d.onEvent(DnsQueries.query(i, CLIENT, dressing.get() + ".t.tunnel.example", DnsParser.TYPE_A,
                        T0 + i * MS));
            }
            assertEquals(List.of(DnsTunnelDetector.DNS_TUNNEL, DnsTunnelDetector.EXFILTRATION),
                    anomalies.stream().map(Anomaly::getAnomalyType).toList(), example);
        }
    }

    /** Sixteen hex characters that measure 3 bits or more: random by the detector's test. */
    private String randomHex16() {
        String hex;
        do {
            hex = drawn("0123456789abcdef", 16);
        } while (NameFeatures.entropy(hex) < 3);
        return hex;
    }

    /** The form of a generated pod name is exact: a part longer, shorter or of other characters is none. */
    @Test
    void onlyTheExactFormOfAGeneratedPodNameIsSetAside() {
        String[] pods = {"web-7d4b9c8f6-x2k9p", "web-5d78c9869d-x2k9p", "a-x2k9p", "fluent-bit-7qz4m",
            "payments-api-bcdf45-x2k9p", "nightly-backup-29412345-x2k9p", "k8s-agent-6c7d8f9b4-2m4n6"};
        for (String pod : pods) {
            int prefix = PodNames.prefixLength(pod, pod.length());
            assertTrue(prefix > 0, pod);
        }
        assertEquals("web".length(), PodNames.prefixLength("web-7d4b9c8f6-x2k9p.corp", 19));
        assertEquals("fluent-bit".length(), PodNames.prefixLength("fluent-bit-7qz4m", 16));
        assertEquals("web-7d4b9c8f6g".length(), PodNames.prefixLength("web-7d4b9c8f6g-x2k9p", 20),
                "a g is in no hash: only the suffix is set aside");
        assertEquals("web-7d4b9".length(), PodNames.prefixLength("web-7d4b9-x2k9p", 15),
                "five characters are too few for a hash");
        assertEquals("web-7d4b9c8f6d4".length(), PodNames.prefixLength("web-7d4b9c8f6d4-x2k9p", 21),
                "eleven too many");
        assertEquals("job-2941234".length(), PodNames.prefixLength("job-2941234-x2k9p", 17),
                "seven digits are no CronJob's minutes");
        for (String none : new String[] {"web-7d4b9c8f6-x2k9", "web-7d4b9c8f6-x2k9pq", "web-7d4b9c8f6-xak9p",
            "web-7d4b9c8f6-x3k9p", "-x2k9p", "--x2k9p", "web--x2k9p", "-web-x2k9p", "we_b-x2k9p", "123-x2k9p",
            "web\\-x2k9p", "WEB-7D4B9C8F6-X2K9P", "x2k9p", "a".repeat(58) + "-x2k9p", ""}) {
            assertEquals(-1, PodNames.prefixLength(none, none.length()), none);
        }
        assertEquals(-1, PodNames.prefixLength("web-x2k9p", 42), "an end past the name is refused, not thrown");
    }

    /**
     * Found in review: a pod's search path ends with its node's domain, and with ndots:5 each
     * outside name is first asked under it. On EKS that is us-west-2.compute.internal: eight
     * outside names resolved in a minute were eight long, random-looking subdomains of
     * compute.internal, a dns_tunnel. No public server answers under internal.
     */
    @Test
    void aCloudsPrivateNamesAskedThroughTheSearchPathAreNoTunnel() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        String[] outside = {"api.github.com", "registry-1.docker.io", "sts.amazonaws.com", "hooks.slack.com",
            "api.stripe.com", "oauth2.googleapis.com", "login.microsoftonline.com", "api.datadoghq.com"};
        int i = 0;
        for (String n : outside) {
            d.onEvent(DnsQueries.query(i, CLIENT, n + ".us-west-2.compute.internal.", DnsParser.TYPE_A, T0 + i++ * SECOND));
            d.onEvent(DnsQueries.query(i, CLIENT, n + ".c.my-project-123456.INTERNAL", DnsParser.TYPE_AAAA,
                    T0 + i++ * SECOND));
        }
        assertEquals(List.of(), anomalies);
        assertTrue(TrustedZones.defaults().covers("internal"));
        assertFalse(TrustedZones.defaults().covers("evil-internal"), "a label boundary, not a suffix of text");
        assertFalse(TrustedZones.defaults().covers("internal.example"));
        // Encoded names under internal are skipped too; under a public domain they are a tunnel.
        for (int k = 0; k < 8; k++) {
            String encoded = "mzxw6ytboi" + k + "gs3tqnfz" + k + "xi6lbmv" + k;
            d.onEvent(DnsQueries.query(i, CLIENT, encoded + ".us-west-2.compute.internal", DnsParser.TYPE_A,
                    T0 + i++ * SECOND));
        }
        assertEquals(List.of(), anomalies);
        for (int k = 0; k < 8; k++) {
            String encoded = "mzxw6ytboi" + k + "gs3tqnfz" + k + "xi6lbmv" + k;
            d.onEvent(DnsQueries.query(i, CLIENT, encoded + ".compute-internal.example", DnsParser.TYPE_A,
                    T0 + i++ * SECOND));
        }
        assertEquals(List.of(DnsTunnelDetector.DNS_TUNNEL), anomalies.stream().map(Anomaly::getAnomalyType).toList());
    }

    /**
     * Long hostnames made of words are no data, however high their entropy: found in review,
     * a node whose pods asked eight service hosts of twenty characters or more under one
     * company's domain in a minute raised a tunnel once names were judged one by one.
     */
    @Test
    void longHostnamesMadeOfWordsAreNoTunnel() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        String[] hosts = {"cloudresourcemanager", "kubernetes-dashboard", "serviceconsumermanagement",
            "servicenetworking-api", "artifactregistry-mirror", "containeranalysis-service", "accesscontextmanager",
            "cloudidentity-service", "clientservices-regional", "securitycenter-management"};
        int i = 0;
        for (String h : hosts) {
            assertTrue(h.length() >= 20, h);
            assertFalse(DnsTunnelDetector.encoded(h), h);
            d.onEvent(DnsQueries.query(i, CLIENT, h + ".acme-cloud.com", DnsParser.TYPE_A, T0 + i++ * SECOND));
        }
        assertEquals(List.of(), anomalies);
        for (String s : new String[] {"6d7a78773679746d6f693467", "mzxw6ytboi2gs3tqnfzxi6lbmv", "k8s7x2qz9wv4rt0pl3mn"}) {
            assertTrue(DnsTunnelDetector.encoded(s), s);
        }
    }

    /**
     * Found in calibration: vowels were a share of all characters, and a name of short words
     * has many dots and dashes, none a vowel. A company's hosts in its own zone,
     * product-catalog.prod.corp.example.com and the like (28 % vowels among all characters,
     * 32 % among letters), were names that carry data, and eight of them asked in a minute a
     * dns_tunnel on example.com. Among letters, Base32 and Base64 still draw a quarter.
     */
    @Test
    void vowelsAreCountedAmongLettersSoDashedAndDottedWordsAreNoTunnel() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        String[] hosts = {"product-catalog", "prometheus-server", "grafana-render", "thanos-sidecar", "pricing-engine",
            "message-broker", "kube-state-metrics", "node-problem-detector", "otel-collector", "tempo-distributor"};
        int i = 0;
        for (String h : hosts) {
            String sub = h + ".prod.corp";
            assertTrue(NameFeatures.vowelRatio(sub) < 0.3, sub + ": few vowels among all its characters");
            assertFalse(DnsTunnelDetector.encoded(sub), sub);
            assertTrue(sub.length() >= 20 && NameFeatures.entropy(sub) >= 3, sub);
            d.onEvent(DnsQueries.query(i, CLIENT, sub + ".example.com", DnsParser.TYPE_A, T0 + i++ * SECOND));
        }
        assertEquals(List.of(), anomalies);
        // Encoded labels cut by dots and dashes are still encoded.
        for (String s : new String[] {"mzxw6-ytboi-2gs3t-qnfzx-i6lbm", "nbswy3dp.ebxw4zlt.mfzw4y3l", "kjhg-fdsa-zxcv",
            "6d7a7877-3679746d-6f693467"}) {
            assertTrue(DnsTunnelDetector.encoded(s), s);
        }
        for (int k = 0; k < 8; k++) {
            d.onEvent(DnsQueries.query(100 + k, CLIENT, String.join("-", encoded(8), encoded(8), encoded(8))
                    + ".prod.corp.example.com", DnsParser.TYPE_A, T0 + (100 + k) * SECOND / 10));
        }
        assertEquals(List.of(DnsTunnelDetector.DNS_TUNNEL), anomalies.stream().map(Anomaly::getAnomalyType).toList());
    }

    /**
     * Found in review: AKS's nodes take Azure's VNet suffix, a random label under
     * internal.cloudapp.net, which only Azure's resolver answers; a pod's search path ends with
     * it, as with EKS's compute.internal. Eight outside names resolved in a minute were eight
     * subdomains of internal.cloudapp.net 44 characters long, random label and digits in them:
     * data names, a dns_tunnel, whatever the encoded test says of words.
     */
    @Test
    void azuresVnetSuffixAskedThroughTheSearchPathIsNoTunnel() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        String[] outside = {"api.github.com", "registry-1.docker.io", "sts.amazonaws.com", "hooks.slack.com",
            "api.stripe.com", "oauth2.googleapis.com", "login.microsoftonline.com", "api.datadoghq.com"};
        int i = 0;
        for (String n : outside) {
            d.onEvent(DnsQueries.query(i, CLIENT, n + ".jvrfnjwd53ouhcmpamsq2vh2ch.bx.internal.cloudapp.net.",
                    DnsParser.TYPE_A, T0 + i++ * SECOND));
        }
        assertEquals(List.of(), anomalies);
        assertFalse(TrustedZones.defaults().covers("internal.cloudapp.net.evil.example"));
        assertFalse(TrustedZones.defaults().covers("myvm.eastus.cloudapp.azure.com"), "a public name of Azure's");
        // The same names under a public domain are a tunnel.
        for (String n : outside) {
            d.onEvent(DnsQueries.query(i, CLIENT, n + ".jvrfnjwd53ouhcmpamsq2vh2ch.bx.internal-cloudapp.example",
                    DnsParser.TYPE_A, T0 + i++ * SECOND));
        }
        assertEquals(List.of(DnsTunnelDetector.DNS_TUNNEL), anomalies.stream().map(Anomaly::getAnomalyType).toList());
    }

    @Test
    void theEighthDistinctEncodedSubdomainRaisesATunnel() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        for (int i = 0; i < 7; i++) {
            d.onEvent(DnsQueries.query(i, CLIENT, encoded(32) + ".t.tunnel.example", DnsParser.TYPE_A, T0 + i * MS));
        }
        assertEquals(List.of(), anomalies, "seven subdomains: under minUniqueSubdomains = 8");
        d.onEvent(DnsQueries.query(7, CLIENT, encoded(32) + ".t.tunnel.example", DnsParser.TYPE_A, T0 + 7 * MS));
        assertEquals(1, anomalies.size());
        Anomaly a = anomalies.getFirst();
        assertEquals("dns_tunnel", a.getAnomalyType());
        assertEquals("T1071.004", a.getAttackTechnique());
        assertEquals("tunnel.example", a.getDestination().getWorkload().getExternalName());
        assertEquals(CLIENT, a.getSource().getIp());
        assertEquals(8, observed(a, "unique_subdomains"));
        assertEquals(34, observed(a, "mean_subdomain_length"), 1e-9, "32 characters and \".t\"");
        assertTrue(observed(a, "mean_subdomain_entropy") > 4, "random base32 is near 5 bits per character");
        assertEquals(8, a.getEvidenceFlowIdsCount());
    }

    /**
     * iodine's Base128 puts raw bytes 0xBC to 0xFD in its labels, beside letters and digits.
     * Most of them are not UTF-8, so their names are written with U+FFFD, and the entropy of
     * such a label, every character past ASCII one symbol, is under the 3 bits a tunnel needs:
     * the lab's iodine tunnel over A queries was not reported. Bytes no hostname has are data.
     */
    @Test
    void labelsOfRawBytesAreATunnelWhateverTheirEntropy() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        for (int i = 0; i < 8; i++) {
            byte[] label = new byte[60];
            for (int k = 0; k < label.length; k++) {
                // Three bytes in four from iodine's high range, the rest letters and digits.
                label[k] = (byte) (random.nextInt(4) > 0 ? 0xBC + random.nextInt(66)
                        : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".charAt(random.nextInt(62)));
            }
            d.onEvent(DnsQueries.query(i, CLIENT, label, "t.tunnel.example", DnsParser.TYPE_A, T0 + i * MS));
        }
        assertEquals(1, anomalies.size(), "eight distinct labels of raw bytes");
        Anomaly a = anomalies.getFirst();
        assertEquals("dns_tunnel", a.getAnomalyType());
        assertTrue(observed(a, "mean_subdomain_entropy") < 3, "entropy alone would not tell: "
                + observed(a, "mean_subdomain_entropy"));
        assertTrue(observed(a, "non_ascii_share") >= 0.1, a.toString());
    }

    /**
     * On a Kubernetes node a pod's query to the cluster DNS Service is captured before
     * kube-proxy's DNAT (to the Service address, on the pod's veth) and after it (to a CoreDNS
     * pod, on that pod's veth or the uplink): two flows, one query, and the duplicate filter
     * cannot tell, as DNAT changed the address and checksums. A tunnel seen so is one tunnel
     * (subdomains are a set, and the window is the domain's, not the flow's); the share of TXT
     * and NULL queries must count the query once too, or whichever client's queries cross DNAT
     * outweigh the others'.
     */
    @Test
    void aQuerySeenBeforeAndAfterDnatCountsOnce() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        String[] servers = {"10.96.0.10", "10.244.1.5"};
        long t = T0;
        for (int i = 0; i < 8; i++) {
            String data = encoded(40);
            for (int s = 0; s < servers.length; s++) {
                d.onEvent(DnsQueries.query(2 * i + s, CLIENT, 30_000 + i, servers[s], i,
                        DnsQueries.labels(data, "t", "tunnel", "example"), DnsParser.TYPE_NULL, t));
            }
            t += MS;
        }
        assertEquals(1, anomalies.size(), "one tunnel, one anomaly");
        assertEquals(8, observed(anomalies.getFirst(), "unique_subdomains"));
        assertEquals(List.of(0L, 2L, 4L, 6L, 8L, 10L, 12L, 14L), anomalies.getFirst().getEvidenceFlowIdsList());
        anomalies.clear();
        // A pod resolves ten names through the Service: each query is seen twice.
        for (int i = 0; i < 10; i++) {
            for (String server : servers) {
                d.onEvent(DnsQueries.query(i, CLIENT, 40_000 + i, server, 0x0100 + i,
                        DnsQueries.labels("w" + i, "mail", "example"), DnsParser.TYPE_A, t));
            }
            t += MS;
        }
        // A host-network process asks for TXT under the same domain straight from the resolver: seen once.
        for (int i = 0; i < 10; i++) {
            d.onEvent(DnsQueries.query(100 + i, "192.168.1.7", 50_000 + i, "192.168.1.1", 0x0200 + i,
                    DnsQueries.labels("t" + i, "mail", "example"), DnsParser.TYPE_TXT, t += MS));
        }
        assertEquals(List.of(DnsTunnelDetector.DNS_TUNNEL), anomalies.stream().map(Anomaly::getAnomalyType).toList(),
                "ten TXT queries in twenty reach the half TXT/NULL share");
        Anomaly a = anomalies.getFirst();
        assertEquals(0.5, observed(a, "txt_null_share"), 1e-9, "ten queries in twenty, not ten in thirty");
        assertEquals(20, observed(a, "unique_subdomains"));
        // The copy of a name with no registered domain is not counted again either.
        d.onEvent(DnsQueries.query(200, CLIENT, 41_000, servers[0], 0x0300, DnsQueries.labels("wpad"),
                DnsParser.TYPE_A, t += MS));
        d.onEvent(DnsQueries.query(201, CLIENT, 41_000, servers[1], 0x0300, DnsQueries.labels("wpad"),
                DnsParser.TYPE_A, t));
        assertEquals(1, d.unsplittableNames());
        assertEquals(8 + 10 + 1, d.queryCopies());
        assertEquals(0, d.queryCopyEvictions());
    }

    /**
     * On the node that runs CoreDNS, a pod's query is seen going to CoreDNS, then again as
     * CoreDNS's own query upstream (its address, its port, its id), and again from the node's
     * address once SNAT has rewritten it; with a node-local DNS cache, from the node's address
     * to CoreDNS. Those copies are one query: counted, they weigh the pod's queries twice or
     * more in the TXT/NULL share, and the last one names the tunnel's client, CoreDNS or the
     * node, which the aggregator never blocks, while the pod goes free.
     */
    @Test
    void aQueryForwardedByResolversIsOneQueryAndNamesThePodThatAsked() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        String service = "10.96.0.10";
        String coredns = "10.244.0.3";
        String node = "192.168.1.5";
        long t = T0;
        int id = 0;
        // A pod resolves ten names through the Service: each query is seen before and after
        // DNAT, then forwarded upstream by CoreDNS and seen again after SNAT.
        for (int i = 0; i < 10; i++) {
            List<byte[]> name = DnsQueries.labels("w" + i, "mail", "example");
            d.onEvent(DnsQueries.query(id++, CLIENT, 40_000 + i, service, 0x0100 + i, name, DnsParser.TYPE_A, t));
            d.onEvent(DnsQueries.query(id++, CLIENT, 40_000 + i, coredns, 0x0100 + i, name, DnsParser.TYPE_A, t));
            d.onEvent(DnsQueries.query(id++, coredns, 50_000 + i, "8.8.8.8", 0x4100 + i, name, DnsParser.TYPE_A,
                    t + MS / 2));
            d.onEvent(DnsQueries.query(id++, node, 60_000 + i, "8.8.8.8", 0x4100 + i, name, DnsParser.TYPE_A,
                    t + MS / 2));
            t += 10 * MS;
        }
        // A host-network process asks for TXT under the same domain straight from the node's resolver.
        for (int i = 0; i < 10; i++) {
            d.onEvent(DnsQueries.query(id++, "192.168.1.7", 51_000 + i, "192.168.1.1", 0x0200 + i,
                    DnsQueries.labels("t" + i, "mail", "example"), DnsParser.TYPE_TXT, t += MS));
        }
        assertEquals(List.of(DnsTunnelDetector.DNS_TUNNEL), anomalies.stream().map(Anomaly::getAnomalyType).toList(),
                "ten TXT queries in twenty reach the half TXT/NULL share");
        assertEquals(0.5, observed(anomalies.getFirst(), "txt_null_share"), 1e-9, "the copies not counted");
        assertEquals(3 * 10, d.queryCopies(), "ten after DNAT, ten forwarded, ten after SNAT");
        anomalies.clear();

        // A pod's tunnel through a node-local cache: the pod asks the cache, the cache (as the
        // node) asks CoreDNS, CoreDNS asks upstream. The pod is named, not the resolvers.
        for (int i = 0; i < 8; i++) {
            List<byte[]> name = DnsQueries.labels(encoded(40), "t", "tunnel", "example");
            d.onEvent(DnsQueries.query(id++, CLIENT, 30_000 + i, "169.254.20.10", i, name, DnsParser.TYPE_NULL, t));
            d.onEvent(DnsQueries.query(id++, node, 52_000 + i, coredns, 0x4000 + i, name, DnsParser.TYPE_NULL,
                    t + MS / 4));
            d.onEvent(DnsQueries.query(id++, coredns, 53_000 + i, "8.8.8.8", 0x5000 + i, name, DnsParser.TYPE_NULL,
                    t + MS / 2));
            t += 10 * MS;
        }
        assertEquals(1, anomalies.size(), anomalies.toString());
        Anomaly tunnel = anomalies.getFirst();
        assertEquals(CLIENT, tunnel.getSource().getIp(), "the pod, not a resolver that forwarded for it");
        assertTrue(tunnel.getExplanation().getSummary().startsWith(CLIENT + " queried"),
                tunnel.getExplanation().getSummary());
        assertEquals(8, observed(tunnel, "unique_subdomains"));
        anomalies.clear();

        // A client's own retry, a second later, counts: it is another query.
        long copies = d.queryCopies();
        List<byte[]> again = DnsQueries.labels("w0", "mail", "example");
        d.onEvent(DnsQueries.query(id++, CLIENT, 40_100, service, 0x0900, again, DnsParser.TYPE_A, t += SECOND));
        d.onEvent(DnsQueries.query(id++, CLIENT, 40_100, service, 0x0900, again, DnsParser.TYPE_A, t += SECOND));
        assertEquals(copies, d.queryCopies());
    }

    /**
     * A label is bytes and may hold a dot: the labels {@code x.google} and {@code com} print as
     * {@code x.google.com}, as tshark, Suricata and Zeek print them, but the name is not under
     * google.com ("x.google" is not a hostname label, so it has no registered domain at all).
     * The split must follow the labels, not the printed dots.
     */
    @Test
    void aDotInsideALabelIsNoLabelBoundary() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        for (int i = 0; i < 8; i++) {
            d.onEvent(DnsQueries.query(i, CLIENT, 30_000 + i, "10.96.0.10", i,
                    DnsQueries.labels(encoded(40), "x.google", "com"), DnsParser.TYPE_TXT, T0 + i * MS));
        }
        assertEquals(List.of(), anomalies.stream().map(a -> a.getDestination().getWorkload().getExternalName()).toList(),
                "nothing is said about google.com");
        assertEquals(8, d.unsplittableNames());
        // A dotted label among the subdomain's leaves the domain where it is.
        for (int i = 0; i < 8; i++) {
            d.onEvent(DnsQueries.query(10 + i, CLIENT, 31_000 + i, "10.96.0.10", i,
                    DnsQueries.labels(encoded(40), "www.google.com", "attacker", "net"), DnsParser.TYPE_TXT,
                    T0 + (10 + i) * MS));
        }
        assertEquals(List.of("attacker.net"),
                anomalies.stream().map(a -> a.getDestination().getWorkload().getExternalName()).toList());
    }

    @Test
    void manyShortOrdinarySubdomainsAreNotATunnel() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        String[] names = {"www", "api", "cdn", "static", "img", "login", "mail", "shop", "news", "video", "m",
            "assets", "auth", "edge", "a1", "a2", "a3", "beacon", "metrics", "search"};
        int i = 0;
        for (String n : names) {
            d.onEvent(DnsQueries.query(i, CLIENT, n + ".example.com", DnsParser.TYPE_A, T0 + i++ * MS));
            d.onEvent(DnsQueries.query(i, CLIENT, n + ".example.com", DnsParser.TYPE_AAAA, T0 + i++ * MS));
        }
        assertEquals(List.of(), anomalies);
    }

    /**
     * The length and entropy test was on the means over a window's distinct subdomains: a
     * client that asks two short names of its own under the tunnel's domain for each name that
     * carries data pulled both means under the bars (16 characters, 2.4 bits), and neither the
     * tunnel nor its exfiltration was reported, though each of its encoded names carries data
     * as before. The names that carry data are counted, whatever else is asked beside them.
     */
    @Test
    void shortNamesAskedBetweenATunnelsNamesDoNotHideIt() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        long t = T0;
        int id = 0;
        for (int i = 0; i < 8; i++) {
            d.onEvent(DnsQueries.query(id++, CLIENT, encoded(40) + ".tunnel.example", DnsParser.TYPE_A, t += MS));
            for (int k = 0; k < 2; k++) {
                d.onEvent(DnsQueries.query(id++, CLIENT, "p" + (2 * i + k) + ".tunnel.example", DnsParser.TYPE_A,
                        t += MS));
            }
        }
        assertEquals(List.of(DnsTunnelDetector.DNS_TUNNEL), anomalies.stream().map(Anomaly::getAnomalyType).toList(),
                "eight encoded names among sixteen short ones are a tunnel");
        Anomaly tunnel = anomalies.getFirst();
        assertTrue(observed(tunnel, "mean_subdomain_length") < 20, "the means alone would not tell: "
                + observed(tunnel, "mean_subdomain_length"));
        assertTrue(observed(tunnel, "mean_subdomain_entropy") < 3, "nor: " + observed(tunnel, "mean_subdomain_entropy"));
        assertEquals(8, observed(tunnel, "data_subdomains"));
        assertEquals(8 + 14, observed(tunnel, "unique_subdomains"), "raised at the eighth encoded name");
        // 40 more encoded names of 100 characters, padded so: the data adds up past 2048 characters.
        for (int i = 0; i < 40; i++) {
            d.onEvent(DnsQueries.query(id++, CLIENT, encoded(100) + ".tunnel.example", DnsParser.TYPE_A, t += MS));
            for (int k = 0; k < 2; k++) {
                d.onEvent(DnsQueries.query(id++, CLIENT, "q" + (2 * i + k) + ".tunnel.example", DnsParser.TYPE_A,
                        t += MS));
            }
        }
        assertEquals(List.of(DnsTunnelDetector.DNS_TUNNEL, DnsTunnelDetector.EXFILTRATION),
                anomalies.stream().map(Anomaly::getAnomalyType).toList());
        Anomaly exfiltration = anomalies.getLast();
        assertTrue(observed(exfiltration, "high_entropy_characters") >= 2048, exfiltration.toString());
        assertTrue(observed(exfiltration, "mean_subdomain_entropy") < 3, "the mean would not tell");
    }

    /**
     * A domain's window remembers 256 distinct subdomains. Past them, new names were turned
     * away unseen: neither counted nor judged, and nothing said so. A client that first asked
     * 256 short names under its domain then tunnelled freely for the rest of the window. Past
     * the bound a name the set does not hold is judged as a new one, and counted.
     */
    @Test
    void pastTheSubdomainsAWindowRemembersNewNamesAreStillJudgedAndCounted() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        int bound = DnsTunnelConfig.defaults().maxSubdomains();
        long t = T0;
        int id = 0;
        for (int i = 0; i < bound; i++) {
            d.onEvent(DnsQueries.query(id++, CLIENT, "h" + i + ".tunnel.example", DnsParser.TYPE_A, t += MS));
        }
        assertEquals(List.of(), anomalies, "short ordinary names, however many, carry no data");
        assertEquals(0, d.subdomainOverflows());
        d.onEvent(DnsQueries.query(id++, CLIENT, "h3.tunnel.example", DnsParser.TYPE_A, t += SECOND));
        assertEquals(0, d.subdomainOverflows(), "a name the full set holds is found there");
        for (int i = 0; i < 8; i++) {
            d.onEvent(DnsQueries.query(id++, CLIENT, encoded(40) + ".tunnel.example", DnsParser.TYPE_A, t += MS));
        }
        assertEquals(List.of(DnsTunnelDetector.DNS_TUNNEL), anomalies.stream().map(Anomaly::getAnomalyType).toList(),
                "eight encoded names past the bound are a tunnel");
        assertEquals(8, d.subdomainOverflows());
        Anomaly tunnel = anomalies.getFirst();
        assertEquals(bound + 8, observed(tunnel, "unique_subdomains"), "the names past the bound count as new");
        assertEquals(8, observed(tunnel, "data_subdomains"));
        assertTrue(tunnel.getExplanation().getSummary().contains("8 past the 256"), tunnel.getExplanation().getSummary());
        for (int i = 0; i < 20; i++) {
            d.onEvent(DnsQueries.query(id++, CLIENT, encoded(100) + ".tunnel.example", DnsParser.TYPE_A, t += MS));
        }
        assertEquals(List.of(DnsTunnelDetector.DNS_TUNNEL, DnsTunnelDetector.EXFILTRATION),
                anomalies.stream().map(Anomaly::getAnomalyType).toList(), "their data adds up past the bound too");
        assertEquals(28, d.subdomainOverflows());
    }

    @Test
    void txtOrNullQueriesForManySubdomainsRaiseATunnelEvenWhenShort() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        for (int i = 0; i < 8; i++) {
            d.onEvent(DnsQueries.query(i, CLIENT, "s" + i + ".tunnel.example", i % 2 == 0 ? DnsParser.TYPE_TXT
                    : DnsParser.TYPE_NULL, T0 + i * MS));
        }
        assertEquals(List.of("dns_tunnel"), anomalies.stream().map(Anomaly::getAnomalyType).toList());
        assertEquals(1.0, observed(anomalies.getFirst(), "txt_null_share"), 1e-9);
    }

    @Test
    void enoughEncodedCharactersToOneDomainAreExfiltration() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        // 103-character subdomains (100 encoded, a dot after 60, and ".x"): 19 make 1957, the 20th passes 2048.
        for (int i = 0; i < 19; i++) {
            d.onEvent(DnsQueries.query(i, CLIENT, encoded(100) + ".x.exfil.example", DnsParser.TYPE_A, T0 + i * MS));
        }
        assertEquals(List.of("dns_tunnel"), anomalies.stream().map(Anomaly::getAnomalyType).toList());
        d.onEvent(DnsQueries.query(19, CLIENT, encoded(100) + ".x.exfil.example", DnsParser.TYPE_A, T0 + 19 * MS));
        assertEquals(List.of("dns_tunnel", "exfiltration"), anomalies.stream().map(Anomaly::getAnomalyType).toList());
        Anomaly a = anomalies.getLast();
        assertEquals("T1048", a.getAttackTechnique());
        assertEquals(20 * 103, observed(a, "high_entropy_characters"), 1e-9);
    }

    @Test
    void aSlowTrickleSplitAcrossWindowsStaysBelowTheThreshold() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        for (int i = 0; i < 21; i++) {
            // 7 per minute: each tumbling window of 60 s sees at most 7 distinct subdomains.
            d.onEvent(DnsQueries.query(i, CLIENT, encoded(40) + ".slow.example", DnsParser.TYPE_A,
                    T0 + (i / 7) * 61 * SECOND + (i % 7) * SECOND));
        }
        assertEquals(List.of(), anomalies);
    }

    @Test
    void queriesForManyOtherDomainsDoNotFlushATunnelsEvidence() {
        // Between two of its tunnel's queries, a pod asks for more one-off domains than the
        // table holds (to port 53 of any address: nobody need answer). The least recently used
        // domain went first: the tunnel's, its window started over at each of its queries,
        // and a tunnel of any speed stayed below the eight names that call one.
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        int domains = DnsTunnelConfig.defaults().maxDomains();
        long t = T0;
        int id = 0;
        for (int q = 0; q < 8; q++) {
            d.onEvent(DnsQueries.query(id++, CLIENT, encoded(40) + ".t.lab.test", DnsParser.TYPE_A, t += MS));
            for (int i = 0; i < domains; i++) {
                d.onEvent(DnsQueries.query(id++, CLIENT, "www.junk" + q + "-" + i + ".example", DnsParser.TYPE_A,
                        t += 1000));
            }
        }
        assertEquals(List.of(DnsTunnelDetector.DNS_TUNNEL), anomalies.stream().map(Anomaly::getAnomalyType).toList());
        assertTrue(d.evictions() >= 7L * domains, "the one-off domains went instead, counted");
    }

    @Test
    void domainsAreBoundedAndTheirEvictionsCounted() {
        DnsTunnelDetector d = detector(new DnsTunnelConfig(Duration.ofSeconds(60), 8, 20, 3.0, 0.5, 2048, 16, 32, 4));
        for (int i = 0; i < 1000; i++) {
            d.onEvent(DnsQueries.query(i, CLIENT, "www.d" + i + ".example", DnsParser.TYPE_A, T0 + i * MS));
        }
        assertEquals(1000 - 16, d.evictions());
        d.onEvent(DnsQueries.query(5000, CLIENT, "com", DnsParser.TYPE_A, T0));
        assertEquals(1, d.unsplittableNames());
        assertEquals(List.of(), anomalies);
    }
    @Test
    void aTunnelAfterTheCaptureClockWentBackIsReportedAgain() {
        DnsTunnelDetector d = detector(DnsTunnelConfig.defaults());
        long late = T0 + 3600 * 1000 * MS;
        for (int i = 0; i < 8; i++) {
            d.onEvent(DnsQueries.query(i, CLIENT, encoded(40) + ".t.lab.test", DnsParser.TYPE_NULL, late + i * MS));
        }
        assertEquals(1, anomalies.size());
        // A second capture, an hour earlier by its clock, holds another tunnel under the same
        // domain: a new window, not the old one held open until the clock catches up.
        for (int i = 0; i < 8; i++) {
            d.onEvent(DnsQueries.query(100 + i, CLIENT, encoded(40) + ".t.lab.test", DnsParser.TYPE_NULL,
                    T0 + i * MS));
        }
        assertEquals(2, anomalies.size());
        assertEquals(T0 + 7 * MS, com.google.protobuf.util.Timestamps.toNanos(anomalies.get(1).getEnd()),
                "the window ends with its own queries");
    }
}
