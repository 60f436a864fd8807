package io.netwatch.agent.flow;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Community ID v1 flow hashing (corelight/community-id-spec), so a Netwatch flow can be joined
 * with Zeek, Suricata and Wireshark records of the same conversation. Computed once per
 * emitted record, never per packet.
 */
public final class CommunityId {
    private static final int ICMP = 1;
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int ICMPV6 = 58;
    private static final int SCTP = 132;

    private final MessageDigest sha1;
    private final ByteBuffer scratch = ByteBuffer.allocate(2 + 16 + 16 + 2 + 4);
    private final int seed;

    public CommunityId(int seed) {
        this.seed = seed & 0xFFFF;
        try {
            this.sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
    }

    /**
     * @param src source address bytes (4 or 16), as sent
     * @param sport source port, or ICMP type
     * @param dport destination port, or ICMP code
     */
    public String compute(byte[] src, int sport, byte[] dst, int dport, int protocol) {
        boolean hasPorts = protocol == TCP || protocol == UDP || protocol == SCTP || protocol == ICMP
                || protocol == ICMPV6;
        boolean oneWay = false;
        if (protocol == ICMP || protocol == ICMPV6) {
            int type = sport;
            int counterpart = protocol == ICMP ? icmp4Counterpart(type) : icmp6Counterpart(type);
            if (counterpart >= 0) {
                dport = counterpart;
            } else {
                oneWay = true;
            }
        }
        byte[] a = src;
        byte[] b = dst;
        int pa = sport;
        int pb = dport;
        if (!oneWay && !ordered(src, sport, dst, dport)) {
            a = dst;
            b = src;
            pa = dport;
            pb = sport;
        }
        scratch.clear();
        scratch.putShort((short) seed).put(a).put(b).put((byte) protocol).put((byte) 0);
        if (hasPorts) {
            scratch.putShort((short) pa).putShort((short) pb);
        }
        sha1.reset();
        sha1.update(scratch.array(), 0, scratch.position());
        return "1:" + Base64.getEncoder().encodeToString(sha1.digest());
    }

    private static boolean ordered(byte[] a, int pa, byte[] b, int pb) {
        int c = java.util.Arrays.compareUnsigned(a, b);
        return c < 0 || (c == 0 && pa < pb);
    }

    private static int icmp4Counterpart(int type) {
        return switch (type) {
            case 8 -> 0;
            case 0 -> 8;
            case 13 -> 14;
            case 14 -> 13;
            case 15 -> 16;
            case 16 -> 15;
            case 10 -> 9;
            case 9 -> 10;
            case 17 -> 18;
            case 18 -> 17;
            default -> -1;
        };
    }

    private static int icmp6Counterpart(int type) {
        return switch (type) {
            case 128 -> 129;
            case 129 -> 128;
            case 133 -> 134;
            case 134 -> 133;
            case 135 -> 136;
            case 136 -> 135;
            case 130 -> 131;
            case 131 -> 130;
            case 139 -> 140;
            case 140 -> 139;
            case 144 -> 145;
            case 145 -> 144;
            default -> -1;
        };
    }
}
