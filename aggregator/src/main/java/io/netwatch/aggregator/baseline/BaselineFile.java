package io.netwatch.aggregator.baseline;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netwatch.proto.baseline.v1.BaselineState;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The baseline on disk ({@code baseline.file}): one {@link BaselineState} protobuf message,
 * written to a temporary file beside it and renamed over it, so a crash mid-write leaves the
 * previous file whole.
 *
 * <p>A file that does not parse (damaged) is moved aside to {@code <file>.corrupt} and the
 * aggregator starts learning afresh: refusing to start would stop ingest and every other
 * detector for the sake of one. A file or directory that cannot be read or written at all
 * (permissions, a missing directory) is a start-up error naming the file: the next write would
 * fail the same way, and every restart would silently learn again.
 */
final class BaselineFile {
    /** Format version written in the file. */
    static final int VERSION = 1;

    private final Path file;

    BaselineFile(Path file) {
        this.file = file;
    }

    Path path() {
        return file;
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
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("baseline.file " + file + ": directory " + dir
                    + " does not exist (create it, or name a file in an existing directory)");
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalArgumentException("baseline.file " + file + ": directory " + dir
                    + " is not writable by this process");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("baseline.file " + file + " is a directory; name a file");
        }
        byte[] bytes;
        try {
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
                return new Loaded.Ok(state);
            }
            reason = "format version " + state.getVersion() + ", expected " + VERSION;
        } catch (InvalidProtocolBufferException e) {
            reason = e.getMessage();
        }
        Path aside = file.resolveSibling(file.getFileName() + ".corrupt");
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
        return new Loaded.Corrupt(reason, aside);
    }

    /** Writes {@code state} atomically: a temporary file beside it, synced, renamed over it. */
    void save(BaselineState state) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, StandardOpenOption.SYNC)) {
            state.writeTo(out);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
