package io.netwatch.agent.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.decode.DecodedPacket;
import io.netwatch.agent.decode.IpLayer;
import io.netwatch.agent.decode.PacketDecoder;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for the decoder: one frame of any bytes under one of the link types the capture
 * sources deliver. The decoder must never throw, must stay within its named limits, and must
 * point every payload inside the frame.
 *
 * <p>Input layout: the first byte picks the link type ({@link #LINK_TYPES}, modulo their
 * count); the rest is the frame. Seeds: {@code PacketDecoderFuzzTestInputs/decodesAnyFrame/}.
 */
class PacketDecoderFuzzTest {
    static final int[] LINK_TYPES = {LinkType.ETHERNET, LinkType.RAW, LinkType.LINUX_SLL, LinkType.LINUX_SLL2,
        LinkType.NULL, LinkType.IPV4, LinkType.IPV6};
    /**
     * Bytes of filler before the frame in the second decode: a capture source hands the decoder a
     * view into a larger buffer, so nothing may depend on where the frame starts.
     */
    private static final int SHIFT = 13;

    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void decodesAnyFrame(FuzzedDataProvider data) {
        // consumeBytes takes from the front, so a seed file is one selector byte and then the frame.
        byte[] selector = data.consumeBytes(1);
        int linkType = LINK_TYPES[selector.length == 0 ? 0 : Byte.toUnsignedInt(selector[0]) % LINK_TYPES.length];
        check(new PacketDecoder(), linkType, data.consumeRemainingAsBytes());
    }

    /** The target's body, shared with {@link CorpusRegressionTest}. */
    static void check(PacketDecoder decoder, int linkType, byte[] frame) {
        DecodedPacket p = decoder.decode(ByteBuffer.wrap(frame), linkType);
        checkInvariants(p, linkType, frame.length);
        long[] atZero = snapshot(p, 0);

        byte[] shifted = new byte[SHIFT + frame.length];
        Arrays.fill(shifted, 0, SHIFT, (byte) 0xA5);
        System.arraycopy(frame, 0, shifted, SHIFT, frame.length);
        DecodedPacket q = decoder.decode(ByteBuffer.wrap(shifted).position(SHIFT), linkType);
        assertArrayEquals(atZero, snapshot(q, SHIFT),
                () -> "decoding the same frame at buffer position " + SHIFT + " gave another result (link type "
                        + linkType + ")");
    }

    private static void checkInvariants(DecodedPacket p, int linkType, int length) {
        assertTrue(p.error != null, () -> "null error" + where(p, linkType, length));
        assertTrue(p.layerCount >= 0 && p.layerCount <= DecodedPacket.MAX_LAYERS,
                () -> "layerCount " + p.layerCount + where(p, linkType, length));
        assertTrue(p.vlanCount >= 0 && p.vlanCount <= DecodedPacket.MAX_VLAN_TAGS,
                () -> "vlanCount " + p.vlanCount + where(p, linkType, length));
        for (int i = 0; i < p.layerCount; i++) {
            IpLayer l = p.layers[i];
            int layer = i;
            assertTrue(l.payloadOffset >= 0 && l.payloadLength >= 0
                            && (long) l.payloadOffset + l.payloadLength <= length,
                    () -> "layer " + layer + " payload [" + l.payloadOffset + ", +" + l.payloadLength
                            + ") outside the frame" + where(p, linkType, length));
            assertTrue(l.ipVersion == 4 || l.ipVersion == 6,
                    () -> "layer " + layer + " ipVersion " + l.ipVersion + where(p, linkType, length));
            // Layers are outermost first, one per IP header: the flow table reads layer i - 1
            // as the tunnel endpoints around layer i.
            assertTrue(l.depth == i, () -> "layer " + layer + " has depth " + l.depth + where(p, linkType, length));
        }
    }

    private static String where(DecodedPacket p, int linkType, int length) {
        return " (link type " + linkType + ", " + length + " bytes, error " + p.error + ")";
    }

    /**
     * Every result field, payload offsets taken relative to {@code shift}. An empty payload's
     * offset is left out: a layer whose transport header was never read keeps offset 0, and no
     * reader looks at an empty payload.
     */
    private static long[] snapshot(DecodedPacket p, int shift) {
        int perLayer = 24;
        long[] s = new long[5 + DecodedPacket.MAX_VLAN_TAGS + p.layerCount * perLayer];
        int k = 0;
        s[k++] = p.error.ordinal();
        s[k++] = p.linkInterface;
        s[k++] = p.truncated ? 1 : 0;
        s[k++] = p.vlanCount;
        s[k++] = p.layerCount;
        for (int i = 0; i < p.vlanCount; i++) {
            s[k + i] = p.vlanIds[i];
        }
        k += DecodedPacket.MAX_VLAN_TAGS;
        for (int i = 0; i < p.layerCount; i++) {
            IpLayer l = p.layers[i];
            long[] f = {l.depth, l.ipVersion, l.srcHi, l.srcLo, l.dstHi, l.dstLo, l.protocol, l.transport ? 1 : 0,
                l.srcPort, l.dstPort, l.tcpFlags, l.tcpSeq, l.payloadLength == 0 ? -1 : l.payloadOffset - shift,
                l.payloadLength,
                l.icmpError ? 1 : 0, l.fragment ? 1 : 0, l.fragmentId, l.fragmentOffset, l.fragmentLength,
                l.moreFragments ? 1 : 0, l.tunnelType, l.vni, l.tunnelContext, 0};
            System.arraycopy(f, 0, s, k, perLayer);
            k += perLayer;
        }
        return s;
    }
}
