package io.netwatch.agent.inspect.tls;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** Builds TLS byte fixtures for the tests: records, handshake messages, hello bodies, extensions. */
final class TlsBytes {
    static final int TLS10 = 0x0301;
    static final int TLS12 = 0x0303;
    static final int TLS13 = 0x0304;

    /** Chrome's cipher suites as in the JA4 specification's example, in the order sent. */
    static final int[] CHROME_SUITES = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
        0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
    /** The JA4 specification's example signature algorithms, in the order sent. */
    static final int[] CHROME_SIGNATURES = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};

    private TlsBytes() {
    }

    /** A growable big-endian byte writer. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Writer u8(int v) {
            out.write(v);
            return this;
        }

        Writer u16(int v) {
            return u8(v >>> 8).u8(v);
        }

        Writer u24(int v) {
            return u8(v >>> 16).u16(v & 0xFFFF);
        }

        Writer bytes(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Writer zeros(int n) {
            return bytes(new byte[n]);
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    static Writer w() {
        return new Writer();
    }

    static byte[] concat(byte[]... parts) {
        Writer w = w();
        for (byte[] p : parts) {
            w.bytes(p);
        }
        return w.toBytes();
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A TLS record. */
    static byte[] record(int type, int version, byte[] body) {
        return w().u8(type).u16(version).u16(body.length).bytes(body).toBytes();
    }

    /** A handshake message: type, 24-bit length, body. */
    static byte[] handshake(int type, byte[] body) {
        return w().u8(type).u24(body.length).bytes(body).toBytes();
    }

    /** Handshake bytes cut into handshake records of the given body sizes (the last takes the rest). */
    static byte[] records(int version, byte[] handshakeBytes, int... sizes) {
        Writer w = w();
        int p = 0;
        for (int size : sizes) {
            int n = Math.min(size, handshakeBytes.length - p);
            w.bytes(record(TlsRecordReader.CONTENT_HANDSHAKE, version, Arrays.copyOfRange(handshakeBytes, p, p + n)));
            p += n;
        }
        if (p < handshakeBytes.length || sizes.length == 0) {
            w.bytes(record(TlsRecordReader.CONTENT_HANDSHAKE, version,
                    Arrays.copyOfRange(handshakeBytes, p, handshakeBytes.length)));
        }
        return w.toBytes();
    }

    static byte[] ext(int type, byte[] data) {
        return w().u16(type).u16(data.length).bytes(data).toBytes();
    }

    static byte[] sni(String host) {
        byte[] name = ascii(host);
        return ext(0x0000, w().u16(name.length + 3).u8(0).u16(name.length).bytes(name).toBytes());
    }

    static byte[] alpn(String... protocols) {
        Writer list = w();
        for (String p : protocols) {
            byte[] b = ascii(p);
            list.u8(b.length).bytes(b);
        }
        byte[] l = list.toBytes();
        return ext(0x0010, w().u16(l.length).bytes(l).toBytes());
    }

    /** An extension holding a list of 16-bit values behind a length of {@code lengthBytes} (1 or 2). */
    static byte[] u16ListExt(int type, int lengthBytes, int... values) {
        Writer w = w();
        if (lengthBytes == 1) {
            w.u8(values.length * 2);
        } else {
            w.u16(values.length * 2);
        }
        for (int v : values) {
            w.u16(v);
        }
        return ext(type, w.toBytes());
    }

    static byte[] ecPointFormats(int... formats) {
        Writer w = w().u8(formats.length);
        for (int f : formats) {
            w.u8(f);
        }
        return ext(0x000b, w.toBytes());
    }

    /** A ClientHello body: legacy_version, a fixed random, session id, suites, null compression, extensions. */
    static byte[] clientHelloBody(int legacyVersion, int sessionIdLength, int[] suites, List<byte[]> extensions) {
        Writer w = w().u16(legacyVersion);
        for (int i = 0; i < 32; i++) {
            w.u8(0x40 + i);
        }
        w.u8(sessionIdLength).zeros(sessionIdLength);
        w.u16(suites.length * 2);
        for (int s : suites) {
            w.u16(s);
        }
        w.u8(1).u8(0);
        if (extensions != null) {
            byte[] block = concat(extensions.toArray(byte[][]::new));
            w.u16(block.length).bytes(block);
        }
        return w.toBytes();
    }

    /**
     * The TCP ClientHello of suricata-verify's ja4-tls-quic capture as its fields read (Chrome:
     * GREASE in suites, extensions, groups and versions): the JA4 specification's example
     * values, with extensions in the order this hello sent them.
     */
    static byte[] chromeClientHelloBody(String host) {
        List<byte[]> ext = new ArrayList<>();
        ext.add(ext(0x3a3a, new byte[0]));
        ext.add(sni(host));
        ext.add(ext(0x0017, new byte[0]));
        ext.add(ext(0xff01, new byte[] {0}));
        ext.add(u16ListExt(0x000a, 2, 0xeaea, 0x001d, 0x0017, 0x0018));
        ext.add(ecPointFormats(0));
        ext.add(ext(0x0023, new byte[0]));
        ext.add(alpn("h2", "http/1.1"));
        ext.add(ext(0x0005, hex("0100000000")));
        ext.add(u16ListExt(0x000d, 2, CHROME_SIGNATURES));
        ext.add(ext(0x0012, new byte[0]));
        ext.add(ext(0x0033, w().u16(0x29).u16(0xeaea).u16(1).u8(0).u16(0x001d).u16(32).zeros(32).toBytes()));
        ext.add(ext(0x002d, hex("0101")));
        ext.add(u16ListExt(0x002b, 1, 0x3a3a, TLS13, TLS12));
        ext.add(ext(0x001b, hex("020002")));
        ext.add(ext(0x4469, hex("0003026832")));
        ext.add(ext(0x0015, new byte[40]));
        ext.add(ext(0x1a1a, new byte[] {0}));
        int[] suites = new int[CHROME_SUITES.length + 1];
        suites[0] = 0x5a5a;
        System.arraycopy(CHROME_SUITES, 0, suites, 1, CHROME_SUITES.length);
        return clientHelloBody(TLS12, 32, suites, ext);
    }

    /** A ServerHello body with the given random (32 bytes), suite and extensions. */
    static byte[] serverHelloBody(int legacyVersion, byte[] random, int suite, List<byte[]> extensions) {
        Writer w = w().u16(legacyVersion).bytes(random).u8(32).zeros(32).u16(suite).u8(0);
        if (extensions != null) {
            byte[] block = concat(extensions.toArray(byte[][]::new));
            w.u16(block.length).bytes(block);
        }
        return w.toBytes();
    }

    static final byte[] HRR_RANDOM = hex("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C");

    static byte[] random(int fill) {
        byte[] r = new byte[32];
        Arrays.fill(r, (byte) fill);
        return r;
    }
}
