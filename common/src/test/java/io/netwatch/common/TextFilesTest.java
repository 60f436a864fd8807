package io.netwatch.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextFilesTest {
    @Test
    void aByteThatIsNotUtf8IsNamedWithItsLineAndOffset() {
        byte[] b = "alert tcp\nmsg:\"caf\u00e9\"\nsid:1".getBytes(StandardCharsets.ISO_8859_1);
        TextFiles.NotUtf8 e = assertThrows(TextFiles.NotUtf8.class, () -> TextFiles.decode(b, "local.rules"));
        assertEquals("local.rules is not UTF-8 text: line 2, byte 18 (0xe9)", e.getMessage());
    }

    @Test
    void utf8ReadsAsItIsAndALeadingByteOrderMarkIsDropped() throws Exception {
        assertEquals("caf\u00e9", TextFiles.decode("caf\u00e9".getBytes(StandardCharsets.UTF_8), "x"));
        assertEquals("alert", TextFiles.decode("\uFEFFalert".getBytes(StandardCharsets.UTF_8), "x"));
    }

    @Test
    void onlyASmallRegularFileIsLetThrough(@TempDir Path dir) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "abc\n");
        TextFiles.requireSmall(token, 4);
        assertEquals(token + " is larger than 3 bytes",
                assertThrows(TextFiles.NotSmallFile.class, () -> TextFiles.requireSmall(token, 3)).getMessage());
        assertEquals(dir + " is a directory, not a file",
                assertThrows(TextFiles.NotSmallFile.class, () -> TextFiles.requireSmall(dir, 1 << 20)).getMessage());
        // Read for ever if it were let through (found in review).
        assertEquals("/dev/zero is not a regular file (a device or a pipe)", assertThrows(TextFiles.NotSmallFile.class,
                () -> TextFiles.requireSmall(Path.of("/dev/zero"), 1 << 20)).getMessage());
        Path missing = dir.resolve("missing");
        assertEquals(missing + " does not exist",
                assertThrows(TextFiles.NotSmallFile.class, () -> TextFiles.requireSmall(missing, 1 << 20)).getMessage());
    }

    @Test
    void aTokenIsPrintableAsciiWithoutSpaces() {
        assertEquals(true, TextFiles.isToken("s3cr3t-token_for.the~query"));
        for (String t : new String[] {"", "two words", "tab\there", "caf\u00e9", "bell\u0007"}) {
            assertEquals(false, TextFiles.isToken(t), t);
        }
    }

    @Test
    void whyAFileCouldNotBeReadSaysWhatToFixWithoutRepeatingThePath() {
        // The callers name the file; the JDK's message for these kinds is the path alone.
        assertEquals("no such file", TextFiles.whyUnreadable(new java.nio.file.NoSuchFileException("/x")));
        assertEquals("permission denied: give the user netwatch runs as read access to it",
                TextFiles.whyUnreadable(new java.nio.file.AccessDeniedException("/x")));
        assertEquals("Not a directory: check the path",
                TextFiles.whyUnreadable(new java.nio.file.FileSystemException("/x/y", null, "Not a directory")));
        assertEquals("not UTF-8 text: save it as UTF-8",
                TextFiles.whyUnreadable(new java.nio.charset.MalformedInputException(1)));
        // A read that failed below the file: the system's word alone said nothing to do.
        assertEquals("Input/output error (a failing disk or network file system, or a kernel file that cannot be"
                + " read as text): check that cat reads it, or give a readable copy",
                TextFiles.whyUnreadable(new java.io.IOException("Input/output error")));
    }
}
