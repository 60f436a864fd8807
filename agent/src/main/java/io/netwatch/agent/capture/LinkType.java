package io.netwatch.agent.capture;

/** LINKTYPE_* values (tcpdump.org/linktypes.html) the decoder understands. */
public final class LinkType {
    /** BSD loopback: a 4-byte address family in the capturing host's byte order. */
    public static final int NULL = 0;
    public static final int ETHERNET = 1;
    /** Raw IP, version from the first nibble. */
    public static final int RAW = 101;
    /** OpenBSD loopback: 4-byte address family, big-endian. */
    public static final int LOOP = 108;
    /** Linux cooked capture v1 (`-i any` on older libpcap). */
    public static final int LINUX_SLL = 113;
    public static final int IPV4 = 228;
    public static final int IPV6 = 229;
    /** Linux cooked capture v2 (`-i any` on libpcap ≥ 1.10). */
    public static final int LINUX_SLL2 = 276;
    /** Some platforms write DLT_RAW's value 12 or 14 instead of 101. */
    public static final int RAW_ALT_12 = 12;
    public static final int RAW_ALT_14 = 14;

    private LinkType() {
    }
}
