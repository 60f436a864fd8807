package io.netwatch.bench.synth;

import java.util.SplittableRandom;

/**
 * Synthesizes a SYN scan as nmap -sS sends it: one source port, the first 1024 destination
 * ports in random order at a steady rate; closed ports answer RST-ACK, open ones SYN-ACK, which
 * the scanner resets. Netwatch's port-scan detector should raise exactly one anomaly for it.
 */
final class PortScan {
    static final int PORTS = 1024;
    /** Gap between probes, nanoseconds (about 6,700 probes a second). */
    private static final long PROBE_GAP_NANOS = 150_000;
    private static final long RTT_NANOS = 300_000;
    private static final int[] OPEN = {22, 80, 443};

    private final FrameBuilder frames;

    PortScan(FrameBuilder frames) {
        this.frames = frames;
    }

    void generate(SplittableRandom rnd, byte[] scanner, byte[] target, long scannerMac, long targetMac, long start,
                  SessionPackets out) {
        int[] ports = new int[PORTS];
        for (int i = 0; i < PORTS; i++) {
            ports[i] = i + 1;
        }
        for (int i = PORTS - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int p = ports[i];
            ports[i] = ports[j];
            ports[j] = p;
        }
        int sourcePort = 40_000 + rnd.nextInt(20_000);
        long t = start;
        byte[] none = new byte[0];
        for (int port : ports) {
            Conversation c = new Conversation(scanner, target, sourcePort, port, scannerMac, targetMac, -1, null);
            int seq = rnd.nextInt();
            int ts = rnd.nextInt();
            out.add(t, frames.tcp(c, true, FrameBuilder.SYN, seq, 0, true, none, 0, 0, ts, 0));
            if (isOpen(port)) {
                int serverSeq = rnd.nextInt();
                out.add(t + RTT_NANOS, frames.tcp(c, false, FrameBuilder.SYN | FrameBuilder.ACK, serverSeq, seq + 1,
                        true, none, 0, 0, rnd.nextInt(), ts));
                out.add(t + RTT_NANOS + 20_000, frames.tcp(c, true, FrameBuilder.RST, seq + 1, 0, false, none, 0, 0,
                        0, 0));
            } else {
                out.add(t + RTT_NANOS, frames.tcp(c, false, FrameBuilder.RST | FrameBuilder.ACK, 0, seq + 1, false,
                        none, 0, 0, 0, 0));
            }
            t += PROBE_GAP_NANOS;
        }
    }

    private static boolean isOpen(int port) {
        for (int p : OPEN) {
            if (p == port) {
                return true;
            }
        }
        return false;
    }
}
