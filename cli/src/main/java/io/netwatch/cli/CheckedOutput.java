package io.netwatch.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Standard output that says when a write failed: a {@link PrintStream} keeps a full disk or a
 * closed pipe to itself (it only sets a flag), and a command would then end with exit status 0
 * and its output silently cut.
 */
final class CheckedOutput extends OutputStream {
    /**
     * The process's own standard output, set by {@code main}: only a failed write to it can be
     * a reader that left the pipe (a command run in-process writes elsewhere).
     */
    static volatile PrintStream processStdout;

    private final PrintStream out;

    CheckedOutput(PrintStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        check();
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        check();
    }

    @Override
    public void flush() throws IOException {
        check(); // checkError flushes
    }

    private void check() throws IOException {
        if (out.checkError()) {
            throw new IOException("the write failed: a full disk, or a closed pipe");
        }
    }

    /** Whether this writes to the process's own standard output, file descriptor 1. */
    boolean toProcessStdout() {
        return out == processStdout;
    }

    /** True when this wrote to the process's standard output and that is a pipe (Linux): its reader left. */
    boolean toClosedPipe() {
        if (!toProcessStdout()) {
            return false;
        }
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString().startsWith("pipe:");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
