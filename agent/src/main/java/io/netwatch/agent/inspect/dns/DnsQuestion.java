package io.netwatch.agent.inspect.dns;

import java.util.Objects;

/**
 * One entry of the question section.
 *
 * @param name        the name as sent (case kept), without the trailing dot, written as tshark
 *                    writes it (see {@link DnsParser}); the root is the empty string. A dot inside
 *                    a label is written as is, as tshark, Suricata and Zeek write it, so the labels
 *                    {@code x.google} and {@code com} read {@code x.google.com}: not to be split
 *                    into labels at its dots
 * @param type        QTYPE, 16 bits ({@link DnsParser#typeName} names it)
 * @param dnsClass    QCLASS, 16 bits (1 = IN)
 * @param escapedName {@code name} with each dot and backslash inside a label written {@code \.}
 *                    and {@code \\} ({@code x\.google.com}), so that its other dots are the
 *                    boundaries between labels: what a name's registered domain is taken from.
 *                    The same String as {@code name} when no label holds either, as nearly none do
 */
public record DnsQuestion(String name, int type, int dnsClass, String escapedName) {
    public DnsQuestion {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(escapedName, "escapedName");
    }
}
