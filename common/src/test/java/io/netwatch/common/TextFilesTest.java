package io.netwatch.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

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
}
