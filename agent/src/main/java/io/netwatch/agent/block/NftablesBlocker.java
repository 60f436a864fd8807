package io.netwatch.agent.block;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Node-level drops in the agent's own nftables tables ({@code inet} and {@code bridge}
 * families, named by {@link BlockConfig#table()}); it never reads or changes any other table.
 *
 * <p>Start-up policy: the tables, sets and chains are created when missing and reused when
 * there; the agent's chains are flushed and rebuilt (so a newer agent's rules replace an older
 * one's), while set elements stay: blocks from before a restart keep their own timeouts and
 * are adopted into the bookkeeping. Each {@link #apply} is one {@code nft -f -} transaction:
 * all its changes take effect together, or none does.
 *
 * <p>The count of active blocks comes from the agent's own bookkeeping (block time plus time
 * to live) and is replaced by the kernel's sets at each {@link #reconcile()}; the differences
 * found are counted. Not thread-safe for writes: one thread applies and reconciles.
 */
public final class NftablesBlocker {
    private final Nft nft;
    private final String table;
    private final LongSupplier clockMillis;
    /** Block → when it expires, milliseconds since the epoch. Written by the blocker thread, read by metrics. */
    private final Map<BlockTarget, Long> expiresAt = new ConcurrentHashMap<>();
    private final AtomicLong reconciles = new AtomicLong();
    private final AtomicLong reconcileFailures = new AtomicLong();
    private final AtomicLong corrections = new AtomicLong();
    private final AtomicLong recreations = new AtomicLong();

    /** The outcome of opening: a blocker, or why there is none. */
    public sealed interface Opened permits Ready, Unavailable {
    }

    public record Ready(NftablesBlocker blocker) implements Opened {
    }

    /** @param reason what is missing and how to fix it, for the log and for every command's answer */
    public record Unavailable(String reason) implements Opened {
    }

    private NftablesBlocker(Nft nft, String table, LongSupplier clockMillis) {
        this.nft = nft;
        this.table = table;
        this.clockMillis = clockMillis;
    }

    /** Creates or reuses the tables and reads the blocks already there. */
    public static Opened open(Nft nft, String table, LongSupplier clockMillis) {
        Nft.Result r = nft.run(NftScript.setup(table), List.of("-f", "-"));
        if (!r.ok()) {
            return new Unavailable(explain(r, table));
        }
        NftablesBlocker blocker = new NftablesBlocker(nft, table, clockMillis);
        blocker.reconcile();
        return new Ready(blocker);
    }

    static String explain(Nft.Result r, String table) {
        String error = r.firstErrorLine();
        if (r.exit() == -1 && error.startsWith("cannot run")) {
            return "nft is not available (" + error + "); install nftables (apt-get install nftables) or set block.nft";
        }
        if (r.error().contains("Operation not permitted")) {
            return "nft needs CAP_NET_ADMIN, which this process lacks (run as root, or add NET_ADMIN to the "
                    + "container's capabilities): " + error;
        }
        return "nft refused the agent's tables (" + error + "); to start afresh run: nft delete table inet " + table
                + "; nft delete table bridge " + table;
    }

    /**
     * Applies the changes in one transaction; on success the bookkeeping follows. When the
     * agent's tables or sets are gone (another tool ran {@code flush ruleset}, as the usual
     * {@code /etc/nftables.conf} does on every reload), they are created again, empty, and the
     * changes applied once more: the blocks the deletion lifted stay lifted, as after an
     * {@code nft delete table}, but blocking goes on without a restart. A lone remove that
     * fails is answered ok when nft finds nothing to remove in either table (its script adds
     * before it deletes, and in a full set that add fails).
     */
    public Nft.Result apply(List<? extends NftScript.Change> changes) {
        String script = NftScript.changes(table, changes);
        Nft.Result r = nft.run(script, List.of("-f", "-"));
        if (missing(r) && nft.run(NftScript.setup(table), List.of("-f", "-")).ok()) {
            recreations.incrementAndGet();
            reconcile();
            r = nft.run(script, List.of("-f", "-"));
        }
        if (!r.ok() && changes.size() == 1 && changes.getFirst() instanceof NftScript.Remove remove
                && absent(remove.target())) {
            // The remove's add found no room (a full set), but there was nothing to remove.
            r = new Nft.Result(0, "", "");
        }
        if (r.ok()) {
            long now = clockMillis.getAsLong();
            for (NftScript.Change c : changes) {
                if (c instanceof NftScript.Add a) {
                    expiresAt.put(a.target(), now + a.ttl().toMillis());
                } else {
                    expiresAt.remove(c.target());
                }
            }
        }
        return r;
    }

    /**
     * Replaces the bookkeeping with what the kernel holds and counts the differences (blocks
     * the agent thought active but are gone, or the other way round).
     *
     * @return false when the sets could not be read (counted; the bookkeeping stays)
     */
    public boolean reconcile() {
        reconciles.incrementAndGet();
        Nft.Result r = nft.run(null, List.of("-j", "list", "table", "inet", table));
        NftState state;
        try {
            if (missing(r)) {
                // No table: every block in the bookkeeping was lifted with it.
                state = NftState.parse("{\"nftables\": []}");
            } else if (!r.ok()) {
                throw new IllegalArgumentException(r.firstErrorLine());
            } else {
                state = NftState.parse(r.output());
            }
        } catch (IllegalArgumentException e) {
            reconcileFailures.incrementAndGet();
            return false;
        }
        long now = clockMillis.getAsLong();
        Map<BlockTarget, Long> kernel = new HashMap<>();
        state.remainingMillis.forEach((t, left) -> kernel.put(t, now + left));
        long diff = 0;
        for (BlockTarget t : kernel.keySet()) {
            Long mine = expiresAt.get(t);
            if (mine == null || mine <= now) {
                diff++;
            }
        }
        for (Map.Entry<BlockTarget, Long> e : expiresAt.entrySet()) {
            if (e.getValue() > now && !kernel.containsKey(e.getKey())) {
                diff++;
            }
        }
        corrections.addAndGet(diff + state.unreadable);
        expiresAt.keySet().retainAll(kernel.keySet());
        expiresAt.putAll(kernel);
        return true;
    }

    /** True when nft finds the target in neither table's set. */
    private boolean absent(BlockTarget t) {
        for (String family : NftScript.FAMILIES) {
            Nft.Result r = nft.run(null, List.of("get", "element", family, table, NftScript.setName(t),
                    "{ " + NftScript.element(t) + " }"));
            if (!missing(r)) {
                return false;
            }
        }
        return true;
    }

    /** nft's error for a table, set, chain or element that is not there (ENOENT). */
    private static boolean missing(Nft.Result r) {
        return r.exit() > 0 && r.error().contains("No such file or directory");
    }

    /** Blocks in force of one family, from the bookkeeping (expired ones leave it here). */
    public long active(BlockTarget.Family family) {
        long now = clockMillis.getAsLong();
        expiresAt.values().removeIf(at -> at <= now);
        return expiresAt.keySet().stream().filter(t -> t.family() == family).count();
    }

    /** When a block in force expires (milliseconds since the epoch), or null. */
    public Long expiresAt(BlockTarget target) {
        return expiresAt.get(target);
    }

    public String table() {
        return table;
    }

    public long reconciles() {
        return reconciles.get();
    }

    public long reconcileFailures() {
        return reconcileFailures.get();
    }

    /** Differences between the bookkeeping and the kernel found by reconciliation, and unreadable elements. */
    public long corrections() {
        return corrections.get();
    }

    /** Times the agent's tables were found gone and created again. */
    public long recreations() {
        return recreations.get();
    }
}
