package io.netwatch.agent.flow;

import java.time.Duration;

/**
 * Limits and timeouts of the flow table. Timeouts are in capture time, so a replayed file
 * behaves as the live traffic did.
 *
 * @param maxFlows          hard bound on tracked flows; a flow is evicted (and counted) to
 *                          make room, a spent one first (see {@link FlowTable})
 * @param tcpSynTimeout     idle timeout of a TCP flow whose handshake did not complete
 * @param tcpEstablishedTimeout idle timeout of an established TCP flow
 * @param tcpClosedTimeout  how long a closed or reset TCP flow lingers for its last packets
 * @param udpTimeout        idle timeout of UDP flows
 * @param otherTimeout      idle timeout of ICMP and other protocols
 * @param activeTimeout     a flow active this long emits an interim record and goes on
 */
public record FlowTableConfig(
        int maxFlows,
        Duration tcpSynTimeout,
        Duration tcpEstablishedTimeout,
        Duration tcpClosedTimeout,
        Duration udpTimeout,
        Duration otherTimeout,
        Duration activeTimeout) {

    public static final int DEFAULT_MAX_FLOWS = 262_144;

    public FlowTableConfig {
        if (maxFlows < 1) {
            throw new IllegalArgumentException("flow table maxFlows must be at least 1, got " + maxFlows);
        }
        for (Duration d : new Duration[] {tcpSynTimeout, tcpEstablishedTimeout, tcpClosedTimeout, udpTimeout,
                otherTimeout, activeTimeout}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("flow table timeouts must be positive durations, got " + d);
            }
        }
    }

    public static FlowTableConfig defaults() {
        return new FlowTableConfig(DEFAULT_MAX_FLOWS, Duration.ofSeconds(30), Duration.ofMinutes(5),
                Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofMinutes(5));
    }

    public FlowTableConfig withMaxFlows(int max) {
        return new FlowTableConfig(max, tcpSynTimeout, tcpEstablishedTimeout, tcpClosedTimeout, udpTimeout,
                otherTimeout, activeTimeout);
    }
}
