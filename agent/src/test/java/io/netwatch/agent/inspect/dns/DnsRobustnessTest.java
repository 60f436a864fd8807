package io.netwatch.agent.inspect.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 200 000 hostile inputs from a fixed seed (random bytes, and valid messages with flipped bytes,
 * planted pointers, lying counts and cuts) through {@link DnsParser} and {@link DnsTcpFramer}:
 * nothing throws, everything ends, every result keeps the named limits and points inside its
 * input, and a result does not depend on where in a buffer the bytes sit.
 */
class DnsRobustnessTest {
    private static final int INPUTS = 200_000;
    private static final Set<String> REASONS = Set.of(DnsParser.MALFORMED_HEADER_TRUNCATED,
            DnsParser.MALFORMED_MESSAGE_TOO_LONG, DnsParser.MALFORMED_FORWARD_POINTER, DnsParser.MALFORMED_POINTER_LOOP,
            DnsParser.MALFORMED_TOO_MANY_POINTERS, DnsParser.MALFORMED_TOO_MANY_LABELS,
            DnsParser.MALFORMED_BAD_LABEL_TYPE);

    static final byte[][] SEEDS = {
        DnsParserTest.fullResponse(),
        Messages.query(1, "www.example.com", 1),
        Messages.header(2, 0x8180, 1, 3, 0, 1).question("example.com", 16, 1)
                .pointer(12).recordAfterOwner(16, 1, 60, Messages.txt("hello", "world"))
                .pointer(12).recordAfterOwner(15, 1, 60, Messages.concat(Messages.bytes(0, 5), Messages.bytes(2, 'm', 'x',
                        0xC0, 12)))
                .pointer(12).recordAfterOwner(33, 1, 60, Messages.concat(Messages.bytes(0, 1, 0, 2, 0, 3),
                        Messages.bytes(0xC0, 12)))
                .name("").u16(41).u16(1232).u32(0x8000).u16(4).raw(0, 12, 0, 0).bytes(),
        Messages.header(3, 0x8180, 1, 1, 0, 0).question("x.example", 10, 1).pointer(12)
                .recordAfterOwner(10, 1, 0, new byte[40]).bytes(),
    };

    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @Test
    void hostileInputsNeverThrowAndKeepTheLimits() {
        Random rnd = new Random(0x0D45_2026L);
        DnsTcpFramer framer = new DnsTcpFramer();
        int ok = 0;
        int incomplete = 0;
        int malformed = 0;
        for (int i = 0; i < INPUTS; i++) {
            byte[] input = input(rnd, i);
            // Somewhere inside a larger read-only buffer with garbage around it.
            int pad = rnd.nextInt(16);
            byte[] big = new byte[pad + input.length + rnd.nextInt(16)];
            rnd.nextBytes(big);
            System.arraycopy(input, 0, big, pad, input.length);
            ByteBuffer view = ByteBuffer.wrap(big).asReadOnlyBuffer();
            DnsResult r = DnsParser.parse(view, pad, input.length);
            assertEquals(0, view.position());
            assertEquals(big.length, view.limit());
            check(r, input.length);
            assertEquals(r, DnsParser.parse(ByteBuffer.wrap(input), 0, input.length), "input " + i);
            switch (r) {
                case DnsResult.Ok o -> ok++;
                case DnsResult.Incomplete p -> incomplete++;
                case DnsResult.Malformed m -> malformed++;
            }
            // The same bytes as a stream segment, now and then after a gap.
            if (rnd.nextInt(50) == 0) {
                framer.gap();
            }
            for (DnsResult fr : framer.feed(view, pad, input.length)) {
                check(fr, DnsParser.MAX_MESSAGE_LENGTH);
            }
            assertTrue(framer.buffered() <= DnsTcpFramer.MAX_BUFFERED_BYTES);
        }
        System.out.printf("dns robustness: %d inputs, %d ok, %d incomplete, %d malformed%n", INPUTS, ok, incomplete,
                malformed);
        assertTrue(ok > INPUTS / 20 && incomplete > INPUTS / 20 && malformed > INPUTS / 20,
                "the inputs reach every kind of result");
    }

    /** One hostile input: mostly mutated valid messages, some plain noise. */
    static byte[] input(Random rnd, int i) {
        if (i % 5 == 0) {
            byte[] noise = new byte[rnd.nextInt(400)];
            rnd.nextBytes(noise);
            if (noise.length >= 12 && rnd.nextBoolean()) {
                noise[4] = 0;
                noise[5] = (byte) rnd.nextInt(3);
            }
            return noise;
        }
        byte[] m = SEEDS[rnd.nextInt(SEEDS.length)].clone();
        int edits = 1 + rnd.nextInt(6);
        for (int e = 0; e < edits; e++) {
            int at = rnd.nextInt(m.length);
            switch (rnd.nextInt(6)) {
                case 0 -> m[at] = (byte) rnd.nextInt(256);
                case 1 -> m[at] ^= (byte) (1 << rnd.nextInt(8));
                case 2 -> {
                    // A pointer anywhere, to anywhere (often backward, sometimes at itself or ahead).
                    if (at + 1 < m.length) {
                        int target = rnd.nextBoolean() ? rnd.nextInt(at + 1) : rnd.nextInt(m.length + 8);
                        m[at] = (byte) (0xC0 | (target >> 8));
                        m[at + 1] = (byte) target;
                    }
                }
                case 3 -> {
                    // Lying counts.
                    if (m.length < DnsParser.HEADER_LENGTH) {
                        break;
                    }
                    int field = 4 + 2 * rnd.nextInt(4);
                    m[field] = (byte) (rnd.nextBoolean() ? 0 : rnd.nextInt(256));
                    m[field + 1] = (byte) rnd.nextInt(256);
                }
                case 4 -> m = java.util.Arrays.copyOf(m, rnd.nextInt(m.length + 1));
                default -> m[at] = (byte) (rnd.nextBoolean() ? 0x40 | rnd.nextInt(64) : rnd.nextInt(64));
            }
            if (m.length == 0) {
                break;
            }
        }
        return m;
    }

    /** The limits every result keeps, for an input of {@code length} bytes. */
    /** {@link DnsQuestion#escapedName()} back to the name: {@code \.} and {@code \\} as one char, tshark's escapes as they are. */
    private static String unescapeSeparators(String escaped) {
        StringBuilder out = new StringBuilder(escaped.length());
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            if (c == '\\' && i + 1 < escaped.length() && (escaped.charAt(i + 1) == '.' || escaped.charAt(i + 1) == '\\')) {
                c = escaped.charAt(++i);
            }
            out.append(c);
        }
        return out.toString();
    }

    static void check(DnsResult r, int length) {
        assertNotNull(r);
        if (r instanceof DnsResult.Malformed m) {
            assertTrue(REASONS.contains(m.reason()), m.reason());
            return;
        }
        DnsMessage msg = r.messageOrPartial();
        assertNotNull(msg);
        assertTrue(msg.length() >= DnsParser.HEADER_LENGTH && msg.length() <= length);
        assertTrue(msg.questions().size() <= DnsParser.MAX_RECORDS_PER_SECTION);
        int text = 0;
        for (DnsQuestion q : msg.questions()) {
            assertTrue(q.name().length() <= DnsParser.MAX_NAME_CHARS, q.name());
            text += q.name().length();
            assertTrue(q.escapedName().length() <= DnsParser.MAX_NAME_CHARS, q.escapedName());
            assertEquals(q.name(), unescapeSeparators(q.escapedName()), "the escaped name is the name, labels told apart");
            if (q.escapedName() != q.name()) {
                text += q.escapedName().length();
            }
        }
        for (List<DnsRecord> section : List.of(msg.answers(), msg.authority(), msg.additional())) {
            assertTrue(section.size() <= DnsParser.MAX_RECORDS_PER_SECTION);
            for (DnsRecord rec : section) {
                assertTrue(rec.name().length() <= DnsParser.MAX_NAME_CHARS, rec.name());
                assertTrue(rec.data().length() <= DnsParser.MAX_DATA_CHARS, "data of " + rec.data().length());
                assertTrue(rec.rdataOffset() >= DnsParser.HEADER_LENGTH && rec.rdataOffset() + rec.rdLength() <= length);
                text += rec.name().length() + rec.data().length();
            }
        }
        assertTrue(text <= DnsParser.MAX_COPIED_CHARS, "text " + text);
        msg.edns().ifPresent(e -> assertTrue(e.options().size() <= DnsParser.MAX_EDNS_OPTIONS));
        assertTrue(r instanceof DnsResult.Ok != msg.has(DnsParser.MESSAGE_TRUNCATED));
        // The groups the query and response counts put it in: labelled as the parser names its type and code.
        DnsQueryType type = DnsQueryType.of(msg.qtype());
        assertTrue(type == DnsQueryType.OTHER || type.label().equals(DnsParser.typeName(msg.qtype())), type::label);
        DnsResponseCode code = DnsResponseCode.of(msg.extendedRcode());
        assertTrue(code == DnsResponseCode.OTHER || code.label().equals(DnsParser.rcodeName(msg.extendedRcode())),
                code::label);
    }
}
