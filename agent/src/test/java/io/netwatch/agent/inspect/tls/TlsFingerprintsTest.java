package io.netwatch.agent.inspect.tls;

import static io.netwatch.agent.inspect.tls.TlsBytes.CHROME_SIGNATURES;
import static io.netwatch.agent.inspect.tls.TlsBytes.CHROME_SUITES;
import static io.netwatch.agent.inspect.tls.TlsBytes.TLS12;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TlsFingerprintsTest {
    private static final ClientHello SPEC = FingerprintTest.hello(TLS12, CHROME_SUITES,
            FingerprintTest.specExampleExtensions(CHROME_SIGNATURES));
    private static final ClientHello NO_SIGNATURES = FingerprintTest.hello(TLS12, CHROME_SUITES,
            FingerprintTest.specExampleExtensions());

    @Test
    void aHelloSeenBeforeIsNotFingerprintedAgainAndGetsTheSameAnswer() {
        TlsFingerprints f = new TlsFingerprints();
        TlsFingerprints.Pair first = f.of(SPEC, false);
        // A second hello parsed from the same bytes: equal, not the same object.
        TlsFingerprints.Pair again = f.of(FingerprintTest.hello(TLS12, CHROME_SUITES,
                FingerprintTest.specExampleExtensions(CHROME_SIGNATURES)), false);
        assertEquals("t13d1516h2_8daaf6152771_e5627efa2ab1", first.ja4());
        assertEquals(Ja3.of(SPEC).orElseThrow().md5(), first.ja3());
        assertEquals(first, again);
        assertEquals(1, f.computed());
    }

    @Test
    void whatEitherFingerprintReadsTellsHellosApart() {
        TlsFingerprints f = new TlsFingerprints();
        assertEquals("t13d1516h2_8daaf6152771_e5627efa2ab1", f.of(SPEC, false).ja4());
        assertEquals("t13d1516h2_8daaf6152771_6d807ffa2a79", f.of(NO_SIGNATURES, false).ja4());
        assertEquals("q13d1516h2_8daaf6152771_e5627efa2ab1", f.of(SPEC, true).ja4(), "QUIC is part of the key");
        assertEquals(3, f.computed());
    }

    @Test
    void atMostCapacityHellosAreRemembered() {
        TlsFingerprints f = new TlsFingerprints();
        for (int i = 0; i <= TlsFingerprints.CAPACITY; i++) {
            f.of(FingerprintTest.hello(0x0300 + i, new int[] {0x1301}, List.of()), false);
        }
        long computed = f.computed();
        f.of(FingerprintTest.hello(0x0300, new int[] {0x1301}, List.of()), false);
        assertEquals(computed + 1, f.computed(), "the least recently used hello was forgotten");
        f.of(FingerprintTest.hello(0x0300 + TlsFingerprints.CAPACITY, new int[] {0x1301}, List.of()), false);
        assertEquals(computed + 1, f.computed(), "a recent one was not");
    }
}
