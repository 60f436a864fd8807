package io.netwatch.agent.inspect.dns;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for the DNS parser and the TCP framer. The parser must never throw and must keep
 * its limits ({@link DnsRobustnessTest#check}); the framer, fed the same bytes in chunks, likewise.
 *
 * <p>Input layout: the first byte is the framer's chunk size (1 to 256); the rest is one message,
 * and also the stream. Seeds: {@code DnsParserFuzzTestInputs/parsesAnyBytes/}. Under a plain
 * {@code mvn test} this runs over those seeds only; {@code JAZZER_FUZZ=1} fuzzes.
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
}
