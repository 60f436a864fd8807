package io.netwatch.agent.inspect.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for the DNS parser and the TCP framer. The parser must never throw and must keep
 * its limits ({@link DnsRobustnessTest#check}); the framer, fed the same bytes in chunks, likewise.
 *
 * <p>Input layout: the first byte is the framer's chunk size (1 to 256); the rest is one message,
 * and also the stream. Seeds: {@code DnsParserFuzzTestInputs/parsesAnyBytes/}. Under a plain
 * {@code mvn test} this runs over those seeds only; {@code JAZZER_FUZZ=1} fuzzes.
 * {@link #framesAnyStream} feeds the framer segments of the fuzzer's choosing, with gaps.
 */
class DnsParserFuzzTest {

    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void parsesAnyBytes(FuzzedDataProvider data) {
        byte[] selector = data.consumeBytes(1);
        int chunk = 1 + (selector.length == 0 ? 255 : Byte.toUnsignedInt(selector[0]));
        byte[] bytes = data.consumeRemainingAsBytes();
        ByteBuffer buf = ByteBuffer.wrap(bytes).asReadOnlyBuffer();
        DnsRobustnessTest.check(DnsParser.parse(buf, 0, bytes.length), bytes.length);
        DnsTcpFramer framer = new DnsTcpFramer();
        for (int p = 0; p < bytes.length; p += chunk) {
            for (DnsResult r : framer.feed(buf, p, Math.min(chunk, bytes.length - p))) {
                DnsRobustnessTest.check(r, DnsParser.MAX_MESSAGE_LENGTH);
            }
        }
    }

    /**
     * Fuzz target for {@link DnsTcpFramer} over a stream cut into segments, with lost bytes
     * ({@link DnsTcpFramer#gap}) and new connections ({@link DnsTcpFramer#reset}) between them.
     * Since the start or a reset, with no gap since, it must find what cutting the stream
     * whole by its length prefixes finds, however the segments split the messages; with gaps,
     * it must keep its bounds. Always: it never holds more than {@link
     * DnsTcpFramer#MAX_BUFFERED_BYTES}, and {@link DnsTcpFramer#messages()} counts every result.
     *
     * <p>Input layout: segments, each a control byte, a length byte and that many bytes (cut
     * short at the end). Control bit 0: a gap before the segment; bit 1: a reset before it (the
     * reset first); bits 2-7: filler bytes before the segment in its buffer, whose position
     * and limit must not matter. Seeds: {@code DnsParserFuzzTestInputs/framesAnyStream/}.
     */
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void framesAnyStream(FuzzedDataProvider data) {
        byte[] in = data.consumeRemainingAsBytes();
        DnsTcpFramer framer = new DnsTcpFramer();
        // The stream since the start or the last reset, while no gap came: what the framer must find in it.
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        boolean gapped = false;
        List<DnsResult> found = new ArrayList<>();
        long results = 0;
        for (int at = 0; at + 2 <= in.length; ) {
            int control = in[at] & 0xff;
            int length = Math.min(in[at + 1] & 0xff, in.length - at - 2);
            int filler = control >>> 2;
            byte[] buffer = new byte[filler + length + 3];
            Arrays.fill(buffer, (byte) 0xff);
            System.arraycopy(in, at + 2, buffer, filler, length);
            at += 2 + length;
            if ((control & 2) != 0) {
                framer.reset();
                assertEquals(0, framer.buffered());
                assertFalse(framer.resynchronising());
                stream.reset();
                found.clear();
                gapped = false;
            }
            if ((control & 1) != 0) {
                framer.gap();
                assertEquals(0, framer.buffered());
                gapped = true;
            }
            ByteBuffer b = ByteBuffer.wrap(buffer).asReadOnlyBuffer().position(1).limit(filler + length + 1);
            List<DnsResult> out = framer.feed(b, filler, length);
            assertEquals(1, b.position());
            assertEquals(filler + length + 1, b.limit());
            for (DnsResult r : out) {
                DnsRobustnessTest.check(r, DnsParser.MAX_MESSAGE_LENGTH);
            }
            results += out.size();
            assertEquals(results, framer.messages(), "every message handed to the parser is a result");
            assertTrue(framer.buffered() <= DnsTcpFramer.MAX_BUFFERED_BYTES, () -> "buffered " + framer.buffered());
            assertTrue(framer.keptBytes() <= DnsTcpFramer.MAX_BUFFERED_BYTES, () -> "kept " + framer.keptBytes());
            if (!gapped) {
                stream.write(buffer, filler, length);
                found.addAll(out);
                byte[] whole = stream.toByteArray();
                List<DnsResult> expected = new ArrayList<>();
                int held = frames(whole, expected);
                assertEquals(expected, found, "the segments' cuts changed the messages found");
                assertEquals(held, framer.buffered(), "the unfinished message is held");
            }
        }
    }

    /** Cuts {@code stream} by its length prefixes into {@code out}; returns the unfinished tail's length. */
    private static int frames(byte[] stream, List<DnsResult> out) {
        int p = 0;
        while (stream.length - p >= DnsTcpFramer.PREFIX_LENGTH) {
            int len = (stream[p] & 0xff) << 8 | stream[p + 1] & 0xff;
            if (stream.length - p - DnsTcpFramer.PREFIX_LENGTH < len) {
                break;
            }
            byte[] message = Arrays.copyOfRange(stream, p + DnsTcpFramer.PREFIX_LENGTH, p + DnsTcpFramer.PREFIX_LENGTH + len);
            out.add(DnsParser.parse(ByteBuffer.wrap(message), 0, len));
            p += DnsTcpFramer.PREFIX_LENGTH + len;
        }
        return stream.length - p;
    }
}
