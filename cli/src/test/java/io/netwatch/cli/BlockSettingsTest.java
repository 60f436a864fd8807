package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.agent.AgentConfig;
import io.netwatch.agent.block.BlockConfig;
import io.netwatch.cli.config.ConfigError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The agent's block.* keys: they reach the blocker's config, and mistakes name the key and what is allowed. */
class BlockSettingsTest {
    @TempDir
    Path dir;

    private AgentConfig config(String yaml, Map<String, String> env) throws Exception {
        Path f = dir.resolve("agent.yaml");
        Files.writeString(f, yaml);
        AgentCommand cmd = new AgentCommand();
        new CommandLine(cmd).parseArgs("--config", f.toString(), "--interface", "eth0");
        cmd.configuration.environment = env;
        return AgentSettings.toConfig(cmd.settings(), () -> "node-x");
    }

    @Test
    void defaultsAndFileValuesReachTheBlocker() throws Exception {
        assertEquals(BlockConfig.defaults(), config("{}\n", Map.of()).block());
        BlockConfig b = config("block:\n  enabled: false\n  table: nw_test\n  max_ttl: 2h\n  reconcile_interval: 5s\n"
                + "  nft: /usr/sbin/nft\n", Map.of()).block();
        assertEquals(new BlockConfig(false, "nw_test", Duration.ofHours(2), Duration.ofSeconds(5),
                List.of("/usr/sbin/nft")), b);
        assertFalse(config("{}\n", Map.of("NETWATCH_AGENT_BLOCK_ENABLED", "false")).block().enabled());
    }

    @Test
    void mistakesNameTheKeyAndWhatIsAllowed() {
        String m = assertThrows(ConfigError.class, () -> config("block:\n  table: \"inet netwatch; flush ruleset\"\n",
                Map.of())).getMessage();
        assertTrue(m.contains("block.table") && m.contains("a letter, then up to 31 letters, digits or _"), m);
        m = assertThrows(ConfigError.class, () -> config("block:\n  max_ttl: 60d\n", Map.of())).getMessage();
        assertEquals("block.max_ttl (60d) must be at most 30d (nft's timeouts end near 49 days)", m);
        m = assertThrows(ConfigError.class, () -> config("block:\n  max_ttl: 0s\n", Map.of())).getMessage();
        assertTrue(m.contains("block.max_ttl") && m.contains("at least 1s"), m);
        m = assertThrows(ConfigError.class, () -> config("block:\n  nft: \"\"\n", Map.of())).getMessage();
        assertTrue(m.contains("block.nft must name the nft executable"), m);
    }
}
