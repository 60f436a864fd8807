package io.netwatch.agent.inspect.dns;

import java.util.Objects;

/**
 * One resource record of the answer, authority or additional section.
 *
 * @param name        owner name as sent, without the trailing dot, written as tshark writes it;
 *                    the root is the empty string
 * @param type        TYPE, 16 bits ({@link DnsParser#typeName} names it)
 * @param dnsClass    CLASS, 16 bits (for OPT: the sender's UDP payload size, bytes)
 * @param ttl         TTL, seconds, unsigned 32 bits (for OPT: extended RCODE, version and flags)
 * @param data        the RDATA as text in tshark's reference format: A dotted quad; AAAA RFC 5952;
 *                    CNAME, NS, PTR a name ({@code <Root>} for the root); MX "preference exchange";
 *                    SOA "mname rname serial"; SRV "priority weight port target"; TXT every string
 *                    concatenated; other types as tshark summarises them (see
 *                    {@link DnsParser}), else the bytes in colon hex. Empty when the RDATA is
 *                    malformed (an anomaly says why); capped at {@link DnsParser#MAX_DATA_CHARS}
 * @param rdataOffset where the RDATA starts, bytes from the start of the message
 * @param rdLength    RDLENGTH, bytes
 */
public record DnsRecord(String name, int type, int dnsClass, long ttl, String data, int rdataOffset, int rdLength) {
    public DnsRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
    }
}
