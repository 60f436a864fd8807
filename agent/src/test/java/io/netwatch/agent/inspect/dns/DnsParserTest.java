package io.netwatch.agent.inspect.dns;

import static io.netwatch.agent.inspect.dns.Messages.bytes;
import static io.netwatch.agent.inspect.dns.Messages.concat;
import static io.netwatch.agent.inspect.dns.Messages.header;
import static io.netwatch.agent.inspect.dns.Messages.labels;
import static io.netwatch.agent.inspect.dns.Messages.wire;
import static io.netwatch.agent.inspect.dns.Messages.txt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Byte fixtures for {@link DnsParser}: every typed RDATA, compression, pointer loops and forward
 * pointers, names at and over the limits, messages cut at every length, counts that lie, EDNS,
 * and the caps. Expected texts are what tshark 4.0.17 printed for the same bytes, but for
 * overlong UTF-8 ({@link #overlongUtf8InALabelIsInvalidNotTheCharacterItSpells}).
 */
class DnsParserTest {

    static DnsResult parse(byte[] m) {
        return DnsParser.parse(ByteBuffer.wrap(m), 0, m.length);
    }

    static DnsMessage ok(byte[] m) {
        return assertInstanceOf(DnsResult.Ok.class, parse(m)).message();
    }

    static String malformed(byte[] m) {
        return assertInstanceOf(DnsResult.Malformed.class, parse(m)).reason();
    }

    /** A response to "q.example.com" with the given answer RDATA, and that answer's data text. */
    static DnsRecord answer(int type, byte[] rdata) {
        byte[] m = header(0x1234, 0x8180, 1, 1, 0, 0).question("q.example.com", type, 1)
                .record("a.example.com", type, 1, 300, rdata).bytes();
        DnsMessage msg = ok(m);
        assertEquals(1, msg.answers().size());
        return msg.answers().getFirst();
    }

    static String data(int type, byte[] rdata) {
        return answer(type, rdata).data();
    }

    @Test
    void queryHeaderAndQuestion() {
        byte[] m = header(0x5934, 0x0120, 1, 0, 0, 0).question("www.TcpDump.org", 1, 1).bytes();
        DnsMessage q = ok(m);
        assertEquals(0x5934, q.id());
        assertFalse(q.response());
        assertEquals(0, q.opcode());
        assertTrue(q.recursionDesired());
        assertTrue(q.authenticData());
        assertFalse(q.truncated());
        assertEquals(1, q.qdcount());
        assertEquals(List.of(new DnsQuestion("www.TcpDump.org", 1, 1, "www.TcpDump.org")), q.questions());
        assertEquals("www.TcpDump.org", q.qname(), "case as sent, no trailing dot");
        assertEquals(1, q.qtype());
        assertTrue(q.anomalies().isEmpty(), q.anomalies().toString());
        assertTrue(q.edns().isEmpty());
        assertEquals(m.length, q.length());
    }

    @Test
    void responseFlagsAndCounts() {
        // QR, opcode 5 (update), AA, TC, RD, RA, Z, AD, CD, rcode 3.
        byte[] m = header(0xBEEF, 0x8000 | 5 << 11 | 0x0400 | 0x0200 | 0x0100 | 0x0080 | 0x0040 | 0x0020 | 0x0010 | 3, 0, 0,
                0, 0).bytes();
        DnsMessage r = ok(m);
        assertTrue(r.response());
        assertEquals(5, r.opcode());
        assertTrue(r.authoritative() && r.truncated() && r.recursionDesired() && r.recursionAvailable());
        assertTrue(r.authenticData() && r.checkingDisabled());
        assertEquals(3, r.rcode());
        assertEquals(3, r.extendedRcode());
        assertEquals(List.of(DnsParser.Z_FLAG_SET), r.anomalies());
        assertEquals("", r.qname());
        assertEquals(-1, r.qtype());
    }

    @Test
    void zeroCountsIsAnEmptyMessage() {
        DnsMessage r = ok(header(1, 0x8180, 0, 0, 0, 0).bytes());
        assertTrue(r.questions().isEmpty() && r.answers().isEmpty() && r.authority().isEmpty() && r.additional().isEmpty());
        assertTrue(r.anomalies().isEmpty());
    }

    @Test
    void typedRdata() {
        assertEquals("1.2.3.4", data(1, bytes(1, 2, 3, 4)));
        assertEquals("b.Example.COM", data(5, wire("b.Example.COM")));
        assertEquals("<Root>", data(5, wire("")));
        assertEquals("ns1.example.com", data(2, wire("ns1.example.com")));
        assertEquals("host.example.com", data(12, wire("host.example.com")));
        assertEquals("10 mx.example.com", data(15, concat(bytes(0, 10), wire("mx.example.com"))));
        assertEquals("10 <Root>", data(15, concat(bytes(0, 10), wire(""))));
        assertEquals("ns1.example.com hostmaster.example.com 2024010101", data(6, concat(wire("ns1.example.com"),
                wire("hostmaster.example.com"), bytes(0x78, 0xA3, 0xF1, 0x75, 0, 0, 0x0E, 0x10, 0, 0, 2, 0x58, 0, 1,
                        0x51, 0x80, 0, 0, 1, 0x2C))));
        assertEquals("10 60 5060 sip.example.com", data(33, concat(bytes(0, 10, 0, 60, 0x13, 0xC4),
                wire("sip.example.com"))));
        assertEquals("hello world", data(16, txt("hello", " world")));
        assertEquals("x", data(16, txt("", "x")));
        assertEquals("", data(16, new byte[0]));
    }

    @Test
    void aaaaIsWrittenAsRfc5952LikeTshark() {
        String[][] cases = {
            {"00000000000000000000000000000000", "::"},
            {"00000000000000000000ffff01020304", "::ffff:1.2.3.4"},
            {"20010db8000000010000000000000001", "2001:db8:0:1::1"},
            {"20010db8000000000001000000000001", "2001:db8::1:0:0:1"},
            {"00000000000000000000000001020304", "::1.2.3.4"},
            {"00000000000000000000000000000001", "::1"},
            {"fe800000000000000000000000000001", "fe80::1"},
            {"20010db800000000000000000000ffff", "2001:db8::ffff"},
            {"0000000000000000ffff000001020304", "::ffff:0:102:304"},
            {"20010db8000000000000000000000000", "2001:db8::"},
            {"20010db8000100020003000400050006", "2001:db8:1:2:3:4:5:6"},
            {"2001000000010000000100000001ffff", "2001:0:1:0:1:0:1:ffff"},
        };
        for (String[] c : cases) {
            assertEquals(c[1], data(28, java.util.HexFormat.of().parseHex(c[0])), c[0]);
        }
    }

    @Test
    void otherTypesAsTsharkSummarisesThem() {
        assertEquals("01:02:03", data(10, bytes(1, 2, 3)));
        assertEquals("", data(10, new byte[0]));
        assertEquals("CPU INTEL-386, OS Linux", data(13, txt("INTEL-386", "Linux")));
        assertEquals("dname target.example.net", data(39, wire("target.example.net")));
        assertEquals("order 100, preference 10, flags S", data(35, concat(bytes(0, 100, 0, 10), txt("S", "SIP+D2U", ""),
                wire("_sip._udp.example.com"))));
        assertEquals("0x3039", data(43, concat(bytes(0x30, 0x39, 8, 2), new byte[32])));
        assertEquals("0x0101", data(48, concat(bytes(1, 1, 3, 8), new byte[64])));
        assertEquals("1", data(46, concat(bytes(0, 1, 8, 2, 0, 0, 0x0E, 0x10), new byte[12], wire("example.com"),
                new byte[64])));
        assertEquals("next domain name next.example.com", data(47, concat(wire("next.example.com"),
                bytes(0, 6, 0x40, 1, 0, 0, 0, 3))));
        assertEquals("1", data(50, concat(bytes(1, 0, 0, 10, 4, 1, 2, 3, 4, 20), new byte[20], bytes(0, 1, 0x40))));
        assertEquals("0x00", data(257, concat(bytes(0, 5), "issueletsencrypt.org".getBytes(StandardCharsets.US_ASCII))));
        assertEquals("1", data(65, concat(bytes(0, 1), wire(""), bytes(0, 1, 0, 3, 2, 'h', '2'))));
        assertEquals("1", data(64, concat(bytes(0, 1), wire("svc.example.net"))));
        assertEquals("1", data(44, concat(bytes(1, 1), new byte[20])));
        assertEquals("3", data(52, concat(bytes(3, 1, 1), new byte[32])));
        assertEquals("11", data(99, txt("v=spf1 -all")));
        assertEquals("0", data(29, new byte[16]));
        assertEquals("de:ad:be:ef", data(65280, bytes(0xDE, 0xAD, 0xBE, 0xEF)));
        assertEquals("de:ad", data(0, bytes(0xDE, 0xAD)));
        assertEquals("01", data(255, bytes(1)));
        assertEquals("00:0a:00:01:68:74:74:70:73:3a:2f:2f:78", data(256, concat(bytes(0, 10, 0, 1),
                "https://x".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void txtIsAsciiAndStopsAtNul() {
        byte[] s = bytes('a', 1, 'b', 9, 'c', 0x7F, 'd', 0x80, 'e', 0xC3, 0xA9, 'f', 0xFF, 'g', '\\', 'h', '"', 'i');
        assertEquals("a\u0001b\tc\u007Fd\uFFFDe\uFFFD\uFFFDf\uFFFDg\\h\"i", data(16, txt(s)));
        assertEquals("abef", data(16, txt(bytes('a', 'b', 0, 'c', 'd'), bytes('e', 'f'))));
    }

    @Test
    void namesAreEscapedAsTsharkPrintsThem() {
        byte[] controls = new byte[16];
        for (int i = 0; i < 16; i++) {
            controls[i] = (byte) i;
        }
        assertEquals("\\000\\001\\002\\003\\004\\005\\006\\a\\b\\t\\n\\v\\f\\r\\016\\017.com", qname(labels(controls,
                bytes('c', 'o', 'm'))));
        assertEquals("a\\u0085b", qname(labels(bytes('a', 0xC2, 0x85, 'b'))));
        assertEquals("a\\u200Bb", qname(labels(bytes('a', 0xE2, 0x80, 0x8B, 'b'))));
        assertEquals("a\uFFFDb", qname(labels(bytes('a', 0xED, 0xA0, 0x80, 'b'))), "a surrogate");
        assertEquals("a\uFFFDb", qname(labels(bytes('a', 0xE0, 0xA0, 'b'))), "a cut sequence");
        assertEquals("a\uFFFDb", qname(labels(bytes('a', 0xFF, 'b'))));
        assertEquals("a\uD83D\uDE00b", qname(labels(bytes('a', 0xF0, 0x9F, 0x98, 0x80, 'b'))));
        assertEquals("a\u00E9b.x\\y.p q.a.b", qname(labels(bytes('a', 0xC3, 0xA9, 'b'), bytes('x', '\\', 'y'),
                bytes('p', ' ', 'q'), bytes('a', '.', 'b'))), "a dot inside a label is printed as is, like tshark");
        assertEquals("a\\177b", qname(labels(bytes('a', 0x7F, 'b'))));
    }

    /**
     * Overlong UTF-8 is invalid (RFC 3629) and prints as one U+FFFD per sequence. Here Netwatch
     * parts from tshark 4.0.17, which decodes it as the character it spells: the one label
     * {@code evil<E0 80 AE>com} would read exactly like the two labels {@code evil.com}.
     */
    @Test
    void overlongUtf8InALabelIsInvalidNotTheCharacterItSpells() {
        assertEquals("evil\uFFFDcom", qname(labels(bytes('e', 'v', 'i', 'l', 0xE0, 0x80, 0xAE, 'c', 'o', 'm'))),
                "one label must not read as two");
        assertEquals("a\uFFFDb", qname(labels(bytes('a', 0xC0, 0xAE, 'b'))));
        assertEquals("a\uFFFDb", qname(labels(bytes('a', 0xC1, 0xBF, 'b'))), "U+007F in two bytes");
        assertEquals("a\uFFFDb", qname(labels(bytes('a', 0xE0, 0x9F, 0xBF, 'b'))), "U+07FF in three bytes");
        assertEquals("a\uFFFDb", qname(labels(bytes('a', 0xF0, 0x80, 0x80, 0xAE, 'b'))), "'.' in four bytes");
        assertEquals("a\uFFFDb", qname(labels(bytes('a', 0xF0, 0x8F, 0xBF, 0xBF, 'b'))), "U+FFFF in four bytes");
        // The shortest forms at each length are valid.
        assertEquals("a\\u0080b", qname(labels(bytes('a', 0xC2, 0x80, 'b'))));
        assertEquals("a\u0800b", qname(labels(bytes('a', 0xE0, 0xA0, 0x80, 'b'))));
        assertEquals("a\uD800\uDC00b", qname(labels(bytes('a', 0xF0, 0x90, 0x80, 0x80, 'b'))));
    }

    /**
     * Every multi-byte field is read in network order whatever the byte order of the buffer
     * (a little-endian view, as the pcap reader makes for a file's records, included).
     */
    @Test
    void fieldsDoNotDependOnTheBufferByteOrder() {
        byte[] soa = concat(wire("ns1.example.com"), wire("hostmaster.example.com"), bytes(0x78, 0xA3, 0xF1, 0x75,
                0, 0, 0x0E, 0x10, 0, 0, 2, 0x58, 0, 1, 0x51, 0x80, 0, 0, 1, 0x2C));
        byte[] m = header(1, 0x8180, 0, 3, 0, 0).record("a.example", 1, 1, 300, bytes(1, 2, 3, 4))
                .record("b.example", 1, 1, 0xFFFF_FFFEL, bytes(5, 6, 7, 8)).record("example", 6, 1, 60, soa).bytes();
        DnsResult little = DnsParser.parse(ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN), 0, m.length);
        List<DnsRecord> answers = assertInstanceOf(DnsResult.Ok.class, little).message().answers();
        assertEquals(300, answers.get(0).ttl());
        assertEquals(0xFFFF_FFFEL, answers.get(1).ttl());
        assertEquals("ns1.example.com hostmaster.example.com 2024010101", answers.get(2).data());
        assertEquals(ok(m), assertInstanceOf(DnsResult.Ok.class, little).message());
    }

    private static String qname(byte[] wireName) {
        return ok(header(1, 0x0100, 1, 0, 0, 0).raw(wireName).u16(1).u16(1).bytes()).qname();
    }

    @Test
    void rootQuestionIsTheEmptyName() {
        DnsMessage q = ok(header(1, 0x0100, 1, 0, 0, 0).question("", 2, 1).bytes());
        assertEquals("", q.qname());
        assertEquals(2, q.qtype());
    }

    @Test
    void compressionPointersBackward() {
        // Question "example.com" at 12; answer owner -> 12; CNAME "www" + pointer to 12; a second answer
        // whose owner points at the CNAME's RDATA (a pointer chain: -> "www" -> "example.com").
        Messages b = header(7, 0x8180, 1, 2, 0, 0).question("example.com", 1, 1);
        b.pointer(12).u16(5).u16(1).u32(60).u16(6);
        int cnameRdata = b.size();
        b.raw(3, 'w', 'w', 'w').pointer(12);
        b.pointer(cnameRdata).u16(1).u16(1).u32(60).u16(4).raw(9, 9, 9, 9);
        DnsMessage r = ok(b.bytes());
        assertEquals("example.com", r.answers().get(0).name());
        assertEquals("www.example.com", r.answers().get(0).data());
        assertEquals("www.example.com", r.answers().get(1).name());
        assertEquals("9.9.9.9", r.answers().get(1).data());
        assertEquals(cnameRdata, r.answers().get(0).rdataOffset());
        assertEquals(6, r.answers().get(0).rdLength());
        assertTrue(r.anomalies().isEmpty(), r.anomalies().toString());
    }

    @Test
    void pointerToItselfIsALoop() {
        assertEquals(DnsParser.MALFORMED_POINTER_LOOP, malformed(header(1, 0x0100, 1, 0, 0, 0).pointer(12).u16(1).u16(1)
                .bytes()));
    }

    @Test
    void pointerIntoItsOwnNameIsALoop() {
        // "a" then a pointer back to that "a": a name that would repeat forever.
        assertEquals(DnsParser.MALFORMED_POINTER_LOOP, malformed(header(1, 0x0100, 1, 0, 0, 0).raw(1, 'a').pointer(12)
                .u16(1).u16(1).bytes()));
    }

    @Test
    void twoNamesPointingAtEachOtherAreRefused() {
        // Question at 12 is "a" + pointer to the answer owner B; B (at 20) is "b" + pointer to the question A.
        Messages m = header(1, 0x8180, 1, 1, 0, 0).raw(1, 'a').pointer(20).u16(1).u16(1);
        assertEquals(20, m.size());
        m.raw(1, 'b').pointer(12).recordAfterOwner(1, 1, 0, bytes(1, 2, 3, 4));
        assertEquals(DnsParser.MALFORMED_FORWARD_POINTER, malformed(m.bytes()),
                "in any loop one pointer points forward (or into its own run): here A -> B");
        // Backward first: C (the second owner, at 27) -> B (inside the NULL RDATA at 23) is fine;
        // then B's own pointer decides: to the root at 12 gives "c.b", into C or back to B is refused.
        assertEquals("c.b", ok(viaEarlierName(12)).answers().get(1).name());
        assertEquals(DnsParser.MALFORMED_FORWARD_POINTER, malformed(viaEarlierName(28)));
        assertEquals(DnsParser.MALFORMED_POINTER_LOOP, malformed(viaEarlierName(23)));
    }

    private static byte[] viaEarlierName(int bTarget) {
        Messages m = header(1, 0x8180, 0, 2, 0, 0).name("").recordAfterOwner(10, 1, 0, bytes(1, 'b', 0xC0, bTarget));
        assertEquals(27, m.size());
        return m.raw(1, 'c').pointer(23).recordAfterOwner(1, 1, 0, bytes(1, 2, 3, 4)).bytes();
    }

    @Test
    void forwardPointerIsRefused() {
        // masscan's version.bind probe ends its name with a pointer to the zero octet after it.
        byte[] m = header(0x0AB1, 0x0120, 1, 0, 0, 0).raw(7).raw("version".getBytes(StandardCharsets.US_ASCII)).raw(4)
                .raw("bind".getBytes(StandardCharsets.US_ASCII)).pointer(27).u16(16).u16(3).bytes();
        assertEquals(DnsParser.MALFORMED_FORWARD_POINTER, malformed(m));
        assertEquals(DnsParser.MALFORMED_FORWARD_POINTER, malformed(header(1, 0x0100, 1, 0, 0, 0).pointer(0x3B03).u16(1)
                .u16(1).bytes()), "tcpdump's fuzzed pointer far past the end");
    }

    @Test
    void pointerHopsAreBounded() {
        for (int hops : new int[] {DnsParser.MAX_POINTER_HOPS, DnsParser.MAX_POINTER_HOPS + 1}) {
            // The last answer's owner points at the link that makes `hops` pointers in all.
            Messages m = header(1, 0x8180, 1, 2, 0, 0).question("x", 1, 1);
            int links = hops - 1;
            m.pointer(lastLink(m, links)).recordAfterOwner(1, 1, 0, bytes(1, 2, 3, 4));
            DnsResult r = parse(m.bytes());
            if (hops <= DnsParser.MAX_POINTER_HOPS) {
                DnsMessage ok = assertInstanceOf(DnsResult.Ok.class, r).message();
                assertEquals("a.".repeat(links) + "x", ok.answers().get(1).name());
            } else {
                assertEquals(DnsParser.MALFORMED_TOO_MANY_POINTERS, assertInstanceOf(DnsResult.Malformed.class, r).reason());
            }
        }
    }

    /**
     * Appends an answer (owner: the question at 12) whose NULL data is a chain of {@code links}
     * names "a" -> the previous one, the first pointing at the question; returns the last's offset.
     */
    private static int lastLink(Messages m, int links) {
        m.pointer(12).u16(10).u16(1).u32(0).u16(4 * links);
        int previous = 12;
        for (int i = 0; i < links; i++) {
            int here = m.size();
            m.raw(1, 'a').pointer(previous);
            previous = here;
        }
        return previous;
    }

    @Test
    void anOwnerPointingAtAnEarlierOwnerCountsThatOwnersPointers() {
        // The parser takes an earlier owner's text again for a pointer to it: the pointers that
        // owner followed still count, so the bound holds as if the chain were walked.
        for (int hops : new int[] {DnsParser.MAX_POINTER_HOPS - 1, DnsParser.MAX_POINTER_HOPS}) {
            Messages m = header(1, 0x8180, 1, 3, 0, 0).question("x", 1, 1);
            int links = hops - 1;
            int last = lastLink(m, links);
            int secondOwner = m.size();
            m.pointer(last).recordAfterOwner(1, 1, 0, bytes(1, 2, 3, 4));
            m.pointer(secondOwner).recordAfterOwner(1, 1, 0, bytes(5, 6, 7, 8));
            DnsResult r = parse(m.bytes());
            if (hops < DnsParser.MAX_POINTER_HOPS) {
                DnsMessage ok = assertInstanceOf(DnsResult.Ok.class, r).message();
                assertEquals("a.".repeat(links) + "x", ok.answers().get(2).name());
                assertEquals("5.6.7.8", ok.answers().get(2).data());
            } else {
                assertEquals(DnsParser.MALFORMED_TOO_MANY_POINTERS, assertInstanceOf(DnsResult.Malformed.class, r).reason());
            }
        }
    }

    private static DnsQuestion question(byte[] wireName) {
        return ok(header(1, 0x0100, 1, 0, 0, 0).raw(wireName).u16(1).u16(1).bytes()).questions().getFirst();
    }

    /**
     * A label may hold a dot: the name prints as tshark, Suricata and Zeek print it, dots as
     * they are, and its escaped name tells the labels apart ({@code \.} inside a label, and
     * {@code \\} for a backslash, so that a label ending in one does not escape the dot after it).
     */
    @Test
    void theEscapedNameTellsADotInsideALabelFromOneBetweenLabels() {
        DnsQuestion q = question(labels(bytes('d', 'a', 't', 'a'), bytes('x', '.', 'g', 'o', 'o', 'g', 'l', 'e'),
                bytes('c', 'o', 'm')));
        assertEquals("data.x.google.com", q.name());
        assertEquals("data.x\\.google.com", q.escapedName());
        assertEquals("a\\.b", question(labels(bytes('a', '\\'), bytes('b'))).name());
        assertEquals("a\\\\.b", question(labels(bytes('a', '\\'), bytes('b'))).escapedName());
        assertEquals("a\\\\\\.b", question(labels(bytes('a', '\\', '.', 'b'))).escapedName());
        // Spelt by the slower walk (a control byte, UTF-8): escaped the same way.
        DnsQuestion spelt = question(labels(bytes('a', 9, '.', 0xC3, 0xA9), bytes('c', 'o', 'm')));
        assertEquals("a\\t.\u00e9.com", spelt.name());
        assertEquals("a\\t\\.\u00e9.com", spelt.escapedName());
        // Nearly every name has neither: its escaped name is its name, no second copy.
        DnsQuestion plain = question(wire("www.example.com"));
        assertSame(plain.name(), plain.escapedName());
        DnsQuestion escapes = question(labels(bytes('a', 9, 'b'), bytes('c', 'o', 'm')));
        assertSame(escapes.name(), escapes.escapedName(), "tshark's own escapes need none");
    }

    @Test
    void aSecondQuestionPointingAtTheFirstKeepsItsEscapedName() {
        Messages b = header(3, 0x0100, 2, 0, 0, 0).raw(labels(bytes('a', '.', 'b'), bytes('c', 'o', 'm'))).u16(1).u16(1);
        b.pointer(12).u16(28).u16(1);
        DnsMessage m = ok(b.bytes());
        assertEquals(2, m.questions().size());
        for (DnsQuestion q : m.questions()) {
            assertEquals("a.b.com", q.name());
            assertEquals("a\\.b.com", q.escapedName());
        }
        assertEquals("a\\.b.com", m.escapedQname());
    }

    @Test
    void namesNeedingEscapesReadTheSameInQuestionsAndOwners() {
        // A label with a control byte and one with UTF-8: spelt, not looked up by their bytes;
        // the answer's owner (a pointer to the question) reads the same text.
        Messages b = header(3, 0x8180, 1, 1, 0, 0).raw(3, 'a', 9, 'b').raw(2, 0xC3, 0xA9).raw(0).u16(1).u16(1);
        b.pointer(12).recordAfterOwner(1, 1, 60, bytes(10, 0, 0, 1));
        DnsMessage r = ok(b.bytes());
        assertEquals("a\\tb.\u00e9", r.qname());
        assertEquals(r.qname(), r.answers().getFirst().name());
    }

    @Test
    void extendedLabelTypesAreRefused() {
        for (int t : new int[] {0x40, 0x80}) {
            assertEquals(DnsParser.MALFORMED_BAD_LABEL_TYPE, malformed(header(1, 0x0100, 1, 0, 0, 0).raw(t | 1, 'a', 0)
                    .u16(1).u16(1).bytes()));
        }
    }

    @Test
    void namesAtAndOverTheLengthLimit() {
        // 127 one-byte labels: 255 bytes on the wire, the most allowed.
        String longest = "a.".repeat(126) + "a";
        DnsMessage ok = ok(header(1, 0x0100, 1, 0, 0, 0).question(longest, 1, 1).bytes());
        assertEquals(longest, ok.qname());
        assertTrue(ok.anomalies().isEmpty());
        // 128 labels: 257 bytes, kept up to the last label that fits, flagged.
        DnsMessage over = ok(header(1, 0x0100, 1, 0, 0, 0).question(longest + ".b", 1, 1).bytes());
        assertEquals(longest, over.qname());
        assertEquals(List.of(DnsParser.NAME_TOO_LONG), over.anomalies());
        // 129 labels: more than MAX_LABELS.
        assertEquals(DnsParser.MALFORMED_TOO_MANY_LABELS, malformed(header(1, 0x0100, 1, 0, 0, 0)
                .question(longest + ".b.c", 1, 1).bytes()));
        // Four 63-byte labels: 257 bytes.
        String big = String.join(".", "x".repeat(63), "y".repeat(63), "z".repeat(63), "w".repeat(63));
        DnsMessage four = ok(header(1, 0x0100, 1, 0, 0, 0).question(big, 1, 1).bytes());
        assertEquals(big.substring(0, 63 * 3 + 2), four.qname());
        assertTrue(four.has(DnsParser.NAME_TOO_LONG));
    }

    /** A response with every section, compression, EDNS: the base of the truncation tests. */
    static byte[] fullResponse() {
        Messages b = header(0x4242, 0x8180, 1, 2, 1, 2).question("www.example.com", 1, 1);
        b.pointer(12).recordAfterOwner(5, 1, 300, concat(bytes(3, 'c', 'd', 'n'), bytes(0xC0, 16)));
        b.raw(3, 'c', 'd', 'n').pointer(16).recordAfterOwner(1, 1, 300, bytes(192, 0, 2, 1));
        b.pointer(16).recordAfterOwner(6, 1, 3600, concat(wire("ns1.example.com"), wire("admin.example.com"),
                new byte[20]));
        b.pointer(16).recordAfterOwner(28, 1, 300, new byte[16]);
        b.name("").u16(41).u16(1232).u32(0x0000_8000L).u16(8).raw(0, 10, 0, 4, 1, 2, 3, 4);
        return b.bytes();
    }

    @Test
    void fullResponseParses() {
        DnsMessage r = ok(fullResponse());
        assertEquals("www.example.com", r.qname());
        assertEquals(List.of("www.example.com CNAME cdn.example.com", "cdn.example.com A 192.0.2.1"),
                r.answers().stream().map(a -> a.name() + " " + DnsParser.typeName(a.type()) + " " + a.data()).toList());
        assertEquals("ns1.example.com admin.example.com 0", r.authority().getFirst().data());
        assertEquals(2, r.additional().size());
        DnsEdns e = r.edns().orElseThrow();
        assertEquals(1232, e.udpPayloadSize());
        assertTrue(e.dnssecOk());
        assertEquals(0, e.version());
        assertEquals(List.of(new DnsEdns.Option(10, 4)), e.options());
        assertTrue(r.anomalies().isEmpty(), r.anomalies().toString());
    }

    @Test
    void truncatedAtEveryLength() {
        byte[] full = fullResponse();
        DnsMessage whole = ok(full);
        for (int len = 0; len < full.length; len++) {
            // Inside a larger read-only buffer at an odd offset, garbage around it.
            byte[] big = new byte[full.length + 10];
            Arrays.fill(big, (byte) 0xC0);
            System.arraycopy(full, 0, big, 7, len);
            ByteBuffer buf = ByteBuffer.wrap(big).asReadOnlyBuffer();
            buf.position(3).limit(big.length - 1);
            DnsResult r = DnsParser.parse(buf, 7, len);
            assertEquals(3, buf.position());
            assertEquals(big.length - 1, buf.limit());
            if (len < DnsParser.HEADER_LENGTH) {
                assertEquals(DnsParser.MALFORMED_HEADER_TRUNCATED, assertInstanceOf(DnsResult.Malformed.class, r).reason());
                continue;
            }
            DnsMessage p = assertInstanceOf(DnsResult.Incomplete.class, r, "length " + len).partial();
            assertTrue(p.has(DnsParser.MESSAGE_TRUNCATED));
            assertEquals(whole.id(), p.id());
            assertEquals(whole.ancount(), p.ancount());
            assertEquals(whole.questions().subList(0, p.questions().size()), p.questions());
            assertEquals(whole.answers().subList(0, p.answers().size()), p.answers());
            assertEquals(whole.authority().subList(0, p.authority().size()), p.authority());
            assertEquals(whole.additional().subList(0, p.additional().size()), p.additional());
        }
    }

    @Test
    void countsLargerThanTheMessage() {
        byte[] m = header(1, 0x8180, 5000, 7, 0, 0).question("example.com", 1, 1).bytes();
        DnsMessage p = assertInstanceOf(DnsResult.Incomplete.class, parse(m)).partial();
        assertEquals(5000, p.qdcount());
        assertEquals(1, p.questions().size());
        assertTrue(p.has(DnsParser.COUNTS_EXCEED_MESSAGE));
        assertTrue(p.has(DnsParser.MESSAGE_TRUNCATED));
        // RDLENGTH past the end.
        byte[] rd = header(1, 0x8180, 0, 1, 0, 0).name("a").u16(1).u16(1).u32(0).u16(400).raw(1, 2, 3, 4).bytes();
        assertTrue(assertInstanceOf(DnsResult.Incomplete.class, parse(rd)).partial().answers().isEmpty());
    }

    @Test
    void trailingBytesAreFlagged() {
        byte[] m = concat(Messages.query(1, "example.com", 1), bytes(0, 0, 0));
        DnsMessage r = ok(m);
        assertEquals(List.of(DnsParser.TRAILING_BYTES), r.anomalies());
        assertEquals(m.length - 3, r.length());
    }

    @Test
    void badRdataEmptiesOnlyThatRecord() {
        Messages b = header(1, 0x8180, 0, 4, 0, 0);
        b.record("a", 1, 1, 0, bytes(1, 2, 3));                        // A of 3 bytes
        b.record("b", 5, 1, 0, bytes(3, 'a', 'b', 'c', 2, 'd', 'e'));  // CNAME running past its RDATA
        b.name("c").u16(5).u16(1).u32(0).u16(2).pointer(200);          // CNAME pointing forward
        b.record("d", 1, 1, 0, bytes(5, 6, 7, 8));
        DnsMessage r = ok(b.bytes());
        assertEquals(List.of("", "", "", "5.6.7.8"), r.answers().stream().map(DnsRecord::data).toList());
        assertTrue(r.has(DnsParser.BAD_RDATA));
        assertTrue(r.has(DnsParser.MALFORMED_FORWARD_POINTER));
        assertEquals(List.of("a", "b", "c", "d"), r.answers().stream().map(DnsRecord::name).toList());
    }

    @Test
    void ednsExtendedRcodeAndOptions() {
        // BADVERS: header rcode 0, OPT TTL high byte 1 -> extended rcode 16. Version 1, DO clear.
        byte[] m = header(9, 0x8100, 1, 0, 0, 1).question("example.com", 1, 1).name("").u16(41).u16(4096)
                .u32(0x0101_0000L).u16(16).raw(0, 8, 0, 4, 0, 1, 24, 0).raw(0, 12, 0, 4, 0, 0, 0, 0).bytes();
        DnsMessage r = ok(m);
        assertEquals(0, r.rcode());
        assertEquals(16, r.extendedRcode());
        assertEquals("BADVERS", DnsParser.rcodeName(r.extendedRcode()));
        DnsEdns e = r.edns().orElseThrow();
        assertEquals(4096, e.udpPayloadSize());
        assertEquals(1, e.extendedRcodeHigh());
        assertEquals(1, e.version());
        assertFalse(e.dnssecOk());
        assertEquals(List.of(new DnsEdns.Option(8, 4), new DnsEdns.Option(12, 4)), e.options());
        assertEquals("4096", r.additional().getFirst().data());
    }

    @Test
    void ednsOddities() {
        // Two OPTs, the second with a non-root owner; options running past the RDATA.
        byte[] m = header(9, 0x8100, 0, 0, 0, 2).name("").u16(41).u16(512).u32(0).u16(6).raw(0, 10, 0, 8, 1, 2)
                .name("x").u16(41).u16(512).u32(0).u16(0).bytes();
        DnsMessage r = ok(m);
        assertTrue(r.has(DnsParser.BAD_EDNS_OPTIONS));
        assertTrue(r.has(DnsParser.MULTIPLE_OPT));
        assertEquals(512, r.edns().orElseThrow().udpPayloadSize());
        assertTrue(r.edns().orElseThrow().options().isEmpty());
        // An OPT in the answer section is not EDNS.
        DnsMessage a = ok(header(9, 0x8100, 0, 1, 0, 0).name("x").u16(41).u16(512).u32(0).u16(0).bytes());
        assertTrue(a.edns().isEmpty());
        assertTrue(a.has(DnsParser.OPT_OUTSIDE_ADDITIONAL));
        // Only the first MAX_EDNS_OPTIONS options are listed.
        Messages many = header(9, 0x8100, 0, 0, 0, 1).name("").u16(41).u16(512).u32(0).u16(4 * 40);
        for (int i = 0; i < 40; i++) {
            many.u16(i).u16(0);
        }
        DnsMessage o = ok(many.bytes());
        assertEquals(DnsParser.MAX_EDNS_OPTIONS, o.edns().orElseThrow().options().size());
        assertTrue(o.has(DnsParser.EDNS_OPTIONS_OVER_LIMIT));
        // Owner not the root.
        assertTrue(ok(header(9, 0x8100, 0, 0, 0, 1).name("x").u16(41).u16(512).u32(0).u16(0).bytes())
                .has(DnsParser.OPT_OWNER_NOT_ROOT));
    }

    @Test
    void recordsBeyondTheSectionLimitAreCountedNotDecoded() {
        int n = DnsParser.MAX_RECORDS_PER_SECTION + 6;
        Messages b = header(1, 0x8180, 1, n, 0, n + 1).question("example.com", 1, 1);
        for (int i = 0; i < n; i++) {
            b.pointer(12).recordAfterOwner(1, 1, 60, bytes(10, 0, i >> 8, i));
        }
        for (int i = 0; i < n; i++) {
            b.pointer(12).recordAfterOwner(1, 1, 60, bytes(10, 1, i >> 8, i));
        }
        b.name("").u16(41).u16(1400).u32(0).u16(0);
        DnsMessage r = ok(b.bytes());
        assertEquals(DnsParser.MAX_RECORDS_PER_SECTION, r.answers().size());
        assertEquals(DnsParser.MAX_RECORDS_PER_SECTION, r.additional().size());
        assertEquals(6 + 7, r.skippedRecords());
        assertTrue(r.has(DnsParser.RECORDS_OVER_LIMIT));
        assertEquals(1400, r.edns().orElseThrow().udpPayloadSize(), "an OPT past the limit still counts as EDNS");
        assertFalse(r.has(DnsParser.TRAILING_BYTES));
    }

    @Test
    void dataAndCopyCapsHold() {
        // One TXT record of 5000 bytes of text: data cut at MAX_DATA_CHARS.
        byte[][] strings = new byte[20][];
        for (int i = 0; i < strings.length; i++) {
            strings[i] = new byte[250];
            Arrays.fill(strings[i], (byte) ('a' + i % 26));
        }
        DnsRecord t = answer(16, txt(strings));
        assertEquals(DnsParser.MAX_DATA_CHARS, t.data().length());
        assertEquals(5020, t.rdLength());
        // NULL of 2000 bytes: hex of the first 1365 bytes.
        DnsRecord nul = answer(10, new byte[2000]);
        assertEquals(1365 * 3 - 1, nul.data().length());
        // 40 NULL records of 1365 bytes (4094 chars of hex each): text stops once the next record
        // could pass MAX_COPIED_CHARS.
        Messages b = header(1, 0x8180, 0, 40, 0, 0);
        for (int i = 0; i < 40; i++) {
            b.record("t", 10, 1, 0, new byte[1365]);
        }
        DnsMessage r = ok(b.bytes());
        int text = r.answers().stream().mapToInt(a -> a.name().length() + a.data().length()).sum();
        assertTrue(text <= DnsParser.MAX_COPIED_CHARS, "kept " + text);
        assertTrue(text > DnsParser.MAX_COPIED_CHARS - 2 * 4096, "kept " + text);
        assertTrue(r.has(DnsParser.COPY_LIMIT_REACHED));
        assertEquals(40, r.answers().size() + r.skippedRecords());
        assertFalse(r.has(DnsParser.TRAILING_BYTES));
    }

    @Test
    void lengthLimitsAndCallerErrors() {
        assertEquals(DnsParser.MALFORMED_MESSAGE_TOO_LONG, DnsParser.parse(ByteBuffer.allocate(70_000), 0, 65_536) instanceof
                DnsResult.Malformed m ? m.reason() : "");
        assertInstanceOf(DnsResult.Ok.class, DnsParser.parse(ByteBuffer.allocate(70_000), 0, 12));
        assertThrows(IndexOutOfBoundsException.class, () -> DnsParser.parse(ByteBuffer.allocate(10), 5, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> DnsParser.parse(ByteBuffer.allocate(10), -1, 2));
    }

    @Test
    void probeLooksAtTheHeaderOnly() {
        byte[] q = Messages.query(1, "example.com", 1);
        assertTrue(DnsParser.probe(ByteBuffer.wrap(q), 0, q.length));
        assertFalse(DnsParser.probe(ByteBuffer.wrap(q), 0, 11));
        assertFalse(DnsParser.probe(ByteBuffer.wrap(header(1, 0x0100, 0, 0, 0, 0).bytes()), 0, 12), "a query without a question");
        assertFalse(DnsParser.probe(ByteBuffer.wrap(header(1, 3 << 11, 1, 0, 0, 0).bytes()), 0, 12), "opcode 3");
        assertFalse(DnsParser.probe(ByteBuffer.wrap(header(1, 0x0100, 500, 0, 0, 0).bytes()), 0, 12), "500 questions");
        assertTrue(DnsParser.probe(ByteBuffer.wrap(header(1, 0x8180, 0, 0, 0, 0).bytes()), 0, 12));
    }

    @Test
    void typeAndRcodeNamesAreTsharks() {
        assertEquals("A", DnsParser.typeName(1));
        assertEquals("Unused", DnsParser.typeName(0));
        assertEquals("NULL", DnsParser.typeName(10));
        assertEquals("AAAA", DnsParser.typeName(28));
        assertEquals("OPT", DnsParser.typeName(41));
        assertEquals("RRSIG", DnsParser.typeName(46));
        assertEquals("HTTPS", DnsParser.typeName(65));
        assertEquals("SPF", DnsParser.typeName(99));
        assertEquals("EUI64", DnsParser.typeName(109));
        assertEquals("MAILA", DnsParser.typeName(253));
        assertEquals("ANY", DnsParser.typeName(255));
        assertEquals("CAA", DnsParser.typeName(257));
        assertEquals("Unknown (53)", DnsParser.typeName(53));
        assertEquals("Unknown (507)", DnsParser.typeName(507));
        assertEquals("Unknown (65280)", DnsParser.typeName(65280));
        assertEquals("Unknown (-1)", DnsParser.typeName(-1));
        assertEquals("NOERROR", DnsParser.rcodeName(0));
        assertEquals("NXDOMAIN", DnsParser.rcodeName(3));
        assertEquals("DSOTYPENI", DnsParser.rcodeName(11));
        assertEquals("Unknown (12)", DnsParser.rcodeName(12));
        assertEquals("BADCOOKIE", DnsParser.rcodeName(23));
    }
}
