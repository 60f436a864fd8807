package io.netwatch.aggregator.baseline;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netwatch.proto.baseline.v1.BaselineState;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The baseline on disk ({@code baseline.file}): one {@link BaselineState} protobuf message,
 * written to a temporary file beside it and renamed over it, so a crash mid-write leaves the
 * previous file whole. The message ends with a CRC-32C of the bytes before it (format 2): a
 * protobuf message has no end of its own, so a file cut after any edge would otherwise parse
 * as a smaller baseline. Format 1 files (no checksum, written before it) are still read.
 *
 * <p>A file that does not parse (damaged) is moved aside to {@code <file>.corrupt} and the
 * aggregator starts learning afresh: refusing to start would stop ingest and every other
 * detector for the sake of one. A file or directory that cannot be read or written at all
 * (permissions, a missing directory) is a start-up error naming the file: the next write would
 * fail the same way, and every restart would silently learn again.
 */
final class BaselineFile {
    /** Format version written in the file. */
    static final int VERSION = 2;
    /** The format before the checksum: still read. */
    static final int VERSION_WITHOUT_CHECKSUM = 1;
    /** The checksum's field (15, fixed32) as its tag byte, and the bytes it takes at the file's end. */
    private static final int CHECKSUM_TAG = (BaselineState.CRC32C_FIELD_NUMBER << 3) | 5;
    private static final int CHECKSUM_BYTES = 5;
    private static final String TEMPORARY_SUFFIX = ".tmp";

    /**
     * Most bytes an entry (an edge or a workload) can take in the file: its names are Kubernetes
     * names (at most 253 characters each) or an outside peer's, and its counters a few varints.
     */
    static final long MAX_ENTRY_BYTES = 4096;

    private final Path file;
    /** Larger than anything this configuration writes: a file past it is not read (see {@link #load}). */
    private final long maxBytes;

    /** A file of at most {@code maxEntries} edges and workloads. */
    BaselineFile(Path file, long maxEntries) {
        this.file = file;
        this.maxBytes = (1L << 20) + maxEntries * MAX_ENTRY_BYTES;
    }

    Path path() {
        return file;
    }

    /**
     * Checks what {@link #load} checks before it reads: the directory exists and can be
     * written, and the file is no directory. Returns the directory.
     *
     * @throws IllegalArgumentException naming baseline.file and what to fix
     */
    static Path checkUsable(Path file) {
        // First: the root has no parent ("directory null does not exist"), and a directory in
        // one this process cannot write was said to be that one's fault.
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("baseline.file " + file + " is a directory; name a file");
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("baseline.file " + file + ": directory " + dir
                    + " does not exist (create it, or name a file in an existing directory)");
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalArgumentException("baseline.file " + file + ": directory " + dir
                    + " is not writable by this process");
        }
        return dir;
    }

    /** What a load found. */
    sealed interface Loaded {
        /** No file yet: learning starts from the first flow. */
        record Absent() implements Loaded {
        }

        record Ok(BaselineState state) implements Loaded {
        }

        /** The file did not parse; it was moved to {@code movedTo}. */
        record Corrupt(String reason, Path movedTo) implements Loaded {
        }
    }

    /**
     * Reads the file.
     *
     * @throws IllegalArgumentException naming the file when it cannot be used: its directory
     *                                  does not exist or cannot be written, it is a directory,
     *                                  or it cannot be read (a mistake in baseline.file)
     * @throws IOException              when reading it fails otherwise
     */
    Loaded load() throws IOException {
        Path dir = checkUsable(file);
        removeLeftovers(dir);
        byte[] bytes;
        try {
            // Read whole, a file larger than this configuration writes (another file named by
            // mistake, one from an aggregator with far larger tables) would fill the heap and end
            // the start-up with an OutOfMemoryError instead of setting the file aside.
            long size = Files.size(file);
            if (size > maxBytes) {
                return aside(size + " bytes, more than the " + maxBytes + " that baseline.max_edges and"
                        + " baseline.max_workloads allow (another file, or one written with larger tables)");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new Loaded.Absent();
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("baseline.file " + file + " cannot be read (permission denied)", e);
        }
        String reason;
        try {
            BaselineState state = BaselineState.parseFrom(bytes);
            if (state.getVersion() == VERSION) {
                reason = checksumProblem(bytes, state);
                if (reason == null) {
                    return new Loaded.Ok(state);
                }
            } else if (state.getVersion() == VERSION_WITHOUT_CHECKSUM) {
                return new Loaded.Ok(state);
            } else {
                reason = "format version " + state.getVersion() + ", expected " + VERSION;
            }
        } catch (InvalidProtocolBufferException e) {
            reason = e.getMessage();
        }
        return aside(reason);
    }

    /** Moves the file that cannot be used aside, to {@code <file>.corrupt}. */
    private Loaded aside(String reason) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".corrupt");
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
        return new Loaded.Corrupt(reason, aside);
    }

    /** Null when the file ends with the checksum of what comes before it, else what is wrong. */
    private static String checksumProblem(byte[] bytes, BaselineState state) {
        int at = bytes.length - CHECKSUM_BYTES;
        if (at < 0 || (bytes[at] & 0xff) != CHECKSUM_TAG) {
            return "no checksum at the end (cut short?)";
        }
        int stored = (bytes[at + 1] & 0xff) | (bytes[at + 2] & 0xff) << 8 | (bytes[at + 3] & 0xff) << 16
                | (bytes[at + 4] & 0xff) << 24;
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, at);
        if (stored != state.getCrc32C() || stored != (int) crc.getValue()) {
            return "checksum does not match (cut short or damaged)";
        }
        return null;
    }

    /**
     * The file's bytes for {@code state}: the message without a checksum, then the checksum
     * field, which protobuf would write last too (the highest field number).
     */
    static byte[] encode(BaselineState state) {
        byte[] body = state.toBuilder().clearCrc32C().build().toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(body);
        byte[] trailer = BaselineState.newBuilder().setCrc32C((int) crc.getValue()).build().toByteArray();
        byte[] out = Arrays.copyOf(body, body.length + trailer.length);
        System.arraycopy(trailer, 0, out, body.length, trailer.length);
        return out;
    }

    /**
     * Writes {@code state} atomically: a temporary file of this write's own beside it, synced,
     * renamed over it. Two aggregators given one file (a mistake) each replace it whole, the
     * last rename winning: with one shared temporary name, one would rename the other's
     * half-written file into place. A write that fails (a full disk) leaves the file as it was
     * and removes its temporary file.
     */
    void save(BaselineState state) throws IOException {
        byte[] bytes = encode(state);
        Path tmp = temporary();
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC)) {
                out.write(bytes);
            }
            commit(tmp);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** A new, empty temporary file beside the file: {@code <file>.<random>.tmp}. */
    Path temporary() throws IOException {
        return Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName() + ".", TEMPORARY_SUFFIX);
    }

    /** Renames a written temporary file over the file. */
    void commit(Path tmp) throws IOException {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Removes temporary files a crash mid-write left beside the file ({@code <file>.tmp} of the
     * first format too); returns how many.
     */
    private int removeLeftovers(Path dir) throws IOException {
        String name = file.getFileName().toString();
        int removed = 0;
        try (DirectoryStream<Path> left = Files.newDirectoryStream(dir, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(name + ".") && n.endsWith(TEMPORARY_SUFFIX) && Files.isRegularFile(p);
        })) {
            for (Path p : left) {
                if (Files.deleteIfExists(p)) {
                    removed++;
                }
            }
        }
        return removed;
    }
}
