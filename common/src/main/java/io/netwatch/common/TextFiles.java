package io.netwatch.common;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Text files a user writes (configuration, rules, policies) read as UTF-8, with an error
 * that says where a byte is not UTF-8 (the JDK's says only "Input length = 1"), and without a
 * leading byte-order mark (which an editor may add, and which would otherwise be read as part
 * of the first word).
 */
public final class TextFiles {
    private TextFiles() {
    }

    /** A file, or bytes, that is not UTF-8 text: the message names it, the line and the byte. */
    public static final class NotUtf8 extends IOException {
        NotUtf8(String message) {
            super(message);
        }
    }

    /** A path that is not a small regular file: the message starts with the path and says what it is. */
    public static final class NotSmallFile extends IOException {
        NotSmallFile(String message) {
            super(message);
        }
    }

    /**
     * Refuses, before it is read, what cannot be a small file that a user or a tool wrote
     * (a token, a secret, a PEM file): a directory, a device or a pipe ({@code /dev/zero} or a
     * FIFO would be read for ever), or a file over {@code maxBytes}. Throws {@link NotSmallFile},
     * whose message the caller prefixes with the option or key that named the file.
     */
    public static void requireSmall(Path file, long maxBytes) throws IOException {
        if (!Files.exists(file)) {
            throw new NotSmallFile(file + " does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new NotSmallFile(file + " is a directory, not a file");
        }
        if (!Files.isRegularFile(file)) {
            throw new NotSmallFile(file + " is not a regular file (a device or a pipe)");
        }
        if (Files.size(file) > maxBytes) {
            throw new NotSmallFile(file + " is larger than " + maxBytes + " bytes");
        }
    }

    /**
     * Whether {@code text} is one token as a token file holds it (a bearer token, a service-
     * account JWT): at least one character, printable ASCII, no space.
     */
    public static boolean isToken(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c > ' ' && c <= '~');
    }

    /**
     * The file's text; {@link NotUtf8} naming the file, line and byte when it is not UTF-8, and
     * {@link NotSmallFile} for a directory, a device or a pipe, which are refused before they are
     * read ({@code /dev/zero} ran out of memory and a FIFO waited for ever; found in review).
     */
    public static String readUtf8(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new NotSmallFile(file + " is a directory, not a file");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new NotSmallFile(file + " is not a regular file (a device or a pipe)");
        }
        return decode(Files.readAllBytes(file), file.toString());
    }

    /**
     * Why a file could not be read, in words a user acts on, for after "cannot read FILE: ".
     * The JDK's message is the bare path for several kinds (NoSuchFileException), and for a read
     * that failed below the file it is the system's bare word ("Input/output error"), which
     * says neither which file nor what to do: the caller names the file, this what to fix.
     */
    public static String whyUnreadable(IOException e) {
        return switch (e) {
            case NoSuchFileException n -> "no such file";
            case AccessDeniedException a -> "permission denied: give the user netwatch runs as read access to it";
            // Its message is "Input length = 1": the file was read, and is not text.
            case java.nio.charset.CharacterCodingException c -> "not UTF-8 text: save it as UTF-8";
            case FileSystemException f -> (f.getReason() != null ? f.getReason() : f.getClass().getSimpleName())
                    + ": check the path";
            default -> (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName())
                    + " (a failing disk or network file system, or a kernel file that cannot be read as text):"
                    + " check that cat reads it, or give a readable copy";
        };
    }

    /** {@code bytes} as UTF-8 text; {@code name} says where they came from in the error. */
    public static String decode(byte[] bytes, String name) throws IOException {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = d.decode(in, out, true);
        if (!r.isError()) {
            r = d.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new NotUtf8(String.format("%s is not UTF-8 text: line %d, byte %d (0x%02x)", name, line, at,
                    bytes[at] & 0xFF));
        }
        out.flip();
        String text = out.toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }
}
