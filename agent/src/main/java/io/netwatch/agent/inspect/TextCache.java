package io.netwatch.agent.inspect;

import java.nio.ByteBuffer;

/**
 * The latest strings made from parsed text, by content, so that text seen again (a cluster's
 * DNS names, its Host headers and user agents, its TLS server names) is the same String rather
 * than a new one: less to allocate, and less for the collector to copy while flows keep their
 * record fields. Direct-mapped and bounded; text longer than {@link #MAX_LENGTH} is not kept.
 * Single-threaded: {@link #forThisThread()} gives each thread its own.
 */
public final class TextCache {
    /** Longest text kept, characters. */
    public static final int MAX_LENGTH = 256;
    private static final int CAPACITY = 4096;
    private static final ThreadLocal<TextCache> CACHES = ThreadLocal.withInitial(TextCache::new);

    private final String[] texts = new String[CAPACITY];

    /** The calling thread's cache: the parsers are static and run on the capture threads. */
    public static TextCache forThisThread() {
        return CACHES.get();
    }

    /** A string of {@code text}'s characters. */
    public String of(CharSequence text) {
        int n = text.length();
        if (n > MAX_LENGTH) {
            return text.toString();
        }
        int h = 0;
        for (int i = 0; i < n; i++) {
            h = 31 * h + text.charAt(i);
        }
        int slot = slot(h);
        String s = texts[slot];
        if (s != null && s.contentEquals(text)) {
            return s;
        }
        s = text.toString();
        texts[slot] = s;
        return s;
    }

    /** A string of the bytes {@code [off, off + len)} of {@code b}, one character per byte (ISO-8859-1). */
    public String latin1(ByteBuffer b, int off, int len) {
        if (len > MAX_LENGTH) {
            return copy(b, off, len);
        }
        int h = 0;
        for (int i = 0; i < len; i++) {
            h = 31 * h + (b.get(off + i) & 0xFF);
        }
        int slot = slot(h);
        String s = texts[slot];
        if (s != null && sameLatin1(s, b, off, len)) {
            return s;
        }
        s = copy(b, off, len);
        texts[slot] = s;
        return s;
    }

    private static int slot(int hash) {
        int x = hash * 0x9E3779B9;
        return (x ^ x >>> 16) & (CAPACITY - 1);
    }

    private static boolean sameLatin1(String s, ByteBuffer b, int off, int len) {
        if (s.length() != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (s.charAt(i) != (b.get(off + i) & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    private static String copy(ByteBuffer b, int off, int len) {
        byte[] bytes = new byte[len];
        b.get(off, bytes, 0, len);
        return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
