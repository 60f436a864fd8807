package io.netwatch.agent.inspect.dns;

import java.util.Objects;

/**
 * One entry of the question section.
 *
 * @param name     the name as sent (case kept), without the trailing dot, written as tshark
 *                 writes it (see {@link DnsParser}); the root is the empty string
 * @param type     QTYPE, 16 bits ({@link DnsParser#typeName} names it)
 * @param dnsClass QCLASS, 16 bits (1 = IN)
 */
public record DnsQuestion(String name, int type, int dnsClass) {
    public DnsQuestion {
        Objects.requireNonNull(name, "name");
    }
}
