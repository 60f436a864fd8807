package io.netwatch.agent.decode;

/**
 * Whether an address is one of this machine's own: the decoder asks it before it reads a UDP
 * datagram on a tunnel port as VXLAN or Geneve. A live capture's genuine underlay packets have
 * this node's address as their outer source or destination; any pod can send a datagram to a
 * tunnel port of some other address, holding inner packets "from" any address it likes.
 *
 * <p>Called on the capture thread for each datagram on a tunnel port: it must not allocate,
 * lock or block.
 */
@FunctionalInterface
public interface LocalAddresses {
    /**
     * Every address counts as this machine's: a capture file's addresses are not, and every
     * tunnel in it is read as before.
     */
    LocalAddresses ANY = (hi, lo) -> true;

    /**
     * @param hi the address's first 8 bytes (0 for IPv4)
     * @param lo its last 8 bytes; IPv4 as {@code ::ffff:a.b.c.d}, as {@link IpLayer} holds it
     */
    boolean contains(long hi, long lo);
}
