package io.netwatch.agent.capture;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The capability check on fabricated /proc/self/status texts. */
class CaptureCapabilitiesTest {
    private static String status(String capEff) {
        return "Name:\tjava\nUmask:\t0022\nState:\tS (sleeping)\nCapInh:\t0000000000000000\n"
                + "CapPrm:\t" + capEff + "\nCapEff:\t" + capEff + "\nCapBnd:\t000001ffffffffff\nSeccomp:\t2\n";
    }

    @Test
    void rootWithEveryCapabilityMayCapture() {
        CaptureCapabilities c = CaptureCapabilities.parse(status("000001ffffffffff"));
        assertNotNull(c);
        assertEquals(List.of(), c.missingForCapture());
        assertNull(c.captureProblem());
    }

    @Test
    void exactlyTheTwoCapabilitiesAreEnough() {
        // NET_ADMIN is bit 12, NET_RAW bit 13: 0x3000, as a DaemonSet that drops ALL and adds both gives.
        assertNull(CaptureCapabilities.parse(status("0000000000003000")).captureProblem());
    }

    @Test
    void eachMissingCapabilityIsNamedWithHowToGrantIt() {
        String onlyRaw = CaptureCapabilities.parse(status("0000000000002000")).captureProblem();
        assertTrue(onlyRaw.contains("lacks CAP_NET_ADMIN (CapEff 0000000000002000)"), onlyRaw);
        assertFalse(onlyRaw.contains("lacks CAP_NET_RAW"), onlyRaw);
        assertTrue(onlyRaw.contains("capabilities.add: [NET_RAW, NET_ADMIN]"), onlyRaw);

        String onlyAdmin = CaptureCapabilities.parse(status("0000000000001000")).captureProblem();
        assertTrue(onlyAdmin.contains("lacks CAP_NET_RAW (CapEff"), onlyAdmin);

        // An unprivileged user: nothing at all.
        CaptureCapabilities none = CaptureCapabilities.parse(status("0000000000000000"));
        assertEquals(List.of("CAP_NET_RAW", "CAP_NET_ADMIN"), none.missingForCapture());
        assertTrue(none.captureProblem().contains("lacks CAP_NET_RAW and CAP_NET_ADMIN"), none.captureProblem());
    }

    @Test
    void unreadableStatusMeansUnknownNotAllowedOrRefused() {
        assertNull(CaptureCapabilities.parse("Name:\tjava\n"));
        assertNull(CaptureCapabilities.parse("CapEff:\t\n"));
        assertNull(CaptureCapabilities.parse("CapEff:\tzzzz\n"));
        assertNull(CaptureCapabilities.parse("CapEff:\t" + "f".repeat(17) + "\n"));
        assertNull(CaptureCapabilities.parse(""));
        // A CapEff line past the bound is not looked for.
        assertNull(CaptureCapabilities.parse("x".repeat(CaptureCapabilities.MAX_STATUS_CHARS) + "\nCapEff:\t3000\n"));
        // The full 64-bit mask parses (unsigned).
        assertEquals(-1L, CaptureCapabilities.parse("CapEff:\tffffffffffffffff\n").effective());
    }

    @Test
    void thisProcessCanBeRead() {
        CaptureCapabilities own = CaptureCapabilities.ofThisProcess();
        if (System.getProperty("os.name").startsWith("Linux")) {
            assertNotNull(own, "/proc/self/status has a CapEff line on Linux");
        }
    }
}
