package io.netwatch.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locations of the bundled capture and the shared corpus, as surefire passes them. */
final class Samples {
    private Samples() {
    }

    static Path repoRoot() {
        String root = System.getProperty("netwatch.repo.root");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    static Path demo() {
        return repoRoot().resolve("samples/demo.pcap");
    }

    /** The shared corpus directory, or null when this machine has none. */
    static Path sharedPcaps() {
        String dir = System.getProperty("netwatch.shared.pcaps");
        Path p = dir != null ? Path.of(dir) : repoRoot().resolve("../shared/pcaps");
        return Files.isDirectory(p) ? p : null;
    }
}
