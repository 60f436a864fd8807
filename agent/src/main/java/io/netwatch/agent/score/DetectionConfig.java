package io.netwatch.agent.score;

import java.util.Objects;

/** Settings of every detector on the agent, one record per detector (docs/detection.md). */
public record DetectionConfig(ScanConfig scan, FloodConfig flood, DnsTunnelConfig dnsTunnel, DgaConfig dga,
                             BruteForceConfig bruteForce, MismatchConfig mismatch, VolumeSpikeConfig volumeSpike) {
    public DetectionConfig {
        Objects.requireNonNull(scan, "scan");
        Objects.requireNonNull(flood, "flood");
        Objects.requireNonNull(dnsTunnel, "dnsTunnel");
        Objects.requireNonNull(dga, "dga");
        Objects.requireNonNull(bruteForce, "bruteForce");
        Objects.requireNonNull(mismatch, "mismatch");
        Objects.requireNonNull(volumeSpike, "volumeSpike");
    }

    /** With the default volume-spike settings. */
    public DetectionConfig(ScanConfig scan, FloodConfig flood, DnsTunnelConfig dnsTunnel, DgaConfig dga,
                           BruteForceConfig bruteForce, MismatchConfig mismatch) {
        this(scan, flood, dnsTunnel, dga, bruteForce, mismatch, VolumeSpikeConfig.defaults());
    }

    public static DetectionConfig defaults() {
        return new DetectionConfig(ScanConfig.defaults(), FloodConfig.defaults(), DnsTunnelConfig.defaults(),
                DgaConfig.defaults(), BruteForceConfig.defaults(), MismatchConfig.defaults(),
                VolumeSpikeConfig.defaults());
    }
}
