package io.netwatch.agent.inspect.dns;

import java.nio.ByteBuffer;

/**
 * Turns DNS wire bytes into the text tshark prints for them, so that Netwatch's DNS fields read
 * the same as the reference decoder's and never carry raw control bytes. Package-private: the
 * parser is its only caller, and every method reads with absolute gets inside ranges the parser
 * has already bounds-checked.
 */
final class DnsText {
    /** Printed in place of bytes that are not valid UTF-8 (names) or not ASCII (TXT strings). */
    static final char REPLACEMENT = '\uFFFD';
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    /**
     * The least code point a UTF-8 sequence of each length may spell (index: the length); below
     * it the sequence is overlong (RFC 3629 section 3).
     */
    private static final int[] LEAST_CODE_POINT = {0, 0, 0x80, 0x800, 0x10000};

    private DnsText() {
    }

    /**
     * Appends one label of a domain name as tshark's {@code format_text} shows it: printable
     * ASCII as is (a backslash or a dot inside a label too), the C escapes {@code \a \b \t \n \v
     * \f \r}, other ASCII controls as three-digit octal ({@code \000}, {@code \177}), valid UTF-8
     * kept when printable and written {@code \}{@code uXXXX} when not (a format or control
     * character), and one U+FFFD for each invalid sequence: a bad lead byte, a sequence cut
     * short, a surrogate, a code point above U+10FFFF, or an overlong form.
     *
     * <p>Overlong forms are where this parts from tshark, which decodes them as the character they
     * spell: {@code C0 AE} and {@code E0 80 AE} would print as a dot, and the one label
     * {@code evil<E0 80 AE>com} as the two labels {@code evil.com}. RFC 3629 forbids decoding
     * them, so they are invalid sequences here like any other.
     *
     * <p>With {@code escapeSeparators}, a dot or a backslash inside the label is written
     * {@code \.} or {@code \\} (as in a zone file), so that the dots left are the boundaries
     * between labels; tshark writes both as they are.
     */
    static void appendLabel(ByteBuffer b, int from, int length, StringBuilder out, boolean escapeSeparators) {
        int end = from + length;
        int i = from;
        while (i < end) {
            int c = b.get(i) & 0xFF;
            if (c < 0x80) {
                if (escapeSeparators && (c == '.' || c == '\\')) {
                    out.append('\\');
                }
                appendAscii(c, out);
                i++;
                continue;
            }
            int need = c >= 0xF8 ? 0 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
            if (need == 0) {
                out.append(REPLACEMENT);
                i++;
                continue;
            }
            int k = 1;
            int cp = c & (0x7F >> need);
            while (k < need && i + k < end && (b.get(i + k) & 0xC0) == 0x80) {
                cp = (cp << 6) | (b.get(i + k) & 0x3F);
                k++;
            }
            i += k;
            if (k < need || cp < LEAST_CODE_POINT[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                out.append(REPLACEMENT);
            } else if (printable(cp)) {
                out.appendCodePoint(cp);
            } else if (cp <= 0xFFFF) {
                out.append("\\u").append(String.format("%04X", cp));
            } else {
                out.append("\\U").append(String.format("%08X", cp));
            }
        }
    }

    private static void appendAscii(int c, StringBuilder out) {
        if (c >= 0x20 && c < 0x7F) {
            out.append((char) c);
            return;
        }
        switch (c) {
            case 7 -> out.append("\\a");
            case 8 -> out.append("\\b");
            case 9 -> out.append("\\t");
            case 10 -> out.append("\\n");
            case 11 -> out.append("\\v");
            case 12 -> out.append("\\f");
            case 13 -> out.append("\\r");
            default -> out.append('\\').append((char) ('0' + (c >> 6))).append((char) ('0' + ((c >> 3) & 7)))
                    .append((char) ('0' + (c & 7)));
        }
    }

    /** As GLib's {@code g_unichar_isprint}: everything but control, format, unassigned and surrogate. */
    private static boolean printable(int cp) {
        int t = Character.getType(cp);
        return t != Character.CONTROL && t != Character.FORMAT && t != Character.UNASSIGNED
                && t != Character.SURROGATE;
    }

    /**
     * Appends a TXT character-string as tshark shows it (an ASCII string): bytes above 0x7F become
     * U+FFFD and the string ends at its first NUL; other control bytes stay as they are. Appends at
     * most {@code room} characters and returns how many it appended.
     */
    static int appendTxt(ByteBuffer b, int from, int length, StringBuilder out, int room) {
        int n = Math.min(length, room);
        for (int i = 0; i < n; i++) {
            int c = b.get(from + i) & 0xFF;
            if (c == 0) {
                return i;
            }
            out.append(c < 0x80 ? (char) c : REPLACEMENT);
        }
        return n;
    }

    /** Appends bytes as lowercase hex pairs joined by colons ({@code de:ad:be:ef}), tshark's byte fields. */
    static void appendHex(ByteBuffer b, int from, int length, StringBuilder out) {
        for (int i = 0; i < length; i++) {
            if (i > 0) {
                out.append(':');
            }
            int c = b.get(from + i) & 0xFF;
            out.append(HEX[c >> 4]).append(HEX[c & 0xF]);
        }
    }
}
