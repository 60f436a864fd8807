package io.netwatch.bench.synth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a classic pcap file (microsecond timestamps, little-endian, LINKTYPE_ETHERNET), the
 * format every reader the benchmark compares against takes. Buffered: one write per 4 MiB.
 */
public final class PcapWriter implements AutoCloseable {
    private static final int MAGIC_MICROS = 0xA1B2C3D4;
    private static final int LINKTYPE_ETHERNET = 1;
    private static final int SNAP_LENGTH = 262_144;
    private static final int BUFFER_BYTES = 4 << 20;

    private final FileChannel out;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private long packets;
    /** File bytes written so far, header included. */
    private long bytes;

    public PcapWriter(Path file) throws IOException {
        out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        buffer.putInt(MAGIC_MICROS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                .putInt(SNAP_LENGTH).putInt(LINKTYPE_ETHERNET);
        bytes = 24;
    }

    /** Appends one frame captured whole at {@code nanos} (nanoseconds since the Unix epoch). */
    public void write(long nanos, byte[] frame) throws IOException {
        if (buffer.remaining() < 16 + frame.length) {
            flush();
        }
        buffer.putInt((int) (nanos / 1_000_000_000L))
                .putInt((int) (nanos % 1_000_000_000L / 1_000))
                .putInt(frame.length)
                .putInt(frame.length)
                .put(frame);
        packets++;
        bytes += 16 + frame.length;
    }

    public long packets() {
        return packets;
    }

    public long bytes() {
        return bytes;
    }

    private void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
        buffer.clear();
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            out.close();
        }
    }
}
