package io.netwatch.agent.inspect.quic;

import static io.netwatch.agent.inspect.quic.InitialSealer.concat;
import static io.netwatch.agent.inspect.quic.InitialSealer.crypto;
import static io.netwatch.agent.inspect.quic.InitialSealer.seal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netwatch.agent.inspect.quic.InitialSealer.Spec;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The QUIC connections of one flow, read apart: what each datagram gives and what is kept. */
class QuicHandshakesTest {
    @Test
    void aMessageReadKeepsNothingAndOneNotYetReadIsCounted() {
        // A hello at offset 0, and one byte near the 16 KiB kept: the stream's arrays grow to
        // the cap. Once the hello is read they must go, or at least be counted while held: the
        // message handed over is a view of them, and was kept until the flow's next datagram,
        // which an idle (or hostile) client never sends, while keptBytes() said 0.
        byte[] frames = concat(crypto(0, QuicInitialTest.CLIENT_HELLO),
                crypto(QuicCryptoAssembler.DEFAULT_MAX_BYTES - 1, new byte[] {1}));
        ByteBuffer datagram = ByteBuffer.wrap(seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(frames))));
        QuicHandshakes h = new QuicHandshakes();

        assertEquals(QuicHandshakes.Step.MESSAGE, h.client(datagram, 0, datagram.limit()));
        assertEquals(QuicInitialTest.CLIENT_HELLO.length, h.messageLength());
        assertEquals(QuicCryptoAssembler.DEFAULT_MAX_BYTES + QuicCryptoAssembler.DEFAULT_MAX_BYTES / 8,
                h.keptBytes(), "the message's stream, 16 KiB and its map, counted while it is held");

        h.messageRead();
        assertNull(h.message());
        assertEquals(0, h.keptBytes());
    }
}
