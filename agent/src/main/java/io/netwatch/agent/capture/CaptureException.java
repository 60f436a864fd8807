package io.netwatch.agent.capture;

import java.nio.file.Path;

/**
 * A capture that cannot go on: a damaged or unsupported file, or an interface that cannot be
 * opened. The message says what is wrong and where, so a user can act on it.
 */
public final class CaptureException extends Exception {

    /** Byte offset in the file where the problem was found; -1 when not a file problem. */
    private final long offset;

    public CaptureException(String message) {
        super(message);
        this.offset = -1;
    }

    public CaptureException(String message, Throwable cause) {
        super(message, cause);
        this.offset = -1;
    }

    /** A damaged file: the message names the file and the offset. */
    public static CaptureException damaged(Path file, long offset, String what) {
        return new CaptureException(file + ": " + what + " at byte offset " + offset, offset);
    }

    /**
     * A file too short to be a capture at all: the message names the file and says what it is,
     * with no byte offset, which would point at nothing; {@link #offset()} is 0, the header's.
     */
    public static CaptureException notACapture(Path file, String what) {
        return new CaptureException(file + ": " + what, 0);
    }

    private CaptureException(String message, long offset) {
        super(message);
        this.offset = offset;
    }

    public long offset() {
        return offset;
    }

    /**
     * The same problem, at the same offset, its message naming the capture {@code name} where it
     * named {@code file}: for a file the user never named (standard input saved to a temporary file).
     */
    public CaptureException naming(Path file, String name) {
        if (file.toString().equals(name)) {
            return this;
        }
        CaptureException e = new CaptureException(getMessage().replace(file.toString(), name), offset);
        e.initCause(getCause());
        e.setStackTrace(getStackTrace());
        return e;
    }
}
