package io.netwatch.agent.decode;

/**
 * Why a frame could not be decoded into a flow key. Named values, counted by reason: a
 * decoder never throws on packet bytes.
 */
public enum DecodeError {
    /** Decoded; not an error. */
    NONE("none"),
    /** A well-formed frame that carries no IP (ARP, LLDP, STP): skipped, counted apart. */
    NOT_IP("not_ip"),
    UNSUPPORTED_LINK_TYPE("unsupported_link_type"),
    TRUNCATED_LINK_HEADER("truncated_link_header"),
    TOO_MANY_VLAN_TAGS("too_many_vlan_tags"),
    TRUNCATED_IP_HEADER("truncated_ip_header"),
    BAD_IP_VERSION("bad_ip_version"),
    BAD_IPV4_HEADER_LENGTH("bad_ipv4_header_length"),
    BAD_IP_TOTAL_LENGTH("bad_ip_total_length"),
    TOO_MANY_IPV6_EXTENSION_HEADERS("too_many_ipv6_extension_headers"),
    TRUNCATED_IPV6_EXTENSION_HEADER("truncated_ipv6_extension_header"),
    /** Tunnels nested deeper than {@link DecodedPacket#MAX_LAYERS}: the outer layers still count. */
    TOO_MANY_TUNNELS("too_many_tunnels"),
    TRUNCATED_TUNNEL_HEADER("truncated_tunnel_header"),
    /**
     * A tunnel the decoder does not follow: GRE of a version other than 0 or with the
     * routing bit set, VXLAN without a VNI, Geneve of another version, or a payload type
     * other than Ethernet, IPv4 and IPv6. The outer layers still count.
     */
    UNSUPPORTED_TUNNEL("unsupported_tunnel"),
    TRUNCATED_TRANSPORT_HEADER("truncated_transport_header"),
    BAD_TCP_HEADER_LENGTH("bad_tcp_header_length");

    /** Lowercase name used in metrics labels and JSON. */
    private final String label;

    DecodeError(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
