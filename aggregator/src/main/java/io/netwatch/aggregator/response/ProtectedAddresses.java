package io.netwatch.aggregator.response;

/** Addresses that must never be blocked, and why. */
@FunctionalInterface
public interface ProtectedAddresses {
    /** Nothing is protected beyond the configured CIDRs (no cluster watched). */
    ProtectedAddresses NONE = ip -> null;

    /** @return why {@code ip} is protected ("cluster DNS service kube-system/kube-dns"), or null */
    String why(String ip);
}
