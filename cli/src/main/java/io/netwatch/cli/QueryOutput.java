package io.netwatch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Standard output of the commands that stream from the aggregator ({@code observe},
 * {@code anomalies}, {@code incidents}): each line goes out at once, so a follower's reader
 * sees each record as it arrives, and a write that fails ends the command. A
 * {@link java.io.PrintStream} keeps a failed write to itself: found in review,
 * {@code netwatch observe --follow | head -1} read the aggregator's stream forever after
 * head had left, and a listing to a full disk ended with status 0. A follower also watches for
 * its reader leaving between writes ({@link #watchReader}).
 */
final class QueryOutput {
    private final CheckedOutput out = new CheckedOutput(System.out);
    private final JsonLines json;

    /** @param json whether the command prints JSON lines ({@link #json()}) rather than text ({@link #line}) */
    QueryOutput(boolean json) {
        this.json = json ? new JsonLines(out) : null;
    }

    /** The JSON lines writer, or null for text. */
    JsonLines json() {
        return json;
    }

    /** One line of text, written through. */
    void line(String text) {
        try {
            out.write((text + System.lineSeparator()).getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Watches for the reader of standard output leaving while nothing is written (a follower
     * waiting on a quiet aggregator): {@code onGone} runs once if it does. Only the process's
     * own standard output is watched: a command run in-process writes elsewhere.
     */
    StdoutHangup watchReader(Runnable onGone) {
        return out.toProcessStdout() ? StdoutHangup.watch(onGone) : StdoutHangup.none();
    }

    /**
     * What a command returns once a write failed, or its reader hung up: 0 and nothing said
     * when the reader of its pipe left ({@code | head}), as tcpdump; else 1, saying so on
     * standard error.
     */
    int failed(String command, UncheckedIOException e) {
        if (out.toClosedPipe()) {
            return 0;
        }
        System.err.println(command + ": cannot write to standard output (" + e.getCause().getMessage()
                + "); the output is incomplete");
        return 1;
    }
}
