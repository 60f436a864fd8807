package io.netwatch.agent.inspect.tls;

import static io.netwatch.agent.inspect.tls.TlsBytes.TLS10;
import static io.netwatch.agent.inspect.tls.TlsBytes.TLS12;
import static io.netwatch.agent.inspect.tls.TlsBytes.concat;
import static io.netwatch.agent.inspect.tls.TlsBytes.handshake;
import static io.netwatch.agent.inspect.tls.TlsBytes.hex;
import static io.netwatch.agent.inspect.tls.TlsBytes.record;
import static io.netwatch.agent.inspect.tls.TlsBytes.records;
import static io.netwatch.agent.inspect.tls.TlsRecordReader.CONTENT_ALERT;
import static io.netwatch.agent.inspect.tls.TlsRecordReader.CONTENT_APPLICATION_DATA;
import static io.netwatch.agent.inspect.tls.TlsRecordReader.CONTENT_CHANGE_CIPHER_SPEC;
import static io.netwatch.agent.inspect.tls.TlsRecordReader.CONTENT_HANDSHAKE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.agent.inspect.tls.TlsRecordResult.Incomplete;
import io.netwatch.agent.inspect.tls.TlsRecordResult.Malformed;
import io.netwatch.agent.inspect.tls.TlsRecordResult.NotTls;
import io.netwatch.agent.inspect.tls.TlsRecordResult.Ok;
import io.netwatch.agent.inspect.tls.TlsRecordResult.Stop;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TlsRecordReaderTest {
    private static final byte[] CH_BODY = TlsBytes.chromeClientHelloBody("example.com");
    private static final byte[] CH = handshake(1, CH_BODY);

    static TlsRecordResult read(byte[] stream) {
        return TlsRecordReader.read(ByteBuffer.wrap(stream), 0, stream.length);
    }

    static Ok ok(TlsRecordResult r) {
        return assertInstanceOf(Ok.class, r, () -> "expected Ok, got " + r);
    }

    static byte[] bodyOf(HandshakeMessage m) {
        byte[] b = new byte[m.length()];
        m.buffer().get(m.offset(), b);
        return b;
    }

    @Test
    void clientHelloInOneRecordIsAViewOfTheInput() {
        byte[] stream = record(CONTENT_HANDSHAKE, TLS10, CH);
        ByteBuffer buffer = ByteBuffer.wrap(stream);
        Ok ok = ok(TlsRecordReader.read(buffer, 0, stream.length));
        assertEquals(1, ok.messages().size());
        HandshakeMessage m = ok.messages().getFirst();
        assertTrue(m.isClientHello());
        assertFalse(m.copied());
        assertSame(buffer, m.buffer());
        assertEquals(9, m.offset());
        assertEquals(TLS10, m.recordVersion());
        assertArrayEquals(CH_BODY, bodyOf(m));
        assertEquals(Stop.PREFIX_END, ok.stop());
        assertEquals(9, ok.needAtLeast(), "a next message needs a record header and a handshake header");
        assertEquals(List.of(), ok.anomalies());
    }

    @Test
    void clientHelloOverTwoRecordsIsCopied() {
        byte[] stream = records(TLS10, CH, 100);
        Ok ok = ok(read(stream));
        HandshakeMessage m = ok.messages().getFirst();
        assertTrue(m.copied());
        assertEquals(TLS10, m.recordVersion());
        assertArrayEquals(CH_BODY, bodyOf(m));
    }

    @Test
    void headerSplitAcrossRecordsAndManyTinyRecords() {
        // Split inside the 4-byte handshake header, and then one byte per record for a while.
        int[] sizes = new int[40];
        Arrays.fill(sizes, 1);
        sizes[0] = 2;
        Ok ok = ok(read(records(TLS12, CH, sizes)));
        assertArrayEquals(CH_BODY, bodyOf(ok.messages().getFirst()));
    }

    @Test
    void readsAtAnOffsetInsideALargerBufferWithoutMovingIt() {
        byte[] stream = records(TLS10, CH, 300);
        byte[] big = new byte[stream.length + 100];
        System.arraycopy(stream, 0, big, 37, stream.length);
        ByteBuffer buffer = ByteBuffer.wrap(big).asReadOnlyBuffer();
        buffer.position(5).limit(big.length - 3);
        Ok ok = ok(TlsRecordReader.read(buffer, 37, stream.length));
        assertEquals(5, buffer.position());
        assertEquals(big.length - 3, buffer.limit());
        assertArrayEquals(CH_BODY, bodyOf(ok.messages().getFirst()));
    }

    @Test
    void threeTcpSegmentsGiveIncompleteThenOk() {
        byte[] stream = records(TLS10, CH, 200);
        int a = 150;
        int b = 260;
        Incomplete first = assertInstanceOf(Incomplete.class, TlsRecordReader.read(ByteBuffer.wrap(stream), 0, a));
        assertTrue(first.needAtLeast() > 0 && a + first.needAtLeast() <= stream.length, first::toString);
        Incomplete second = assertInstanceOf(Incomplete.class, TlsRecordReader.read(ByteBuffer.wrap(stream), 0, b));
        assertTrue(b + second.needAtLeast() <= stream.length, second::toString);
        Ok ok = ok(read(stream));
        assertArrayEquals(CH_BODY, bodyOf(ok.messages().getFirst()));
    }

    @Test
    void everyTruncationIsIncompleteWithATrueLowerBound() {
        for (byte[] stream : List.of(record(CONTENT_HANDSHAKE, TLS10, CH), records(TLS10, CH, 1, 2, 3, 200, 7))) {
            for (int k = 0; k < stream.length; k++) {
                TlsRecordResult r = TlsRecordReader.read(ByteBuffer.wrap(stream), 0, k);
                Incomplete inc = assertInstanceOf(Incomplete.class, r, "prefix " + k);
                assertTrue(inc.needAtLeast() >= 1 && k + inc.needAtLeast() <= stream.length,
                        "prefix " + k + " of " + stream.length + ": " + inc);
            }
            ok(read(stream));
        }
    }

    @Test
    void serverFlightCutInTheCertificateStillGivesTheServerHello() {
        byte[] sh = handshake(2, TlsBytes.serverHelloBody(TLS12, TlsBytes.random(7), 0xc02f, null));
        byte[] cert = handshake(11, new byte[3000]);
        byte[] stream = record(CONTENT_HANDSHAKE, TLS12, concat(sh, cert));
        int cut = 5 + sh.length + 100;
        Ok ok = ok(TlsRecordReader.read(ByteBuffer.wrap(stream), 0, cut));
        assertEquals(1, ok.messages().size());
        assertTrue(ok.messages().getFirst().isServerHello());
        assertEquals(Stop.PREFIX_END, ok.stop());
        assertEquals(stream.length - cut, ok.needAtLeast(), "the rest of the record completes the certificate");
        Ok all = ok(read(stream));
        assertEquals(List.of(2, 11), all.messages().stream().map(HandshakeMessage::type).toList());
    }

    @Test
    void stopsAtChangeCipherSpecWhenEncryptedFinishedFollows() {
        byte[] ckx = handshake(16, new byte[66]);
        byte[] stream = concat(record(CONTENT_HANDSHAKE, TLS12, ckx), record(CONTENT_CHANGE_CIPHER_SPEC, TLS12,
                new byte[] {1}), record(CONTENT_HANDSHAKE, TLS12, hex("0000000000000000 " + "ab".repeat(32))));
        Ok ok = ok(read(stream));
        assertEquals(1, ok.messages().size());
        assertEquals(Stop.CHANGE_CIPHER_SPEC, ok.stop());
        assertEquals(0, ok.needAtLeast());
        assertEquals(5 + ckx.length + 6, ok.ciphertextAt(), "the encrypted Finished's record, after the CCS");
    }

    @Test
    void compatibilityModeSecondClientHelloAfterChangeCipherSpecIsRead() {
        byte[] second = handshake(1, CH_BODY);
        byte[] stream = concat(record(CONTENT_HANDSHAKE, TLS10, CH), record(CONTENT_CHANGE_CIPHER_SPEC, TLS12,
                new byte[] {1}), record(CONTENT_HANDSHAKE, TLS12, second),
                record(CONTENT_APPLICATION_DATA, TLS12, new byte[40]));
        Ok ok = ok(read(stream));
        assertEquals(2, ok.messages().size());
        assertEquals(TLS12, ok.messages().get(1).recordVersion());
        assertEquals(Stop.APPLICATION_DATA, ok.stop());
        assertEquals(stream.length - 45, ok.ciphertextAt(), "the application-data record");
        byte[] shifted = concat(new byte[7], stream);
        assertEquals(7 + stream.length - 45, ok(TlsRecordReader.read(ByteBuffer.wrap(shifted), 7, stream.length))
                .ciphertextAt(), "an index in the buffer given");
    }

    @Test
    void aMessageMustNotContinueAcrossChangeCipherSpec() {
        byte[] stream = concat(record(CONTENT_HANDSHAKE, TLS12, Arrays.copyOf(CH, 50)),
                record(CONTENT_CHANGE_CIPHER_SPEC, TLS12, new byte[] {1}),
                record(CONTENT_HANDSHAKE, TLS12, Arrays.copyOfRange(CH, 50, CH.length)));
        assertEquals(new Malformed("message_interrupted"), read(stream));
    }

    @Test
    void aMessageSplitAroundAnyOtherRecordTypeIsInterrupted() {
        // RFC 8446 5.1: no other record may come between the records of one handshake message.
        for (int type : new int[] {CONTENT_CHANGE_CIPHER_SPEC, CONTENT_ALERT, CONTENT_APPLICATION_DATA,
                TlsRecordReader.CONTENT_HEARTBEAT}) {
            byte[] stream = concat(record(CONTENT_HANDSHAKE, TLS12, Arrays.copyOf(CH, 50)),
                    record(type, TLS12, new byte[] {1}),
                    record(CONTENT_HANDSHAKE, TLS12, Arrays.copyOfRange(CH, 50, CH.length)));
            assertEquals(new Malformed("message_interrupted"), read(stream), "record type " + type);
        }
    }

    @Test
    void alertAndApplicationDataStopTheWalk() {
        Ok alert = ok(read(concat(record(CONTENT_HANDSHAKE, TLS12, CH), record(CONTENT_ALERT, TLS12, hex("0228")))));
        assertEquals(Stop.ALERT, alert.stop());
        assertEquals(-1, alert.ciphertextAt(), "an alert is not taken for ciphertext");
        Ok onlyAlert = ok(read(concat(record(CONTENT_HANDSHAKE, TLS12, new byte[0]), record(CONTENT_ALERT, TLS12,
                hex("0228")))));
        assertEquals(List.of(), onlyAlert.messages());
        assertEquals(List.of("empty_record"), onlyAlert.anomalies());
        assertEquals(new Malformed("message_interrupted"),
                read(concat(record(CONTENT_HANDSHAKE, TLS12, Arrays.copyOf(CH, 20)), record(CONTENT_ALERT, TLS12,
                        hex("0228")))));
    }

    @Test
    void probeRejectsOtherProtocols() {
        assertInstanceOf(NotTls.class, read(TlsBytes.ascii("GET / HTTP/1.1\r\n")));
        assertInstanceOf(NotTls.class, read(TlsBytes.ascii("SSH-2.0-OpenSSH_9.6\r\n")));
        assertInstanceOf(NotTls.class, read(hex("1604")), "0x16 then a non-3 major version");
        assertInstanceOf(NotTls.class, read(hex("160309")), "minor version 9");
        assertInstanceOf(NotTls.class, read(record(CONTENT_APPLICATION_DATA, TLS12, new byte[10])));
        assertInstanceOf(NotTls.class, read(hex("8010 02 0002")), "SSLv2 record of another message type");
        assertInstanceOf(NotTls.class, read(hex("8010 01 0505")), "SSLv2 hello with an implausible version");
        assertEquals(new Incomplete(9), read(new byte[0]));
        assertEquals(new Incomplete(8), read(hex("16")));
        assertEquals(new Incomplete(2), read(hex("80")));
    }

    @Test
    void malformedRecords() {
        assertEquals(new Malformed("record_too_long"), read(hex("160301ffff01")));
        byte[] afterHello = record(CONTENT_HANDSHAKE, TLS12, CH);
        Ok ok = ok(read(concat(afterHello, hex("6f8c43b7d2f1"))));
        assertEquals(Stop.MALFORMED, ok.stop());
        assertEquals(List.of("bad_content_type"), ok.anomalies());
        assertEquals(new Malformed("message_too_long"), read(record(CONTENT_HANDSHAKE, TLS12, hex("01ffffff"))));
    }

    @Test
    void zeroLengthMessagesAndRecords() {
        byte[] stream = concat(record(CONTENT_HANDSHAKE, TLS12, new byte[0]),
                record(CONTENT_HANDSHAKE, TLS12, concat(handshake(14, new byte[0]), handshake(14, new byte[0]))));
        Ok ok = ok(read(stream));
        assertEquals(2, ok.messages().size());
        assertEquals(0, ok.messages().get(1).length());
        assertEquals(List.of("empty_record"), ok.anomalies());
    }

    @Test
    void limitsEndTheWalk() {
        byte[] many = new byte[0];
        for (int i = 0; i < TlsRecordReader.MAX_MESSAGES + 5; i++) {
            many = concat(many, handshake(14, new byte[0]));
        }
        Ok messages = ok(read(record(CONTENT_HANDSHAKE, TLS12, many)));
        assertEquals(TlsRecordReader.MAX_MESSAGES, messages.messages().size());
        assertEquals(Stop.LIMIT, messages.stop());

        byte[] empties = new byte[0];
        for (int i = 0; i < TlsRecordReader.MAX_RECORDS + 5; i++) {
            empties = concat(empties, record(CONTENT_HANDSHAKE, TLS12, new byte[0]));
        }
        assertEquals(new Malformed("too_many_records"), read(empties));
    }

    @Test
    void sslv2ClientHelloThenTlsRecords() {
        byte[] v2 = hex("802e 01 0002 0015 0000 0010 0700c0 050080 030080 010080 060040 040080 020080"
                + "000102030405060708090a0b0c0d0e0f");
        Ok ok = ok(read(v2));
        HandshakeMessage m = ok.messages().getFirst();
        assertTrue(m.sslv2() && m.isClientHello());
        assertEquals(HandshakeMessage.SSLV2_RECORD_VERSION, m.recordVersion());
        assertEquals(0x2e - 1, m.length());
        assertEquals(Stop.PREFIX_END, ok.stop());

        byte[] withTls = concat(v2, record(CONTENT_HANDSHAKE, TLS10, handshake(16, new byte[10])));
        assertEquals(List.of(1, 16), ok(read(withTls)).messages().stream().map(HandshakeMessage::type).toList());
        Ok v2Continues = ok(read(concat(v2, hex("8020 02"))));
        assertEquals(Stop.OTHER_RECORD, v2Continues.stop());

        for (int k = 0; k < v2.length; k++) {
            TlsRecordResult r = TlsRecordReader.read(ByteBuffer.wrap(v2), 0, k);
            Incomplete inc = assertInstanceOf(Incomplete.class, r, "prefix " + k);
            assertTrue(k + inc.needAtLeast() <= v2.length, "prefix " + k + ": " + inc);
        }
    }

    @Test
    void sslv2ServerHello() {
        // A short SERVER-HELLO: hit 0, x509, version 2, a 3-byte "certificate", 2 cipher specs, a 16-byte
        // connection id.
        byte[] body = hex("00 01 0002 0003 0006 0010 aabbcc 010080 0700c0 " + "11".repeat(16));
        byte[] v2 = concat(new byte[] {(byte) 0x80, (byte) (body.length + 1), 4}, body);
        HandshakeMessage m = ok(read(v2)).messages().getFirst();
        assertTrue(m.sslv2() && m.isServerHello());
        assertEquals(new Malformed("sslv2_record_too_short"), read(hex("8005 04 00 01 0002")));
    }

    @Test
    void anSslv2HelloUnderTheThreeByteHeaderIsNotTls() {
        // The hello of sslv2ClientHelloThenTlsRecords (version 3.1 here) under the 3-byte SSLv2 header, with
        // and without the escape bit, padding length 0. That header is for padded (encrypted) records:
        // no client sends a hello in it, OpenSSL would refuse one, and accepting it would make any stream
        // whose fourth byte is 1 a candidate.
        byte[] hello = hex("01 0301 0015 0000 0010 0700c0 050080 030080 010080 060040 040080 020080"
                + "000102030405060708090a0b0c0d0e0f");
        assertEquals(0x2e, hello.length);
        assertInstanceOf(NotTls.class, read(concat(hex("002e 00"), hello)));
        assertInstanceOf(NotTls.class, read(concat(hex("402e 00"), hello)));
        assertEquals(1, ok(read(concat(hex("802e"), hello))).messages().size(), "the 2-byte header reads");
    }

    @Test
    void aPrefixEndingRightAfterAWholeRecordSaysSoAndTheRestReadsOnItsOwn() {
        byte[] hello = record(CONTENT_HANDSHAKE, TLS12, handshake(HandshakeMessage.CLIENT_HELLO,
                TlsBytes.chromeClientHelloBody("a.example")));
        TlsRecordResult.Ok whole = assertInstanceOf(TlsRecordResult.Ok.class, read(hello));
        assertEquals(TlsRecordResult.Stop.PREFIX_END, whole.stop());
        assertTrue(whole.betweenRecords());

        byte[] cut = java.util.Arrays.copyOf(concat(hello, hello), hello.length + 20);
        assertFalse(assertInstanceOf(TlsRecordResult.Ok.class, read(cut)).betweenRecords(), "a record goes on");

        byte[] ccs = record(CONTENT_CHANGE_CIPHER_SPEC, TLS12, new byte[] {1});
        assertFalse(assertInstanceOf(TlsRecordResult.Ok.class, read(concat(hello, ccs))).betweenRecords(),
                "after a ChangeCipherSpec the next record's meaning depends on it");

        // What follows the first hello, read on its own: a ChangeCipherSpec first is no error there.
        byte[] next = concat(ccs, hello);
        assertInstanceOf(NotTls.class, read(next));
        TlsRecordResult.Ok more = assertInstanceOf(TlsRecordResult.Ok.class,
                TlsRecordReader.readMore(ByteBuffer.wrap(next), 0, next.length));
        assertEquals(1, more.messages().size());
        assertTrue(more.messages().getFirst().isClientHello());
    }
}
