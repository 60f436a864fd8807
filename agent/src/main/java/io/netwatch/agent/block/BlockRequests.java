package io.netwatch.agent.block;

import io.netwatch.proto.ingest.v1.BlockCommand;
import io.netwatch.proto.ingest.v1.UnblockCommand;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;

/**
 * Checks a block or unblock command before anything reaches nft. Whatever the aggregator (or
 * something posing as it) sends, nothing throws and nothing it sends is copied into an nft
 * script unparsed: the address must be an IPv4 or IPv6 literal (no names, no zones, no
 * ranges), the port and protocol must make sense together, the time to live must be at least
 * {@link BlockConfig#MIN_TTL} and is shortened to the agent's maximum; the node's own
 * addresses, link-local ones and the cloud metadata services are never blocked. A command that
 * fails is
 * {@link Invalid} with a {@link Problem} (a counter) and a message for the answer.
 */
public final class BlockRequests {
    /** Longest command id accepted; the aggregator's are far shorter. */
    public static final int MAX_ID_CHARS = 128;
    /** Longest address text accepted: an IPv6 address with an embedded IPv4 one is 45. */
    static final int MAX_ADDRESS_CHARS = 45;
    /** Longest reason kept for the log; the rest is cut. */
    static final int MAX_REASON_CHARS = 256;
    /**
     * Cloud metadata services outside link-local (AWS over IPv6, Alibaba Cloud), never blocked
     * as the aggregator's guardrails say; 169.254.169.254 is link-local.
     */
    private static final List<InetAddress> METADATA = List.of(InetAddress.ofLiteral("fd00:ec2::254"),
            InetAddress.ofLiteral("100.100.100.200"));

    /** What was wrong with a command; each has its counter. */
    public enum Problem {
        /** No command id, or one too long or with control characters. */
        BAD_ID("bad_id"),
        /**
         * Not an IP literal, or one that must never be blocked (unspecified, loopback, multicast,
         * broadcast, link-local, a cloud metadata service, an address of this node).
         */
        BAD_ADDRESS("bad_address"),
        /** A port above 65535, a port without a protocol that has ports, or a protocol without a port. */
        BAD_PORT("bad_port"),
        /** No time to live, or one below {@link BlockConfig#MIN_TTL} or negative. */
        BAD_TTL("bad_ttl");

        private final String label;

        Problem(String label) {
            this.label = label;
        }

        /** The metric tag value. */
        public String label() {
            return label;
        }
    }

    /** The outcome of a check. */
    public sealed interface Checked permits Block, Unblock, Invalid {
        /** The command id to answer with (cut to {@link #MAX_ID_CHARS}). */
        String commandId();
    }

    /**
     * A valid block.
     *
     * @param ttl     the time to live that will be installed (after clamping)
     * @param clamped the command asked for more than the agent's maximum
     * @param reason  the aggregator's reason, cut to {@link #MAX_REASON_CHARS}, for the log
     */
    public record Block(String commandId, BlockTarget target, Duration ttl, boolean clamped, boolean dryRun,
                        String reason) implements Checked {
    }

    /** A valid unblock. */
    public record Unblock(String commandId, BlockTarget target) implements Checked {
    }

    /** A refused command. */
    public record Invalid(String commandId, Problem problem, String message) implements Checked {
    }

    private BlockRequests() {
    }

    public static Checked check(BlockCommand c, Duration maxTtl) {
        String id = cut(c.getCommandId(), MAX_ID_CHARS);
        String idProblem = idProblem(c.getCommandId());
        if (idProblem != null) {
            return new Invalid(id, Problem.BAD_ID, idProblem);
        }
        Object target = target(c.getIp(), c.getPort(), c.getIpProtocol());
        if (target instanceof Invalid invalid) {
            return new Invalid(id, invalid.problem(), invalid.message());
        }
        if (!c.hasTtl()) {
            return new Invalid(id, Problem.BAD_TTL, "no ttl: every block needs a time to live");
        }
        Duration ttl;
        try {
            ttl = Duration.ofSeconds(c.getTtl().getSeconds(), c.getTtl().getNanos());
        } catch (ArithmeticException e) {
            return new Invalid(id, Problem.BAD_TTL, "ttl out of range");
        }
        if (ttl.compareTo(BlockConfig.MIN_TTL) < 0) {
            return new Invalid(id, Problem.BAD_TTL, "ttl " + ttl.toMillis() + " ms is below the minimum of "
                    + BlockConfig.MIN_TTL.toSeconds() + " s");
        }
        boolean clamped = ttl.compareTo(maxTtl) > 0;
        return new Block(id, (BlockTarget) target, clamped ? maxTtl : ttl, clamped, c.getDryRun(),
                printable(cut(c.getReason(), MAX_REASON_CHARS)));
    }

    public static Checked check(UnblockCommand c) {
        String id = cut(c.getCommandId(), MAX_ID_CHARS);
        String idProblem = idProblem(c.getCommandId());
        if (idProblem != null) {
            return new Invalid(id, Problem.BAD_ID, idProblem);
        }
        Object target = target(c.getIp(), c.getPort(), c.getIpProtocol());
        if (target instanceof Invalid invalid) {
            return new Invalid(id, invalid.problem(), invalid.message());
        }
        return new Unblock(id, (BlockTarget) target);
    }

    /** A {@link BlockTarget} or an {@link Invalid} without its id. */
    private static Object target(String ip, int port, int protocol) {
        InetAddress address = address(ip);
        if (address == null) {
            return new Invalid("", Problem.BAD_ADDRESS, "ip '" + printable(cut(ip, MAX_ADDRESS_CHARS))
                    + "' is not an IPv4 or IPv6 address");
        }
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isMulticastAddress()
                || broadcast(address) || thisNetwork(address)) {
            return new Invalid("", Problem.BAD_ADDRESS, "ip " + ip + " is unspecified (0.0.0.0/8), loopback, multicast or "
                    + "broadcast and is never blocked");
        }
        if (address.isLinkLocalAddress() || METADATA.contains(address)) {
            // Defence in depth too: 169.254.169.254 is the metadata service the node and its
            // pods get their cloud credentials from, 169.254.20.10 node-local DNS, 169.254.1.1
            // the gateway of Calico's pods.
            return new Invalid("", Problem.BAD_ADDRESS, "ip " + ip + " is link-local or a cloud metadata service "
                    + "and is never blocked");
        }
        if (local(address)) {
            // Defence in depth behind the aggregator's guardrails: dropping the node's own
            // address would cut the node (and this agent) off.
            return new Invalid("", Problem.BAD_ADDRESS, "ip " + ip + " is this node's own address and is never "
                    + "blocked here");
        }
        // uint32 on the wire: Java sees values above 2^31 as negative.
        if (port < 0 || port > 65_535 || protocol < 0 || protocol > 255) {
            return new Invalid("", Problem.BAD_PORT, "port " + Integer.toUnsignedString(port) + " / ip_protocol "
                    + Integer.toUnsignedString(protocol) + " out of range");
        }
        if (port == 0 && protocol != 0) {
            return new Invalid("", Problem.BAD_PORT, "ip_protocol " + protocol + " without a port: send port 0 and "
                    + "ip_protocol 0 to block the whole address");
        }
        if (port != 0 && !BlockTarget.hasPorts(protocol)) {
            return new Invalid("", Problem.BAD_PORT, "port " + port + " needs ip_protocol tcp (6), udp (17), "
                    + "dccp (33) or sctp (132), got " + protocol);
        }
        return new BlockTarget(address, protocol, port);
    }

    /**
     * The literal's address, or null; never a DNS lookup. IPv4, alone or at the end of an IPv6
     * address, must be four decimal numbers without leading zeros: {@link InetAddress#ofLiteral}
     * also takes {@code 10.1} (10.0.0.1) and {@code 4294967295} (255.255.255.255) and reads
     * {@code 010} as ten where other tools read eight. An IPv4-mapped IPv6 address
     * ({@code ::ffff:10.0.0.7}) comes back as its IPv4 address.
     */
    static InetAddress address(String ip) {
        if (ip.isEmpty() || ip.length() > MAX_ADDRESS_CHARS) {
            return null;
        }
        for (int i = 0; i < ip.length(); i++) {
            char ch = ip.charAt(i);
            boolean ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')
                    || ch == ':' || ch == '.';
            if (!ok) {
                return null;
            }
        }
        int colon = ip.lastIndexOf(':');
        String ipv4 = ip.substring(colon + 1);
        if ((colon < 0 || ipv4.indexOf('.') >= 0) && !dottedQuad(ipv4)) {
            return null;
        }
        try {
            return InetAddress.ofLiteral(ip);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Four dot-separated decimal numbers of one to three digits, none with a leading zero. */
    private static boolean dottedQuad(String s) {
        int parts = 0;
        int digits = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == '.') {
                if (digits == 0 || digits > 3 || (digits > 1 && s.charAt(i - digits) == '0')) {
                    return false;
                }
                parts++;
                digits = 0;
            } else if (s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                digits++;
            } else {
                return false;
            }
        }
        return parts == 4;
    }

    /** 0.0.0.0/8, "this network" (RFC 1122): no host is addressed by it, as the aggregator's guardrails say. */
    private static boolean thisNetwork(InetAddress address) {
        return address instanceof Inet4Address && address.getAddress()[0] == 0;
    }

    /** 255.255.255.255, however it was written. */
    private static boolean broadcast(InetAddress address) {
        byte[] b = address.getAddress();
        return b.length == 4 && (b[0] & b[1] & b[2] & b[3]) == (byte) 0xFF;
    }

    /** True when one of this host's interfaces holds the address. */
    static boolean local(InetAddress address) {
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    private static String idProblem(String id) {
        if (id.isEmpty()) {
            return "command_id is empty";
        }
        if (id.length() > MAX_ID_CHARS) {
            return "command_id is longer than " + MAX_ID_CHARS + " characters";
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                return "command_id has control characters";
            }
        }
        return null;
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    /** Control characters become '?', so nothing from the wire can forge log lines. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            b.append(Character.isISOControl(ch) ? '?' : ch);
        }
        return b.toString();
    }
}
