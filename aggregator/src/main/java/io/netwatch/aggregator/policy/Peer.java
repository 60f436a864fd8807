package io.netwatch.aggregator.policy;

import java.util.List;
import java.util.Objects;

/** One entry of a rule's {@code from} or {@code to} list. */
public sealed interface Peer {
    /**
     * Pods chosen by selectors. A missing {@code namespaceSelector} (null here) means the
     * policy's own namespace; a missing {@code podSelector} means every pod of the chosen
     * namespaces; when both are present a pod must match both. At least one is present.
     * Pods only: an address outside the cluster never matches.
     */
    record Pods(LabelSelector podSelector, LabelSelector namespaceSelector) implements Peer {
        public Pods {
            if (podSelector == null && namespaceSelector == null) {
                throw new IllegalArgumentException("a pod peer needs a podSelector or a namespaceSelector");
            }
        }
    }

    /**
     * Addresses in {@code cidr} but in none of {@code except}. Matched by address alone, for
     * pod IPs as much as for external ones: the API leaves pod IPs in an ipBlock to the
     * network plugin, and matching by address is what Calico and kube-router do (Cilium is
     * the notable exception).
     */
    record IpBlock(Cidr cidr, List<Cidr> except) implements Peer {
        public IpBlock {
            Objects.requireNonNull(cidr, "cidr");
            except = List.copyOf(except);
            for (Cidr e : except) {
                if (!cidr.strictlyContains(e)) {
                    throw new IllegalArgumentException("except " + e + " is not strictly inside " + cidr);
                }
            }
        }

        public boolean contains(byte[] address) {
            if (!cidr.contains(address)) {
                return false;
            }
            for (Cidr e : except) {
                if (e.contains(address)) {
                    return false;
                }
            }
            return true;
        }
    }
}
