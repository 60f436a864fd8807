package io.netwatch.bench.synth;

/**
 * The addresses of one synthesized conversation and how its frames are framed on the wire.
 *
 * @param clientIp   4 bytes (IPv4) or 16 bytes (IPv6); the server's has the same length
 * @param clientPort the initiator's port
 * @param clientMac  48-bit MAC in the low bits
 * @param vlan       802.1Q VLAN id of both directions, or -1 for untagged frames
 * @param vxlan      the VXLAN tunnel the frames travel in, or null
 */
public record Conversation(byte[] clientIp, byte[] serverIp, int clientPort, int serverPort, long clientMac,
                           long serverMac, int vlan, Vxlan vxlan) {

    public Conversation {
        if (clientIp.length != serverIp.length || (clientIp.length != 4 && clientIp.length != 16)) {
            throw new IllegalArgumentException("addresses must both be IPv4 or both IPv6");
        }
        if (vlan < -1 || vlan > 4095) {
            throw new IllegalArgumentException("VLAN id out of range: " + vlan);
        }
    }

    public boolean ipv6() {
        return clientIp.length == 16;
    }

    /**
     * The underlay of a VXLAN overlay: node addresses and MACs, the VNI, and the outer UDP source
     * port (which Linux derives from a hash of the inner flow).
     */
    public record Vxlan(byte[] clientNodeIp, byte[] serverNodeIp, long clientNodeMac, long serverNodeMac, int vni,
                        int outerSourcePort) {
        public Vxlan {
            if (clientNodeIp.length != 4 || serverNodeIp.length != 4) {
                throw new IllegalArgumentException("the synthesizer's VXLAN underlay is IPv4");
            }
        }
    }
}
