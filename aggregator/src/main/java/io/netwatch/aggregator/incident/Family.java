package io.netwatch.aggregator.incident;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Families of anomaly types: anomalies of one family from one actor are one incident. The
 * set is fixed (it is a metrics label); a type this build does not know is {@link #OTHER}.
 */
public enum Family {
    /** Reconnaissance: {@code port_scan}, {@code ip_sweep}. */
    SCAN(Set.of("port_scan", "ip_sweep")),
    /** Denial of service: {@code syn_flood}, {@code udp_flood}; keyed by the victim (sources are spoofable). */
    FLOOD(Set.of("syn_flood", "udp_flood")),
    /** Password guessing: {@code brute_force}. */
    BRUTE_FORCE(Set.of("brute_force")),
    /** Command and control, tunnels and exfiltration: {@code dns_tunnel}, {@code exfiltration}, {@code dga}, {@code beaconing}. */
    C2(Set.of("dns_tunnel", "exfiltration", "dga", "beaconing")),
    /** Exploits and misuse seen in payloads: {@code signature}, {@code protocol_mismatch}. */
    INTRUSION(Set.of("signature", "protocol_mismatch")),
    /** Movement inside the cluster: {@code new_edge}, {@code lateral_movement}, {@code policy_violation}. */
    LATERAL(Set.of("new_edge", "lateral_movement", "policy_violation")),
    /** Statistical outliers: {@code volume_spike}, {@code ml_outlier}. */
    OUTLIER(Set.of("volume_spike", "ml_outlier")),
    /** Any other type (a newer agent's). */
    OTHER(Set.of());

    private static final Map<String, Family> BY_TYPE;

    static {
        var m = new java.util.HashMap<String, Family>();
        for (Family f : values()) {
            f.types.forEach(t -> m.put(t, f));
        }
        BY_TYPE = Map.copyOf(m);
    }

    private final Set<String> types;

    Family(Set<String> types) {
        this.types = types;
    }

    /** The family of an {@code anomaly_type}; {@link #OTHER} for one this build does not know. */
    public static Family of(String anomalyType) {
        return BY_TYPE.getOrDefault(anomalyType, OTHER);
    }

    /** The name used in the API and as a metrics label: {@code brute_force}, {@code c2}, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
