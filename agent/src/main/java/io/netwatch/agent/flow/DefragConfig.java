package io.netwatch.agent.flow;

import java.time.Duration;

/**
 * Bounds of IP fragment tracking. Only headers and lengths are kept per fragment, never data.
 *
 * @param maxDatagrams        datagrams being reassembled at once; past it the oldest is
 *                            dropped and counted
 * @param maxFragments        fragments kept per datagram; a datagram with more is dropped
 *                            and counted (a classic resource attack)
 * @param timeout             a datagram not completed within this time (capture time) is
 *                            dropped and counted, as the Linux kernel does after 30 s
 */
public record DefragConfig(int maxDatagrams, int maxFragments, Duration timeout) {
    public DefragConfig {
        if (maxDatagrams < 1 || maxFragments < 2) {
            throw new IllegalArgumentException("defrag maxDatagrams must be >= 1 and maxFragments >= 2, got "
                    + maxDatagrams + " and " + maxFragments);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("defrag timeout must be a positive duration, got " + timeout);
        }
    }

    public static DefragConfig defaults() {
        return new DefragConfig(8192, 64, Duration.ofSeconds(30));
    }
}
