package io.netwatch.agent.score;

import java.time.Duration;
import java.util.Set;

/**
 * Settings of the brute-force detector: {@code minAttempts} short connections from one
 * source to one service (destination address and port) within a {@code window}. A
 * connection is an attempt when it goes to one of {@code ports} or speaks SSH whatever the
 * port, or is an HTTP exchange answered 401; and when the server accepted it (a SYN-ACK:
 * no handshake, no password) and it lasted at most {@code maxDuration} carrying at most
 * {@code maxBytes} to the server (one login, not a session or a transfer). Unanswered
 * connections are the scan and flood detectors' business.
 *
 * @param window      tumbling window per (source, service), capture time
 * @param minAttempts attempts in a window that raise {@code brute_force}
 * @param maxDuration longest connection that still counts as one attempt
 * @param maxBytes    most bytes to the server of one attempt (link headers included)
 * @param ports       TCP ports of services that take passwords
 * @param maxPairs    (source, service) pairs tracked at once; the least recently used is evicted and counted
 * @param maxEvidence most flow ids kept as evidence per anomaly
 */
public record BruteForceConfig(Duration window, int minAttempts, Duration maxDuration, long maxBytes, Set<Integer> ports,
                               int maxPairs, int maxEvidence) {
    /** SSH, FTP, Telnet, SMTP submission, POP3, IMAP, LDAP, SMB, MS SQL, MySQL, RDP, PostgreSQL, VNC, Redis, MongoDB. */
    public static final Set<Integer> DEFAULT_PORTS = Set.of(21, 22, 23, 110, 143, 389, 445, 465, 587, 636, 993, 995,
            1433, 3306, 3389, 5432, 5900, 6379, 27017);

    public BruteForceConfig {
        if (window.isNegative() || window.isZero() || maxDuration.isNegative()) {
            throw new IllegalArgumentException("brute force needs a positive window and maxDuration >= 0");
        }
        if (minAttempts < 2 || maxBytes < 1 || maxPairs < 1 || maxEvidence < 0) {
            throw new IllegalArgumentException("brute force needs minAttempts >= 2, maxBytes >= 1, maxPairs >= 1 "
                    + "and maxEvidence >= 0, got " + minAttempts + ", " + maxBytes + ", " + maxPairs + ", " + maxEvidence);
        }
        ports = Set.copyOf(ports);
    }

    /** Ten attempts in two minutes; an attempt lasts at most 30 s and sends at most 16 KiB. */
    public static BruteForceConfig defaults() {
        return new BruteForceConfig(Duration.ofMinutes(2), 10, Duration.ofSeconds(30), 16_384, DEFAULT_PORTS, 16_384,
                20);
    }
}
