package io.netwatch.agent.inspect.dns;

import java.util.List;
import java.util.Objects;

/**
 * The EDNS(0) pseudo-record (OPT, RFC 6891) of a message.
 *
 * @param udpPayloadSize     the largest UDP payload the sender accepts, bytes (the OPT CLASS)
 * @param extendedRcodeHigh  the upper 8 bits of the 12-bit RCODE
 * @param version            EDNS version (0 today)
 * @param dnssecOk           the DO bit
 * @param flags              all 16 flag bits of the OPT TTL (DO is the top one)
 * @param options            each option's code and length, in order, at most
 *                           {@link DnsParser#MAX_EDNS_OPTIONS}
 */
public record DnsEdns(int udpPayloadSize, int extendedRcodeHigh, int version, boolean dnssecOk, int flags,
                      List<Option> options) {
    public DnsEdns {
        options = List.copyOf(Objects.requireNonNull(options, "options"));
    }

    /**
     * One EDNS option (not its data).
     *
     * @param code   option code (8 = client subnet, 10 = cookie, 12 = padding, ...)
     * @param length option length, bytes
     */
    public record Option(int code, int length) {
    }
}
