package io.netwatch.bench.synth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Payload bytes for synthesized sessions: one block of seeded noise that encrypted and binary
 * payloads are sliced from, HTTP/1.1 requests and responses for the plain-text ports, and TLS 1.3
 * streams (a ClientHello with SNI, the server's first flight, application-data records) for 443,
 * so that a parser following the streams has the work it has on real traffic.
 */
final class Payloads {
    /** A slice of an array. */
    record Bytes(byte[] array, int offset, int length) {
    }

    /** Largest TLS record payload, bytes (2^14 plus AEAD expansion). */
    private static final int TLS_MAX_RECORD = 16_384 + 17;
    private static final int TLS_HANDSHAKE = 22;
    private static final int TLS_CHANGE_CIPHER_SPEC = 20;
    private static final int TLS_APPLICATION_DATA = 23;

    /** Size of the noise block, bytes; payload slices are taken from it at random offsets. */
    static final int NOISE_BYTES = 1 << 20;

    private final byte[] noise = new byte[NOISE_BYTES];

    Payloads(long seed) {
        new SplittableRandom(seed).nextBytes(noise);
    }

    /** The noise block: read-only by convention. */
    byte[] noise() {
        return noise;
    }

    /** A random offset where {@code length} bytes of noise start. */
    int noiseOffset(SplittableRandom rnd, int length) {
        return rnd.nextInt(NOISE_BYTES - Math.min(length, NOISE_BYTES - 1));
    }

    /** {@code length} bytes of noise. */
    Bytes noise(SplittableRandom rnd, int length) {
        int n = Math.max(1, Math.min(length, NOISE_BYTES / 2));
        return new Bytes(noise, noiseOffset(rnd, n), n);
    }

    /** An HTTP/1.1 GET request for a made-up API path on a reserved name. */
    static byte[] httpRequest(SplittableRandom rnd, String host) {
        String path = switch (rnd.nextInt(4)) {
            case 0 -> "/api/v1/items/" + rnd.nextInt(100_000);
            case 1 -> "/static/js/app." + Integer.toHexString(rnd.nextInt()) + ".js";
            case 2 -> "/healthz";
            default -> "/api/v2/users/" + rnd.nextInt(10_000) + "/orders?page=" + rnd.nextInt(20);
        };
        return ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: netwatch-bench/1.0\r\n"
                + "Accept: */*\r\nAccept-Encoding: gzip\r\nConnection: keep-alive\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** An HTTP/1.1 response of {@code bodyLength} body bytes, head and body in one array. */
    byte[] httpResponse(SplittableRandom rnd, int bodyLength) {
        byte[] head = ("HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + bodyLength + "\r\nCache-Control: no-store\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + bodyLength];
        System.arraycopy(head, 0, out, 0, head.length);
        int left = bodyLength;
        int at = head.length;
        while (left > 0) {
            int n = Math.min(left, NOISE_BYTES / 2);
            System.arraycopy(noise, noiseOffset(rnd, n), out, at, n);
            at += n;
            left -= n;
        }
        return out;
    }

    /** A TLS 1.3 ClientHello record naming {@code serverName} (SNI), with key share. */
    byte[] tlsClientHello(SplittableRandom rnd, String serverName) {
        byte[] sni = serverName.getBytes(StandardCharsets.US_ASCII);
        TlsWriter w = new TlsWriter(512);
        w.u8(1);
        int helloLength = w.reserve24();
        w.u16(0x0303);
        w.bytes(noise, noiseOffset(rnd, 32), 32);
        w.u8(32);
        w.bytes(noise, noiseOffset(rnd, 32), 32);
        w.u16(6);
        w.u16(0x1301);
        w.u16(0x1302);
        w.u16(0x1303);
        w.u8(1);
        w.u8(0);
        int extensions = w.reserve16();
        w.u16(0); // server_name
        w.u16(sni.length + 5);
        w.u16(sni.length + 3);
        w.u8(0);
        w.u16(sni.length);
        w.bytes(sni, 0, sni.length);
        w.u16(10); // supported_groups: x25519, secp256r1
        w.u16(6);
        w.u16(4);
        w.u16(0x001d);
        w.u16(0x0017);
        w.u16(13); // signature_algorithms
        w.u16(8);
        w.u16(6);
        w.u16(0x0403);
        w.u16(0x0804);
        w.u16(0x0401);
        w.u16(16); // ALPN h2, http/1.1
        w.u16(14);
        w.u16(12);
        w.u8(2);
        w.bytes("h2".getBytes(StandardCharsets.US_ASCII), 0, 2);
        w.u8(8);
        w.bytes("http/1.1".getBytes(StandardCharsets.US_ASCII), 0, 8);
        w.u16(43); // supported_versions: TLS 1.3, 1.2
        w.u16(5);
        w.u8(4);
        w.u16(0x0304);
        w.u16(0x0303);
        w.u16(51); // key_share: x25519
        w.u16(38);
        w.u16(36);
        w.u16(0x001d);
        w.u16(32);
        w.bytes(noise, noiseOffset(rnd, 32), 32);
        w.end16(extensions);
        w.end24(helloLength);
        return record(TLS_HANDSHAKE, w.toArray());
    }

    /**
     * The server's first flight: ServerHello, ChangeCipherSpec, and the encrypted rest of the
     * handshake (certificate chain and all) as application-data records of noise.
     */
    byte[] tlsServerFlight(SplittableRandom rnd) {
        TlsWriter w = new TlsWriter(128);
        w.u8(2);
        int helloLength = w.reserve24();
        w.u16(0x0303);
        w.bytes(noise, noiseOffset(rnd, 32), 32);
        w.u8(32);
        w.bytes(noise, noiseOffset(rnd, 32), 32);
        w.u16(0x1301);
        w.u8(0);
        int extensions = w.reserve16();
        w.u16(43);
        w.u16(2);
        w.u16(0x0304);
        w.u16(51);
        w.u16(36);
        w.u16(0x001d);
        w.u16(32);
        w.bytes(noise, noiseOffset(rnd, 32), 32);
        w.end16(extensions);
        w.end24(helloLength);
        byte[] hello = record(TLS_HANDSHAKE, w.toArray());
        byte[] ccs = record(TLS_CHANGE_CIPHER_SPEC, new byte[] {1});
        byte[] encrypted = tlsApplicationData(rnd, 2_500 + rnd.nextInt(2_500));
        return concat(hello, ccs, encrypted);
    }

    /** The client's ChangeCipherSpec and encrypted Finished, sent before its first request. */
    byte[] tlsClientFinished(SplittableRandom rnd) {
        return concat(record(TLS_CHANGE_CIPHER_SPEC, new byte[] {1}), tlsApplicationData(rnd, 53));
    }

    /** {@code length} bytes of plaintext as TLS application-data records of noise. */
    byte[] tlsApplicationData(SplittableRandom rnd, int length) {
        int records = Math.max(1, (length + TLS_MAX_RECORD - 1) / TLS_MAX_RECORD);
        byte[] out = new byte[length + 5 * records];
        int at = 0;
        int left = length;
        for (int r = 0; r < records; r++) {
            int n = Math.min(left, TLS_MAX_RECORD);
            out[at] = TLS_APPLICATION_DATA;
            out[at + 1] = 3;
            out[at + 2] = 3;
            out[at + 3] = (byte) (n >>> 8);
            out[at + 4] = (byte) n;
            System.arraycopy(noise, noiseOffset(rnd, n), out, at + 5, n);
            at += 5 + n;
            left -= n;
        }
        return out;
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static byte[] record(int type, byte[] body) {
        byte[] out = new byte[5 + body.length];
        out[0] = (byte) type;
        out[1] = 3;
        out[2] = type == TLS_HANDSHAKE && body[0] == 1 ? (byte) 1 : (byte) 3;
        out[3] = (byte) (body.length >>> 8);
        out[4] = (byte) body.length;
        System.arraycopy(body, 0, out, 5, body.length);
        return out;
    }

    /** Appends big-endian fields, with length fields filled in once their contents are written. */
    private static final class TlsWriter {
        private final byte[] b;
        private int at;

        TlsWriter(int capacity) {
            b = new byte[capacity];
        }

        void u8(int v) {
            b[at++] = (byte) v;
        }

        void u16(int v) {
            b[at++] = (byte) (v >>> 8);
            b[at++] = (byte) v;
        }

        void bytes(byte[] src, int off, int n) {
            System.arraycopy(src, off, b, at, n);
            at += n;
        }

        int reserve16() {
            at += 2;
            return at;
        }

        int reserve24() {
            at += 3;
            return at;
        }

        void end16(int start) {
            int n = at - start;
            b[start - 2] = (byte) (n >>> 8);
            b[start - 1] = (byte) n;
        }

        void end24(int start) {
            int n = at - start;
            b[start - 3] = (byte) (n >>> 16);
            b[start - 2] = (byte) (n >>> 8);
            b[start - 1] = (byte) n;
        }

        byte[] toArray() {
            return Arrays.copyOf(b, at);
        }
    }
}
