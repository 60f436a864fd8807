package io.netwatch.agent.block;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How the agent enforces the aggregator's block commands.
 *
 * @param enabled           false: the agent does not announce {@code block.nftables} and answers
 *                          every block command with ok=false
 * @param table             name of the agent's own tables ({@code inet} and {@code bridge}
 *                          families); another name lets two agents (or a test) coexist
 * @param maxTtl            longest time to live a block gets; longer ones are shortened to it
 *                          (and the answer says so)
 * @param reconcileInterval how often the agent's count of active blocks is checked against the
 *                          kernel's sets ({@code nft -j list table})
 * @param nft               the command that runs nft: the executable, or a prefix such as
 *                          {@code ip netns exec NS nft} (tests)
 */
public record BlockConfig(boolean enabled, String table, Duration maxTtl, Duration reconcileInterval,
                          List<String> nft) {
    /** nft names: a letter, then letters, digits and underscores; the kernel's limit is 255. */
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,31}");
    /** Shortest time to live a block may have: nft's timeouts are in milliseconds, a rule lives at least this. */
    public static final Duration MIN_TTL = Duration.ofSeconds(1);
    /** The default bound on a block's time to live. */
    public static final Duration DEFAULT_MAX_TTL = Duration.ofHours(24);
    /** nft's own bound on a set element's timeout is about 49 days (32-bit milliseconds); stay well below. */
    public static final Duration LONGEST_MAX_TTL = Duration.ofDays(30);

    public BlockConfig {
        nft = List.copyOf(nft);
        if (table == null || !TABLE_NAME.matcher(table).matches()) {
            throw new IllegalArgumentException("block.table must be a letter then up to 31 letters, digits or "
                    + "underscores, got '" + table + "'");
        }
        if (maxTtl == null || maxTtl.compareTo(MIN_TTL) < 0 || maxTtl.compareTo(LONGEST_MAX_TTL) > 0) {
            throw new IllegalArgumentException("block.max_ttl must be between 1s and 30d, got " + maxTtl);
        }
        if (reconcileInterval == null || reconcileInterval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("block.reconcile_interval must be at least 1s, got " + reconcileInterval);
        }
        if (nft.isEmpty() || nft.getFirst().isBlank()) {
            throw new IllegalArgumentException("block.nft must name the nft executable, got " + nft);
        }
    }

    /** Enabled, table {@code netwatch}, 24 h at most, reconciled every 30 s, {@code nft} from the PATH. */
    public static BlockConfig defaults() {
        return new BlockConfig(true, "netwatch", DEFAULT_MAX_TTL, Duration.ofSeconds(30), List.of("nft"));
    }

    /** Blocking off (replays, tests, the demo): the agent never touches nftables. */
    public static BlockConfig off() {
        return new BlockConfig(false, "netwatch", DEFAULT_MAX_TTL, Duration.ofSeconds(30), List.of("nft"));
    }
}
