package io.netwatch.aggregator.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.UnknownFieldSet;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.proto.baseline.v1.BaselineState;
import io.netwatch.proto.baseline.v1.LearnedEdge;
import io.netwatch.proto.baseline.v1.WorkloadSeen;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** baseline.file on disk: what a load makes of whole, cut and older files. */
class BaselineFileTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private static BaselineState state(int version) {
        BaselineState.Builder b = BaselineState.newBuilder().setVersion(version).setLearningStartedMillis(T0);
        for (int i = 0; i < 5; i++) {
            b.addEdges(LearnedEdge.newBuilder().setSource("shop/Deployment/web").setDestination("10.0." + i + ".0/24")
                    .setPort(443).setIpProtocol(6).setFirstSeenMillis(T0).setLastSeenMillis(T0 + i).setMinutes(3)
                    .setBytesMean(1000).setBytesM2(10));
        }
        b.addWorkloads(WorkloadSeen.newBuilder().setWorkload("shop/Deployment/web").setFirstSeenMillis(T0));
        return b.build();
    }

    @Test
    void aFileCutShortAnywhereIsDamagedNeverAShorterBaseline() throws Exception {
        Path path = dir.resolve("baseline.pb");
        BaselineFile file = new BaselineFile(path, 100);
        file.save(state(BaselineFile.VERSION));
        byte[] whole = Files.readAllBytes(path);
        assertInstanceOf(BaselineFile.Loaded.Ok.class, file.load());
        // A protobuf message has no end: cut after an edge, it parses as a baseline without the
        // edges after the cut, and they would all be new_edge.
        for (int length = 0; length < whole.length; length++) {
            Files.write(path, Arrays.copyOf(whole, length));
            BaselineFile.Loaded loaded = file.load();
            assertInstanceOf(BaselineFile.Loaded.Corrupt.class, loaded, "cut to " + length + " of " + whole.length
                    + " bytes: " + loaded);
            assertTrue(Files.exists(dir.resolve("baseline.pb.corrupt")));
        }
    }

    @Test
    void twoAggregatorsWritingOneFileEachReplaceItWholeNeverMixed() throws Exception {
        Path path = dir.resolve("baseline.pb");
        BaselineFile mine = new BaselineFile(path, 100);
        BaselineFile theirs = new BaselineFile(path, 100);
        BaselineState big = state(BaselineFile.VERSION);
        byte[] bytes = BaselineFile.encode(big);
        Path temporary = theirs.temporary();
        // The other aggregator is half-way through its write when this one saves.
        try (OutputStream out = Files.newOutputStream(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            out.write(bytes, 0, bytes.length / 2);
            mine.save(BaselineState.newBuilder().setVersion(BaselineFile.VERSION).setLearningStartedMillis(T0).build());
            out.write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
        }
        theirs.commit(temporary);
        BaselineFile.Loaded loaded = mine.load();
        assertEquals(big, assertInstanceOf(BaselineFile.Loaded.Ok.class, loaded).state().toBuilder().clearCrc32C()
                .build(), "the last rename wins, whole");
    }

    @Test
    void aWriteThatFailsLeavesTheFileAndNoTemporaryBehind() throws Exception {
        Path path = dir.resolve("baseline.pb");
        BaselineFile file = new BaselineFile(path, 100);
        file.save(state(BaselineFile.VERSION));
        byte[] before = Files.readAllBytes(path);
        // The rename fails (here: a directory where the file should go; on a full disk, the write).
        Path blocked = dir.resolve("blocked.pb");
        Files.createDirectories(blocked.resolve("inside"));
        assertThrows(IOException.class, () -> new BaselineFile(blocked, 100).save(state(BaselineFile.VERSION)));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of("baseline.pb", "blocked.pb"), left.map(p -> p.getFileName().toString()).sorted()
                    .toList(), "no temporary file left behind");
        }
        assertArrayEquals(before, Files.readAllBytes(path));
    }

    @Test
    void aFileOfTheFirstFormatStillLoadsAndUnknownFieldsAreIgnored() throws Exception {
        // Written by an aggregator before the checksum (format 1), with a field from a newer one.
        Path path = dir.resolve("baseline.pb");
        BaselineState older = state(1).toBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(7).build()).build()).build();
        Files.write(path, older.toByteArray());
        BaselineFile.Loaded loaded = new BaselineFile(path, 100).load();
        assertEquals(5, assertInstanceOf(BaselineFile.Loaded.Ok.class, loaded).state().getEdgesCount());
    }

    /**
     * Found in review: the file was read whole whatever its size, so one larger than the heap
     * (another file named by mistake) ended the start-up with an OutOfMemoryError. One larger
     * than the configuration's tables could write is set aside unread, as a damaged one is.
     */
    @Test
    void aFileLargerThanTheTablesCouldWriteIsSetAsideUnread() throws Exception {
        Path path = dir.resolve("baseline.pb");
        long bound = (1L << 20) + 10 * BaselineFile.MAX_ENTRY_BYTES;
        try (var f = java.nio.channels.FileChannel.open(path, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.wrap(new byte[] {0}), bound); // sparse: one byte past the bound
        }
        BaselineFile.Loaded loaded = new BaselineFile(path, 10).load();
        BaselineFile.Loaded.Corrupt c = assertInstanceOf(BaselineFile.Loaded.Corrupt.class, loaded);
        assertTrue(c.reason().startsWith((bound + 1) + " bytes, more than the " + bound), c.reason());
        assertTrue(Files.exists(c.movedTo()));
        assertFalse(Files.exists(path));
    }

    @Test
    void entriesOfAFileThatAreLeftOutAreCounted() throws Exception {
        Path path = dir.resolve("baseline.pb");
        BaselineState state = state(BaselineFile.VERSION);
        new BaselineFile(path, 100).save(state.toBuilder().addEdges(state.getEdges(0).toBuilder().setPort(70_000))
                .addEdges(state.getEdges(0).toBuilder().setBytesMean(Double.POSITIVE_INFINITY)).build());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Baselines b = Baselines.start(BaselineConfig.defaults().withFile(path, Duration.ofHours(1)),
                new FlowStore(100, 100, Duration.ofHours(1)), () -> T0, System::nanoTime)) {
            new BaselineMetrics(b).bindTo(registry);
            assertEquals(5, b.stats().edges());
            assertEquals(2, registry.get("netwatch.baseline.file.skipped.entries").functionCounter().count());
        }
    }
}

