package io.netwatch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A reference tool that reads the whole capture file in one process (tcpdump, Suricata). A run is
 * timed on the wall clock from start to exit; its output goes to a log file, and a non-zero exit
 * fails the benchmark rather than produce a figure for work not done.
 *
 * @param name    as reported ("tcpdump", "suricata")
 * @param command the command line up to the file, which is appended last
 * @param logDir  where each run's output is written
 */
record ExternalReader(String name, List<String> command, Path logDir) {

    ExternalReader {
        command = List.copyOf(command);
    }

    /** Runs the tool on {@code file} once; returns the wall time, nanoseconds. */
    long run(Path file, String runLabel) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(command);
        cmd.add(file.toString());
        Path log = logDir.resolve(name + "-" + runLabel + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        int exit = p.waitFor();
        long elapsed = System.nanoTime() - t0;
        if (exit != 0) {
            throw new IOException(name + " exited with " + exit + " on " + file + "; command " + cmd + "; output:\n"
                    + tail(log));
        }
        return elapsed;
    }

    /** The last lines of a run's output, for the report. */
    static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    }
}
