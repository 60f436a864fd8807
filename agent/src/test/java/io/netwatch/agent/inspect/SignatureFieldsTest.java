package io.netwatch.agent.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The decoded URI that {@code http.uri} rules read. */
class SignatureFieldsTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "/plain/path?a=b|/plain/path?a=b",
        "/x?f=..%2Fetc%2Fpasswd|/x?f=../etc/passwd",
        "/%24%7Bjndi:ldap://x/a%7D|/${jndi:ldap://x/a}",
        "/%zz/%4|/%zz/%4",
        "/%%41|/%A",
        "/a+b%20c|/a+b c",
        "%41%42%43|ABC",
        "/%2|/%2",
        "/%e9t%C3%A9|/\u00e9t\u00c3\u00a9",
    })
    void eachEscapeIsDecodedOnceAndTheRestStaysAsSent(String uri, String decoded) {
        assertEquals(decoded, new String(SignatureFields.percentDecoded(uri), StandardCharsets.ISO_8859_1));
    }
}
