package io.netwatch.agent.inspect;

import static org.junit.jupiter.api.Assertions.*;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for the payload probe. Input layout: first byte's low bit picks TCP (1) or UDP
 * (0); the rest is the first bytes of a stream direction or a datagram. Seeds:
 * {@code ProtocolProbeFuzzTestInputs/identifiesAnyPayload/}.
 */
class ProtocolProbeFuzzTest {
    private static final Set<String> NAMES = Set.of(ProtocolProbe.HTTP, ProtocolProbe.TLS, ProtocolProbe.SSH,
            ProtocolProbe.DNS, ProtocolProbe.STRATUM, ProtocolProbe.QUIC, ProtocolProbe.NEED_MORE);

    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void identifiesAnyPayload(FuzzedDataProvider data) {
        boolean tcp = data.consumeBoolean();
        byte[] b = data.consumeRemainingAsBytes();
        String p = ProtocolProbe.identify(ByteBuffer.wrap(b), 0, b.length, tcp);
        assertTrue(p == null || NAMES.contains(p), "unknown answer " + p);

        // The same bytes elsewhere in a larger, read-only buffer: the same answer.
        byte[] shifted = new byte[b.length + 13];
        System.arraycopy(b, 0, shifted, 13, b.length);
        assertEquals(p, ProtocolProbe.identify(ByteBuffer.wrap(shifted).asReadOnlyBuffer(), 13, b.length, tcp));

        // It looks at no more than MAX_PROBE_BYTES: bytes past them change nothing.
        if (b.length > ProtocolProbe.MAX_PROBE_BYTES) {
            byte[] changed = b.clone();
            for (int i = ProtocolProbe.MAX_PROBE_BYTES; i < changed.length; i++) {
                changed[i] ^= (byte) 0x5A;
            }
            assertEquals(p, ProtocolProbe.identify(ByteBuffer.wrap(changed), 0, changed.length, tcp));
        }
        // And never past the length it was given.
        if (b.length > 1) {
            String shorter = ProtocolProbe.identify(ByteBuffer.wrap(b), 0, b.length - 1, tcp);
            byte[] cut = java.util.Arrays.copyOf(b, b.length - 1);
            assertEquals(shorter, ProtocolProbe.identify(ByteBuffer.wrap(cut), 0, cut.length, tcp));
        }
    }
}
