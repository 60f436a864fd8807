package io.netwatch.agent.inspect.quic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Reassembly of one direction's CRYPTO stream: order, overlaps, conflicts, the byte cap. */
class QuicCryptoAssemblerTest {

    static ByteBuffer buf(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return ByteBuffer.wrap(b);
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(b.position(), a);
        return a;
    }

    /** A handshake message of type 1 with {@code bodyLength} body bytes 0, 1, 2, ... */
    static byte[] message(int bodyLength) {
        byte[] m = new byte[4 + bodyLength];
        m[0] = 1;
        m[1] = (byte) (bodyLength >>> 16);
        m[2] = (byte) (bodyLength >>> 8);
        m[3] = (byte) bodyLength;
        for (int i = 0; i < bodyLength; i++) {
            m[4 + i] = (byte) i;
        }
        return m;
    }

    @Test
    void inOrderAndOutOfOrder() {
        byte[] m = message(3000);
        QuicCryptoAssembler a = new QuicCryptoAssembler();
        assertEquals(-1, a.firstMessageLength());
        assertEquals(0, a.contiguousLength());
        assertEquals(1004, a.add(2000, ByteBuffer.wrap(m, 2000, 1004)));
        assertEquals(0, a.contiguousLength(), "a gap at 0");
        assertEquals(1000, a.add(0, ByteBuffer.wrap(m, 0, 1000)));
        assertEquals(1000, a.contiguousLength());
        assertEquals(-1, a.firstMessageLength());
        assertEquals(1000, a.add(new CryptoFragment(1000, ByteBuffer.wrap(m, 1000, 1000).slice())));
        assertEquals(3004, a.contiguousLength());
        assertEquals(3004, a.firstMessageLength());
        assertArrayEquals(m, bytes(a.contiguous()));
        assertTrue(a.contiguous().isReadOnly());
        assertFalse(a.limitReached());
        assertEquals(0, a.duplicateBytes() + a.conflictingBytes() + a.droppedBytes());
    }

    @Test
    void theFirstCopyWinsAndConflictsAreCounted() {
        QuicCryptoAssembler a = new QuicCryptoAssembler();
        assertEquals(4, a.add(0, buf(1, 0, 0, 3)));
        assertEquals(2, a.add(2, buf(0, 3, 9, 9)), "two bytes overlap and agree, two are new");
        assertEquals(2, a.duplicateBytes());
        assertEquals(0, a.add(0, buf(1, 7, 7, 3)));
        assertEquals(2, a.conflictingBytes());
        assertArrayEquals(new byte[] {1, 0, 0, 3, 9, 9}, bytes(a.contiguous()));
        assertEquals(-1, a.firstMessageLength(), "the message needs 3 bytes and has 2");
        assertEquals(1, a.add(6, buf(5)));
        assertEquals(7, a.firstMessageLength());
    }

    @Test
    void zeroLengthFragmentsAndViewsAreHarmless() {
        QuicCryptoAssembler a = new QuicCryptoAssembler();
        assertEquals(0, a.add(0, ByteBuffer.allocate(0)));
        assertEquals(0, a.add(QuicInitial.MAX_VARINT, ByteBuffer.allocate(0)));
        ByteBuffer view = ByteBuffer.wrap(new byte[] {9, 9, 1, 2, 3, 9}).position(2).limit(5);
        assertEquals(3, a.add(0, view));
        assertEquals(2, view.position(), "position untouched");
        assertEquals(5, view.limit());
        assertArrayEquals(new byte[] {1, 2, 3}, bytes(a.contiguous()));
    }

    @Test
    void bytesBeyondTheCapAreCountedNotStored() {
        QuicCryptoAssembler a = new QuicCryptoAssembler(100);
        assertEquals(100, a.maxBytes());
        assertEquals(10, a.add(90, ByteBuffer.allocate(30)));
        assertEquals(20, a.droppedBytes());
        assertTrue(a.limitReached());
        assertFalse(a.firstMessageTooLong(), "nothing at offset 0 yet");
        assertEquals(0, a.add(QuicInitial.MAX_VARINT - 5, ByteBuffer.allocate(5)));
        assertEquals(25, a.droppedBytes());
        assertEquals(90, a.add(0, ByteBuffer.allocate(200).limit(90)));
        assertEquals(100, a.contiguousLength());

        // A first message announcing more than the cap can never complete.
        QuicCryptoAssembler b = new QuicCryptoAssembler(100);
        b.add(0, buf(1, 0, 1, 0));
        assertTrue(b.limitReached());
        assertTrue(b.firstMessageTooLong());
        assertEquals(-1, b.firstMessageLength());
    }

    @Test
    void aFirstMessageFillingTheWholeDefaultCapCompletes() {
        QuicCryptoAssembler a = new QuicCryptoAssembler();
        assertEquals(QuicCryptoAssembler.DEFAULT_MAX_BYTES, a.maxBytes());
        byte[] m = message(QuicCryptoAssembler.DEFAULT_MAX_BYTES - 4);
        a.add(0, ByteBuffer.wrap(m));
        assertEquals(m.length, a.firstMessageLength());
        assertEquals(0, a.add(a.maxBytes() - 1, buf(7, 7)), "nothing new");
        assertEquals(1, a.droppedBytes());
        assertTrue(a.limitReached());
    }

    @Test
    void configurationOutsideTheRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new QuicCryptoAssembler(0));
        assertThrows(IllegalArgumentException.class,
                () -> new QuicCryptoAssembler(QuicCryptoAssembler.MAX_BYTES_CEILING + 1));
        QuicCryptoAssembler a = new QuicCryptoAssembler();
        assertThrows(IllegalArgumentException.class, () -> a.add(-1, ByteBuffer.allocate(1)));
        assertThrows(IllegalArgumentException.class, () -> a.add(QuicInitial.MAX_VARINT, ByteBuffer.allocate(1)));
    }

    @Test
    void randomFragmentsInRandomOrderRebuildTheStream() {
        Random random = new Random(0x9001);
        for (int round = 0; round < 2000; round++) {
            int cap = 1 + random.nextInt(20_000);
            byte[] stream = new byte[random.nextInt(25_000)];
            random.nextBytes(stream);
            List<long[]> pieces = new ArrayList<>();
            for (int off = 0; off < stream.length; ) {
                int len = Math.min(stream.length - off, 1 + random.nextInt(1500));
                pieces.add(new long[] {off, len});
                if (random.nextInt(4) == 0) {
                    pieces.add(new long[] {off, len}); // retransmitted
                }
                off += random.nextInt(5) == 0 ? Math.max(1, len / 2) : len; // sometimes overlapping
            }
            Collections.shuffle(pieces, random);
            QuicCryptoAssembler a = new QuicCryptoAssembler(cap);
            int stored = 0;
            int dropPoint = pieces.isEmpty() ? 0 : 1 + random.nextInt(pieces.size());
            for (int i = 0; i < pieces.size(); i++) {
                long[] p = pieces.get(i);
                stored += a.add(p[0], ByteBuffer.wrap(stream, (int) p[0], (int) p[1]));
                if (i == dropPoint - 1) {
                    assertTrue(a.contiguousLength() <= Math.min(cap, stream.length));
                }
            }
            int expected = Math.min(cap, stream.length);
            assertEquals(expected, stored, "round " + round);
            assertEquals(expected, a.contiguousLength(), "round " + round);
            assertArrayEquals(Arrays.copyOf(stream, expected), bytes(a.contiguous()), "round " + round);
            assertEquals(0, a.conflictingBytes());
            assertEquals(stream.length > cap, a.droppedBytes() > 0, "round " + round);
        }
    }

    @Test
    void aStreamKeptFromWhereTheMessagesReadEndReadsTheNextMessageAtItsStart() {
        // After a HelloRetryRequest the second ClientHello follows the first on the same stream:
        // it is kept from there, the first's bytes sent again neither stored nor counted.
        byte[] first = message(300);
        byte[] second = message(500);
        byte[] stream = new byte[first.length + second.length];
        System.arraycopy(first, 0, stream, 0, first.length);
        System.arraycopy(second, 0, stream, first.length, second.length);
        QuicCryptoAssembler a = new QuicCryptoAssembler(1024, first.length);
        assertEquals(first.length, a.from());
        assertEquals(0, a.add(0, ByteBuffer.wrap(first)), "the first message, sent again");
        assertEquals(0, a.keptBytes(), "nothing stored for it");
        // A fragment straddling the start: only its part from the start is stored.
        assertEquals(100, a.add(first.length - 50, ByteBuffer.wrap(stream, first.length - 50, 150)));
        assertEquals(100, a.contiguousLength());
        assertEquals(-1, a.firstMessageLength());
        assertEquals(second.length - 100, a.add(first.length + 100,
                ByteBuffer.wrap(stream, first.length + 100, second.length - 100)));
        assertEquals(second.length, a.firstMessageLength());
        assertArrayEquals(second, bytes(a.contiguous()));
        assertEquals(0, a.droppedBytes());
        assertEquals(0, a.duplicateBytes());
        // The cap counts from the start: bytes past 1024 after it are dropped, counted.
        assertEquals(0, a.add(first.length + 1024, buf(1, 2, 3)));
        assertEquals(3, a.droppedBytes());
        assertThrows(IllegalArgumentException.class, () -> new QuicCryptoAssembler(1024, -1));
    }
}
