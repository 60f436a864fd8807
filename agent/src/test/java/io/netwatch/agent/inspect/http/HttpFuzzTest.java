package io.netwatch.agent.inspect.http;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Random;

/**
 * Fuzz target for the HTTP parsers and streams: any bytes through both head parsers and, cut
 * at points chosen from the first byte, through client and server streams, with and without
 * gaps ({@link HttpChecks}). Under a plain {@code mvn test} it runs over its seeds
 * ({@code HttpFuzzTestInputs/parsesAnyBytes/}); {@code JAZZER_FUZZ=1} makes it fuzz. No JUnit
 * {@code @Timeout}: under JAZZER_FUZZ=1 the whole campaign is one invocation, which a timeout
 * would end; termination is {@link HttpRobustnessTest}'s job.
 *
 * <p>Input layout: one byte seeding the cuts and the head limit, then the stream's bytes.
 */
class HttpFuzzTest {

    @FuzzTest
    void parsesAnyBytes(FuzzedDataProvider data) {
        byte[] selector = data.consumeBytes(1);
        int seed = selector.length == 0 ? 0 : Byte.toUnsignedInt(selector[0]);
        byte[] input = data.consumeRemainingAsBytes();
        int maxHead = (seed & 1) == 0 ? HttpParser.MAX_HEAD_BYTES : HttpStream.MIN_HEAD_BYTES + (seed >> 1);
        HttpChecks.parsers(input, seed & 15, maxHead);
        HttpChecks.streams(input, new Random(seed), maxHead);
    }
}
