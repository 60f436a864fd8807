package io.netwatch.agent.inspect;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    /** Eight bytes of a byte array as one long, whatever their alignment. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Longest text kept in its slot's own bytes, {@link #STRIDE} less the length byte. */
    private static final int INLINE = 63;
    /** Bytes per slot in {@link #inline}. */
    private static final int STRIDE = INLINE + 1;

    /**
     * Texts of up to {@link #INLINE} bytes (nearly every DNS name, server name and header
     * value) in the slot's own stretch of one array: its length plus one, then its bytes; 0
     * for none. The stretch's place follows from the slot, so a lookup reads it and the
     * slot's String at once, two reads of memory issued together, instead of a reference
     * first and the bytes it points to after.
     */
    private final byte[] inline = new byte[CAPACITY * STRIDE];
    /** Longer texts' bytes, by slot; null where the slot holds a short text or none. */
    private final byte[][] outside = new byte[CAPACITY][];
    /** Each slot's String. */
    private final String[] strings = new String[CAPACITY];
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
        byte[] t = scratchBytes;
        for (int i = 0; i < n; i++) {
            if (c[i] > 0xFF) {
                // Beyond ISO-8859-1 (an escaped UTF-8 name, say): not kept, and seldom asked again.
                return new String(c, 0, n);
            }
            t[i] = (byte) c[i];
        }
        return latin1(t, n);
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
        int slot = slot(hash(t, len));
        if (len <= INLINE) {
            int at = slot * STRIDE;
            if (inline[at] == (byte) (len + 1) && Arrays.equals(inline, at + 1, at + 1 + len, t, 0, len)) {
                return strings[slot];
            }
            String s = new String(t, 0, len, StandardCharsets.ISO_8859_1);
            inline[at] = (byte) (len + 1);
            System.arraycopy(t, 0, inline, at + 1, len);
            outside[slot] = null;
            strings[slot] = s;
            return s;
        }
        byte[] bytes = outside[slot];
        if (bytes != null && Arrays.equals(bytes, 0, bytes.length, t, 0, len)) {
            return strings[slot];
        }
        bytes = Arrays.copyOf(t, len);
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        inline[slot * STRIDE] = 0;
        outside[slot] = bytes;
        strings[slot] = s;
        return s;
    }

    /**
     * The bytes' hash, eight at a time: a URI or a user agent of a hundred bytes takes thirteen
     * steps, not a hundred that each wait for the one before. Attacker bytes that collide only
     * share a slot, which costs them a miss.
     */
    static int hash(byte[] t, int len) {
        long h = len * 0x9E37_79B9_7F4A_7C15L;
        int i = 0;
        for (; i + Long.BYTES <= len; i += Long.BYTES) {
            h = (Long.rotateLeft(h, 23) ^ (long) LONGS.get(t, i)) * 0x9E37_79B9_7F4A_7C15L;
        }
        long tail = 0;
        int rest = len - i;
        if (rest > 0 && i + Long.BYTES <= t.length) {
            // The last bytes in one read, those past the text masked off: no loop whose length
            // changes from one text to the next (and mispredicts its end).
            tail = (long) LONGS.get(t, i) & -1L >>> (Long.SIZE - Byte.SIZE * rest);
        } else {
            for (int k = 0; i < len; i++, k += 8) {
                tail |= (t[i] & 0xFFL) << k;
            }
        }
        h = (Long.rotateLeft(h, 23) ^ tail) * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ h >>> 32);
    }

    private static int slot(int hash) {
        int x = hash * 0x9E3779B9;
        return (x ^ x >>> 16) & (CAPACITY - 1);
    }
}
