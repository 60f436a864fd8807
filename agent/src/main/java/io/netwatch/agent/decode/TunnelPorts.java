package io.netwatch.agent.decode;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The UDP ports whose payload the decoder reads as a VXLAN or Geneve header. Overlays let
 * users move them (Cilium's {@code tunnel-port}, Calico's {@code vxlanPort}); traffic on a
 * port not listed stays plain UDP, its inner flows unseen. A port in neither list costs the
 * decoder one array read per UDP packet, as a listed one does.
 *
 * @param vxlan  ports of VXLAN, each 1 to 65535, at most once; may be empty
 * @param geneve ports of Geneve, likewise; no port in both lists
 */
public record TunnelPorts(List<Integer> vxlan, List<Integer> geneve) {
    /** IANA's VXLAN port (Calico) and the Linux kernel's historical default (flannel, Cilium). */
    public static final List<Integer> DEFAULT_VXLAN = List.of(4789, 8472);
    /** IANA's Geneve port. */
    public static final List<Integer> DEFAULT_GENEVE = List.of(6081);

    public TunnelPorts {
        vxlan = List.copyOf(vxlan);
        geneve = List.copyOf(geneve);
        Set<Integer> seen = new HashSet<>();
        for (int port : vxlan) {
            check(port, seen);
        }
        for (int port : geneve) {
            check(port, seen);
        }
    }

    private static void check(int port, Set<Integer> seen) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("tunnel port " + port + " is out of range (1 to 65535)");
        }
        if (!seen.add(port)) {
            throw new IllegalArgumentException("tunnel port " + port + " is listed twice (a port is VXLAN or Geneve,"
                    + " once)");
        }
    }

    /** VXLAN on 4789 and 8472, Geneve on 6081. */
    public static TunnelPorts defaults() {
        return new TunnelPorts(DEFAULT_VXLAN, DEFAULT_GENEVE);
    }
}
