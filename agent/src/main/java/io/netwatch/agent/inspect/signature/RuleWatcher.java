package io.netwatch.agent.inspect.signature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reloads the rules when a rule file changes: polls the files' names, sizes and checksums
 * (rule files are small). Polling rather than a file-system watch because Kubernetes updates a mounted ConfigMap by
 * swapping a symbolic link, which inotify on the directory does not report reliably.
 */
public final class RuleWatcher implements AutoCloseable {
    private final Signatures signatures;
    private final Consumer<Signatures.LoadReport> onChange;
    private final Thread thread;
    private volatile boolean running = true;
    private List<String> fingerprint;

    RuleWatcher(Signatures signatures, Duration period, Consumer<Signatures.LoadReport> onChange) {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("rule reload period must be positive");
        }
        this.signatures = signatures;
        this.onChange = onChange;
        this.fingerprint = fingerprint();
        this.thread = Thread.ofPlatform().daemon().name("netwatch-rules").start(() -> loop(period.toMillis()));
    }

    private void loop(long millis) {
        while (running) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            checkNow();
        }
    }

    /** Reloads now if a file changed since the last look; returns whether it reloaded. */
    public synchronized boolean checkNow() {
        List<String> now = fingerprint();
        if (now.equals(fingerprint)) {
            return false;
        }
        fingerprint = now;
        onChange.accept(signatures.reload());
        return true;
    }

    private List<String> fingerprint() {
        List<String> f = new ArrayList<>();
        try {
            for (Path p : signatures.files()) {
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                if (Files.size(p) <= Signatures.MAX_FILE_BYTES) {
                    crc.update(Files.readAllBytes(p));
                }
                f.add(p + "\t" + Files.size(p) + "\t" + crc.getValue());
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            f.add("unreadable\t" + e.getMessage());
        }
        return f;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
