package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code netwatch inspect} as a user runs it: JSON lines out, clear errors on damaged files. */
class InspectCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RFC3339_NANOS = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z";

    @TempDir
    Path tmp;

    private record Run(int code, List<JsonNode> lines, String stderr) {
    }

    private Run inspect(Path file, String... options) throws Exception {
        Path out = tmp.resolve("out-" + System.nanoTime() + ".json");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            List<String> args = new ArrayList<>(List.of("inspect", file.toString(), "--out", out.toString()));
            args.addAll(List.of(options));
            code = NetwatchMain.execute(args.toArray(String[]::new));
        } finally {
            System.setErr(oldErr);
        }
        List<JsonNode> lines = new ArrayList<>();
        if (Files.exists(out)) {
            for (String line : Files.readAllLines(out)) {
                if (!line.isBlank()) {
                    lines.add(JSON.readTree(line));
                }
            }
        }
        return new Run(code, lines, err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anOutputFileThatCannotBeWrittenIsNamedInOneLine() throws Exception {
        for (Path bad : List.of(tmp.resolve("missing").resolve("x.json"), tmp)) {
            CliRun r = CliRun.of("inspect", Samples.demo().toString(), "--out", bad.toString());
            String stderr = r.stderr();
            assertEquals(2, r.code(), stderr);
            assertTrue(stderr.startsWith("netwatch inspect: --out " + bad + ": cannot write it ("), stderr);
            assertTrue(stderr.contains(bad.equals(tmp) ? "it is a directory" : "no directory " + bad.getParent()), stderr);
            assertEquals(1, stderr.lines().count(), "one line, no stack trace: " + stderr);
        }
    }

    @Test
    void icmpErrorsAreCountedInTheStatsThoughTheyMakeNoFlow() throws Exception {
        // Found in review: the six port-unreachables of this scan were in no counter at all.
        // tcpdump -r counts them with 'icmp[icmptype] == 3 or icmp[icmptype] == 11 or icmp6'.
        Path corpus = Samples.sharedPcaps();
        assertNotNull(corpus, "the corpus at ../shared/pcaps");
        Run r = inspect(corpus.resolve("esnet-nmap_80_w_service_detection.pcap"));
        assertEquals(0, r.code(), r.stderr());
        JsonNode stats = r.lines().getLast();
        assertEquals(154, stats.get("packets").asLong());
        assertEquals(6, stats.get("icmp_errors").asLong());
    }

    @Test
    void aWriteThatFailsIsAnErrorNotACutOutputWithStatusZero() {
        // Found in review: stdout on a full disk ended with status 0 and nothing written, --out a stack trace.
        CliRun file = CliRun.of("inspect", Samples.demo().toString(), "--out", "/dev/full");
        assertEquals(1, file.code(), file.stderr());
        assertEquals("netwatch inspect: cannot write to --out /dev/full (No space left on device); the output is"
                + " incomplete", file.stderr().strip());

        java.io.PrintStream full = new java.io.PrintStream(java.io.OutputStream.nullOutputStream()) {
            @Override
            public boolean checkError() {
                return true; // what a PrintStream on a full disk reports
            }
        };
        java.io.PrintStream stdout = System.out;
        System.setOut(full);
        int code;
        try {
            code = NetwatchMain.execute("inspect", Samples.demo().toString());
        } finally {
            System.setOut(stdout);
        }
        assertEquals(1, code);
    }

    @Test
    void detectorSettingsTakeEffectAndMistakesAreNamed() throws Exception {
        // PF = 1e-300 puts ln(PD/PF) at 690 nats: ~500 straight failures, more than the demo's 199 closed ports.
        Run strict = inspect(Samples.demo(), "--detect", "scan.pf=1e-300");
        assertEquals(0, strict.code(), strict.stderr());
        assertEquals(0, strict.lines().stream().filter(n -> n.get("type").asText().equals("anomaly")).count());
        assertEquals(0, strict.lines().getLast().get("anomalies").asLong());

        Run noRoom = inspect(Samples.demo(), "--max-flows", "0");
        assertEquals(2, noRoom.code());
        // As the agent's flows.max_flows says it (found in review: "needs room for at least 1 flow").
        assertEquals("netwatch inspect: --max-flows: \"0\" is out of range (expected integer, at least 1)",
                noRoom.stderr().strip());

        Run typo = inspect(Samples.demo(), "--detect", "scan.fp=0.01");
        assertEquals(2, typo.code());
        assertTrue(typo.stderr().contains("unknown key 'scan.fp'; the keys are scan.theta0"), typo.stderr());
        Run inverted = inspect(Samples.demo(), "--detect", "scan.pf=0.5,scan.pd=0.4");
        assertEquals(2, inverted.code());
        assertTrue(inverted.stderr().contains("--detect scan.pd=0.4: scan detector needs 0 < scan.pf (false positive "
                + "rate) < scan.pd (detection rate) < 1, got scan.pf=0.5 and scan.pd=0.4"), inverted.stderr());
        Run notNumber = inspect(Samples.demo(), "--detect", "flood.threshold=lots");
        assertTrue(notNumber.stderr().contains("--detect flood.threshold=lots: 'lots' is not a number"),
                notNumber.stderr());

        // Durations as the agent's duration keys word them (found in review: "got PT0S", a bare "is negative").
        for (String[] c : new String[][] {
                {"flood.interval=0s", "'0s' is too short (expected duration, at least 1ms)"},
                {"dns.window=-1s", "'-1s' is negative (expected duration, at least 1ms)"},
                {"brute.duration=-2m", "'-2m' is negative (expected duration, at least 0s)"}}) {
            Run bad = inspect(Samples.demo(), "--detect", c[0]);
            assertEquals(2, bad.code());
            assertEquals("netwatch inspect: --detect " + c[0] + ": " + c[1], bad.stderr().strip());
        }
    }

    @Test
    void parsersLeftOutGiveNoMessagesButTheirFlowsAreStillNamed() throws Exception {
        Run all = inspect(Samples.demo());
        Run dnsOnly = inspect(Samples.demo(), "--parsers", "dns");
        assertEquals(0, dnsOnly.code(), dnsOnly.stderr());
        Set<String> allTypes = new HashSet<>();
        Set<String> dnsOnlyTypes = new HashSet<>();
        all.lines().forEach(n -> allTypes.add(n.get("type").asText()));
        dnsOnly.lines().forEach(n -> dnsOnlyTypes.add(n.get("type").asText()));
        assertTrue(allTypes.containsAll(Set.of("dns", "http", "tls")), allTypes.toString());
        assertTrue(dnsOnlyTypes.contains("dns") && !dnsOnlyTypes.contains("http") && !dnsOnlyTypes.contains("tls"),
                dnsOnlyTypes.toString());
        Set<String> named = new HashSet<>();
        dnsOnly.lines().stream().filter(n -> n.get("type").asText().equals("flow") && n.has("app_proto"))
                .forEach(n -> named.add(n.get("app_proto").asText()));
        assertTrue(named.containsAll(Set.of("dns", "http", "tls")), named.toString());
        assertEquals("[\"dns\"]", dnsOnly.lines().getLast().get("parsers").toString());
        assertEquals("[\"dns\",\"http\",\"tls\",\"quic\",\"ssh\"]", all.lines().getLast().get("parsers").toString());
        // The bundled rules on HTTP fields cannot fire without the HTTP parser: said, not hidden.
        assertTrue(dnsOnly.stderr().contains("rules read http fields, but inspection.parsers leaves http out: "
                + "they cannot fire"), dnsOnly.stderr());
        assertFalse(all.stderr().contains("cannot fire"), all.stderr());

        Run wrong = inspect(Samples.demo(), "--parsers", "dns,smtp");
        assertEquals(2, wrong.code());
        assertTrue(wrong.stderr().contains("netwatch inspect: --parsers: \"dns,smtp\" names \"smtp\", which is not "
                + "allowed (expected list of dns, http, tls, quic, ssh"), wrong.stderr());
        Run none = inspect(Samples.demo(), "--parsers", "none");
        assertEquals(0, none.code(), none.stderr());
        assertTrue(none.lines().stream().noneMatch(n -> Set.of("dns", "http", "tls").contains(n.get("type").asText())));
    }

    @Test
    void anOverlayOnAMovedPortIsReadWhenItsPortIsGiven() throws Exception {
        // Zeek's HTTP-in-VXLAN capture, its tunnel moved from 4789 to 4790 (Cilium's tunnel-port,
        // Calico's vxlanPort): the agent reads it with decode.vxlan_ports, inspect with --vxlan-ports.
        Path original = Path.of("../../shared/pcaps/zeek-tunnels-vxlan-encapsulated-http.pcap");
        assumeTrue(Files.isRegularFile(original), "the corpus at ../shared/pcaps");
        byte[] pcap = Files.readAllBytes(original);
        int moved = 0;
        for (int at : recordOffsets(pcap)) {
            int ip = at + 16 + 14; // Ethernet, no tag: every frame of this capture
            int udp = ip + (pcap[ip] & 0x0F) * 4;
            if (pcap[ip + 9] == 17) {
                for (int port = udp; port <= udp + 2; port += 2) {
                    if ((pcap[port] & 0xFF) == 0x12 && (pcap[port + 1] & 0xFF) == 0xB5) {
                        pcap[port + 1] = (byte) 0xB6; // 4789 -> 4790
                        moved++;
                    }
                }
            }
        }
        assertTrue(moved > 0, "the capture's VXLAN frames found");
        Path file = tmp.resolve("vxlan-4790.pcap");
        Files.write(file, pcap);

        Run plain = inspect(file);
        assertEquals(0, plain.code(), plain.stderr());
        assertTrue(plain.lines().stream().noneMatch(n -> n.get("type").asText().equals("http")),
                "on 4790 by default the overlay is plain UDP: no HTTP inside it is read");
        Run read = inspect(file, "--vxlan-ports", "4790");
        assertEquals(0, read.code(), read.stderr());
        assertTrue(read.lines().stream().anyMatch(n -> n.get("type").asText().equals("http")),
                "the HTTP request inside the moved tunnel");
        Run original4789 = inspect(original, "--vxlan-ports", "none");
        assertTrue(original4789.lines().stream().noneMatch(n -> n.get("type").asText().equals("http")),
                "--vxlan-ports none reads no VXLAN");

        Run bad = inspect(file, "--vxlan-ports", "4790,70000");
        assertEquals(2, bad.code());
        assertTrue(bad.stderr().startsWith("netwatch inspect: --vxlan-ports: \"4790,70000\" "), bad.stderr());
        assertTrue(bad.stderr().contains("70000"), bad.stderr());
        Run both = inspect(file, "--vxlan-ports", "4790", "--geneve-ports", "4790");
        assertEquals(2, both.code());
        assertTrue(both.stderr().startsWith("netwatch inspect: --vxlan-ports, --geneve-ports: tunnel port 4790 is"
                + " listed twice"), both.stderr());
    }

    @Test
    void ruleVariablesForTunnelPortsFollowTheTunnelPortsGiven() throws Exception {
        // Found in review: $VXLAN_PORTS and $GENEVE_PORTS follow --vxlan-ports and --geneve-ports,
        // as the agent's follow decode.*_ports. A tunnel the decoder reads gives its bytes to the
        // flows inside it, so a rule on its port sees only datagrams there that are not read as it.
        Path capture = Path.of("../../shared/pcaps/zeek-tunnels-vxlan-encapsulated-http.pcap");
        assumeTrue(Files.isRegularFile(capture), "the corpus at ../shared/pcaps");
        Path rules = tmp.resolve("overlay.rules");
        Files.writeString(rules, "alert udp any any -> any $VXLAN_PORTS (msg:\"to a VXLAN port\"; content:\"GET\"; "
                + "sid:1000020;)\n");
        Map<String, Long> alerts = new java.util.HashMap<>();
        for (String ports : List.of("4789", "none", "4790")) {
            Run run = inspect(capture, "--no-default-rules", "--rules", rules.toString(), "--vxlan-ports", ports);
            assertEquals(0, run.code(), run.stderr());
            alerts.put(ports, run.lines().stream().filter(n -> n.get("type").asText().equals("alert")).count());
        }
        // Read as VXLAN: the request is the inner flow's. None read: plain UDP to 4789, which the
        // variable keeps. Read on 4790 only: the variable moved with it, off the plain UDP on 4789.
        assertEquals(Map.of("4789", 0L, "none", 1L, "4790", 0L), alerts);
    }

    @Test
    void aDnsTunnelLineNamesTheDomainAndTheStatsCountIt() throws Exception {
        Path corpus = Path.of("../../shared/pcaps/dmachard-iodine.pcap");
        assumeTrue(Files.exists(corpus), "the shared capture corpus is not here");
        Run run = inspect(corpus);
        assertEquals(0, run.code(), run.stderr());
        JsonNode tunnel = run.lines().stream().filter(n -> n.get("type").asText().equals("anomaly")).findFirst()
                .orElseThrow();
        assertEquals("dns_tunnel", tunnel.get("anomaly_type").asText());
        assertEquals("biillpi.com", tunnel.get("dst_name").asText());
        assertEquals("192.168.1.17", tunnel.get("src_ip").asText());
        assertEquals("T1071.004", tunnel.get("attack_technique").asText());
        assertEquals(1, run.lines().getLast().get("anomalies_by_type").get("dns_tunnel").asLong());
    }

    /**
     * inspect takes the agent's zones as options: the tunnel's own domain named as the cluster's
     * or trusted (which a real configuration must never do) is passed over, and a malformed zone
     * is refused, naming the option and what to write.
     */
    @Test
    void theClusterDomainAndTrustedZonesAreTakenAsTheAgentTakesThem() throws Exception {
        Path corpus = Path.of("../../shared/pcaps/dmachard-iodine.pcap");
        assumeTrue(Files.exists(corpus), "the shared capture corpus is not here");
        for (String[] options : List.of(new String[] {"--trusted-zones", "corp.example.com, biillpi.com"},
                new String[] {"--cluster-domain", "BIILLPI.com."})) {
            Run run = inspect(corpus, options);
            assertEquals(0, run.code(), run.stderr());
            assertTrue(run.lines().stream().noneMatch(n -> n.get("type").asText().equals("anomaly")),
                    String.join(" ", options));
        }
        Run wildcard = inspect(corpus, "--trusted-zones", "corp.example.com,*.biillpi.com");
        assertEquals(2, wildcard.code());
        assertEquals("netwatch inspect: --trusted-zones: \"*.biillpi.com\" holds a wildcard: write the zone itself "
                + "(biillpi.com), which covers every name under it", wildcard.stderr().strip());
        Run suffix = inspect(corpus, "--cluster-domain", "com");
        assertEquals(2, suffix.code());
        assertTrue(suffix.stderr().startsWith("netwatch inspect: --cluster-domain: \"com\" is a public suffix"),
                suffix.stderr());
    }

    @Test
    void theBundledCaptureGivesFlowsAPortScanAndStatsLast() throws Exception {
        Run run = inspect(Samples.demo());
        assertEquals(0, run.code(), run.stderr());
        JsonNode stats = run.lines().getLast();
        assertEquals("stats", stats.get("type").asText());
        assertEquals(532, stats.get("packets").asLong());
        assertEquals(0, stats.get("decode_errors").asLong());

        List<JsonNode> flows = run.lines().stream().filter(n -> n.get("type").asText().equals("flow")).toList();
        assertEquals(stats.get("flow_records").asLong(), flows.size());
        long packets = 0;
        Set<Long> ids = new HashSet<>();
        for (JsonNode f : flows) {
            for (String field : List.of("flow_id", "proto", "src_ip", "dst_ip", "tunnel_depth", "vlan", "start", "end",
                    "pkts_toserver", "bytes_toserver", "pkts_toclient", "bytes_toclient", "state", "community_id")) {
                assertTrue(f.has(field), field + " missing in " + f);
            }
            assertTrue(f.get("start").asText().matches(RFC3339_NANOS), f.get("start").asText());
            assertTrue(f.get("community_id").asText().startsWith("1:"));
            packets += f.get("pkts_toserver").asLong() + f.get("pkts_toclient").asLong();
            ids.add(f.get("flow_id").asLong());
        }
        assertEquals(532, packets, "every IP packet of the capture is in exactly one flow");
        assertEquals(flows.size(), ids.size());

        JsonNode http = flows.stream().filter(f -> f.path("dst_port").asInt() == 80 && f.get("src_ip").asText().equals("10.99.0.10")
                && f.get("state").asText().equals("closed")).findFirst().orElseThrow();
        assertEquals("tcp", http.get("proto").asText());
        assertTrue(http.get("pkts_toclient").asLong() > 0);

        // DNS, as tshark -Y dns counts it in the bundled capture: 14 messages, 2 of them over TCP.
        List<JsonNode> dns = run.lines().stream().filter(n -> n.get("type").asText().equals("dns")).toList();
        assertEquals(14, dns.size());
        assertEquals(2, dns.stream().filter(d -> d.get("transport").asText().equals("tcp")).count());
        JsonNode nx = dns.stream().filter(d -> d.path("rcode").asText().equals("NXDOMAIN")).findFirst().orElseThrow();
        assertEquals("nosuchhost.demo.netwatch.test", nx.get("qname").asText());
        JsonNode txt = dns.stream().filter(d -> d.get("qr").asText().equals("response") && d.get("qtype").asInt() == 16)
                .findFirst().orElseThrow();
        assertEquals("TXT", txt.get("answers").get(0).get("type").asText());
        assertTrue(ids.contains(txt.get("flow_id").asLong()), "a DNS message names its flow");
        assertTrue(flows.stream().anyMatch(f -> f.path("app_proto").asText().equals("dns")));

        // HTTP: the five fetches of the bundled capture, each request paired with its response.
        List<JsonNode> httpLines = run.lines().stream().filter(n -> n.get("type").asText().equals("http")).toList();
        assertEquals(5, httpLines.stream().filter(h -> h.get("kind").asText().equals("request")).count());
        JsonNode notFound = httpLines.stream().filter(h -> h.path("status").asInt() == 404).findFirst().orElseThrow();
        assertEquals("/admin/login.php", notFound.get("uri").asText(), "a response names the request it answers");
        assertEquals("netwatch-demo/1.0 (curl)", notFound.get("user_agent").asText());

        List<JsonNode> anomalies = run.lines().stream().filter(n -> n.get("type").asText().equals("anomaly")).toList();
        assertEquals(1, anomalies.size());
        assertEquals(1, stats.get("anomalies_by_type").get("port_scan").asLong());
        JsonNode scan = anomalies.getFirst();
        assertEquals("port_scan", scan.get("anomaly_type").asText());
        assertEquals("10.99.0.10", scan.get("src_ip").asText());
        assertEquals("T1046", scan.get("attack_technique").asText());
        assertTrue(scan.get("id").asText().endsWith("port_scan-1"), scan.toString());
        assertTrue(scan.get("explanation").asText().contains("first contacts with new ports on 10.99.0.20"),
                scan.get("explanation").asText());
        for (JsonNode id : scan.get("evidence")) {
            assertTrue(ids.contains(id.asLong()), "evidence flow " + id + " is in the output");
        }
    }

    /** Byte offsets where each record of a classic little-endian pcap starts. */
    private static List<Integer> recordOffsets(byte[] pcap) {
        ByteBuffer b = ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, b.getInt(0), "the bundled capture is a little-endian microsecond pcap");
        List<Integer> offsets = new ArrayList<>();
        int at = 24;
        while (at + 16 <= pcap.length) {
            offsets.add(at);
            at += 16 + b.getInt(at + 8);
        }
        return offsets;
    }

    @Test
    void aFileCutShortIsProcessedUpToTheDamageThenNamesFileAndOffset() throws Exception {
        byte[] whole = Files.readAllBytes(Samples.demo());
        List<Integer> offsets = recordOffsets(whole);
        int keep = 300;
        int cut = offsets.get(keep) + 16 + 10; // ten bytes into record 301's data
        Path damaged = tmp.resolve("cut-short.pcap");
        Files.write(damaged, java.util.Arrays.copyOf(whole, cut));
        Run run = inspect(damaged);
        assertEquals(1, run.code());
        assertTrue(run.stderr().contains(damaged.toString()), run.stderr());
        assertTrue(run.stderr().contains("at byte offset " + offsets.get(keep)), run.stderr());
        JsonNode stats = run.lines().getLast();
        assertEquals(keep, stats.get("packets").asLong(), "every packet before the damage was processed");
        assertEquals(offsets.get(keep).longValue(), stats.get("error_offset").asLong());
        long packets = run.lines().stream().filter(n -> n.get("type").asText().equals("flow"))
                .mapToLong(f -> f.get("pkts_toserver").asLong() + f.get("pkts_toclient").asLong()).sum();
        assertEquals(keep, packets, "the flows before the damage were emitted");
    }

    @Test
    void aRecordLongerThanAnySnapLengthIsDamage() throws Exception {
        byte[] whole = Files.readAllBytes(Samples.demo());
        List<Integer> offsets = recordOffsets(whole);
        byte[] bad = whole.clone();
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(offsets.get(10) + 8, 16 << 20);
        Path damaged = tmp.resolve("huge-record.pcap");
        Files.write(damaged, bad);
        Run run = inspect(damaged);
        assertEquals(1, run.code());
        assertTrue(run.stderr().contains(damaged + ": captured length 16777216 exceeds"), run.stderr());
        assertTrue(run.stderr().contains("at byte offset " + offsets.get(10)), run.stderr());
        assertEquals(10, run.lines().getLast().get("packets").asLong());
    }

    @Test
    void notACaptureFileIsAClearError() throws Exception {
        Path text = tmp.resolve("notes.txt");
        Files.writeString(text, "this is not a capture file at all\n");
        Run run = inspect(text);
        assertEquals(2, run.code());
        assertTrue(run.stderr().contains(text.toString()) && run.stderr().contains("unknown magic"), run.stderr());
        Run missing = inspect(tmp.resolve("missing.pcap"));
        assertEquals(2, missing.code());
        assertTrue(missing.stderr().contains("missing.pcap"), missing.stderr());
    }

    /** {@link #inspect}, {@code bytes} given on standard input. */
    private Run inspectStdin(byte[] bytes, String... options) throws Exception {
        java.io.InputStream oldIn = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream(bytes));
            return inspect(Path.of("-"), options);
        } finally {
            System.setIn(oldIn);
        }
    }

    /** Records less the flow ids (and the anomalies' evidence, which cites them), which differ from run to run. */
    private static List<JsonNode> withoutFlowIds(List<JsonNode> records) {
        return records.stream().map(r -> {
            var copy = ((com.fasterxml.jackson.databind.node.ObjectNode) r).deepCopy();
            copy.remove(List.of("flow_id", "evidence"));
            return (JsonNode) copy;
        }).toList();
    }

    /** The netwatch-stdin-* files in the temporary directory. */
    private static Set<Path> spooled() throws Exception {
        try (var files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return new HashSet<>(files.filter(f -> f.getFileName().toString().startsWith("netwatch-stdin-")).toList());
        }
    }

    /**
     * Found by a new user: "inspect -" said "cannot open capture file -: no such file", where
     * tcpdump -r - reads standard input.
     */
    @Test
    void aDashReadsTheCaptureFromStandardInputAsFromItsFile() throws Exception {
        Set<Path> before = spooled();
        byte[] whole = Files.readAllBytes(Samples.demo());
        Run file = inspect(Samples.demo());
        Run stdin = inspectStdin(whole);
        assertEquals(0, stdin.code(), stdin.stderr());
        assertEquals("", stdin.stderr());
        assertEquals(file.lines().size(), stdin.lines().size());
        assertEquals(withoutFlowIds(file.lines().subList(0, file.lines().size() - 1)),
                withoutFlowIds(stdin.lines().subList(0, stdin.lines().size() - 1)), "the same records");
        JsonNode stats = stdin.lines().getLast();
        assertEquals("standard input", stats.get("file").asText());
        ((com.fasterxml.jackson.databind.node.ObjectNode) stats).put("file", Samples.demo().toString());
        assertEquals(file.lines().getLast(), stats, "the same stats but the file's name");

        // Damage is named by where it came from, not by the temporary file that held it.
        List<Integer> offsets = recordOffsets(whole);
        Run cut = inspectStdin(java.util.Arrays.copyOf(whole, offsets.get(300) + 16 + 10));
        assertEquals(1, cut.code());
        assertTrue(cut.stderr().startsWith("netwatch inspect: standard input: ") && cut.stderr().contains(
                "at byte offset " + offsets.get(300)), cut.stderr());
        assertTrue(cut.lines().getLast().get("error").asText().startsWith("standard input: "),
                cut.lines().getLast().toString());
        Run empty = inspectStdin(new byte[0]);
        assertEquals(2, empty.code());
        assertEquals("netwatch inspect: standard input: empty (0 bytes), not a capture file",
                empty.stderr().strip());
        assertEquals(before, spooled(), "the temporary files are gone");
    }

    /**
     * Found by a new user: "inspect /dev/stdin" of a pipe, or a named pipe's path, said "it is not
     * a regular file (a pipe or a device); save the capture to a file first", though inspect -
     * reads a pipe. A named pipe is read as standard input is; a device is refused with the way
     * that works.
     */
    @Test
    void aNamedPipeIsReadAsStandardInputIsAndADeviceIsPointedToTheDash() throws Exception {
        Set<Path> before = spooled();
        Path fifo = tmp.resolve("capture.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
        assertEquals(0, mkfifo.waitFor(), new String(mkfifo.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertTrue(SpooledCapture.isPipe(fifo));
        assertFalse(SpooledCapture.isPipe(Samples.demo()));
        byte[] whole = Files.readAllBytes(Samples.demo());
        // The writer's open waits for the reader's, as a shell's `tcpdump -w fifo` does.
        Thread writer = Thread.ofPlatform().daemon().start(() -> {
            try {
                Files.write(fifo, whole);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Run file = inspect(Samples.demo());
        Run piped;
        try {
            piped = inspect(fifo);
        } finally {
            if (writer.isAlive()) {
                // inspect never opened the pipe: open it here so that the writer ends.
                Files.newInputStream(fifo).close();
            }
            writer.join(java.time.Duration.ofSeconds(10));
        }
        assertEquals(0, piped.code(), piped.stderr());
        assertEquals("", piped.stderr());
        assertEquals(withoutFlowIds(file.lines().subList(0, file.lines().size() - 1)),
                withoutFlowIds(piped.lines().subList(0, piped.lines().size() - 1)), "the same records");
        JsonNode stats = piped.lines().getLast();
        assertEquals(fifo.toString(), stats.get("file").asText(), "named by its path");
        ((com.fasterxml.jackson.databind.node.ObjectNode) stats).put("file", Samples.demo().toString());
        assertEquals(file.lines().getLast(), stats, "the same stats but the file's name");
        assertEquals(before, spooled(), "the temporary file is gone");

        // A pipe no one writes to yet: inspect says what it waits for, then reads the writer that comes.
        Thread late = Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(1500);
                Files.write(fifo, whole);
            } catch (java.io.IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Run waited;
        try {
            waited = inspect(fifo);
        } finally {
            late.join(java.time.Duration.ofSeconds(10));
        }
        assertEquals(0, waited.code(), waited.stderr());
        assertEquals("netwatch inspect: waiting for a writer on " + fifo + " (a named pipe opens when something"
                + " writes to it)", waited.stderr().strip());
        assertEquals(withoutFlowIds(file.lines().subList(0, file.lines().size() - 1)),
                withoutFlowIds(waited.lines().subList(0, waited.lines().size() - 1)), "the same records");

        // The bound names the pipe.
        NetwatchMain.UserError e = assertThrows(NetwatchMain.UserError.class,
                () -> SpooledCapture.of(new java.io.ByteArrayInputStream(new byte[100]), 10, fifo.toString()));
        assertTrue(e.getMessage().startsWith(fifo + " holds more than 10 bytes"), e.getMessage());

        // A device has no end to read to (/dev/zero): refused, with the way that reads a stream.
        Path device = Path.of("/dev/null");
        assumeTrue(Files.exists(device), "no /dev/null");
        Run refused = inspect(device);
        assertEquals(2, refused.code());
        assertEquals("netwatch inspect: cannot open capture file /dev/null: it is not a file or a pipe (a device or a"
                + " socket); pipe the capture into netwatch inspect -, which reads standard input",
                refused.stderr().strip());
        assertEquals(before, spooled());
    }

    @Test
    void standardInputPastItsBoundIsRefusedAndItsTemporaryFileRemoved() throws Exception {
        Set<Path> before = spooled();
        NetwatchMain.UserError e = assertThrows(NetwatchMain.UserError.class,
                () -> SpooledCapture.of(new java.io.ByteArrayInputStream(new byte[100_000]), 65_536));
        assertEquals("standard input holds more than 65536 bytes, the most read from it: save the capture to a"
                + " file and name that", e.getMessage());
        assertEquals(before, spooled());
        try (SpooledCapture fits = SpooledCapture.of(new java.io.ByteArrayInputStream(new byte[65_536]), 65_536)) {
            assertEquals(65_536, Files.size(fits.file()), "the bound itself fits");
        }
        assertEquals(before, spooled());
    }

    @Test
    void theCorpusFileThatEndsMidRecordIsReadToItsEnd() throws Exception {
        Path corpus = Samples.sharedPcaps();
        assumeTrue(corpus != null, "the shared capture corpus is not on this machine");
        Path file = corpus.resolve("sv-http-mime-truncated.pcap");
        Run run = inspect(file);
        assertEquals(1, run.code());
        assertTrue(run.stderr().contains(file + ": record header cut short"), run.stderr());
        assertTrue(run.stderr().contains("at byte offset 2715459"), run.stderr());
        assertEquals(2696, run.lines().getLast().get("packets").asLong(), "tcpdump reads 2696 packets before the end");
    }

    @Test
    void aClientHelloSplitOverTwoSegmentsAndOneInQuicGiveTheirSni() throws Exception {
        Path corpus = Samples.sharedPcaps();
        assumeTrue(corpus != null, "the shared capture corpus is not on this machine");
        Run kyber = inspect(corpus.resolve("zeek-tls-chrome-1250-tls-x25519-kyber.pcap"));
        assertEquals(0, kyber.code(), kyber.stderr());
        JsonNode hello = kyber.lines().stream().filter(n -> n.get("type").asText().equals("tls")
                && n.get("handshake").asText().equals("client_hello")).findFirst().orElseThrow();
        assertEquals("lh3.google.com", hello.get("sni").asText());
        assertEquals("TLS 1.3", hello.get("version").asText());

        Run quic = inspect(corpus.resolve("sv-ja4-tls-quic.pcap"));
        JsonNode quicHello = quic.lines().stream().filter(n -> n.get("type").asText().equals("tls")
                && n.get("transport").asText().equals("quic") && n.get("handshake").asText().equals("client_hello"))
                .findFirst().orElseThrow();
        assertEquals("cloudflare-quic.com", quicHello.get("sni").asText());
        // The value suricata-verify's ja4-tls-quic test expects.
        assertEquals("q13d0310h3_55b375c5d22e_cd85d2d88918", quicHello.get("ja4").asText());
    }

    @Test
    void anInterfaceDeclaredAfterPacketsNamesItsFlows() throws Exception {
        // pcapng lets an Interface Description Block follow packets; the flow table knew only
        // the interfaces declared before the first, and eth1's flow had no interface.
        Path file = Files.write(tmp.resolve("late.pcapng"), concat(pcapngBlock(0x0A0D0D0A,
                        le(0x1A2B3C4D, 4), le(1, 2), le(0, 2), le(-1, 8)),
                interfaceBlock("eth0"), udpBlock(0, 1001), interfaceBlock("eth1"), udpBlock(1, 1002)));
        Run r = inspect(file);
        assertEquals(0, r.code(), r.stderr());
        Set<String> seen = new HashSet<>();
        for (JsonNode line : r.lines()) {
            if (line.has("src_port")) {
                seen.add(line.get("src_port").asInt() + " " + line.path("interface").asText("none"));
            }
        }
        assertEquals(Set.of("1001 eth0", "1002 eth1"), seen);
    }

    @Test
    void theStatsCountWhereInspectionsBoundsLeftAFlowUnread() throws Exception {
        // Found in review: the summary gave the stream gaps of inspection's bounds, not the others
        // (flows evicted or stopped for memory, QUIC hellos given up), so a capture read short
        // looked read whole. Sixteen datagrams to port 443 that start as QUIC Initials and cannot
        // be opened reach the bound of Initials in a row without a message: the direction is given
        // up. (No connection opened, so none stalled.)
        byte[] initial = new byte[1200];
        initial[0] = (byte) 0xC3; // long header, Initial, version 1 below
        initial[4] = 1;
        initial[5] = 8; // an 8-byte Destination Connection ID, no Source Connection ID, no token
        initial[16] = 0x44; // Length 1182: the rest of the datagram, all zeros (no valid AEAD tag)
        initial[17] = (byte) 0x9E;
        List<byte[]> blocks = new ArrayList<>(List.of(pcapngBlock(0x0A0D0D0A, le(0x1A2B3C4D, 4), le(1, 2), le(0, 2),
                le(-1, 8)), interfaceBlock("eth0")));
        for (int i = 0; i < 16; i++) {
            blocks.add(udpBlock(0, 50000, 443, initial));
        }
        Run r = inspect(Files.write(tmp.resolve("quic-junk.pcapng"), concat(blocks.toArray(byte[][]::new))));
        assertEquals(0, r.code(), r.stderr());
        JsonNode stats = r.lines().getLast();
        assertEquals(16, stats.get("malformed_messages").get("quic").asLong(), stats.toString());
        assertEquals(1, stats.path("quic_given_up_directions").asLong(-1), stats.toString());
        for (String bound : List.of("uninspected_flows", "inspection_evicted_flows", "reassembly_refused_segments",
                "memory_stopped_flows", "memory_reclaims", "quic_stalled_connections")) {
            assertEquals(0, stats.path(bound).asLong(-1), bound + " in " + stats);
        }
    }

    private static byte[] interfaceBlock(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return pcapngBlock(1, le(1, 2), le(0, 2), le(0, 4), le(2, 2), le(n.length, 2), n,
                new byte[(4 - n.length % 4) % 4], le(0, 4));
    }

    /** Ethernet, IPv4 10.0.0.1 to 10.0.0.2, UDP from {@code port} to 53 with no payload. */
    private static byte[] udpBlock(int interfaceId, int port) {
        return udpBlock(interfaceId, port, 53, new byte[0]);
    }

    /** Ethernet, IPv4 10.0.0.1 to 10.0.0.2, UDP from {@code port} to {@code dstPort} carrying {@code payload}. */
    private static byte[] udpBlock(int interfaceId, int port, int dstPort, byte[] payload) {
        ByteBuffer f = ByteBuffer.allocate(42 + payload.length);
        f.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00});
        f.put((byte) 0x45).put((byte) 0).putShort((short) (28 + payload.length)).putInt(0).put((byte) 64)
                .put((byte) 17).putShort((short) 0);
        f.put(new byte[] {10, 0, 0, 1, 10, 0, 0, 2});
        f.putShort((short) port).putShort((short) dstPort).putShort((short) (8 + payload.length)).putShort((short) 0);
        f.put(payload);
        byte[] frame = f.array();
        return pcapngBlock(6, le(interfaceId, 4), le(0, 4), le(port, 4), le(frame.length, 4), le(frame.length, 4),
                frame, new byte[(4 - frame.length % 4) % 4]);
    }

    private static byte[] pcapngBlock(int type, byte[]... body) {
        byte[] b = concat(body);
        return concat(le(type, 4), le(12 + b.length, 4), b, le(12 + b.length, 4));
    }

    private static byte[] le(long value, int bytes) {
        byte[] out = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            out[i] = (byte) (value >>> (8 * i));
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
