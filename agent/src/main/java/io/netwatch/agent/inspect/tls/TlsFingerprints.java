package io.netwatch.agent.inspect.tls;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JA4 and JA3 of ClientHellos, remembered for the last {@link #CAPACITY} distinct hellos.
 * A cluster's TLS clients are a few runtimes and proxies that send the same hello on every
 * connection, and computing both fingerprints (sorting, hex strings, SHA-256 and MD5) costs
 * more than reading the hello: a hello seen before costs a map lookup. The key is every field
 * the two fingerprints read, so a remembered answer is the one {@link Ja4#of} and
 * {@link Ja3#of} would give. Single-threaded: one per inspection stage.
 */
public final class TlsFingerprints {
    /** Distinct hellos remembered, least recently used forgotten first. */
    static final int CAPACITY = 256;

    /** The two fingerprints of one hello; {@code ja3} is empty for an SSLv2 hello. */
    public record Pair(String ja4, String ja3) {
    }

    /**
     * What JA4 and JA3 read of a hello: its numbers packed in one array (each list after its
     * length), so that telling a new hello from a remembered one reads a few cache lines rather
     * than one boxed Integer for each value the remembered hello sent.
     */
    private record Key(int[] numbers, List<String> alpn) {
        static Key of(ClientHello hello, boolean quic) {
            List<List<Integer>> lists = List.of(hello.cipherSuites(), hello.extensions(), hello.supportedVersions(),
                    hello.signatureAlgorithms(), hello.supportedGroups(), hello.ecPointFormats());
            int n = 3;
            for (List<Integer> l : lists) {
                n += 1 + l.size();
            }
            int[] numbers = new int[n];
            numbers[0] = quic ? 1 : 0;
            numbers[1] = hello.sslv2() ? 1 : 0;
            numbers[2] = hello.legacyVersion();
            int at = 3;
            for (List<Integer> l : lists) {
                numbers[at++] = l.size();
                for (int i = 0; i < l.size(); i++) {
                    numbers[at++] = l.get(i);
                }
            }
            return new Key(numbers, hello.alpn());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(numbers, k.numbers) && alpn.equals(k.alpn);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(numbers) * 31 + alpn.hashCode();
        }
    }

    private final Map<Key, Pair> recent = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Pair> eldest) {
            return size() > CAPACITY;
        }
    };
    private long computed;

    /** The JA4 and JA3 of {@code hello}; {@code quic}: it came in QUIC CRYPTO frames. */
    public Pair of(ClientHello hello, boolean quic) {
        Key key = Key.of(hello, quic);
        Pair p = recent.get(key);
        if (p == null) {
            computed++;
            p = new Pair(Ja4.of(hello, quic).fingerprint(), Ja3.of(hello).map(Ja3::md5).orElse(""));
            recent.put(key, p);
        }
        return p;
    }

    /** Hellos whose fingerprints were computed rather than remembered. */
    public long computed() {
        return computed;
    }
}
