package io.netwatch.agent.inspect;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

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
    /**
     * Each kept text's hash: a text that is not the one kept in its slot (a new URI, say) is
     * mostly told apart here, without reading the kept string, which is seldom in the cache.
     */
    private final int[] hashes = new int[CAPACITY];
    /**
     * The bytes of each text kept by {@link #latin1} (null for one kept by {@link #of}, which
     * is compared char by char): a lookup compares two arrays in one vectorized call.
     */
    private final byte[][] latin1 = new byte[CAPACITY][];
    /** The text being looked up, read out of its buffer or builder once. */
    private final byte[] scratchBytes = new byte[MAX_LENGTH];
    private final char[] scratchChars = new char[MAX_LENGTH];

    /**
     * The thread that asked last and its cache: one capture thread asks for every field it
     * parses, and comparing a thread is cheaper than a thread-local lookup. Immutable, so a
     * racing reader sees one whole pair.
     */
    private record Owner(Thread thread, TextCache cache) {
    }

    private static volatile Owner last = new Owner(null, null);

    /** The calling thread's cache: the parsers are static and run on the capture threads. */
    public static TextCache forThisThread() {
        Owner o = last;
        Thread t = Thread.currentThread();
        if (o.thread() == t) {
            return o.cache();
        }
        TextCache c = CACHES.get();
        last = new Owner(t, c);
        return c;
    }

    /** A string of {@code text}'s characters. */
    public String of(CharSequence text) {
        int n = text.length();
        if (n > MAX_LENGTH) {
            return text.toString();
        }
        char[] c = scratchChars;
        if (text instanceof StringBuilder sb) {
            // One bulk copy, then plain array reads (a builder's charAt checks twice per char).
            sb.getChars(0, n, c, 0);
        } else {
            for (int i = 0; i < n; i++) {
                c[i] = text.charAt(i);
            }
        }
        int h = 0;
        for (int i = 0; i < n; i++) {
            h = 31 * h + c[i];
        }
        int slot = slot(h);
        String s = texts[slot];
        if (s != null && hashes[slot] == h && sameChars(s, c, n)) {
            return s;
        }
        s = new String(c, 0, n);
        texts[slot] = s;
        hashes[slot] = h;
        latin1[slot] = null; // found again by of(), not by latin1()
        return s;
    }

    /** A string of the bytes {@code [off, off + len)} of {@code b}, one character per byte (ISO-8859-1). */
    public String latin1(ByteBuffer b, int off, int len) {
        if (len > MAX_LENGTH) {
            byte[] whole = new byte[len];
            b.get(off, whole, 0, len);
            return new String(whole, StandardCharsets.ISO_8859_1);
        }
        b.get(off, scratchBytes, 0, len);
        return latin1(scratchBytes, len);
    }

    /**
     * A string of the first {@code len} bytes of {@code t}, one character per byte
     * (ISO-8859-1); {@code t} is only read.
     */
    public String latin1(byte[] t, int len) {
        if (len > MAX_LENGTH) {
            return new String(t, 0, len, StandardCharsets.ISO_8859_1);
        }
        int h = 0;
        for (int i = 0; i < len; i++) {
            h = 31 * h + (t[i] & 0xFF);
        }
        int slot = slot(h);
        byte[] kept = latin1[slot];
        if (hashes[slot] == h && (kept != null ? Arrays.equals(kept, 0, kept.length, t, 0, len)
                : texts[slot] != null && sameLatin1(texts[slot], t, len))) {
            return texts[slot];
        }
        kept = Arrays.copyOf(t, len);
        String s = new String(kept, StandardCharsets.ISO_8859_1);
        texts[slot] = s;
        hashes[slot] = h;
        latin1[slot] = kept;
        return s;
    }

    private static int slot(int hash) {
        int x = hash * 0x9E3779B9;
        return (x ^ x >>> 16) & (CAPACITY - 1);
    }

    private static boolean sameLatin1(String s, byte[] t, int len) {
        if (s.length() != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (s.charAt(i) != (t[i] & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameChars(String s, char[] c, int n) {
        if (s.length() != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) != c[i]) {
                return false;
            }
        }
        return true;
    }
}
