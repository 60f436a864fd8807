package io.netwatch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Suricata as a reference reader: no rules (an empty rule file), the distribution's own
 * suricata.yaml included (so decoders, stream engine and app-layer parsers are configured as
 * shipped) with every output switched off and the log directory in a temp dir.
 *
 * <p>Three variants. "full" raises the flow, stream and reassembly memcaps so that Suricata does
 * its whole job on every flow of the file; with the shipped memcaps (variant "stock") the
 * reassembly memcap is reached part-way through a file this size and Suricata then stops
 * following streams, which makes it faster by doing less. "No parsers" is "full" with every
 * application-layer protocol switched off (detection and parser): decode, flows and streams
 * only, so that the two give Suricata's own cost of its parsers on the same file, the yardstick
 * for the share Netwatch loses to payload inspection.
 */
final class SuricataSetup {
    private static final Path STOCK_CONFIG = Path.of("/etc/suricata/suricata.yaml");
    private static final Pattern ELAPSED = Pattern.compile("time elapsed ([0-9.]+)s");
    /**
     * The application-layer protocols of Suricata 7's suricata.yaml ({@code app-layer.protocols}),
     * DNS aside (it is switched off per transport). A protocol a later version adds stays on,
     * which makes the parsers' measured cost smaller, never larger.
     */
    private static final List<String> APP_LAYER = List.of("telnet", "rfb", "mqtt", "krb5", "bittorrent-dht", "snmp",
            "ike", "tls", "pgsql", "dcerpc", "ftp", "rdp", "ssh", "http2", "smtp", "imap", "smb", "nfs", "tftp", "http",
            "modbus", "dnp3", "enip", "ntp", "quic", "dhcp", "sip");

    private final Path dir;
    private final Path logDir;
    private final Path config;
    private final Path rules;

    SuricataSetup(Path dir) throws IOException {
        this.dir = dir;
        this.logDir = Files.createDirectories(dir.resolve("log"));
        this.config = dir.resolve("suricata.yaml");
        this.rules = dir.resolve("empty.rules");
        Files.writeString(rules, "");
        String yaml = "%YAML 1.1\n---\n";
        if (Files.isReadable(STOCK_CONFIG)) {
            yaml += "include: " + STOCK_CONFIG + "\n";
        } else {
            yaml += "classification-file: /dev/null\nreference-config-file: /dev/null\n";
        }
        // Redefining a node replaces it whole: every output goes, and the stats thread.
        yaml += "default-log-dir: " + logDir + "\noutputs: []\nstats:\n  enabled: no\n";
        Files.writeString(config, yaml);
    }

    /** The command line up to the capture file, for the full-work variant or the stock one. */
    List<String> command(boolean raisedMemcaps) {
        return command(raisedMemcaps, true);
    }

    /** As above; {@code parsers} false: every application-layer protocol off (the "no parsers" variant). */
    List<String> command(boolean raisedMemcaps, boolean parsers) {
        List<String> cmd = new ArrayList<>(List.of("suricata", "-c", config.toString(), "-S", rules.toString(),
                "-l", logDir.toString(), "--runmode", "single", "-k", "none"));
        if (raisedMemcaps) {
            cmd.addAll(List.of("--set", "flow.memcap=2gb", "--set", "stream.memcap=2gb",
                    "--set", "stream.reassembly.memcap=8gb"));
        }
        if (!parsers) {
            for (String protocol : APP_LAYER) {
                cmd.addAll(List.of("--set", "app-layer.protocols." + protocol + ".enabled=no"));
            }
            cmd.addAll(List.of("--set", "app-layer.protocols.dns.tcp.enabled=no",
                    "--set", "app-layer.protocols.dns.udp.enabled=no"));
        }
        cmd.add("-r");
        return cmd;
    }

    Path dir() {
        return dir;
    }

    /** Suricata's own engine time of the last run, from its log ("time elapsed 12.885s"), if logged. */
    Optional<Double> lastEngineSeconds() throws IOException {
        Path log = logDir.resolve("suricata.log");
        if (!Files.exists(log)) {
            return Optional.empty();
        }
        Double last = null;
        for (String line : Files.readAllLines(log)) {
            Matcher m = ELAPSED.matcher(line);
            if (m.find()) {
                last = Double.parseDouble(m.group(1));
            }
        }
        return Optional.ofNullable(last);
    }

    /** Empties the log so the next run's engine time is its own. */
    void clearLog() throws IOException {
        Files.deleteIfExists(logDir.resolve("suricata.log"));
    }
}
