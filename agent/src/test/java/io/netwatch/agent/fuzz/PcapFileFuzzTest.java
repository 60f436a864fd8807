package io.netwatch.agent.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.PacketHandler;
import io.netwatch.agent.capture.PcapFileSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for the capture-file reader: any bytes, as a file, through
 * {@link PcapFileSource#open} and {@link PcapFileSource#run}. The reader's contract for hostile
 * files: the only exception is {@link CaptureException}, it terminates, and every frame it hands
 * out lies inside its record and within the length limits.
 *
 * <p>Seeds: {@code PcapFileFuzzTestInputs/readsAnyFile/}. See docs/fuzzing.md.
 */
class PcapFileFuzzTest {
    /** Every record or block moves the reader at least this far, bytes (pcapng's smallest block). */
    private static final int MIN_RECORD_STEP = 12;

    /** One file per JVM, rewritten for each input: fuzzing runs millions of inputs. */
    private static Path file;

    // Per input: bounds the regression run; in fuzzing mode Jazzer turns it into libFuzzer's
    // -timeout, which reports a hang as a finding (see docs/fuzzing.md for the JUnit side).
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void readsAnyFile(byte[] data) throws IOException {
        check(data);
    }

    /** The target's body, shared with {@link CorpusRegressionTest}. */
    static void check(byte[] data) throws IOException {
        Files.write(tempFile(), data);
        check(tempFile(), data.length);
    }

    /** Reads {@code path}, {@code size} bytes long, and checks every frame delivered. */
    static void check(Path path, long size) {
        FrameChecker checker = new FrameChecker(size);
        try (PcapFileSource source = PcapFileSource.open(path)) {
            checker.source = source;
            try {
                source.run(checker);
            } catch (CaptureException damaged) {
                // Damage after the header: allowed, once every frame before it was delivered.
            }
            assertEquals(checker.frames, source.packetsRead(), "packetsRead() counts the frames delivered");
        } catch (CaptureException notACapture) {
            // open() refused the file (not a capture, damaged header): the other allowed outcome.
        }
    }

    private static synchronized Path tempFile() {
        if (file == null) {
            try {
                // Memory-backed where there is one: writing the file is most of an input's cost.
                Path shm = Path.of("/dev/shm");
                file = Files.isDirectory(shm) && Files.isWritable(shm)
                        ? Files.createTempFile(shm, "netwatch-pcap-fuzz", ".pcap")
                        : Files.createTempFile("netwatch-pcap-fuzz", ".pcap");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            file.toFile().deleteOnExit();
        }
        return file;
    }

    /** Touches every byte of every frame (a read past the record would fault) and checks its bounds. */
    private static final class FrameChecker implements PacketHandler {
        private final long size;
        PcapFileSource source;
        long frames;
        /** Keeps the reads from being optimised away. */
        long sum;

        FrameChecker(long size) {
            this.size = size;
        }

        @Override
        public void onPacket(ByteBuffer frame, int linkType, long timestampNanos, int originalLength,
                             int interfaceIndex) {
            frames++;
            assertTrue(frames <= size / MIN_RECORD_STEP,
                    () -> "frame " + frames + " from a " + size + "-byte file: the reader is looping");
            int start = frame.position();
            int end = frame.limit();
            assertTrue(start >= 0 && start <= end && end <= size,
                    () -> "frame [" + start + ", " + end + ") outside the " + size + "-byte file");
            int captured = end - start;
            assertTrue(originalLength >= captured,
                    () -> "original length " + originalLength + " below captured length " + captured);
            assertTrue(interfaceIndex >= 0 && interfaceIndex < source.interfaceNames().size(),
                    () -> "interfaceIndex " + interfaceIndex + " does not index " + source.interfaceNames());
            for (int i = start; i < end; i++) {
                sum += frame.get(i);
            }
        }
    }
}
