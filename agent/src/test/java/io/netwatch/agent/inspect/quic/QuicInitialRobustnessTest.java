package io.netwatch.agent.inspect.quic;

import static io.netwatch.agent.inspect.quic.RfcVectors.hex;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 200,000 hostile datagrams with a fixed seed: mutated RFC packets, random long headers, random
 * coalescing, and random plaintexts sealed behind a valid tag. None may throw or hang; every
 * result keeps {@link QuicInitialFuzzTest#checkInvariants}.
 */
class QuicInitialRobustnessTest {
    static final int INPUTS = 200_000;

    static final List<byte[]> PACKETS = List.of(hex(RfcVectors.V1_CLIENT_PROTECTED),
            hex(RfcVectors.V2_CLIENT_PROTECTED),
            hex(RfcVectors.V1_SERVER_PROTECTED), hex(RfcVectors.V2_SERVER_PROTECTED), hex(RfcVectors.V1_RETRY),
            hex(RfcVectors.CHACHA20_SHORT));

    @Test
    void hostileDatagramsNeverThrow() {
        Random random = new Random(0x51C0);
        int ok = 0;
        for (int i = 0; i < INPUTS; i++) {
            int kind = random.nextInt(10);
            boolean shifted = random.nextInt(8) == 0; // the position check on one input in eight: it doubles the cost
            InitialResult r;
            if (kind < 4) {
                r = QuicInitialFuzzTest.check(mutate(random, PACKETS.get(random.nextInt(PACKETS.size()))),
                        random.nextBoolean(), shifted);
            } else if (kind < 7) {
                r = QuicInitialFuzzTest.check(randomLongHeader(random), random.nextBoolean(), shifted);
            } else {
                int version = random.nextBoolean() ? QuicInitial.VERSION_1 : QuicInitial.VERSION_2;
                r = QuicInitialFuzzTest.checkSealed(version, randomFrames(random), shifted);
            }
            if (r instanceof InitialResult.Ok) {
                ok++;
            }
        }
        System.out.printf("quic robustness: %d inputs, %d opened%n", INPUTS, ok);
        assertTrue(ok > INPUTS / 10, "the sealed inputs must open");
    }

    static byte[] mutate(Random random, byte[] original) {
        byte[] b = original.clone();
        switch (random.nextInt(5)) {
            case 0 -> {
                for (int n = 1 + random.nextInt(8); n > 0; n--) {
                    b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
                }
            }
            case 1 -> b = Arrays.copyOf(b, random.nextInt(b.length + 1));
            case 2 -> {
                byte[] other = PACKETS.get(random.nextInt(PACKETS.size()));
                int cut = random.nextInt(b.length + 1);
                b = InitialSealer.concat(Arrays.copyOf(b, cut), other);
            }
            case 3 -> {
                // A header byte (lengths, versions, CIDs) set to a boundary value.
                int[] values = {0, 1, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xff, 20, 21};
                b[random.nextInt(Math.min(b.length, 24))] = (byte) values[random.nextInt(values.length)];
            }
            default -> b = InitialSealer.concat(b, b);
        }
        return b;
    }

    static byte[] randomLongHeader(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean v2 = random.nextBoolean();
        out.write(0xc0 | (v2 ? 0x10 : 0) | random.nextInt(16));
        InitialSealer.writeInt(out, v2 ? QuicInitial.VERSION_2 : QuicInitial.VERSION_1);
        int dcid = random.nextInt(24);
        out.write(dcid);
        out.writeBytes(randomBytes(random, dcid));
        int scid = random.nextInt(24);
        out.write(scid);
        out.writeBytes(randomBytes(random, scid));
        out.writeBytes(randomVarint(random));
        out.writeBytes(randomVarint(random));
        out.writeBytes(randomBytes(random, random.nextInt(1400)));
        return out.toByteArray();
    }

    static byte[] randomVarint(Random random) {
        int n = 1 << random.nextInt(4);
        byte[] b = randomBytes(random, n);
        b[0] = (byte) ((b[0] & 0x3f) | Integer.numberOfTrailingZeros(n) << 6);
        if (random.nextInt(4) == 0) {
            b = Arrays.copyOf(b, random.nextInt(n + 1)); // cut short
        }
        return b;
    }

    /** Frames of the kinds Initials carry, with random fields, or just random bytes. */
    static byte[] randomFrames(Random random) {
        if (random.nextInt(4) == 0) {
            return randomBytes(random, random.nextInt(1300));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int n = random.nextInt(40); n > 0; n--) {
            switch (random.nextInt(7)) {
                case 0 -> out.writeBytes(new byte[random.nextInt(50)]);
                case 1 -> out.write(1);
                case 2, 3 -> {
                    out.write(random.nextInt(2) + 2);
                    for (int f = 4 + random.nextInt(6); f > 0; f--) {
                        InitialSealer.writeVarint(out, random.nextInt(3) == 0 ? random.nextInt(80) : random.nextInt(4));
                    }
                }
                case 4 -> {
                    long offset = random.nextInt(8) == 0 ? QuicInitial.MAX_VARINT - random.nextInt(100)
                            : random.nextInt(20_000);
                    out.writeBytes(InitialSealer.crypto(offset, randomBytes(random, random.nextInt(300))));
                }
                case 5 -> out.writeBytes(randomVarint(random));
                default -> out.write(random.nextInt(256));
            }
        }
        return out.toByteArray();
    }

    static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
