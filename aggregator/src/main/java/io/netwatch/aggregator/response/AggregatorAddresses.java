package io.netwatch.aggregator.response;

import io.netwatch.aggregator.policy.IpAddresses;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator's own addresses, read from its network interfaces at start: its pod's address
 * in a cluster, its host's outside one. A drop of it on its node cuts every agent's stream, and
 * with it the road of every unblock, for the block's whole time to live; a quarantine of its pod
 * does the same. It was protected only as a pod of a protected namespace (found in review), so
 * not from a namespace outside {@code response.protected_namespaces}, nor outside a cluster.
 * A pod's addresses do not change while it runs, so they are read once.
 */
final class AggregatorAddresses implements ProtectedAddresses {
    private static final Logger log = LoggerFactory.getLogger(AggregatorAddresses.class);

    /** Canonical address text to why. */
    private final Map<String, String> own;

    private AggregatorAddresses(Map<String, String> own) {
        this.own = Map.copyOf(own);
    }

    /** Every address of every interface of this host, up or not. */
    static AggregatorAddresses ofThisHost() {
        Map<String, String> own = new HashMap<>();
        try {
            for (NetworkInterface i : NetworkInterface.networkInterfaces().toList()) {
                for (InetAddress a : i.inetAddresses().toList()) {
                    own.putIfAbsent(IpAddresses.format(a.getAddress()), "an address of this aggregator (interface "
                            + i.getName() + ")");
                }
            }
        } catch (SocketException e) {
            // Not fatal: the protected namespaces still cover the aggregator's pod by default.
            log.warn("response: cannot read this aggregator's own addresses ({}); they are protected only as a pod "
                    + "of a protected namespace", e.toString());
        }
        return new AggregatorAddresses(own);
    }

    @Override
    public String why(String ip) {
        return own.get(ip);
    }
}
