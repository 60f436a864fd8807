package io.netwatch.aggregator.response;

import io.netwatch.aggregator.policy.Cidr;
import io.netwatch.aggregator.policy.IpAddresses;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks every block passes before it is sent, in this order: protected namespace,
 * protected address (the addresses no block may name, the configured CIDRs, then the
 * aggregator's own and the cluster's), spoofable evidence, the cap on live blocks. The first that refuses names itself ({@link Refusal}) and says why.
 *
 * <p>Spoofable evidence: a flood is aggregated by destination ({@code syn_flood},
 * {@code udp_flood}) and its sources are whatever the packets claim, so it never blocks a
 * source. Any other offense blocks only an actor shown to hold its address: the detector
 * saw it complete a TCP handshake ({@code Anomaly.source_handshake_completed}), or the
 * aggregator stored a flow it initiated whose handshake it completed ({@link HandshakeWitness}).
 * A {@code policy_violation} needs the same: it is raised for a flow the responder answered
 * (a SYN-ACK, or UDP both ways), which a spoofed SYN gets too, the real holder of the address
 * resetting it (found in review: such an offense was taken as proof and blocked).
 */
final class Guardrails {
    /** Offenses whose "source" is whatever the packets claimed. */
    static final Set<String> DESTINATION_AGGREGATED = Set.of("syn_flood", "udp_flood");

    /**
     * Addresses no block may name, whatever the configuration and the cluster say, and why.
     * Link-local holds each node's cloud metadata service (169.254.169.254: a drop cuts every
     * pod there off its credentials) and node-local DNS caches (169.254.20.10). An agent refuses
     * every one of them too ({@code bad_address}), so dry-run must not call them would-block.
     */
    static final List<Map.Entry<Cidr, String>> NEVER_BLOCKED = List.of(
            Map.entry(Cidr.parse("169.254.0.0/16"), "link-local (cloud metadata 169.254.169.254, node-local DNS)"),
            Map.entry(Cidr.parse("fe80::/10"), "link-local"),
            Map.entry(Cidr.parse("fd00:ec2::254/128"), "the cloud metadata service (AWS, IPv6)"),
            Map.entry(Cidr.parse("100.100.100.200/32"), "the cloud metadata service (Alibaba Cloud)"),
            Map.entry(Cidr.parse("127.0.0.0/8"), "loopback"),
            Map.entry(Cidr.parse("::1/128"), "loopback"),
            Map.entry(Cidr.parse("0.0.0.0/8"), "unspecified (\"this network\")"),
            Map.entry(Cidr.parse("::/128"), "unspecified"),
            Map.entry(Cidr.parse("224.0.0.0/4"), "multicast"),
            Map.entry(Cidr.parse("ff00::/8"), "multicast"),
            Map.entry(Cidr.parse("255.255.255.255/32"), "broadcast"));

    /** A refusal and the sentence that explains it. */
    record Verdict(Refusal refusal, String detail) {
    }

    private final Set<String> namespaces;
    private final List<Cidr> cidrs;
    private final ProtectedAddresses cluster;
    private final HandshakeWitness witness;
    private final int maxLive;

    Guardrails(ResponseConfig config, ProtectedAddresses cluster, HandshakeWitness witness) {
        this.namespaces = config.protectedNamespaces();
        this.cidrs = config.protectedCidrs();
        this.cluster = cluster;
        this.witness = witness;
        this.maxLive = config.maxActiveBlocks();
    }

    /** @return null when the block may go ahead */
    Verdict check(Offense o, int liveBlocks, long nowMillis) {
        Verdict protectedActor = protection(o);
        if (protectedActor != null) {
            return protectedActor;
        }
        if (o.types().stream().anyMatch(DESTINATION_AGGREGATED::contains)) {
            return new Verdict(Refusal.SPOOFABLE_EVIDENCE, o.types() + " counts packets by destination; their source"
                    + " addresses can be spoofed, so " + o.actorIp() + " is not blocked");
        }
        boolean owns = o.ownsAddress() || witness.owns(o.actorIp(), nowMillis);
        if (!owns) {
            return new Verdict(Refusal.SPOOFABLE_EVIDENCE, "nothing shows " + o.actorIp() + " holds its address (no"
                    + " TCP handshake completed as initiator): the evidence could come from spoofed packets");
        }
        if (liveBlocks >= maxLive) {
            return new Verdict(Refusal.CAP, liveBlocks + " blocks are live, the cap (response.max_active_blocks) is "
                    + maxLive);
        }
        return null;
    }

    /**
     * The first two checks alone: whether the actor is protected (its namespace, its address).
     * Asked again before a block in force reaches more nodes, and of every node drop in force at
     * each expiry check, since an address can become protected while blocked (the offending pod
     * gone, its address given to a Node or a protected pod): such a block is withdrawn.
     *
     * @return null when nothing protects the actor
     */
    Verdict protection(Offense o) {
        if (!o.namespace().isEmpty() && namespaces.contains(o.namespace())) {
            return new Verdict(Refusal.PROTECTED_NAMESPACE, o.actor() + " is in protected namespace " + o.namespace());
        }
        byte[] ip = IpAddresses.parse(o.actorIp());
        for (Map.Entry<Cidr, String> never : NEVER_BLOCKED) {
            if (ip != null && never.getKey().contains(ip)) {
                return new Verdict(Refusal.PROTECTED_ADDRESS, o.actorIp() + " is " + never.getValue()
                        + ", never blocked");
            }
        }
        for (Cidr c : cidrs) {
            if (ip != null && c.contains(ip)) {
                return new Verdict(Refusal.PROTECTED_ADDRESS, o.actorIp() + " is in protected CIDR " + c);
            }
        }
        String why = cluster.why(o.actorIp());
        if (why != null) {
            return new Verdict(Refusal.PROTECTED_ADDRESS, o.actorIp() + " is protected: " + why);
        }
        return null;
    }
}
