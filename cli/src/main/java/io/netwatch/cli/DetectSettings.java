package io.netwatch.cli;

import io.netwatch.agent.score.BruteForceConfig;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.agent.score.DgaConfig;
import io.netwatch.agent.score.DnsTunnelConfig;
import io.netwatch.agent.score.FloodConfig;
import io.netwatch.agent.score.ScanConfig;
import io.netwatch.agent.score.VolumeSpikeConfig;
import io.netwatch.cli.config.ConfigInput;
import io.netwatch.cli.config.ConfigType;
import java.util.Locale;

/**
 * Parses {@code --detect scan.pf=0.0001,flood.threshold=500,...} over the detectors' defaults
 * (docs/detection.md): any subset of {@link #KEYS}. A wrong key, value or combination is
 * refused with the key and what it accepts.
 */
final class DetectSettings {
    static final String KEYS = "scan.theta0, scan.theta1, scan.pf, scan.pd, flood.interval, flood.allowance, "
            + "flood.threshold, dns.window, dns.subdomains, dns.length, dns.entropy, dns.txt-share, dns.bytes, "
            + "dga.window, dga.domains, dga.length, dga.entropy, brute.window, brute.attempts, brute.duration, "
            + "brute.bytes, volume.k, volume.bytes, volume.minutes";

    static DetectionConfig apply(DetectionConfig base, String spec) {
        if (spec == null || spec.isBlank()) {
            return base;
        }
        ScanConfig s = base.scan();
        FloodConfig f = base.flood();
        DnsTunnelConfig n = base.dnsTunnel();
        DgaConfig g = base.dga();
        BruteForceConfig b = base.bruteForce();
        VolumeSpikeConfig vs = base.volumeSpike();
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("--detect '" + part + "' is not KEY=VALUE (keys: " + KEYS + ")");
            }
            String key = kv[0].trim().toLowerCase(Locale.ROOT);
            String v = kv[1].trim();
            try {
                switch (key) {
                    case "scan.theta0" -> s = new ScanConfig(number(key, v), s.scannerSuccess(), s.falsePositiveRate(),
                            s.detectionRate(), s.cooldown(), s.maxWalks(), s.maxContacts(), s.maxEvidence());
                    case "scan.theta1" -> s = new ScanConfig(s.benignSuccess(), number(key, v), s.falsePositiveRate(),
                            s.detectionRate(), s.cooldown(), s.maxWalks(), s.maxContacts(), s.maxEvidence());
                    case "scan.pf" -> s = new ScanConfig(s.benignSuccess(), s.scannerSuccess(), number(key, v),
                            s.detectionRate(), s.cooldown(), s.maxWalks(), s.maxContacts(), s.maxEvidence());
                    case "scan.pd" -> s = new ScanConfig(s.benignSuccess(), s.scannerSuccess(), s.falsePositiveRate(),
                            number(key, v), s.cooldown(), s.maxWalks(), s.maxContacts(), s.maxEvidence());
                    case "flood.interval" -> f = new FloodConfig(duration(v, POSITIVE), f.allowance(),
                            f.threshold(), f.meanWeight(), f.cooldown(), f.maxDestinations(), f.maxEvidence());
                    case "flood.allowance" -> f = new FloodConfig(f.interval(), number(key, v), f.threshold(),
                            f.meanWeight(), f.cooldown(), f.maxDestinations(), f.maxEvidence());
                    case "flood.threshold" -> f = new FloodConfig(f.interval(), f.allowance(), number(key, v),
                            f.meanWeight(), f.cooldown(), f.maxDestinations(), f.maxEvidence());
                    case "dns.window" -> n = new DnsTunnelConfig(duration(v, POSITIVE), n.minUniqueSubdomains(),
                            n.minLength(), n.minEntropy(), n.minTxtNullShare(), n.exfiltrationBytes(),
                            n.maxDomains(), n.maxSubdomains(), n.maxEvidence());
                    case "dns.subdomains" -> n = new DnsTunnelConfig(n.window(), integer(key, v), n.minLength(),
                            n.minEntropy(), n.minTxtNullShare(), n.exfiltrationBytes(), n.maxDomains(),
                            n.maxSubdomains(), n.maxEvidence());
                    case "dns.length" -> n = new DnsTunnelConfig(n.window(), n.minUniqueSubdomains(), number(key, v),
                            n.minEntropy(), n.minTxtNullShare(), n.exfiltrationBytes(), n.maxDomains(),
                            n.maxSubdomains(), n.maxEvidence());
                    case "dns.entropy" -> n = new DnsTunnelConfig(n.window(), n.minUniqueSubdomains(), n.minLength(),
                            number(key, v), n.minTxtNullShare(), n.exfiltrationBytes(), n.maxDomains(),
                            n.maxSubdomains(), n.maxEvidence());
                    case "dns.txt-share" -> n = new DnsTunnelConfig(n.window(), n.minUniqueSubdomains(),
                            n.minLength(), n.minEntropy(), number(key, v), n.exfiltrationBytes(), n.maxDomains(),
                            n.maxSubdomains(), n.maxEvidence());
                    case "dns.bytes" -> n = new DnsTunnelConfig(n.window(), n.minUniqueSubdomains(), n.minLength(),
                            n.minEntropy(), n.minTxtNullShare(), integer(key, v), n.maxDomains(),
                            n.maxSubdomains(), n.maxEvidence());
                    case "dga.window" -> g = new DgaConfig(duration(v, POSITIVE), g.minDomains(), g.minLength(),
                            g.minEntropy(), g.maxVowelRatio(), g.minConsonantRun(), g.minDigitRatio(), g.maxClients(),
                            g.maxEvidence());
                    case "dga.domains" -> g = new DgaConfig(g.window(), integer(key, v), g.minLength(), g.minEntropy(),
                            g.maxVowelRatio(), g.minConsonantRun(), g.minDigitRatio(), g.maxClients(), g.maxEvidence());
                    case "dga.length" -> g = new DgaConfig(g.window(), g.minDomains(), integer(key, v), g.minEntropy(),
                            g.maxVowelRatio(), g.minConsonantRun(), g.minDigitRatio(), g.maxClients(), g.maxEvidence());
                    case "dga.entropy" -> g = new DgaConfig(g.window(), g.minDomains(), g.minLength(), number(key, v),
                            g.maxVowelRatio(), g.minConsonantRun(), g.minDigitRatio(), g.maxClients(), g.maxEvidence());
                    case "brute.window" -> b = new BruteForceConfig(duration(v, POSITIVE), b.minAttempts(),
                            b.maxDuration(), b.maxBytes(), b.ports(), b.maxPairs(), b.maxEvidence());
                    case "brute.attempts" -> b = new BruteForceConfig(b.window(), integer(key, v), b.maxDuration(),
                            b.maxBytes(), b.ports(), b.maxPairs(), b.maxEvidence());
                    case "brute.duration" -> b = new BruteForceConfig(b.window(), b.minAttempts(),
                            duration(v, ConfigType.duration(java.time.Duration.ZERO)), b.maxBytes(), b.ports(),
                            b.maxPairs(), b.maxEvidence());
                    case "brute.bytes" -> b = new BruteForceConfig(b.window(), b.minAttempts(), b.maxDuration(),
                            integer(key, v), b.ports(), b.maxPairs(), b.maxEvidence());
                    case "volume.k" -> vs = new VolumeSpikeConfig(number(key, v), vs.minBytes(), vs.minMinutes(),
                            vs.maxEdges(), vs.maxEvidence());
                    case "volume.bytes" -> vs = new VolumeSpikeConfig(vs.k(), integer(key, v), vs.minMinutes(),
                            vs.maxEdges(), vs.maxEvidence());
                    case "volume.minutes" -> vs = new VolumeSpikeConfig(vs.k(), vs.minBytes(), integer(key, v),
                            vs.maxEdges(), vs.maxEvidence());
                    default -> throw new IllegalArgumentException("unknown key '" + kv[0].trim() + "'; the keys are "
                            + KEYS);
                }
            } catch (IllegalArgumentException e) {
                String m = e.getMessage();
                throw new IllegalArgumentException(m.startsWith("--detect") ? m : "--detect " + key + "=" + v + ": " + m, e);
            }
        }
        return new DetectionConfig(s, f, n, g, b, base.mismatch(), vs, base.trustedZones());
    }

    /**
     * A window or interval: more than nothing, checked as the agent's duration keys are, so that
     * a mistake says what is allowed in the user's units (found in review: "=0s" leaked the
     * detector's "must be positive, got PT0S", and "=-1s" said a bare "is negative").
     */
    private static final ConfigType<java.time.Duration> POSITIVE = ConfigType.duration(java.time.Duration.ofMillis(1));

    private DetectSettings() {
    }

    private static java.time.Duration duration(String v, ConfigType<java.time.Duration> type) {
        try {
            return type.parse(ConfigInput.scalar(v));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + v + "' " + FlowTimeouts.reason(e));
        }
    }

    private static double number(String key, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + v + "' is not a number");
        }
    }

    private static int integer(String key, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + v + "' is not a whole number");
        }
    }
}
