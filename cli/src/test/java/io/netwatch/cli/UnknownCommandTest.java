package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A word that names no command gets the commands, and a guess only when one is near. */
class UnknownCommandTest {
    private static final String COMMANDS = " The commands: demo, agent, aggregator, inspect, observe, anomalies, agents,"
            + " rules, policy, incidents, blocks, certs, version, help (--help says what each does).";

    @Test
    void aFarWordGetsTheCommandsAndNoGuess() {
        CliRun r = CliRun.of("nosuchcmd");
        assertEquals(2, r.code());
        // picocli guessed 'anomalies' here, by shared letters.
        assertEquals("netwatch: 'nosuchcmd' is not a command." + COMMANDS, r.stderr().strip());
    }

    @Test
    void aMisspeltCommandGetsTheNearOnes() {
        assertEquals("netwatch: 'agnet' is not a command; did you mean netwatch agent?" + COMMANDS,
                CliRun.of("agnet").stderr().strip());
        assertEquals("netwatch: 'inspct' is not a command; did you mean netwatch inspect?" + COMMANDS,
                CliRun.of("inspct", "x.pcap").stderr().strip());
        assertEquals("netwatch policy: 'chek' is not a command; did you mean netwatch policy check? The commands: "
                + "check, suggest, simulate (--help says what each does).", CliRun.of("policy", "chek").stderr().strip());
    }
}
