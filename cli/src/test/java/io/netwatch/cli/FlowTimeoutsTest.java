package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.flow.FlowTableConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FlowTimeoutsTest {
    @Test
    void aSubsetOverridesTheDefaults() {
        FlowTableConfig c = FlowTimeouts.apply(FlowTableConfig.defaults(), "udp=2m, active=PT1H,syn=500ms");
        assertEquals(Duration.ofMinutes(2), c.udpTimeout());
        assertEquals(Duration.ofHours(1), c.activeTimeout());
        assertEquals(Duration.ofMillis(500), c.tcpSynTimeout());
        assertEquals(FlowTableConfig.defaults().tcpEstablishedTimeout(), c.tcpEstablishedTimeout());
    }

    @Test
    void mistakesSayWhatToFix() {
        var e = assertThrows(IllegalArgumentException.class, () -> FlowTimeouts.apply(FlowTableConfig.defaults(), "tcp=1m"));
        assertTrue(e.getMessage().contains("unknown key 'tcp'") && e.getMessage().contains("established"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FlowTimeouts.apply(FlowTableConfig.defaults(), "udp=soon"));
        assertTrue(e.getMessage().contains("udp='soon' is not a duration"), e.getMessage());
        // As the agent's --flow-timeouts (flows.timeouts.udp) says it; before, "... got PT0S" and a bare "is negative".
        e = assertThrows(IllegalArgumentException.class, () -> FlowTimeouts.apply(FlowTableConfig.defaults(), "udp=0s"));
        assertEquals("--flow-timeouts: udp='0s' is too short (expected duration, at least 1ms)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FlowTimeouts.apply(FlowTableConfig.defaults(), "udp=-1s"));
        assertEquals("--flow-timeouts: udp='-1s' is negative (expected duration, at least 1ms)", e.getMessage());
    }

    @Test
    void theCommandLineRejectsABadValueWithExitCode2() {
        assertEquals(2, NetwatchMain.execute("inspect", Samples.demo().toString(), "--flow-timeouts", "bogus"));
    }
}
