package io.netwatch.aggregator.policy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pod as policies see it.
 *
 * @param ips            its pod IPs (4 or 16 bytes each; one per family on dual-stack)
 * @param containerPorts the ports its containers declare, which named policy ports resolve
 *                       against
 * @param hostIps        the addresses of its node ({@code status.hostIPs}), empty when not
 *                       known: traffic between a pod and its node is always allowed
 */
public record PodView(String namespace, String name, Map<String, String> labels, List<byte[]> ips,
                      List<ContainerPort> containerPorts, List<byte[]> hostIps) {
    public PodView {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        labels = Map.copyOf(labels);
        ips = addresses(ips, namespace, name);
        containerPorts = List.copyOf(containerPorts);
        hostIps = addresses(hostIps, namespace, name);
    }

    /** A pod whose node's addresses are not known. */
    public PodView(String namespace, String name, Map<String, String> labels, List<byte[]> ips,
                   List<ContainerPort> containerPorts) {
        this(namespace, name, labels, ips, containerPorts, List.of());
    }

    /** Whether the address (4 or 16 bytes) is one of its node's. */
    public boolean onNode(byte[] address) {
        for (byte[] h : hostIps) {
            if (Arrays.equals(h, address)) {
                return true;
            }
        }
        return false;
    }

    private static List<byte[]> addresses(List<byte[]> ips, String namespace, String name) {
        List<byte[]> out = ips.stream().map(byte[]::clone).toList();
        for (byte[] ip : out) {
            if (ip.length != 4 && ip.length != 16) {
                throw new IllegalArgumentException("pod " + namespace + "/" + name + ": an IP is 4 or 16 bytes");
            }
        }
        return out;
    }

    /**
     * Whether some container declares this port number under this name and protocol. The
     * API keeps port names unique within one container only, so two containers (an app and
     * its exporter sidecar) may both name a port "metrics": the name is then both ports.
     */
    public boolean declares(String portName, Protocol protocol, int port) {
        for (ContainerPort p : containerPorts) {
            if (portName.equals(p.name()) && p.protocol() == protocol && p.port() == port) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }

    /** A declared container port; {@code name} is null when it has none. */
    public record ContainerPort(String name, int port, Protocol protocol) {
        public ContainerPort {
            Objects.requireNonNull(protocol, "protocol");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("container port " + port + " is out of range 1-65535");
            }
        }
    }
}
