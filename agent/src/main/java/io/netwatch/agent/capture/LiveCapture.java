package io.netwatch.agent.capture;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.PcapStat;
import org.pcap4j.core.Pcaps;

/**
 * Live capture from libpcap through pcap4j's raw-packet loop, one thread per interface.
 *
 * <p>Never uses pcap4j's per-packet object parsing (measured 20 times too slow). An idle
 * interface delivers no callbacks, so a ticker thread calls {@code breakLoop()} every
 * {@link LiveCaptureConfig#idleTickMillis()}; the capture thread then reads libpcap's
 * statistics, lets the handler expire flows ({@link PacketHandler#onIdle}) and loops again.
 * Handler calls from several interfaces are serialized on one lock (uncontended with one
 * interface). Known cost: pcap4j allocates a byte array and a timestamp per packet.
 */
public final class LiveCapture implements PacketSource {
    /** Index in the per-interface statistics arrays. */
    private static final int RECEIVED = 0;
    private static final int DROPPED = 1;
    private static final int IF_DROPPED = 2;

    private final LiveCaptureConfig config;
    private final List<String> names;
    private final List<PcapHandle> handles = new ArrayList<>();
    /** Per interface: libpcap's statistics widened to 64 bits; each one's capture thread's. */
    private final PcapStatCounter[] counters;
    /** Per interface: the widened totals, for metrics and loss reports on other threads. */
    private final AtomicLongArray stats;
    private final Object handlerLock = new Object();
    private volatile boolean closed;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LiveCapture.class);
    /** Interfaces whose capture loop ended with an error (the others go on). */
    private final java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();

    /** Without handles until {@link #open} adds them; tests record statistics on it directly. */
    LiveCapture(LiveCaptureConfig config, List<String> names) {
        this.config = config;
        this.names = List.copyOf(names);
        this.counters = new PcapStatCounter[names.size() * 3];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = new PcapStatCounter();
        }
        this.stats = new AtomicLongArray(names.size() * 3);
    }

    /**
     * Resolves the configured interfaces and opens them.
     *
     * @throws CaptureException when no interface matches, or libpcap cannot open one (the
     *                          message says what to fix: a name, permissions, the filter)
     */
    public static LiveCapture open(LiveCaptureConfig config) throws CaptureException {
        LibpcapLocator.configure();
        List<String> names = resolve(config.interfaces());
        LiveCapture capture = new LiveCapture(config, names);
        try {
            for (String name : names) {
                capture.handles.add(capture.openHandle(name));
            }
        } catch (CaptureException e) {
            capture.close();
            throw e;
        }
        return capture;
    }

    static List<String> resolve(List<String> specs) throws CaptureException {
        List<String> available;
        try {
            available = Pcaps.findAllDevs().stream().map(PcapNetworkInterface::getName).toList();
        } catch (PcapNativeException e) {
            throw new CaptureException("cannot list network interfaces: " + e.getMessage()
                    + " (live capture needs root or CAP_NET_RAW and CAP_NET_ADMIN)", e);
        }
        List<String> out = new ArrayList<>();
        for (String spec : specs) {
            if (spec.equals("any") || available.contains(spec)) {
                if (!out.contains(spec)) {
                    out.add(spec);
                }
                continue;
            }
            Pattern p;
            try {
                p = Pattern.compile(spec);
            } catch (PatternSyntaxException e) {
                throw new CaptureException("interface '" + spec + "' does not exist and is not a valid regular "
                        + "expression: " + e.getDescription() + "; available: " + available);
            }
            boolean matched = false;
            for (String name : available) {
                if (p.matcher(name).matches() && !name.equals("any")) {
                    matched = true;
                    if (!out.contains(name)) {
                        out.add(name);
                    }
                }
            }
            if (!matched) {
                throw new CaptureException("no interface matches '" + spec + "'; available: " + available);
            }
        }
        return out;
    }

    private PcapHandle openHandle(String name) throws CaptureException {
        try {
            PcapHandle h = new PcapHandle.Builder(name)
                    .snaplen(config.snapLength())
                    .promiscuousMode(config.promiscuous() ? PcapNetworkInterface.PromiscuousMode.PROMISCUOUS
                            : PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS)
                    .timeoutMillis(config.idleTickMillis())
                    .bufferSize(config.bufferBytes())
                    .immediateMode(config.immediateMode())
                    .timestampPrecision(PcapHandle.TimestampPrecision.NANO)
                    .build();
            if (!config.bpfFilter().isEmpty()) {
                try {
                    h.setFilter(config.bpfFilter(), BpfProgram.BpfCompileMode.OPTIMIZE);
                } catch (PcapNativeException e) {
                    h.close();
                    throw new CaptureException("invalid BPF filter '" + config.bpfFilter() + "': " + e.getMessage(), e);
                }
            }
            return h;
        } catch (PcapNativeException | NotOpenException e) {
            throw new CaptureException("cannot open interface " + name + ": " + e.getMessage()
                    + " (live capture needs root or CAP_NET_RAW and CAP_NET_ADMIN)", e);
        }
    }

    @Override
    public void run(PacketHandler handler) throws CaptureException {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < handles.size(); i++) {
            final int index = i;
            threads.add(Thread.ofPlatform().name("netwatch-capture-" + names.get(i))
                    .start(() -> captureLoop(index, handler)));
        }
        Thread ticker = Thread.ofPlatform().name("netwatch-capture-ticker").daemon().start(this::tick);
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
            }
        }
        ticker.interrupt();
    }

    private void captureLoop(int index, PacketHandler handler) {
        PcapHandle h = handles.get(index);
        int linkType = h.getDlt().value();
        while (!closed) {
            try {
                h.loop(-1, (byte[] packet) -> {
                    java.sql.Timestamp ts = h.getTimestamp();
                    long nanos = ts.getTime() / 1000 * 1_000_000_000L + ts.getNanos();
                    Integer original = h.getOriginalLength();
                    synchronized (handlerLock) {
                        handler.onPacket(ByteBuffer.wrap(packet).asReadOnlyBuffer(), linkType, nanos,
                                original == null ? packet.length : original, index);
                    }
                });
            } catch (InterruptedException e) {
                // breakLoop(): the ticker's wake-up, or close()
            } catch (PcapNativeException | NotOpenException e) {
                if (!closed) {
                    log.error("capture on {} failed: {}", names.get(index), e.getMessage());
                    failures.incrementAndGet();
                }
                return;
            }
            readStats(index, h);
            synchronized (handlerLock) {
                handler.onIdle(System.currentTimeMillis() * 1_000_000L);
            }
        }
    }

    private void readStats(int index, PcapHandle h) {
        try {
            PcapStat s = h.getStats();
            recordStats(index, s.getNumPacketsReceived(), s.getNumPacketsDropped(), s.getNumPacketsDroppedByIf());
        } catch (PcapNativeException | NotOpenException e) {
            // the handle is closing; keep the last figures
        }
    }

    /**
     * Takes one reading of libpcap's 32-bit statistics for interface {@code index}; only its
     * capture thread calls it. Each is widened across its wraps (see {@link PcapStatCounter}).
     */
    void recordStats(int index, long received, long dropped, long ifDropped) {
        record(index * 3 + RECEIVED, received);
        record(index * 3 + DROPPED, dropped);
        record(index * 3 + IF_DROPPED, ifDropped);
    }

    private void record(int at, long reading) {
        stats.set(at, counters[at].update(reading));
    }

    private void tick() {
        while (!closed) {
            try {
                Thread.sleep(config.idleTickMillis());
            } catch (InterruptedException e) {
                return;
            }
            for (PcapHandle h : handles) {
                try {
                    h.breakLoop();
                } catch (NotOpenException e) {
                    // closing
                }
            }
        }
    }

    /** Interfaces whose capture ended with an error; readiness should go down when this is not 0. */
    public int failedInterfaces() {
        return failures.get();
    }

    /**
     * Packets libpcap says the kernel received on interface {@code index} (ps_recv). This and
     * the drops below count since the interface was opened, at the last idle tick, in 64 bits
     * although libpcap's wrap at 2^32.
     */
    public long received(int index) {
        return stats.get(index * 3 + RECEIVED);
    }

    /** Packets the kernel dropped for lack of buffer space (ps_drop). */
    public long kernelDropped(int index) {
        return stats.get(index * 3 + DROPPED);
    }

    /** Packets the interface or its driver dropped (ps_ifdrop). */
    public long interfaceDropped(int index) {
        return stats.get(index * 3 + IF_DROPPED);
    }

    @Override
    public List<String> interfaceNames() {
        return names;
    }

    @Override
    public String description() {
        return "live " + String.join(",", names);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (PcapHandle h : handles) {
            try {
                h.breakLoop();
            } catch (NotOpenException e) {
                // already closed
            }
        }
    }

    /** Closes the libpcap handles once the capture threads have returned from run(). */
    public void release() {
        for (PcapHandle h : handles) {
            h.close();
        }
    }

    /**
     * Points pcap4j at the versioned libpcap when the unversioned {@code libpcap.so} symlink
     * (from the -dev package) is missing, as on minimal images.
     */
    static final class LibpcapLocator {
        private static final String PROPERTY = "org.pcap4j.core.pcapLibName";

        private LibpcapLocator() {
        }

        static synchronized void configure() {
            if (System.getProperty(PROPERTY) != null) {
                return;
            }
            for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
                    "/lib/x86_64-linux-gnu")) {
                for (String file : List.of("libpcap.so", "libpcap.so.1", "libpcap.so.0.8")) {
                    Path p = Path.of(dir, file);
                    if (Files.exists(p)) {
                        System.setProperty(PROPERTY, p.toString());
                        return;
                    }
                }
            }
        }
    }
}
