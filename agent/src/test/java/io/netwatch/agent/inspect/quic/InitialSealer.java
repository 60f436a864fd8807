package io.netwatch.agent.inspect.quic;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The sending side of Initial packet protection, for tests only: builds protected Initial
 * packets from frames the test chooses, so the parser's frame handling can be exercised behind
 * a valid AEAD tag. Checked against RFC 9001 A.2 / RFC 9369 A.2 byte for byte. Public for the
 * flow-level tests of {@code io.netwatch.agent.inspect}.
 */
public final class InitialSealer {
    private InitialSealer() {
    }

    /** {@link InitialKeys#BYTES}, for tests outside the package: what one direction's kept keys of one version count. */
    public static final int KEY_BYTES = InitialKeys.BYTES;

    /** The fields of one Initial packet to seal. */
    public record Spec(int version, byte[] keyDcid, boolean server, byte[] dcid, byte[] scid, byte[] token, long pn,
                int pnLength, int reservedBits, byte[] payload) {
        /** A client Initial of {@code version} keyed by and addressed to {@code dcid}, packet number 0 in 1 byte. */
        static Spec client(int version, byte[] dcid, byte[] payload) {
            return new Spec(version, dcid, false, dcid, new byte[0], new byte[0], 0, 1, 0, payload);
        }

        Spec withPn(long newPn, int newLength) {
            return new Spec(version, keyDcid, server, dcid, scid, token, newPn, newLength, reservedBits, payload);
        }

        Spec withPayload(byte[] p) {
            return new Spec(version, keyDcid, server, dcid, scid, token, pn, pnLength, reservedBits, p);
        }

        Spec withReservedBits(int bits) {
            return new Spec(version, keyDcid, server, dcid, scid, token, pn, pnLength, bits, payload);
        }

        Spec withToken(byte[] t) {
            return new Spec(version, keyDcid, server, dcid, scid, t, pn, pnLength, reservedBits, payload);
        }

        Spec withDcid(byte[] d) {
            return new Spec(version, keyDcid, server, d, scid, token, pn, pnLength, reservedBits, payload);
        }

        Spec asServer(byte[] serverScid, byte[] clientScid) {
            return new Spec(version, keyDcid, true, clientScid, serverScid, new byte[0], pn, pnLength, reservedBits,
                    payload);
        }
    }

    public static byte[] seal(Spec s) {
        if (s.pnLength() < 1 || s.pnLength() > 4 || s.pnLength() + s.payload().length < 4) {
            throw new IllegalArgumentException("no room for the header-protection sample");
        }
        InitialKeys keys = InitialKeys.derive(s.version(), s.keyDcid(), s.server());
        int type = s.version() == QuicInitial.VERSION_2 ? 0b01 : 0b00;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xc0 | type << 4 | (s.reservedBits() & 0b11) << 2 | (s.pnLength() - 1));
        writeInt(out, s.version());
        out.write(s.dcid().length);
        out.writeBytes(s.dcid());
        out.write(s.scid().length);
        out.writeBytes(s.scid());
        writeVarint(out, s.token().length);
        out.writeBytes(s.token());
        int length = s.pnLength() + s.payload().length + QuicInitial.TAG_LENGTH;
        if (length < 16384) {
            out.write(0x40 | length >>> 8);
            out.write(length);
        } else {
            writeVarint(out, length);
        }
        int pnOffset = out.size();
        for (int i = s.pnLength() - 1; i >= 0; i--) {
            out.write((int) (s.pn() >>> (8 * i)));
        }
        byte[] header = out.toByteArray();
        byte[] nonce = keys.iv().clone();
        for (int i = 0; i < 8; i++) {
            nonce[nonce.length - 1 - i] ^= (byte) (s.pn() >>> (8 * i));
        }
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.key(), "AES"), new GCMParameterSpec(128, nonce));
            gcm.updateAAD(header);
            byte[] sealed = gcm.doFinal(s.payload());
            byte[] packet = new byte[header.length + sealed.length];
            System.arraycopy(header, 0, packet, 0, header.length);
            System.arraycopy(sealed, 0, packet, header.length, sealed.length);
            Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
            ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.hp(), "AES"));
            byte[] mask = ecb.doFinal(packet, pnOffset + 4, 16);
            packet[0] ^= (byte) (mask[0] & 0x0f);
            for (int i = 0; i < s.pnLength(); i++) {
                packet[pnOffset + i] ^= mask[1 + i];
            }
            return packet;
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    /** Minimal-length QUIC varint. */
    static void writeVarint(ByteArrayOutputStream out, long v) {
        if (v < 64) {
            out.write((int) v);
        } else if (v < 16384) {
            out.write((int) (0x40 | v >>> 8));
            out.write((int) v);
        } else if (v < 1L << 30) {
            out.write((int) (0x80 | v >>> 24));
            out.write((int) (v >>> 16));
            out.write((int) (v >>> 8));
            out.write((int) v);
        } else {
            out.write((int) (0xc0 | v >>> 56));
            for (int i = 6; i >= 0; i--) {
                out.write((int) (v >>> (8 * i)));
            }
        }
    }

    /** Frame builders. */
    public static byte[] crypto(long offset, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x06);
        writeVarint(out, offset);
        writeVarint(out, data.length);
        out.writeBytes(data);
        return out.toByteArray();
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    public static byte[] padding(int n) {
        return new byte[n];
    }
}
