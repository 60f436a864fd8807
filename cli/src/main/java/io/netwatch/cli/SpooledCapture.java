package io.netwatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A capture read from standard input ({@code netwatch inspect -}, as {@code tcpdump -r -} reads
 * one) or from a named pipe, saved to a temporary file first: the capture reader needs a file,
 * whose size it knows and which it reads twice (a pcapng file's interfaces are found before its
 * packets are read). At most {@link #MAX_BYTES}, so that a live capture piped in cannot fill the
 * disk; the file is readable by its owner only, and deleted on close (or at exit, if interrupted).
 */
final class SpooledCapture implements AutoCloseable {
    /** Largest capture read from standard input or a pipe, bytes (1 GiB): a larger one is saved to a file and named. */
    static final long MAX_BYTES = 1L << 30;
    /** How messages and the stats name a capture read from standard input. */
    static final String NAME = "standard input";
    /** The file type bits of a {@code unix:mode}, and those of a named pipe (S_IFMT, S_IFIFO). */
    private static final int TYPE_BITS = 0170000;
    private static final int FIFO = 0010000;

    private final Path file;
    private final String name;

    private SpooledCapture(Path file, String name) {
        this.file = file;
        this.name = name;
    }

    /** {@link #of(InputStream, long, String)} for standard input. */
    static SpooledCapture of(InputStream in, long maxBytes) throws IOException {
        return of(in, maxBytes, NAME);
    }

    /**
     * Copies {@code in} to its end into a temporary file.
     *
     * @param name how messages and the stats name the capture
     * @throws NetwatchMain.UserError when it holds more than {@code maxBytes}
     * @throws IOException            when it cannot be read, or the file written
     */
    static SpooledCapture of(InputStream in, long maxBytes, String name) throws IOException {
        Path file = Files.createTempFile("netwatch-stdin-", ".pcap");
        file.toFile().deleteOnExit();
        try (OutputStream out = Files.newOutputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            long total = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
                if (total > maxBytes) {
                    throw new NetwatchMain.UserError(name + " holds more than " + maxBytes + " bytes, the most read"
                            + " from it: save the capture to a file and name that");
                }
                out.write(buffer, 0, n);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return new SpooledCapture(file, name);
    }

    /**
     * Whether {@code path} is a named pipe (mkfifo, or /dev/stdin when standard input is a
     * pipe), links followed: it has no size and can be read once, so it is read as standard
     * input is. False when it is anything else or cannot be asked.
     */
    static boolean isPipe(Path path) {
        try {
            return Files.getAttribute(path, "unix:mode") instanceof Integer mode && (mode & TYPE_BITS) == FIFO;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return false;
        }
    }

    /** The temporary file holding the capture. */
    Path file() {
        return file;
    }

    /** How messages and the stats name the capture: "standard input", or the pipe's path. */
    String name() {
        return name;
    }

    /** Deletes the file; one that will not go now goes at exit. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // deleteOnExit still holds it
        }
    }
}
