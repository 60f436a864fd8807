package io.netwatch.agent.capture;

/**
 * One of libpcap's statistics ({@code ps_recv}, {@code ps_drop} or {@code ps_ifdrop}) widened to
 * a 64-bit total. {@code struct pcap_stat} holds them as {@code u_int} and pcap4j masks them to
 * 32 bits, so each wraps after 2^32 packets: 72 minutes of drops at a million a second, and the
 * agent's counters and loss reports went backwards by 2^32. Each reading adds its distance from
 * the last one modulo 2^32, as Suricata keeps its 64-bit pcap statistics.
 *
 * <p>That is right while readings come fewer than 2^31 packets apart; the capture thread reads
 * them every idle tick (100 ms by default), so a wrap between two readings would take 20
 * billion packets a second. A reading behind the last by less than 2^31 is therefore a step
 * back, not a wrap: libpcap on Linux adds the change in the interface's {@code rx_dropped}
 * counter to {@code ps_ifdrop}, and a driver that clears its counters makes that change
 * negative. A step back adds nothing, and its reading is the base for the next.
 *
 * <p>One per handle and statistic: libpcap's start at 0 when a handle opens, so the first reading
 * is taken whole, and a handle opened again needs a new counter (its first reading is not a step
 * back). Updated by
 * the handle's capture thread alone; {@link LiveCapture} publishes the totals to other threads.
 */
final class PcapStatCounter {
    private static final long MASK = 0xFFFF_FFFFL;
    /** Half the range: a distance at least this far forward is a step back. */
    private static final long HALF = 1L << 31;

    private boolean read;
    /** The last reading, 0 to 2^32 - 1. */
    private long last;
    /** Packets counted since the handle opened, across wraps. */
    private long total;

    /**
     * Takes a new reading of the statistic, only its low 32 bits counting (libpcap's width).
     *
     * @return the total so far, never less than the previous total
     */
    long update(long reading) {
        long now = reading & MASK;
        if (!read) {
            // The count since the handle opened, too soon to have wrapped.
            read = true;
            last = now;
            total = now;
            return total;
        }
        long forward = (now - last) & MASK;
        last = now;
        if (forward < HALF) {
            total += forward;
        }
        return total;
    }
}
