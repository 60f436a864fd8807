package io.netwatch.agent.capture;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reads a capture file, classic pcap or pcapng, and pushes its frames to a {@link PacketHandler}:
 * the capture stage for offline analysis, replays and tests.
 *
 * <p>The file is read through a window that {@code pread(2)} fills a megabyte at a time (one copy,
 * as libpcap makes: see {@link Window}). The handler gets one reused read-only {@link ByteBuffer}
 * whose position and limit frame the captured bytes; a frame larger than the window is a
 * read-only mapping of that frame alone, unmapped when the handler returns. The format is
 * recognised by its magic bytes, never by the file name. Offsets are 64-bit: files of any size.
 *
 * <p>A capture file is hostile input. This reader must never throw anything but
 * {@link CaptureException} for bad bytes, never loop without a bound (every record or block moves
 * the offset forward by at least 12 bytes), never allocate or copy based on a length field, never
 * allocate, log or lock per packet, and never hand out a frame that reaches outside its record. On
 * damage it has already delivered every packet before the bad record or block; it then stops with
 * {@link CaptureException#damaged} naming the file, the byte offset of that record or block, and
 * what is wrong with it. The file is the one opened even if its path is removed or replaced
 * later; one cut short while it is read ends as damage, as any cut file does.
 *
 * <p>pcapng: several sections are allowed, each with its own byte order and interface list.
 * {@code interfaceIndex} numbers interfaces across the whole file in the order their Interface
 * Description Blocks appear, so it always indexes {@link #interfaceNames()}.
 *
 * <p>Threading: {@link #run} on one thread at a time; {@link #close}, the counters,
 * {@link #recordedDrops} and {@link #interfaceNames} from any thread.
 */
public final class PcapFileSource implements PacketSource {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PcapFileSource.class);

    /**
     * Largest captured length accepted when the snap length is smaller, bytes (libpcap's and
     * Wireshark's limit). Some writers record a small snap length and write longer frames.
     */
    public static final int MAX_CAPTURE_LENGTH = 262_144;
    /** Largest captured length accepted whatever the snap length, bytes: one ByteBuffer's reach. */
    public static final int MAX_FRAME_LENGTH = Integer.MAX_VALUE;
    /** Most Interface Description Blocks in one file, all sections together. */
    public static final int MAX_INTERFACES = 65_536;
    /** Longest interface name kept from an if_name option, bytes of UTF-8. */
    public static final int MAX_INTERFACE_NAME_BYTES = 256;

    private static final int PCAP_HEADER_LENGTH = 24;
    /** Bytes of the file read at a time (see {@link Window}). */
    private static final int WINDOW = 1 << 20;
    private static final int PCAP_RECORD_HEADER_LENGTH = 16;
    /**
     * Kuznetsov's patched libpcap (Red Hat 6.x; FRITZ!Box routers still write it): the usual
     * record header, then an interface index, a protocol, a packet type and a pad byte, unused here.
     */
    private static final int MODIFIED_RECORD_HEADER_LENGTH = 24;
    private static final int PCAP_MAGIC_MICROS = 0xA1B2C3D4;
    private static final int PCAP_MAGIC_NANOS = 0xA1B23C4D;
    private static final int PCAP_MAGIC_MODIFIED = 0xA1B2CD34;

    private static final int BLOCK_SECTION_HEADER = 0x0A0D0D0A;
    private static final int BLOCK_INTERFACE_DESCRIPTION = 1;
    private static final int BLOCK_OBSOLETE_PACKET = 2;
    private static final int BLOCK_SIMPLE_PACKET = 3;
    private static final int BLOCK_INTERFACE_STATISTICS = 5;
    private static final int BLOCK_ENHANCED_PACKET = 6;
    /** Interface statistics options: packets the interface dropped, and the OS (its capture buffer). */
    private static final int OPT_ISB_IFDROP = 5;
    private static final int OPT_ISB_OSDROP = 7;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    /** Type, length and trailing length: the smallest block, bytes. */
    private static final int MIN_BLOCK_LENGTH = 12;
    private static final int MIN_SECTION_HEADER_LENGTH = 28;
    private static final int MIN_INTERFACE_DESCRIPTION_LENGTH = 20;
    private static final int MIN_SIMPLE_PACKET_LENGTH = 16;
    /** Same layout for enhanced and obsolete packet blocks: 28 bytes of header, 4 of trailer. */
    private static final int MIN_PACKET_BLOCK_LENGTH = 32;
    private static final int OPT_END = 0;
    private static final int OPT_IF_NAME = 2;
    private static final int OPT_IF_TSRESOL = 9;
    private static final int OPT_IF_TSOFFSET = 14;
    /** if_tsresol when the option is absent: 10^-6 seconds. */
    private static final int DEFAULT_TSRESOL = 6;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long[] POW10 = new long[19];

    static {
        POW10[0] = 1;
        for (int i = 1; i < POW10.length; i++) {
            POW10[i] = POW10[i - 1] * 10;
        }
    }

    private static final VarHandle PACKETS_READ;
    private static final VarHandle BYTES_READ;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PACKETS_READ = lookup.findVarHandle(PcapFileSource.class, "packetsRead", long.class);
            BYTES_READ = lookup.findVarHandle(PcapFileSource.class, "bytesRead", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Classic pcap file header, as read from the first 24 bytes.
     *
     * @param recordHeaderLength bytes before each record's data: 16, or 24 in the modified format
     */
    private record PcapHeader(ByteOrder order, long fractionToNanos, int linkType, long snapLength,
                              int recordHeaderLength) {
    }

    private final Path path;
    /** How the file is named in {@link #description()}: its path, unless the opener names it. */
    private final String name;
    /** File size when opened, bytes. */
    private final long size;
    /**
     * The file opened, kept open until {@link #release}: the window reads through it, so that a
     * file removed or replaced at its path after {@link #open} is still the one read.
     */
    private final FileChannel channel;
    /** Null for pcapng. */
    private final PcapHeader pcap;
    /** The reading window; the reading thread's (open's scan, then run's). */
    private final Window window;

    private final Object lock = new Object();
    /** Interface names by interfaceIndex; grows while a pcapng file is read. Guarded by lock. */
    private final List<String> names = new ArrayList<>();
    /** Guarded by lock. */
    private boolean running;
    /** Guarded by lock. */
    private boolean released;
    private volatile boolean closed;

    /** File offset of the record or block being read, bytes; the reading thread's. */
    private long blockOffset;
    /** See {@link #repairedRecords()}; the reading thread's. */
    private long repairedRecords;
    /**
     * See {@link #recordedDrops()}: per interfaceIndex, from its last statistics block. Copied on
     * each write (a file has a statistics block or two per interface) so that the agent's status
     * reads it from another thread while the file is read.
     */
    private volatile long[] recordedDrops = new long[0];

    /** Packets delivered; written by the run thread only, through PACKETS_READ (opaque). */
    private long packetsRead;
    /** Sum of the original lengths of the packets delivered, bytes; through BYTES_READ (opaque). */
    private long bytesRead;

    private PcapFileSource(Path path, String name, long size, FileChannel channel, PcapHeader pcap) {
        this.path = path;
        this.name = name;
        this.size = size;
        this.channel = channel;
        this.pcap = pcap;
        this.window = new Window();
    }

    /**
     * Opens {@code file} and checks its header: the pcap file header, or the first pcapng Section
     * Header Block. Later damage is reported by {@link #run}.
     *
     * @throws CaptureException when the file is missing, unreadable, not a capture file, or its
     *                          header is damaged; the message names the file
     */
    public static PcapFileSource open(Path file) throws CaptureException {
        Objects.requireNonNull(file, "file");
        return open(file, file.toString());
    }

    /**
     * As {@link #open(Path)}, the file named {@code name} in {@link #description()} (errors
     * about its bytes still name the path).
     */
    public static PcapFileSource open(Path file, String name) throws CaptureException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(name, "name");
        PcapFileSource source = openChannel(file, name);
        try {
            source.scanInterfaces();
            return source;
        } catch (CaptureException | RuntimeException | Error e) {
            source.close();
            throw e;
        }
    }

    /**
     * Checks that {@code file} opens, without reading it, and says why not as {@link #open} does
     * (no such file, a directory, permission denied): for a caller that stops before it starts
     * anything else, at no cost for a large file whose interfaces {@code open} would scan.
     *
     * @throws CaptureException when it does not open; the message names the file
     */
    public static void checkOpens(Path file) throws CaptureException {
        Objects.requireNonNull(file, "file");
        checkPath(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            // Opened: nothing else to learn before open reads it.
        } catch (IOException e) {
            throw notOpened(file, e);
        }
    }

    /** What the path alone says against opening it as a capture file. */
    private static void checkPath(Path file) throws CaptureException {
        if (file.toString().isEmpty()) {
            throw new CaptureException("no capture file named (an empty path)");
        }
        if (Files.isDirectory(file)) {
            throw new CaptureException("cannot open capture file " + file + ": it is a directory");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            // A pipe or a device has no size to read to: found in review, /dev/stdin read as empty.
            throw new CaptureException("cannot open capture file " + file + ": it is not a regular file (a pipe or"
                    + " a device); save the capture to a file first");
        }
    }

    /** Why {@code file} could not be opened or read, in words. */
    private static CaptureException notOpened(Path file, IOException e) {
        return switch (e) {
            // Worded as the CLI words every missing file a setting names (found in review: five wordings).
            case NoSuchFileException n -> new CaptureException(file + " does not exist; a pcap or pcapng capture file"
                    + " is expected", e);
            case AccessDeniedException a -> new CaptureException("cannot open capture file " + file
                    + ": permission denied", e);
            default -> new CaptureException("cannot read capture file " + file + ": " + e.getMessage(), e);
        };
    }

    private static PcapFileSource openChannel(Path file, String name) throws CaptureException {
        checkPath(file);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            long size = channel.size();
            if (size < 4) {
                // No byte offset: there is no place in the file to point at (found in review, "not a
                // capture file (0 bytes) at byte offset 0").
                throw CaptureException.notACapture(file, size == 0 ? "empty (0 bytes), not a capture file"
                        : "not a capture file (" + size + " bytes, shorter than any capture file's header)");
            }
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, PCAP_HEADER_LENGTH));
            while (head.hasRemaining()) {
                if (channel.read(head, head.position()) <= 0) {
                    throw CaptureException.damaged(file, 0, "the file shrank to " + head.position()
                            + " bytes while being read, short of the " + size + " it had when opened");
                }
            }
            return new PcapFileSource(file, name, size, channel, header(file, head, size));
        } catch (IOException e) {
            closeQuietly(channel);
            throw notOpened(file, e);
        } catch (CaptureException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // Read-only: nothing was lost.
            }
        }
    }

    /**
     * The classic pcap header from the file's first bytes ({@code head}, at most 24), or null for
     * pcapng once its section header is known to fit.
     */
    private static PcapHeader header(Path file, ByteBuffer head, long size) throws CaptureException {
        int magic = head.order(ByteOrder.BIG_ENDIAN).getInt(0);
        return switch (magic) {
            case PCAP_MAGIC_MICROS -> pcapHeader(file, head, size, ByteOrder.BIG_ENDIAN, 1000,
                    PCAP_RECORD_HEADER_LENGTH);
            case PCAP_MAGIC_NANOS -> pcapHeader(file, head, size, ByteOrder.BIG_ENDIAN, 1,
                    PCAP_RECORD_HEADER_LENGTH);
            case PCAP_MAGIC_MODIFIED -> pcapHeader(file, head, size, ByteOrder.BIG_ENDIAN, 1000,
                    MODIFIED_RECORD_HEADER_LENGTH);
            case 0xD4C3B2A1 -> pcapHeader(file, head, size, ByteOrder.LITTLE_ENDIAN, 1000,
                    PCAP_RECORD_HEADER_LENGTH);
            case 0x4D3CB2A1 -> pcapHeader(file, head, size, ByteOrder.LITTLE_ENDIAN, 1,
                    PCAP_RECORD_HEADER_LENGTH);
            case 0x34CDB2A1 -> pcapHeader(file, head, size, ByteOrder.LITTLE_ENDIAN, 1000,
                    MODIFIED_RECORD_HEADER_LENGTH);
            case BLOCK_SECTION_HEADER -> {
                if (size < MIN_SECTION_HEADER_LENGTH) {
                    throw CaptureException.damaged(file, 0, "pcapng section header cut short: the file ends after "
                            + size + " of its " + MIN_SECTION_HEADER_LENGTH + " bytes");
                }
                yield null;
            }
            default -> throw CaptureException.damaged(file, 0, String.format(
                    "unknown magic 0x%08x%s; supported formats are pcap (magic a1b2c3d4, a1b23c4d or a1b2cd34,"
                            + " either byte order) and pcapng (0a0d0d0a)",
                    magic, (magic >>> 16) == 0x1F8B ? " (gzip-compressed? decompress it first)" : ""));
        };
    }

    private static PcapHeader pcapHeader(Path file, ByteBuffer head, long size, ByteOrder order,
                                         long fractionToNanos, int recordHeaderLength) throws CaptureException {
        if (size < PCAP_HEADER_LENGTH) {
            throw CaptureException.damaged(file, 0, "pcap file header cut short: the file ends after " + size
                    + " of its " + PCAP_HEADER_LENGTH + " bytes");
        }
        ByteBuffer b = head.duplicate().order(order);
        // Bits 16 and up of the link-type field carry FCS information, not the link type.
        int linkType = b.getInt(20) & 0xFFFF;
        return new PcapHeader(order, fractionToNanos, linkType, u32(b, 16), recordHeaderLength);
    }

    /**
     * pcapng: learns the names of the interfaces declared before the first packet, so that
     * {@link #interfaceNames()} is useful before {@link #run}. Damage to the first Section Header
     * Block fails {@link #open}; damage further on is left for {@link #run} to report in order.
     */
    private void scanInterfaces() throws CaptureException {
        if (pcap != null) {
            names.add("file");
            return;
        }
        try {
            readPcapng(null);
        } catch (CaptureException e) {
            if (e.offset() == 0) {
                throw e;
            }
        }
    }

    @Override
    public void run(PacketHandler handler) throws CaptureException {
        Objects.requireNonNull(handler, "handler");
        synchronized (lock) {
            if (running) {
                throw new IllegalStateException(description() + " is already running");
            }
            if (closed) {
                return;
            }
            running = true;
        }
        try {
            if (pcap != null) {
                readPcap(handler);
            } else {
                readPcapng(handler);
            }
        } finally {
            synchronized (lock) {
                running = false;
                if (closed) {
                    release();
                }
            }
        }
    }

    private void readPcap(PacketHandler handler) throws CaptureException {
        final long fractionToNanos = pcap.fractionToNanos();
        final int linkType = pcap.linkType();
        final long snapLength = pcap.snapLength();
        final long captureLimit = captureLimit(snapLength);
        final int headerLength = pcap.recordHeaderLength();
        final Window w = window;
        w.start(pcap.order());
        long offset = PCAP_HEADER_LENGTH;
        // Each record moves offset forward by at least 16 bytes: at most size / 16 turns.
        while (offset < size && !closed) {
            blockOffset = offset;
            long left = size - offset;
            if (left < headerLength) {
                throw damaged(offset, "record header cut short: the file ends after " + left + " of its "
                        + headerLength + " bytes");
            }
            w.ensure(offset, headerLength);
            long capLen = w.u32(offset + 8);
            long origLen = w.u32(offset + 12);
            long nanos = w.u32(offset) * NANOS_PER_SECOND + w.u32(offset + 4) * fractionToNanos;
            origLen = checkCaptureLength(offset, capLen, origLen, captureLimit, snapLength);
            if (capLen > left - headerLength) {
                throw damaged(offset, "record of " + capLen + " captured bytes cut short: the file ends after "
                        + (left - headerLength) + " of them");
            }
            long start = offset + headerLength;
            deliverFrame(handler, start, (int) capLen, linkType, nanos, origLen, 0);
            offset = start + capLen;
        }
    }

    /**
     * The file is read through a window of {@link #WINDOW} bytes that {@code pread(2)} refills as
     * the reader moves on, not through a mapping of the file: the handler then reads bytes the
     * copy has just brought into the cache, where touching each page of a mapping costs a
     * page-table walk and a miss (the bare read of a 1.2 GB file took 0.44 s mapped and 0.30 s
     * windowed here); and a file cut short while it is read gives a short read, where a mapped
     * page past the new end faults (in compiled code, a load returning garbage and an
     * InternalError raised at some later point). The window is a direct buffer of the JVM's own,
     * not a segment of a shared arena, whose views check that the arena is open at every read.
     */
    private final class Window {
        private final ByteBuffer memoryBuffer = ByteBuffer.allocateDirect(WINDOW);
        private final MemorySegment memory = MemorySegment.ofBuffer(memoryBuffer);
        private final ByteBuffer bigEndian = memoryBuffer.duplicate().order(ByteOrder.BIG_ENDIAN);
        private final ByteBuffer littleEndian = memoryBuffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        /** The window's bytes read-only in network order: the frames handed out. */
        final ByteBuffer frame = memoryBuffer.asReadOnlyBuffer().order(ByteOrder.BIG_ENDIAN);
        /** The same bytes, for reads from the file. */
        private final ByteBuffer into = memoryBuffer.duplicate();
        /** The view numbers are read through: the file's byte order, or the pcapng section's. */
        private ByteBuffer numbers = bigEndian;
        /** File offset of the window's first byte. */
        long base;
        /** Bytes of the window that hold file data. */
        private int filled;

        /** Empties the window for a read from the start of the file. */
        void start(ByteOrder order) {
            base = 0;
            filled = 0;
            order(order);
        }

        void order(ByteOrder order) {
            numbers = order == ByteOrder.BIG_ENDIAN ? bigEndian : littleEndian;
        }

        /**
         * Makes the file's bytes {@code [offset, offset + n)} readable in the window, which the
         * caller has checked the file held when opened. False when {@code n} is larger than the
         * window.
         */
        boolean ensure(long offset, int n) throws CaptureException {
            if (offset >= base && offset + n <= base + filled) {
                return true;
            }
            if (n > WINDOW) {
                return false;
            }
            int keep = offset >= base && offset < base + filled ? (int) (base + filled - offset) : 0;
            if (keep > 0) {
                MemorySegment.copy(memory, offset - base, memory, 0, keep);
            }
            base = offset;
            filled = keep;
            try {
                while (filled < n) {
                    into.limit((int) Math.min(WINDOW, size - base)).position(filled);
                    int read = channel.read(into, base + filled);
                    if (read <= 0) {
                        throw shrunk(base + filled);
                    }
                    filled += read;
                }
            } catch (IOException e) {
                throw new CaptureException("cannot read capture file " + path + " at byte " + offset + ": "
                        + e.getMessage(), e);
            }
            return true;
        }

        /** The window index of file offset {@code offset}, which {@link #ensure} has made readable. */
        int at(long offset) {
            return (int) (offset - base);
        }

        int u8(long offset) throws CaptureException {
            ensure(offset, 1);
            return numbers.get(at(offset)) & 0xFF;
        }

        int u16(long offset) throws CaptureException {
            ensure(offset, 2);
            return numbers.getShort(at(offset)) & 0xFFFF;
        }

        long u32(long offset) throws CaptureException {
            ensure(offset, 4);
            return numbers.getInt(at(offset)) & 0xFFFF_FFFFL;
        }

        long u64(long offset) throws CaptureException {
            ensure(offset, 8);
            return numbers.getLong(at(offset));
        }

        /** Four bytes as written, whatever the byte order: block types and magic numbers. */
        int bigEndianInt(long offset) throws CaptureException {
            ensure(offset, 4);
            return bigEndian.getInt(at(offset));
        }

        /** {@code n} bytes at {@code offset}, n at most the window. */
        void get(long offset, byte[] into) throws CaptureException {
            ensure(offset, into.length);
            bigEndian.get(at(offset), into);
        }
    }

    /** Damage for a read that found the file shorter than when it was opened. */
    private CaptureException shrunk(long reached) {
        long now;
        try {
            now = channel.size();
        } catch (IOException e) {
            now = reached;
        }
        return damaged(blockOffset, "the file shrank to " + now + " bytes while being read, short of the " + size
                + " it had when opened");
    }

    /**
     * Hands the handler the frame at {@code start}: a view of the window, or for a frame larger
     * than the window (a snap length past 1 MiB) a mapping of that frame alone, unmapped when the
     * handler returns (an allocation, for such frames only).
     */
    private void deliverFrame(PacketHandler handler, long start, int capLen, int linkType, long nanos,
                              long origLen, int interfaceIndex) throws CaptureException {
        Window w = window;
        if (w.ensure(start, capLen)) {
            deliver(handler, w.frame, w.at(start), capLen, linkType, nanos, origLen, interfaceIndex);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            // Mapped pages past the end of a file that was cut short fault: check first.
            if (channel.size() < start + capLen) {
                throw shrunk(start);
            }
            ByteBuffer view = channel.map(FileChannel.MapMode.READ_ONLY, start, capLen, arena).asByteBuffer()
                    .asReadOnlyBuffer();
            deliver(handler, view, 0, capLen, linkType, nanos, origLen, interfaceIndex);
        } catch (IOException e) {
            throw new CaptureException("cannot read capture file " + path + " at byte " + start + ": "
                    + e.getMessage(), e);
        } catch (InternalError e) {
            // The file was cut short while the handler read the frame: a fault the JVM reports
            // here when it can (in compiled code it may come later, or as garbage bytes).
            if (currentSize() < size) {
                throw shrunk(start);
            }
            throw e;
        }
    }

    private long currentSize() {
        try {
            return channel.size();
        } catch (IOException e) {
            return size;
        }
    }

    /** Captured lengths past this are damage: the snap length, or more up to libpcap's limit. */
    private static long captureLimit(long snapLength) {
        return Math.min(Math.max(snapLength, MAX_CAPTURE_LENGTH), MAX_FRAME_LENGTH);
    }

    /**
     * Walks the pcapng blocks from the start of the file. With a null handler it only learns
     * interface names and stops at the first packet block.
     */
    private void readPcapng(PacketHandler handler) throws CaptureException {
        final Window w = window;
        w.start(ByteOrder.BIG_ENDIAN);
        Interfaces interfaces = new Interfaces();
        long offset = 0;
        // Each block moves offset forward by at least MIN_BLOCK_LENGTH bytes: at most size / 12 turns.
        while (offset < size && !closed) {
            blockOffset = offset;
            long left = size - offset;
            if (left < MIN_BLOCK_LENGTH) {
                throw damaged(offset, "block header cut short: the file ends after " + left
                        + " bytes, a block takes at least " + MIN_BLOCK_LENGTH);
            }
            // The section header's type reads the same in either byte order; its byte-order
            // magic says how to read the rest of the section, its own length included.
            int type = w.bigEndianInt(offset);
            if (type == BLOCK_SECTION_HEADER) {
                w.order(sectionByteOrder(offset));
                interfaces.newSection();
            } else {
                type = (int) w.u32(offset);
            }
            long length = blockLength(offset, type, left);
            switch (type) {
                case BLOCK_SECTION_HEADER -> checkSectionHeader(offset);
                case BLOCK_INTERFACE_DESCRIPTION -> readInterface(offset, length, interfaces);
                case BLOCK_ENHANCED_PACKET, BLOCK_OBSOLETE_PACKET -> {
                    if (handler == null) {
                        return;
                    }
                    readPacketBlock(handler, offset, length, type, interfaces);
                }
                case BLOCK_SIMPLE_PACKET -> {
                    if (handler == null) {
                        return;
                    }
                    readSimplePacket(handler, offset, length, interfaces);
                }
                case BLOCK_INTERFACE_STATISTICS -> readStatistics(offset, length, interfaces);
                default -> {
                    // Name resolution, secrets, custom blocks...: skipped by length.
                }
            }
            offset += length;
        }
    }

    private ByteOrder sectionByteOrder(long offset) throws CaptureException {
        int magic = window.bigEndianInt(offset + 8);
        if (magic == BYTE_ORDER_MAGIC) {
            return ByteOrder.BIG_ENDIAN;
        }
        if (magic == Integer.reverseBytes(BYTE_ORDER_MAGIC)) {
            return ByteOrder.LITTLE_ENDIAN;
        }
        throw damaged(offset, String.format("section header byte-order magic 0x%08x is neither 1a2b3c4d nor 4d3c2b1a", magic));
    }

    /** Checks the block's leading and trailing lengths and returns its length, bytes. */
    private long blockLength(long offset, int type, long left) throws CaptureException {
        long length = window.u32(offset + 4);
        if (length < MIN_BLOCK_LENGTH) {
            throw damaged(offset, blockName(type) + " length " + length + " is less than " + MIN_BLOCK_LENGTH);
        }
        if (length % 4 != 0) {
            throw damaged(offset, blockName(type) + " length " + length + " is not a multiple of 4");
        }
        if (length > left) {
            throw damaged(offset, blockName(type) + " length " + length + " runs past the end of the file ("
                    + left + " bytes left)");
        }
        int minimum = switch (type) {
            case BLOCK_SECTION_HEADER -> MIN_SECTION_HEADER_LENGTH;
            case BLOCK_INTERFACE_DESCRIPTION -> MIN_INTERFACE_DESCRIPTION_LENGTH;
            case BLOCK_SIMPLE_PACKET -> MIN_SIMPLE_PACKET_LENGTH;
            case BLOCK_ENHANCED_PACKET, BLOCK_OBSOLETE_PACKET -> MIN_PACKET_BLOCK_LENGTH;
            default -> MIN_BLOCK_LENGTH;
        };
        if (length < minimum) {
            throw damaged(offset, blockName(type) + " length " + length + " is less than its minimum " + minimum);
        }
        if (length <= WINDOW) {
            // The whole block in the window at once, so that reading its trailer does not move it on.
            window.ensure(offset, (int) length);
        }
        long trailing = window.u32(offset + length - 4);
        if (trailing != length) {
            throw damaged(offset, blockName(type) + " trailing length " + trailing
                    + " does not match its leading length " + length);
        }
        return length;
    }

    private void checkSectionHeader(long offset) throws CaptureException {
        int major = window.u16(offset + 12);
        if (major != 1) {
            throw damaged(offset, "section header version " + major + "." + window.u16(offset + 14)
                    + " is not supported (only 1.x)");
        }
    }

    /**
     * An interface statistics block: the drops the capturing tool counted for an interface
     * (cumulative, so the last block of each interface is its total). A block too short for its
     * options, or naming an interface not declared, is passed over: it describes, it carries no
     * packet.
     */
    private void readStatistics(long offset, long length, Interfaces interfaces) throws CaptureException {
        if (length < 24) {
            return;
        }
        Window w = window;
        long id = w.u32(offset + 8);
        if (id >= interfaces.count) {
            return;
        }
        long drops = 0;
        long at = offset + 20;
        long end = offset + length - 4;
        // Each option moves at forward by at least 4 bytes, and never past end.
        while (end - at >= 4) {
            int code = w.u16(at);
            int optionLength = w.u16(at + 2);
            int padded = (optionLength + 3) & ~3;
            if (code == OPT_END || padded > end - at - 4) {
                break;
            }
            if ((code == OPT_ISB_IFDROP || code == OPT_ISB_OSDROP) && optionLength == 8) {
                long n = w.u64(at + 4);
                if (n > 0) {
                    drops = saturatingAdd(drops, n);
                }
            }
            at += 4 + padded;
        }
        int index = interfaces.base + (int) id;
        long[] next = Arrays.copyOf(recordedDrops, Math.max(index + 1, recordedDrops.length));
        next[index] = drops;
        recordedDrops = next;
    }

    /**
     * Packets the tool that wrote the file says it lost (the interface's and the OS's drops, from
     * each interface's last statistics block in a pcapng file): never in the file, so in no flow.
     * Read as the file is; complete once {@link #run} has returned. Any thread.
     */
    public long recordedDrops() {
        long sum = 0;
        for (long d : recordedDrops) {
            sum = saturatingAdd(sum, d);
        }
        return sum;
    }

    /** {@link #recordedDrops()} of one interface, by its interfaceIndex. Any thread. */
    public long recordedDrops(int interfaceIndex) {
        long[] drops = recordedDrops;
        return interfaceIndex < drops.length ? drops[interfaceIndex] : 0;
    }

    private void readInterface(long offset, long length, Interfaces interfaces) throws CaptureException {
        if (interfaces.total == MAX_INTERFACES) {
            throw damaged(offset, "more than " + MAX_INTERFACES + " interface descriptions in one file");
        }
        Window w = window;
        int linkType = w.u16(offset + 8);
        long snapLength = w.u32(offset + 12);
        int tsresol = DEFAULT_TSRESOL;
        long tsoffsetNanos = 0;
        String name = null;
        long at = offset + 16;
        long end = offset + length - 4;
        // Each option moves at forward by at least 4 bytes, and never past end.
        while (end - at >= 4) {
            int code = w.u16(at);
            int optionLength = w.u16(at + 2);
            if (code == OPT_END) {
                break;
            }
            int padded = (optionLength + 3) & ~3;
            if (padded > end - at - 4) {
                throw damaged(offset, "interface description option " + code + " of length " + optionLength
                        + " runs past the end of its block");
            }
            switch (code) {
                case OPT_IF_NAME -> name = optionString(at + 4, optionLength);
                case OPT_IF_TSRESOL -> {
                    if (optionLength == 1) {
                        tsresol = w.u8(at + 4);
                    }
                }
                case OPT_IF_TSOFFSET -> {
                    if (optionLength == 8) {
                        tsoffsetNanos = saturatingMultiply(w.u64(at + 4), NANOS_PER_SECOND);
                    }
                }
                default -> {
                }
            }
            at += 4 + padded;
        }
        int index = interfaces.add(linkType, snapLength, tsresol, tsoffsetNanos);
        String shown = name == null || name.isEmpty() ? "if" + index : name;
        synchronized (lock) {
            if (index == names.size()) {
                names.add(shown);
            }
        }
    }

    /** Enhanced (type 6) and obsolete (type 2) packet blocks: same layout but the interface id's width. */
    private void readPacketBlock(PacketHandler handler, long offset, long length, int type, Interfaces interfaces)
            throws CaptureException {
        Window w = window;
        w.ensure(offset, MIN_PACKET_BLOCK_LENGTH - 4);
        long id = type == BLOCK_ENHANCED_PACKET ? w.u32(offset + 8) : w.u16(offset + 8);
        if (id >= interfaces.count) {
            // As tshark: the file is bad from here (it cannot say which link type the block has).
            throw damaged(offset, blockName(type) + " refers to interface " + id + " but the section declares "
                    + interfaces.count + (interfaces.count == 1 ? " interface" : " interfaces"));
        }
        int i = (int) id;
        long capLen = w.u32(offset + 20);
        long origLen = w.u32(offset + 24);
        long units = (w.u32(offset + 12) << 32) | w.u32(offset + 16);
        long snapLength = interfaces.snapLength[i];
        origLen = checkCaptureLength(offset, capLen, origLen, captureLimit(snapLength), snapLength);
        long room = length - MIN_PACKET_BLOCK_LENGTH;
        if (capLen > room) {
            throw damaged(offset, "captured length " + capLen + " runs past the end of its " + blockName(type)
                    + " (room for " + room + " bytes)");
        }
        long nanos = saturatingAdd(pcapngNanos(units, interfaces.tsresol[i]), interfaces.tsoffsetNanos[i]);
        deliverFrame(handler, offset + 28, (int) capLen, interfaces.linkType[i], nanos, origLen, interfaces.base + i);
    }

    /** Simple packet block: interface 0, no timestamp, captured length implied by the block. */
    private void readSimplePacket(PacketHandler handler, long offset, long length, Interfaces interfaces)
            throws CaptureException {
        if (interfaces.count == 0) {
            throw damaged(offset, "simple packet block but the section declares no interface");
        }
        long origLen = window.u32(offset + 8);
        long snapLength = interfaces.snapLength[0];
        long capLen = Math.min(origLen, length - MIN_SIMPLE_PACKET_LENGTH);
        if (snapLength != 0) {
            capLen = Math.min(capLen, snapLength);
        }
        checkCaptureLength(offset, capLen, origLen, captureLimit(snapLength), snapLength);
        deliverFrame(handler, offset + 12, (int) capLen, interfaces.linkType[0], 0, origLen, interfaces.base);
    }

    /**
     * Checks a record's captured length; returns its original length, raised to the captured
     * one when a writer claimed fewer bytes on the wire than it kept (counted, and read as
     * tcpdump and tshark read it: the bytes are there).
     */
    private long checkCaptureLength(long offset, long capLen, long origLen, long limit, long snapLength)
            throws CaptureException {
        if (capLen > limit) {
            throw damaged(offset, "captured length " + capLen + " exceeds the maximum " + limit
                    + " (snap length " + snapLength + ")");
        }
        if (capLen > origLen) {
            repairedRecords++;
            if (repairedRecords == 1) {
                log.warn("{}: the record at byte {} captured {} bytes of a packet of {} on the wire; read with the"
                        + " captured length (and every such record after it, counted)", path, offset, capLen, origLen);
            }
            return capLen;
        }
        return origLen;
    }

    /** Records whose original length was below their captured length, read with the captured one. */
    public long repairedRecords() {
        return repairedRecords;
    }

    private void deliver(PacketHandler handler, ByteBuffer f, int start, int capLen, int linkType, long nanos,
                         long origLen, int interfaceIndex) {
        // Reset whatever the previous call did to the view: bounds, and network byte order.
        f.limit(start + capLen).position(start);
        f.order(ByteOrder.BIG_ENDIAN);
        handler.onPacket(f, linkType, nanos, origLen > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) origLen,
                interfaceIndex);
        PACKETS_READ.setOpaque(this, packetsRead + 1);
        BYTES_READ.setOpaque(this, bytesRead + origLen);
    }

    /**
     * Converts a pcapng timestamp to nanoseconds, saturating at {@code Long.MAX_VALUE}.
     *
     * @param units   the 64-bit timestamp, unsigned, in units of the interface's resolution
     * @param tsresol the if_tsresol byte: 10^-n seconds, or 2^-n when the high bit is set
     */
    static long pcapngNanos(long units, int tsresol) {
        int n = tsresol & 0x7F;
        if ((tsresol & 0x80) == 0) {
            if (n <= 9) {
                return saturatingMultiplyUnsigned(units, POW10[9 - n]);
            }
            // Units shorter than a nanosecond; 10^-28 s and finer round to 0.
            return n - 9 < POW10.length ? Long.divideUnsigned(units, POW10[n - 9]) : 0;
        }
        long seconds = n >= 64 ? 0 : units >>> n;
        long fraction = n >= 64 ? units : units & ((1L << n) - 1);
        long fractionNanos;
        if (n <= 33) {
            fractionNanos = (fraction * NANOS_PER_SECOND) >>> n;
        } else {
            // Keep the top 33 bits of the fraction so the product fits in 63 bits.
            int drop = n - 33;
            fractionNanos = ((drop >= 64 ? 0 : fraction >>> drop) * NANOS_PER_SECOND) >>> 33;
        }
        return saturatingAdd(saturatingMultiplyUnsigned(seconds, NANOS_PER_SECOND), fractionNanos);
    }

    /** {@code value} read as unsigned, times a positive factor, capped at Long.MAX_VALUE. */
    private static long saturatingMultiplyUnsigned(long value, long factor) {
        if (value < 0 || Math.multiplyHigh(value, factor) != 0) {
            return Long.MAX_VALUE;
        }
        long product = value * factor;
        return product < 0 ? Long.MAX_VALUE : product;
    }

    private static long saturatingMultiply(long value, long factor) {
        long high = Math.multiplyHigh(value, factor);
        long product = value * factor;
        if (high != (product >> 63)) {
            return (value < 0) == (factor < 0) ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        return product;
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        if (((a ^ sum) & (b ^ sum)) < 0) {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return sum;
    }

    /** An option's UTF-8 text, at most MAX_INTERFACE_NAME_BYTES, trailing NULs dropped. */
    private String optionString(long at, int length) throws CaptureException {
        byte[] bytes = new byte[Math.min(length, MAX_INTERFACE_NAME_BYTES)];
        window.get(at, bytes);
        int n = bytes.length;
        while (n > 0 && bytes[n - 1] == 0) {
            n--;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    private static String blockName(int type) {
        return switch (type) {
            case BLOCK_SECTION_HEADER -> "section header block";
            case BLOCK_INTERFACE_DESCRIPTION -> "interface description block";
            case BLOCK_OBSOLETE_PACKET -> "obsolete packet block";
            case BLOCK_SIMPLE_PACKET -> "simple packet block";
            case BLOCK_ENHANCED_PACKET -> "enhanced packet block";
            default -> String.format("block (type 0x%08x)", type);
        };
    }

    private static long u32(ByteBuffer b, int at) {
        return b.getInt(at) & 0xFFFF_FFFFL;
    }

    private CaptureException damaged(long offset, String what) {
        return CaptureException.damaged(path, offset, what);
    }

    /** Packets delivered so far. */
    public long packetsRead() {
        return (long) PACKETS_READ.getOpaque(this);
    }

    /** Sum of the original (on-the-wire) lengths of the packets delivered so far, bytes. */
    public long bytesRead() {
        return (long) BYTES_READ.getOpaque(this);
    }

    /**
     * Names by interfaceIndex: "file" for classic pcap; for pcapng each interface's if_name, or
     * "if&lt;N&gt;" without one. Before {@link #run} it holds the interfaces declared before the
     * first packet; descriptions found later are added as they are read.
     */
    @Override
    public List<String> interfaceNames() {
        synchronized (lock) {
            return List.copyOf(names);
        }
    }

    /** As {@link #interfaceNames()}, one name, including those found since {@link #run} began. */
    @Override
    public String interfaceName(int index) {
        synchronized (lock) {
            return index >= 0 && index < names.size() ? names.get(index) : null;
        }
    }

    @Override
    public String description() {
        return "file " + name;
    }

    /**
     * Stops {@link #run} before its next packet and closes the file once run has returned. A
     * source that is never closed keeps the file open until the JVM exits.
     */
    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            if (!running) {
                release();
            }
        }
    }

    /** Closes the file; called with lock held, once no run is in progress. */
    private void release() {
        if (!released) {
            released = true;
            closeQuietly(channel);
        }
    }

    /** Interfaces of the current pcapng section; the arrays grow only when a description arrives. */
    private static final class Interfaces {
        /** Interfaces in the current section. */
        int count;
        /** interfaceIndex of the current section's interface 0. */
        int base;
        /** Interfaces in all sections so far. */
        int total;
        int[] linkType = new int[4];
        /** Bytes; 0 means no limit. */
        long[] snapLength = new long[4];
        int[] tsresol = new int[4];
        /** if_tsoffset, nanoseconds. */
        long[] tsoffsetNanos = new long[4];

        void newSection() {
            base = total;
            count = 0;
        }

        /** Returns the new interface's interfaceIndex. */
        int add(int link, long snap, int resolution, long offsetNanos) {
            if (count == linkType.length) {
                int grown = count * 2;
                linkType = Arrays.copyOf(linkType, grown);
                snapLength = Arrays.copyOf(snapLength, grown);
                tsresol = Arrays.copyOf(tsresol, grown);
                tsoffsetNanos = Arrays.copyOf(tsoffsetNanos, grown);
            }
            linkType[count] = link;
            snapLength[count] = snap;
            tsresol[count] = resolution;
            tsoffsetNanos[count] = offsetNanos;
            count++;
            return total++;
        }
    }
}
