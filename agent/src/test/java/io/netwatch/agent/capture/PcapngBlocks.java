package io.netwatch.agent.capture;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** pcapng blocks and their parts as bytes, for tests that write capture files of their own. */
public final class PcapngBlocks {
    private PcapngBlocks() {
    }

    public static byte[] shb(ByteOrder order) {
        return block(order, 0x0A0D0D0A, concat(u32(order, 0x1A2B3C4DL), u16(order, 1), u16(order, 0),
                u64(order, -1)));
    }

    public static byte[] idb(ByteOrder order, int linkType, long snapLength, byte[]... options) {
        byte[] body = concat(u16(order, linkType), u16(order, 0), u32(order, snapLength));
        if (options.length > 0) {
            body = concat(body, concat(options), u32(order, 0)); // opt_endofopt
        }
        return block(order, 1, body);
    }

    public static byte[] epb(ByteOrder order, long interfaceId, long units, byte[] data, long originalLength) {
        return block(order, 6, concat(u32(order, interfaceId), u32(order, units >>> 32), u32(order, units),
                u32(order, data.length), u32(order, originalLength), data));
    }

    public static byte[] spb(ByteOrder order, long originalLength, byte[] data) {
        return block(order, 3, concat(u32(order, originalLength), data));
    }

    public static byte[] option(ByteOrder order, int code, byte[] value) {
        return concat(u16(order, code), u16(order, value.length), value, new byte[(4 - value.length % 4) % 4]);
    }

    /** Type, total length, body padded to 4 bytes, total length again. */
    public static byte[] block(ByteOrder order, long type, byte[] body) {
        byte[] padded = Arrays.copyOf(body, (body.length + 3) & ~3);
        long length = 12 + padded.length;
        return concat(u32(order, type), u32(order, length), padded, u32(order, length));
    }

    public static byte[] u16(ByteOrder order, int value) {
        return ByteBuffer.allocate(2).order(order).putShort((short) value).array();
    }

    public static byte[] u32(ByteOrder order, long value) {
        return ByteBuffer.allocate(4).order(order).putInt((int) value).array();
    }

    public static byte[] u64(ByteOrder order, long value) {
        return ByteBuffer.allocate(8).order(order).putLong(value).array();
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
