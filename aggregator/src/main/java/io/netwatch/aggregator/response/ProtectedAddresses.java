package io.netwatch.aggregator.response;

/** Addresses that must never be blocked, and why. */
@FunctionalInterface
public interface ProtectedAddresses {
    /** Nothing is protected beyond the configured CIDRs (no cluster watched). */
    ProtectedAddresses NONE = ip -> null;

    /** @return why {@code ip} is protected ("cluster DNS service kube-system/kube-dns"), or null */
    String why(String ip);

    /** This one's reason, else {@code other}'s (asked only when this one protects nothing). */
    default ProtectedAddresses or(ProtectedAddresses other) {
        return ip -> {
            String why = why(ip);
            return why != null ? why : other.why(ip);
        };
    }
}
