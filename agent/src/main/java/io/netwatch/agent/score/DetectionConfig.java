package io.netwatch.agent.score;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of every detector on the agent, one record per detector (docs/detection.md), and the
 * DNS zones the DNS detectors ({@code dns_tunnel}, {@code exfiltration}, {@code dga}) pass over.
 */
public record DetectionConfig(ScanConfig scan, FloodConfig flood, DnsTunnelConfig dnsTunnel, DgaConfig dga,
                             BruteForceConfig bruteForce, MismatchConfig mismatch, VolumeSpikeConfig volumeSpike,
                             TrustedZones trustedZones) {
    public DetectionConfig {
        Objects.requireNonNull(scan, "scan");
        Objects.requireNonNull(flood, "flood");
        Objects.requireNonNull(dnsTunnel, "dnsTunnel");
        Objects.requireNonNull(dga, "dga");
        Objects.requireNonNull(bruteForce, "bruteForce");
        Objects.requireNonNull(mismatch, "mismatch");
        Objects.requireNonNull(volumeSpike, "volumeSpike");
        Objects.requireNonNull(trustedZones, "trustedZones");
    }

    /** With the default volume-spike settings and zones. */
    public DetectionConfig(ScanConfig scan, FloodConfig flood, DnsTunnelConfig dnsTunnel, DgaConfig dga,
                           BruteForceConfig bruteForce, MismatchConfig mismatch) {
        this(scan, flood, dnsTunnel, dga, bruteForce, mismatch, VolumeSpikeConfig.defaults(), TrustedZones.defaults());
    }

    /** These settings with other zones passed over by the DNS detectors. */
    public DetectionConfig withTrustedZones(TrustedZones zones) {
        return new DetectionConfig(scan, flood, dnsTunnel, dga, bruteForce, mismatch, volumeSpike, zones);
    }

    /**
     * How long an unanswered TCP attempt or UDP flow waits before the scan and flood detectors
     * judge it unanswered (answered and refused attempts are judged at once). Far longer than
     * a round trip inside a cluster, and than most across the internet; short enough that a
     * filtered-port scan or a spoofed SYN flood is seen within a second. An answer later than
     * this counts as none for those two detectors (the flow's record still has it).
     */
    public Duration decisionDelay() {
        return Duration.ofMillis(500);
    }

    public static DetectionConfig defaults() {
        return new DetectionConfig(ScanConfig.defaults(), FloodConfig.defaults(), DnsTunnelConfig.defaults(),
                DgaConfig.defaults(), BruteForceConfig.defaults(), MismatchConfig.defaults(),
                VolumeSpikeConfig.defaults(), TrustedZones.defaults());
    }
}
