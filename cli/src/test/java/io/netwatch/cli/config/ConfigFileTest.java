package io.netwatch.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a number's text as written is found again: by the JSON pointer of its keys as written. */
class ConfigFileTest {
    @Test
    void aKeysPointerIsEscapedAsTheParserEscapesIt() {
        // RFC 6901: "~" is "~0" and "/" is "~1"; a dotted key is one segment.
        Map<String, String> numbers = ConfigFile.numbersAsWritten("a/b: 1e3\nc~d:\n  e.f: [0x10, 2.50]\n");
        assertEquals("1e3", numbers.get(ConfigFile.pointer("", "a/b")));
        String list = ConfigFile.pointer(ConfigFile.pointer("", "c~d"), "e.f");
        assertEquals("/c~0d/e.f", list);
        assertEquals("2.50", numbers.get(list + "/1"), numbers.toString());
        assertEquals("/a~1b", ConfigFile.pointer("", "a/b"));
        assertEquals("/~01", ConfigFile.pointer("", "~1"), "~ first, so a written \"~1\" stays itself");
    }
}
