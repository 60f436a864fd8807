package io.netwatch.agent.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netwatch.agent.inspect.http.HttpRequest;
import io.netwatch.agent.inspect.signature.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The request fields that {@code http.uri} and {@code http.host} rules read. */
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

    /**
     * libhtp's normalized URI, Suricata's {@code http.uri}, is the path, query and fragment it
     * parsed from the target: a proxy's absolute-form target loses its scheme and authority, a
     * CONNECT's authority-form leaves nothing; {@code http.uri.raw} keeps the target as sent.
     */
    @ParameterizedTest(name = "{0} {1} -> [{2}]")
    @CsvSource(delimiter = '|', value = {
        "GET|http://Proxy.Example:8080/x?f=..%2Fetc|/x?f=../etc",
        "GET|HTTPS://host/a#frag|/a#frag",
        "GET|http://user:pw@host/p?q|/p?q",
        "GET|http://host?x=1|?x=1",
        "GET|http://[::1]:8080/?p=%20|'/?p= '",
        "GET|http://host|''",
        "CONNECT|tunnel.example:443|''",
        "OPTIONS|*|*",
        "GET|/origin/http://x|/origin/http://x",
        // Not an authority (libhtp's test: two slashes and a character that is not a third).
        "GET|http:///triple|///triple",
        "GET|http:/one|/one",
        // Not a scheme: the target stays whole (libhtp would cut it at the colon).
        "GET|${jndi:ldap://x/a}|${jndi:ldap://x/a}",
        "GET|index.php?a=b:c|index.php?a=b:c",
        "GET|1x://host/p|1x://host/p",
    })
    void httpUriIsThePathAndQueryOfTheTargetAsLibhtpParsesIt(String method, String target, String uri) {
        HttpRequest r = request(method, target, "h");
        assertEquals(List.of(uri), values(r, Buffer.HTTP_URI));
        assertEquals(List.of(target), values(r, Buffer.HTTP_URI_RAW));
    }

    /**
     * Suricata's {@code http.host} and {@code http.host.raw} are libhtp's host name from the
     * target when it names one, before the Host header (whose copy a server ignores then, RFC
     * 9112 section 3.2.2); libhtp normalizes that name (decoded, lower-cased, without trailing
     * dots), and {@code http.host.raw} reads it normalized too.
     */
    @ParameterizedTest(name = "{0} {1}, Host {2} -> [{3}] [{4}]")
    @CsvSource(delimiter = '|', value = {
        "GET|http://Proxy.Example.:8080/x|Other.Example|proxy.example|proxy.example",
        "GET|http://user@Sh%6Fp.Example/|h|shop.example|shop.example",
        "GET|http://[::1]:8080/|h|[::1]|[::1]",
        "CONNECT|Tunnel.Example:443||tunnel.example|tunnel.example",
        // No host in the target: the Host header's.
        "GET|/x|Shop.Example:80|shop.example|Shop.Example:80",
        "GET|http://:80/x|Shop.Example|shop.example|Shop.Example",
        "OPTIONS|*|Shop.Example|shop.example|Shop.Example",
    })
    void httpHostIsTheTargetsHostBeforeTheHostHeader(String method, String target, String host, String name,
                                                     String raw) {
        HttpRequest r = request(method, target, host);
        assertEquals(List.of(name), values(r, Buffer.HTTP_HOST));
        assertEquals(List.of(raw), values(r, Buffer.HTTP_HOST_RAW));
    }

    private static HttpRequest request(String method, String target, String host) {
        return new HttpRequest(method, target, "HTTP/1.1", host, null, null, null, -1, false, false, false, List.of());
    }

    private static List<String> values(HttpRequest r, Buffer b) {
        return Arrays.stream(SignatureFields.http(r, null).values(b))
                .map(v -> new String(v, StandardCharsets.ISO_8859_1)).toList();
    }
}
