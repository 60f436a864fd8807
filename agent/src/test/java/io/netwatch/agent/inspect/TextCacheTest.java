package io.netwatch.agent.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A remembered string is always the text asked for, whatever shares its slot. */
class TextCacheTest {
    @Test
    void everyStringSpellsItsTextUnderChurn() {
        TextCache cache = new TextCache();
        SplittableRandom rnd = new SplittableRandom(3);
        String[] recent = new String[32];
        for (int i = 0; i < 50_000; i++) {
            String text = rnd.nextInt(2) == 0 && i > 32 ? recent[rnd.nextInt(32)] : word(rnd);
            recent[i % 32] = text;
            byte[] bytes = ("xx" + text + "yy").getBytes(StandardCharsets.ISO_8859_1);
            assertEquals(text, cache.latin1(ByteBuffer.wrap(bytes), 2, text.length()));
            assertEquals(text, cache.of(new StringBuilder(text)));
        }
    }

    @Test
    void shortAndLongTextsTakingEachOthersSlotsStaySpeltRight() {
        // Texts up to 63 bytes are kept in the slot's own bytes, longer ones apart: 200,000
        // lookups over 4,096 slots make each kind replace the other many times over.
        TextCache cache = new TextCache();
        SplittableRandom rnd = new SplittableRandom(11);
        String[] recent = new String[64];
        for (int i = 0; i < 200_000; i++) {
            String text;
            if (rnd.nextInt(2) == 0 && i > 64) {
                text = recent[rnd.nextInt(64)];
            } else {
                StringBuilder b = new StringBuilder();
                int n = rnd.nextInt(0, 130);
                for (int k = 0; k < n; k++) {
                    b.append((char) (rnd.nextInt(2) == 0 ? 'a' + rnd.nextInt(4) : 0x80 + rnd.nextInt(128)));
                }
                text = b.toString();
            }
            recent[i % 64] = text;
            byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
            String found = cache.latin1(bytes, bytes.length);
            assertEquals(text, found);
            assertSame(found, cache.latin1(ByteBuffer.wrap(bytes), 0, bytes.length));
        }
    }

    @Test
    void textSeenAgainIsTheSameString() {
        TextCache cache = new TextCache();
        String first = cache.of(new StringBuilder("api-3.example.org"));
        assertSame(first, cache.of(new StringBuilder("api-3.example.org")));
        assertSame(first, cache.latin1(ByteBuffer.wrap("api-3.example.org".getBytes(StandardCharsets.ISO_8859_1)), 0, 17));
    }

    @Test
    void textOfAnyLengthIsFoundAgainByEitherWay() {
        // The hash reads eight bytes at a time and then a tail: every length up to past ten words,
        // on both sides of the 63 bytes kept in a slot's own bytes.
        TextCache cache = new TextCache();
        for (int n = 0; n <= 80; n++) {
            String text = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-.abcdefghijklmnopqr".substring(0, n);
            byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
            String first = cache.latin1(bytes, n);
            assertEquals(text, first);
            assertSame(first, cache.latin1(ByteBuffer.wrap(bytes), 0, n), "length " + n);
            assertSame(first, cache.of(new StringBuilder(text)), "length " + n);
            // In a larger array, whatever bytes follow the text (the tail is read as a word).
            for (byte after : new byte[] {0, 'Z', (byte) 0xFF}) {
                byte[] padded = new byte[n + 16];
                java.util.Arrays.fill(padded, after);
                System.arraycopy(bytes, 0, padded, 0, n);
                assertEquals(TextCache.hash(bytes, n), TextCache.hash(padded, n), "length " + n);
                assertSame(first, cache.latin1(padded, n), "length " + n + ", then " + after);
            }
        }
    }

    @Test
    void charsBeyondLatin1AreSpeltButNotKept() {
        TextCache cache = new TextCache();
        String first = cache.of(new StringBuilder("caf\u00e9-\u4e2d"));
        assertEquals("caf\u00e9-\u4e2d", first);
        // Not kept: asked again, the same text is a new String.
        assertNotSame(first, cache.of(new StringBuilder("caf\u00e9-\u4e2d")));
    }

    @Test
    void bytesAboveAsciiAreOneCharacterEach() {
        TextCache cache = new TextCache();
        byte[] bytes = {(byte) 0xE9, 'a', (byte) 0xFF};
        String first = cache.latin1(ByteBuffer.wrap(bytes), 0, 3);
        assertEquals("\u00e9a\u00ff", first);
        // Kept like ASCII text: asked again, the same String.
        assertSame(first, cache.latin1(ByteBuffer.wrap(bytes), 0, 3));
    }

    @Test
    void longTextIsMadeButNotKept() {
        TextCache cache = new TextCache();
        String text = "a".repeat(TextCache.MAX_LENGTH + 1);
        String built = cache.of(new StringBuilder(text));
        assertEquals(text, built);
        assertNotSame(built, cache.of(new StringBuilder(text)), "longer than MAX_LENGTH: not kept");
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        String read = cache.latin1(ByteBuffer.wrap(bytes), 0, bytes.length);
        assertEquals(text, read);
        assertNotSame(read, cache.latin1(ByteBuffer.wrap(bytes), 0, bytes.length), "longer than MAX_LENGTH: not kept");
    }

    private static String word(SplittableRandom rnd) {
        StringBuilder b = new StringBuilder();
        int n = rnd.nextInt(1, 12);
        for (int i = 0; i < n; i++) {
            b.append((char) ('a' + rnd.nextInt(3)));
        }
        return b.toString();
    }
}
