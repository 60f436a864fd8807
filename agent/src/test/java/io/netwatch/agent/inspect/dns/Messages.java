package io.netwatch.agent.inspect.dns;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds DNS wire bytes for the tests, field by field. */
final class Messages {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static Messages header(int id, int flags, int qd, int an, int ns, int ar) {
        return new Messages().u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
    }

    /** A standard query for {@code name}, type {@code type}, class IN, RD set. */
    static byte[] query(int id, String name, int type) {
        return header(id, 0x0100, 1, 0, 0, 0).question(name, type, 1).bytes();
    }

    Messages u8(int v) {
        out.write(v);
        return this;
    }

    Messages u16(int v) {
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    Messages u32(long v) {
        return u16((int) (v >>> 16)).u16((int) v);
    }

    Messages raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    Messages raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    Messages name(String dotted) {
        return raw(wire(dotted.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /** A pointer to {@code offset} (from the message start). */
    Messages pointer(int offset) {
        return raw(0xC0 | (offset >>> 8), offset & 0xFF);
    }

    Messages question(String name, int type, int dnsClass) {
        return name(name).u16(type).u16(dnsClass);
    }

    Messages record(String owner, int type, int dnsClass, long ttl, byte[] rdata) {
        return name(owner).u16(type).u16(dnsClass).u32(ttl).u16(rdata.length).raw(rdata);
    }

    /** A record whose owner is written by the caller already (e.g. a pointer). */
    Messages recordAfterOwner(int type, int dnsClass, long ttl, byte[] rdata) {
        return u16(type).u16(dnsClass).u32(ttl).u16(rdata.length).raw(rdata);
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** Wire form of a dotted name, each byte as given (ISO-8859-1); "" is the root. */
    static byte[] wire(byte[] dotted) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int start = 0;
        for (int i = 0; i <= dotted.length; i++) {
            if (i == dotted.length || dotted[i] == '.') {
                if (i > start) {
                    b.write(i - start);
                    b.write(dotted, start, i - start);
                }
                start = i + 1;
            }
        }
        b.write(0);
        return b.toByteArray();
    }

    /** Wire form of labels given as raw bytes each. */
    static byte[] labels(byte[]... labels) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] l : labels) {
            b.write(l.length);
            b.writeBytes(l);
        }
        b.write(0);
        return b.toByteArray();
    }

    static byte[] wire(String dotted) {
        return wire(dotted.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** TXT RDATA: each string behind its length octet. */
    static byte[] txt(byte[]... strings) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] s : strings) {
            b.write(s.length);
            b.writeBytes(s);
        }
        return b.toByteArray();
    }

    static byte[] txt(String... strings) {
        byte[][] b = new byte[strings.length][];
        for (int i = 0; i < strings.length; i++) {
            b[i] = strings[i].getBytes(StandardCharsets.ISO_8859_1);
        }
        return txt(b);
    }

    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    /** A TCP stream of the messages, each behind its two-byte length. */
    static byte[] tcpStream(byte[]... messages) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] m : messages) {
            b.write(m.length >>> 8);
            b.write(m.length);
            b.writeBytes(m);
        }
        return b.toByteArray();
    }
}
