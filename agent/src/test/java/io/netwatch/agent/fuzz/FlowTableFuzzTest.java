package io.netwatch.agent.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netwatch.agent.Pipeline;
import io.netwatch.agent.decode.PacketDecoder;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.flow.FlowTable;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.agent.inspect.Inspector;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.agent.score.Detectors;
import io.netwatch.proto.flow.v1.Flow;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for the per-packet path behind the decoder: a sequence of frames through
 * {@link Pipeline#create} (flow table of {@value #MAX_FLOWS} flows, default port-scan and
 * payload-inspection settings) with increasing capture times. No packet may trip the pipeline's fence
 * ({@link Pipeline#failedPackets()} counts what it caught: still a bug), the table never holds
 * more than its bound, and {@link Pipeline#finish()} empties it.
 *
 * <p>Input layout, repeated while at least 3 bytes remain: a control byte, a 2-byte big-endian
 * frame length (cut to what is left), the frame. Control byte: bits 0-2 pick the link type
 * ({@link PacketDecoderFuzzTest#LINK_TYPES}, modulo their count), bits 3-5 the time step before
 * this packet ({@link #STEPS_NANOS}), bit 6 claims the frame was cut by the snap length
 * (original length + 1000), bit 7 calls {@code onIdle} first.
 * Seeds: {@code FlowTableFuzzTestInputs/tracksAnyPacketSequence/}.
 */
class FlowTableFuzzTest {
    static final int MAX_FLOWS = 64;
    static final String NODE = "fuzz-node";
    static final List<String> INTERFACES = List.of("fuzz0");
    /** Capture time of the first packet, nanoseconds since the epoch. */
    static final long START_NANOS = 1_700_000_000_000_000_000L;
    /**
     * Time steps, nanoseconds: from back-to-back packets to past every timeout of the default
     * flow table (TCP closed 10 s, SYN 30 s, UDP 60 s, established and active 5 min) and of the
     * port-scan detector (quiet 5 s, window 60 s).
     */
    static final long[] STEPS_NANOS = {1_000L, 1_000_000L, 100_000_000L, 1_000_000_000L, 5_000_000_000L,
        11_000_000_000L, 61_000_000_000L, 301_000_000_000L};

    /** One frame as a capture source would deliver it. */
    record Packet(int linkType, byte[] frame, long timestampNanos, int originalLength, boolean idleBefore) {
    }

    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void tracksAnyPacketSequence(byte[] data) {
        check(parse(data));
    }

    /** Splits the fuzzer's bytes into packets (see the class comment). */
    static List<Packet> parse(byte[] data) {
        List<Packet> packets = new ArrayList<>();
        long now = START_NANOS;
        int at = 0;
        while (data.length - at >= 3) {
            int control = Byte.toUnsignedInt(data[at]);
            int length = Math.min(((data[at + 1] & 0xFF) << 8) | (data[at + 2] & 0xFF), data.length - at - 3);
            at += 3;
            byte[] frame = new byte[length];
            System.arraycopy(data, at, frame, 0, length);
            at += length;
            now += STEPS_NANOS[(control >>> 3) & 7];
            int linkType = PacketDecoderFuzzTest.LINK_TYPES[(control & 7) % PacketDecoderFuzzTest.LINK_TYPES.length];
            int original = (control & 0x40) != 0 ? length + 1000 : length;
            packets.add(new Packet(linkType, frame, now, original, (control & 0x80) != 0));
        }
        return packets;
    }

    /** The target's body, shared with {@link CorpusRegressionTest}. */
    static void check(List<Packet> packets) {
        List<Flow> records = new ArrayList<>();
        Pipeline pipeline = Pipeline.create(NODE, INTERFACES, config(), DetectionConfig.defaults(), records::add,
                AnomalySink.NONE);
        for (int i = 0; i < packets.size(); i++) {
            Packet p = packets.get(i);
            if (p.idleBefore()) {
                pipeline.onIdle(p.timestampNanos());
            }
            pipeline.onPacket(view(p.frame()), p.linkType(), p.timestampNanos(), p.originalLength(), 0);
            if (pipeline.failedPackets() != 0) {
                throw new AssertionError("packet " + i + " of " + packets.size() + " (link type " + p.linkType() + ", "
                        + p.frame().length + " bytes) tripped the pipeline's fence; the exception, replayed"
                        + " without the fence:", replayUnfenced(packets, i));
            }
            long active = pipeline.flowTable().flowsActive();
            assertTrue(active <= MAX_FLOWS, () -> active + " flows active, bound " + MAX_FLOWS);
        }
        pipeline.finish();
        assertEquals(0, pipeline.flowTable().flowsActive(), "flows active after finish()");
        for (Flow f : records) {
            assertTrue(f.getToServer().getPackets() + f.getToClient().getPackets() >= 1,
                    () -> "a flow record without packets: " + f);
        }
    }

    static FlowTableConfig config() {
        return FlowTableConfig.defaults().withMaxFlows(MAX_FLOWS);
    }

    /** A read-only view with position 0, as the capture sources hand out. */
    private static ByteBuffer view(byte[] frame) {
        return ByteBuffer.wrap(frame).asReadOnlyBuffer();
    }

    /**
     * Runs packets 0..{@code failing} through the same stages wired as {@link Pipeline#create}
     * does (decoder, flow table with payload inspection, detectors), but without its
     * catch, and returns what the failing packet threw. Mirrors {@link Pipeline#onPacket} and
     * {@link Pipeline#onIdle}: keep it in step with them. Diagnostics only.
     */
    private static Throwable replayUnfenced(List<Packet> packets, int failing) {
        Detectors detectors = new Detectors(DetectionConfig.defaults(), AnomalySink.NONE, NODE);
        FlowSink tee = detectors::onFlow;
        FlowTable table = new FlowTable(config(), tee, NODE, INTERFACES, 1L << 32)
                .observe(new Inspector(InspectionConfig.defaults(), io.netwatch.agent.inspect.signature.Signatures.bundled(),
                        InspectionSink.NONE, detectors))
                .decide(detectors::onDecision, DetectionConfig.defaults().decisionDelay()).repeats(detectors::onRepeat)
                .closes(detectors::onClose);
        PacketDecoder decoder = new PacketDecoder();
        for (int i = 0; i <= failing; i++) {
            Packet p = packets.get(i);
            try {
                if (p.idleBefore()) {
                    table.tick(p.timestampNanos());
                }
                ByteBuffer frame = view(p.frame());
                table.update(decoder.decode(frame, p.linkType()), frame, p.timestampNanos(), p.originalLength(), 0);
            } catch (RuntimeException e) {
                return e;
            }
        }
        return new AssertionError("the unfenced replay did not throw (state that depends on the flow id base?)");
    }
}
