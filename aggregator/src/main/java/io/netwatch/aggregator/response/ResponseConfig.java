package io.netwatch.aggregator.response;

import io.netwatch.aggregator.policy.Cidr;
import io.netwatch.proto.anomaly.v1.Severity;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How the response stage decides.
 *
 * @param mode                 off, dry-run (the default) or enforce
 * @param rules                first match wins; an offense no rule matches is ignored (audited)
 * @param protectedNamespaces  pods there are never blocked or quarantined, and their addresses
 *                             are protected (every node's addresses are, whatever runs there)
 * @param protectedCidrs       addresses never blocked, on top of what the cluster protects
 * @param maxActiveBlocks      blocks live at once (pending or active); past it, decisions are refused
 * @param defaultTtl           a block's time to live when its rule names none
 * @param maxTtl               no rule may ask for more
 * @param auditSize            decisions kept in the audit log; the oldest are dropped first (counted)
 */
public record ResponseConfig(ResponseMode mode, List<ResponseRule> rules, Set<String> protectedNamespaces,
                             List<Cidr> protectedCidrs, int maxActiveBlocks, Duration defaultTtl, Duration maxTtl,
                             int auditSize) {
    public static final Set<String> DEFAULT_PROTECTED_NAMESPACES = Set.of("kube-system", "netwatch");
    public static final int DEFAULT_MAX_ACTIVE_BLOCKS = 100;
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
    public static final Duration DEFAULT_MAX_TTL = Duration.ofHours(1);
    public static final int DEFAULT_AUDIT_SIZE = 10_000;
    /** Without a rules file: scanners and password guessers, when the detector is sure, get a node drop. */
    public static final List<ResponseRule> DEFAULT_RULES = List.of(new ResponseRule("scans-and-guessing",
            Set.of("port_scan", "ip_sweep", "brute_force"), Severity.SEVERITY_HIGH, 0.5, BlockAction.NODE_DROP, null));

    public ResponseConfig {
        if (mode == null) {
            throw new IllegalArgumentException("response mode must be one of " + ResponseMode.allowed());
        }
        rules = List.copyOf(rules);
        protectedNamespaces = Set.copyOf(protectedNamespaces);
        protectedCidrs = List.copyOf(protectedCidrs);
        if (maxActiveBlocks < 1 || auditSize < 1) {
            throw new IllegalArgumentException("response.max_active_blocks and response.audit_size must be at least 1");
        }
        if (defaultTtl == null || maxTtl == null || defaultTtl.isNegative() || defaultTtl.isZero()
                || maxTtl.compareTo(defaultTtl) < 0) {
            throw new IllegalArgumentException("response.ttl must be positive and at most response.max_ttl, got ttl="
                    + defaultTtl + " max_ttl=" + maxTtl);
        }
        for (ResponseRule r : rules) {
            if (r.ttl() != null && r.ttl().compareTo(maxTtl) > 0) {
                throw new IllegalArgumentException("rule '" + r.name() + "' asks for ttl " + r.ttl()
                        + ", more than response.max_ttl " + maxTtl);
            }
        }
    }

    /** Dry-run, the default rules and guardrails. */
    public static ResponseConfig defaults() {
        return new ResponseConfig(ResponseMode.DRY_RUN, DEFAULT_RULES, DEFAULT_PROTECTED_NAMESPACES, List.of(),
                DEFAULT_MAX_ACTIVE_BLOCKS, DEFAULT_TTL, DEFAULT_MAX_TTL, DEFAULT_AUDIT_SIZE);
    }

    public ResponseConfig withMode(ResponseMode m) {
        return new ResponseConfig(m, rules, protectedNamespaces, protectedCidrs, maxActiveBlocks, defaultTtl, maxTtl,
                auditSize);
    }

    public ResponseConfig withRules(List<ResponseRule> r) {
        return new ResponseConfig(mode, r, protectedNamespaces, protectedCidrs, maxActiveBlocks, defaultTtl, maxTtl,
                auditSize);
    }

    public ResponseConfig withMaxActiveBlocks(int max) {
        return new ResponseConfig(mode, rules, protectedNamespaces, protectedCidrs, max, defaultTtl, maxTtl,
                auditSize);
    }

    public ResponseConfig withProtectedCidrs(List<Cidr> cidrs) {
        return new ResponseConfig(mode, rules, protectedNamespaces, cidrs, maxActiveBlocks, defaultTtl, maxTtl,
                auditSize);
    }

    /** The rule's time to live, else the default. */
    Duration ttl(ResponseRule r) {
        return r.ttl() == null ? defaultTtl : r.ttl();
    }
}
