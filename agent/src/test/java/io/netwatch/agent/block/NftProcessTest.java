package io.netwatch.agent.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The nft child process: its time limit holds whatever the program does with its input. */
class NftProcessTest {
    @Test
    void aProgramThatNeverReadsItsScriptIsStoppedAtTheTimeout() {
        // A script larger than the pipe's buffer (64 KiB): writing it blocks until the program
        // reads. One that never does (stuck before reading) must still fail at the timeout,
        // not hold the blocker thread until it exits, and never count as applied.
        NftProcess nft = new NftProcess(List.of("bash", "-c", "sleep 30", "nft"), Duration.ofMillis(300));
        Nft.Result r = nft.run("#".repeat(1 << 20) + "\n", List.of("-f", "-"));
        assertFalse(r.ok(), r.toString());
        assertEquals(-1, r.exit());
        assertTrue(r.error().contains("did not finish within 300 ms"), r.error());
    }

    @Test
    void aScriptIsFedAndTheOutputRead() {
        NftProcess nft = new NftProcess(List.of("bash", "-c", "wc -c; echo oops >&2; exit 3", "nft"),
                Duration.ofSeconds(10));
        Nft.Result r = nft.run("x".repeat(200_000), List.of("-f", "-"));
        assertEquals(3, r.exit());
        assertEquals("200000", r.output().strip());
        assertEquals("oops", r.firstErrorLine());
    }
}
