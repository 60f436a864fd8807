package io.netwatch.agent.fuzz;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.decode.PacketDecoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The three fuzz targets' bodies over the shared capture corpus (system property
 * {@code netwatch.shared.pcaps}; skipped without it): real captures, several of them damaged or
 * truncated on purpose, as regression inputs that are not copied into this repository. Per
 * capture: the file target on the file itself, the decoder target on each of its packets, and
 * the flow-table target on all its packets in order, with their own times and lengths.
 */
class CorpusRegressionTest {

    @TestFactory
    Stream<DynamicTest> everyCorpusCaptureThroughEveryTarget() throws IOException {
        String dir = System.getProperty("netwatch.shared.pcaps");
        assumeTrue(dir != null && Files.isDirectory(Path.of(dir)), "no shared capture corpus (netwatch.shared.pcaps)");
        List<Path> captures;
        try (Stream<Path> files = Files.list(Path.of(dir))) {
            captures = files.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().matches(".*\\.pcap(ng)?"))
                    .sorted()
                    .toList();
        }
        assumeTrue(!captures.isEmpty(), "no captures in " + dir);
        return captures.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> check(p)));
    }

    private static void check(Path capture) throws IOException {
        String name = capture.getFileName().toString();
        try {
            PcapFileFuzzTest.check(capture, Files.size(capture));
        } catch (AssertionError e) {
            throw new AssertionError(name + ", file target: " + e.getMessage(), e);
        }
        List<FlowTableFuzzTest.Packet> packets = read(capture);
        PacketDecoder decoder = new PacketDecoder();
        for (int i = 0; i < packets.size(); i++) {
            try {
                PacketDecoderFuzzTest.check(decoder, packets.get(i).linkType(), packets.get(i).frame());
            } catch (AssertionError e) {
                throw new AssertionError(name + ", decoder target, packet " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        try {
            FlowTableFuzzTest.check(packets);
        } catch (AssertionError e) {
            throw new AssertionError(name + ", flow-table target: " + e.getMessage(), e);
        }
    }

    /** Copies of every frame the reader delivers, up to any damage. */
    private static List<FlowTableFuzzTest.Packet> read(Path capture) {
        List<FlowTableFuzzTest.Packet> packets = new ArrayList<>();
        try (PcapFileSource source = PcapFileSource.open(capture)) {
            source.run((ByteBuffer frame, int linkType, long nanos, int originalLength, int interfaceIndex) -> {
                byte[] copy = new byte[frame.remaining()];
                frame.get(frame.position(), copy);
                packets.add(new FlowTableFuzzTest.Packet(linkType, copy, nanos, originalLength, false));
            });
        } catch (CaptureException damaged) {
            // The frames before the damage were delivered; they are the input.
        }
        return packets;
    }
}
