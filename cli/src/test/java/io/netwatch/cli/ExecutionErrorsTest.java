package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * What reaches the user when a command fails in a way no command foresaw: an I/O error is one
 * line naming what failed (exit 1, the work failed); a bug keeps its stack trace, for the report.
 */
class ExecutionErrorsTest {
    @TempDir
    Path tmp;

    @Test
    void anIoErrorNoCommandForesawIsOneLineNamingTheFileNotAStackTrace() throws Exception {
        // Found in review: `policy check --flows FILE/x` (a path through a regular file) printed
        // java.nio.file.FileSystemException's stack trace.
        Path plain = Files.writeString(tmp.resolve("plain"), "x");
        Path through = plain.resolve("flows.jsonl");
        CliRun r = CliRun.of("policy", "check", "--cluster", PolicySuggestCommandTest.resource("cluster.yaml").toString(),
                "--flows", through.toString());
        assertEquals(1, r.code(), r.stderr());
        assertEquals("netwatch policy check: I/O error on " + through + ": Not a directory", r.stderr().strip());
    }

    @Command(name = "thrower")
    static final class Thrower implements Callable<Integer> {
        final Exception e;

        Thrower(Exception e) {
            this.e = e;
        }

        @Override
        public Integer call() throws Exception {
            throw e;
        }
    }

    /** Runs a command that throws {@code e} under the CLI's handler: its exit status and standard error. */
    private static String[] run(Exception e) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Thrower(e)).setErr(new PrintWriter(err, true))
                .setExecutionExceptionHandler(NetwatchMain::executionError);
        int code = cl.execute();
        return new String[] {String.valueOf(code), err.toString()};
    }

    @Test
    void anUncheckedIoErrorIsOneLineAndABugKeepsItsStackTrace() {
        String[] io = run(new UncheckedIOException(new IOException("Input/output error")));
        assertEquals("1", io[0]);
        assertEquals("thrower: I/O error: Input/output error", io[1].strip());

        String[] bug = run(new IllegalStateException("a bug"));
        assertEquals("1", bug[0]);
        assertTrue(bug[1].contains("java.lang.IllegalStateException: a bug"), bug[1]);
        assertTrue(bug[1].contains("\tat io.netwatch.cli.ExecutionErrorsTest."), "its stack trace: " + bug[1]);
    }
}
