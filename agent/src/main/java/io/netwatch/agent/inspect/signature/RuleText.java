package io.netwatch.agent.inspect.signature;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** The lexical parts of Suricata's rule syntax: options, quoted strings, content bytes, lists. */
final class RuleText {
    private RuleText() {
    }

    /** One {@code name} or {@code name:value} option, value unquoted-as-written (quotes kept). */
    record Option(String name, String value) {
    }

    /**
     * Splits the text between a rule's parentheses into options at each {@code ;} that is
     * neither escaped nor inside quotes.
     */
    static List<Option> options(String body) {
        List<Option> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\\' && i + 1 < body.length()) {
                cur.append(c).append(body.charAt(++i));
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ';' && !quoted) {
                add(out, cur.toString());
                cur.setLength(0);
                continue;
            }
            cur.append(c);
        }
        if (quoted) {
            throw new IllegalArgumentException("a quoted value is not closed");
        }
        if (!cur.toString().isBlank()) {
            throw new IllegalArgumentException("the last option '" + cur.toString().trim() + "' does not end with ';'");
        }
        return out;
    }

    private static void add(List<Option> out, String raw) {
        String s = raw.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("an empty option (two ';' in a row)");
        }
        int colon = s.indexOf(':');
        String name = (colon < 0 ? s : s.substring(0, colon)).trim();
        String value = colon < 0 ? null : s.substring(colon + 1).trim();
        // A missing ';' joins two options into one; say so rather than what the first one's
        // keyword makes of the second (found by a new user: content:"abc" sid:1; was "no content").
        int space = firstSpace(name);
        if (space >= 0) {
            throw missingSemicolon(s.substring(0, space), s.substring(space));
        }
        int close = closingQuote(value);
        if (close >= 0 && !value.substring(close + 1).isBlank()) {
            throw missingSemicolon(name + ":" + value.substring(0, close + 1), value.substring(close + 1));
        }
        out.add(new Option(name, value));
    }

    private static int firstSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Where a quoted value ({@code "abc"} or {@code !"abc"}) ends: the index of its closing
     * quote; -1 for a value that is not quoted or not closed.
     */
    private static int closingQuote(String value) {
        if (value == null) {
            return -1;
        }
        String quoted = value.startsWith("!") ? value.substring(1).stripLeading() : value;
        if (!quoted.startsWith("\"")) {
            return -1;
        }
        int open = value.length() - quoted.length();
        for (int i = open + 1; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return i;
            }
        }
        return -1;
    }

    private static IllegalArgumentException missingSemicolon(String option, String rest) {
        String next = rest.strip();
        int cut = Math.min(next.length(), 40);
        return new IllegalArgumentException("malformed option list: a ';' is missing after " + option.strip()
                + " (before '" + next.substring(0, cut) + (cut < next.length() ? "..." : "") + "')");
    }

    /** A quoted option value without its quotes, with {@code \"}, {@code \;} and {@code \\} unescaped. */
    static String unquote(String value, String keyword) {
        if (value == null || value.length() < 2 || value.charAt(0) != '"' || value.charAt(value.length() - 1) != '"') {
            throw new IllegalArgumentException(keyword + " needs a value in double quotes");
        }
        String inner = value.substring(1, value.length() - 1);
        StringBuilder sb = new StringBuilder(inner.length());
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c == '\\' && i + 1 < inner.length()) {
                sb.append(inner.charAt(++i));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * The bytes of a content string: text as UTF-8 (ASCII as is), {@code |41 42|} sections as hex,
     * escapes {@code \" \; \\ \|} for those characters.
     */
    static byte[] contentBytes(String value) {
        String v = value;
        if (v == null || v.length() < 2 || v.charAt(0) != '"' || v.charAt(v.length() - 1) != '"') {
            throw new IllegalArgumentException("content needs a value in double quotes");
        }
        v = v.substring(1, v.length() - 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream(v.length());
        boolean hex = false;
        int nibble = -1;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (hex) {
                if (c == '|') {
                    if (nibble >= 0) {
                        throw new IllegalArgumentException("odd number of hex digits in content");
                    }
                    hex = false;
                } else if (c == ' ') {
                    if (nibble >= 0) {
                        throw new IllegalArgumentException("a hex byte in content is split by a space");
                    }
                } else {
                    int d = Character.digit(c, 16);
                    if (d < 0) {
                        throw new IllegalArgumentException("'" + c + "' is not a hex digit in content's |...|");
                    }
                    if (nibble < 0) {
                        nibble = d;
                    } else {
                        out.write(nibble << 4 | d);
                        nibble = -1;
                    }
                }
                continue;
            }
            if (c == '|') {
                hex = true;
            } else if (c == '\\') {
                if (i + 1 >= v.length()) {
                    throw new IllegalArgumentException("content ends with a lone '\\'");
                }
                char e = v.charAt(++i);
                if (e != '"' && e != ';' && e != '\\' && e != '|' && e != ':') {
                    throw new IllegalArgumentException("'\\" + e + "' is not an escape content knows (\\\" \\; \\\\ \\|)");
                }
                out.write(e);
            } else if (c == '"' || c == ';') {
                throw new IllegalArgumentException("'" + c + "' inside content must be escaped with '\\'");
            } else if (c < 0x80) {
                out.write(c);
            } else {
                // Suricata reads a rule file as bytes: text past ASCII is the UTF-8 the file
                // holds ("é" is C3 A9), not one byte per character.
                int cp = v.codePointAt(i);
                if (Character.isSurrogate(c) && !Character.isSupplementaryCodePoint(cp)) {
                    throw new IllegalArgumentException("content has a lone UTF-16 surrogate; write it as |hex| bytes");
                }
                out.writeBytes(new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                i += Character.charCount(cp) - 1;
            }
        }
        if (hex) {
            throw new IllegalArgumentException("a |hex| section in content is not closed");
        }
        return out.toByteArray();
    }

    /** Splits a list's inside at commas that are not inside nested brackets. */
    static List<String> splitList(String inner) {
        List<String> out = new ArrayList<>();
        int level = 0;
        int start = 0;
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c == '[') {
                level++;
            } else if (c == ']') {
                level--;
                if (level < 0) {
                    throw new IllegalArgumentException("unbalanced ']' in list");
                }
            } else if (c == ',' && level == 0) {
                out.add(inner.substring(start, i));
                start = i + 1;
            }
        }
        if (level != 0) {
            throw new IllegalArgumentException("unbalanced '[' in list");
        }
        out.add(inner.substring(start));
        return out;
    }

    /** Bytes as a rule would write them: printable ASCII as is, the rest as |hex|. */
    static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder();
        boolean hex = false;
        for (byte x : b) {
            int c = x & 0xFF;
            boolean plain = c >= 0x20 && c < 0x7F && c != '|' && c != '"' && c != ';' && c != '\\';
            if (plain == hex) {
                sb.append('|');
                hex = !plain;
            } else if (hex) {
                sb.append(' ');
            }
            if (plain) {
                sb.append((char) c);
            } else {
                sb.append(String.format("%02X", c));
            }
        }
        if (hex) {
            sb.append('|');
        }
        return sb.toString();
    }
}
