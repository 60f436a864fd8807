package io.netwatch.agent.block;

import com.google.protobuf.util.Timestamps;
import io.netwatch.agent.export.CommandHandler;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.CommandResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator's block and unblock commands, from the stream to nftables and back.
 *
 * <p>On the stream's thread a command is only checked ({@link BlockRequests}) and queued:
 * malformed ones, dry runs and every command when blocking is unavailable are answered at
 * once. The blocker's own thread takes what is queued, applies up to {@link #MAX_BATCH}
 * changes in one nft transaction and answers each; when a batch fails, each change is applied
 * alone so one bad change fails only its own command. Between commands it reconciles its count
 * of active blocks with the kernel. A full queue answers ok=false, counted.
 */
public final class BlockCommands implements CommandHandler, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlockCommands.class);
    /** Commands waiting for the blocker thread; past it they are refused (counted). */
    public static final int QUEUE_CAPACITY = 4096;
    /** Most changes in one nft transaction. */
    static final int MAX_BATCH = 256;

    /** Why a command was not applied; each has its counter. */
    public enum Failure {
        BAD_ID("bad_id"), BAD_ADDRESS("bad_address"), BAD_PORT("bad_port"), BAD_TTL("bad_ttl"),
        /** Blocking is off or nft cannot work on this node. */
        UNAVAILABLE("unavailable"),
        /** The queue was full. */
        BUSY("busy"),
        /** nft refused the change. */
        NFT("nft");

        private final String label;

        Failure(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        static Failure of(BlockRequests.Problem p) {
            return switch (p) {
                case BAD_ID -> BAD_ID;
                case BAD_ADDRESS -> BAD_ADDRESS;
                case BAD_PORT -> BAD_PORT;
                case BAD_TTL -> BAD_TTL;
            };
        }
    }

    /** A checked command waiting for the blocker thread, with its answer channel. */
    private record Pending(BlockRequests.Checked request, long receivedMillis, long receivedNanos,
                           Consumer<CommandResult> reply) {
        NftScript.Change change() {
            return request instanceof BlockRequests.Block b ? new NftScript.Add(b.target(), b.ttl())
                    : new NftScript.Remove(((BlockRequests.Unblock) request).target());
        }
    }

    private final NftablesBlocker blocker;
    private final String unavailable;
    private final BlockConfig config;
    private final LongSupplier clockMillis;
    private final ArrayBlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Thread worker;
    private volatile boolean running = true;

    private final AtomicLong blocksReceived = new AtomicLong();
    private final AtomicLong unblocksReceived = new AtomicLong();
    private final AtomicLong blocksApplied = new AtomicLong();
    private final AtomicLong unblocksApplied = new AtomicLong();
    private final AtomicLong dryRuns = new AtomicLong();
    private final AtomicLong clamped = new AtomicLong();
    private final AtomicLongArray failures = new AtomicLongArray(Failure.values().length);
    private final AtomicLong refusals = new AtomicLong();
    /** Command received to rule in force, last and largest, nanoseconds. */
    private volatile long lastApplyNanos;
    private final AtomicLong maxApplyNanos = new AtomicLong();

    private BlockCommands(NftablesBlocker blocker, String unavailable, BlockConfig config, LongSupplier clockMillis) {
        this.blocker = blocker;
        this.unavailable = unavailable;
        this.config = config;
        this.clockMillis = clockMillis;
        this.worker = Thread.ofPlatform().name("netwatch-block").daemon().unstarted(this::run);
    }

    /**
     * Opens the blocker (unless blocking is off) and starts its thread.
     *
     * @param nft how to run nft (usually {@code new NftProcess(config.nft(), ...)})
     */
    public static BlockCommands start(BlockConfig config, Nft nft, LongSupplier clockMillis) {
        BlockCommands commands;
        if (!config.enabled()) {
            commands = new BlockCommands(null, "blocking is off on this node (block.enabled: false)", config,
                    clockMillis);
        } else {
            commands = switch (NftablesBlocker.open(nft, config.table(), clockMillis)) {
                case NftablesBlocker.Ready r -> new BlockCommands(r.blocker(), null, config, clockMillis);
                case NftablesBlocker.Unavailable u -> new BlockCommands(null, u.reason(), config, clockMillis);
            };
        }
        if (commands.blocker != null) {
            commands.worker.start();
        }
        return commands;
    }

    /** True when blocks can be installed: the agent announces {@code block.nftables}. */
    public boolean available() {
        return blocker != null;
    }

    /** Why blocks cannot be installed, or null when they can. */
    public String unavailableReason() {
        return unavailable;
    }

    /** The blocker, or null when unavailable. */
    public NftablesBlocker blocker() {
        return blocker;
    }

    @Override
    public void onCommand(AggregatorMessage message, Consumer<CommandResult> reply) {
        long receivedNanos = System.nanoTime();
        long receivedMillis = clockMillis.getAsLong();
        BlockRequests.Checked request;
        if (message.hasBlock()) {
            blocksReceived.incrementAndGet();
            request = BlockRequests.check(message.getBlock(), config.maxTtl());
        } else if (message.hasUnblock()) {
            unblocksReceived.incrementAndGet();
            request = BlockRequests.check(message.getUnblock());
        } else {
            return;
        }
        CommandResult.Builder answer = CommandResult.newBuilder().setCommandId(request.commandId())
                .setReceivedAt(Timestamps.fromMillis(receivedMillis));
        if (request instanceof BlockRequests.Invalid invalid) {
            failed(Failure.of(invalid.problem()));
            long refused = refusals.incrementAndGet();
            // A flood of bad commands must not flood the log: the first few, then one in 1000; all are counted.
            if (refused <= 10 || refused % 1000 == 0) {
                log.warn("block: refused command {} ({} refused so far): {}",
                        BlockRequests.printable(request.commandId()), refused, invalid.message());
            }
            reply.accept(answer.setOk(false).setError(invalid.message()).build());
            return;
        }
        if (request instanceof BlockRequests.Block b && b.clamped()) {
            clamped.incrementAndGet();
        }
        if (blocker == null) {
            failed(Failure.UNAVAILABLE);
            reply.accept(answer.setOk(false).setError(unavailable).build());
            return;
        }
        if (request instanceof BlockRequests.Block b && b.dryRun()) {
            dryRuns.incrementAndGet();
            log.info("block: dry run {}: would drop {} for {} s ({})", BlockRequests.printable(b.commandId()),
                    b.target(), b.ttl().toSeconds(), b.reason());
            reply.accept(answer.setOk(true).setDryRun(true).setTtlClamped(b.clamped()).build());
            return;
        }
        if (!queue.offer(new Pending(request, receivedMillis, receivedNanos, reply))) {
            failed(Failure.BUSY);
            reply.accept(answer.setOk(false).setError("agent busy: " + QUEUE_CAPACITY
                    + " block commands are waiting; try again").build());
        }
    }

    private void run() {
        long nextReconcile = System.nanoTime() + config.reconcileInterval().toNanos();
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (running) {
            try {
                Pending first = queue.poll(Math.max(1, nextReconcile - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH - 1);
                    applyBatch(batch);
                    batch.clear();
                }
                if (System.nanoTime() - nextReconcile >= 0) {
                    blocker.reconcile();
                    nextReconcile = System.nanoTime() + config.reconcileInterval().toNanos();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // A bug: the commands of this batch are unanswered; the thread goes on.
                log.error("block: applying commands failed", e);
                batch.clear();
            }
        }
    }

    private void applyBatch(List<Pending> batch) {
        Nft.Result r = blocker.apply(batch.stream().map(Pending::change).toList());
        if (r.ok() || batch.size() == 1) {
            long appliedMillis = clockMillis.getAsLong();
            for (Pending p : batch) {
                answer(p, r, appliedMillis);
            }
            return;
        }
        for (Pending p : batch) {
            Nft.Result alone = blocker.apply(List.of(p.change()));
            answer(p, alone, clockMillis.getAsLong());
        }
    }

    private void answer(Pending p, Nft.Result r, long appliedMillis) {
        CommandResult.Builder answer = CommandResult.newBuilder().setCommandId(p.request().commandId())
                .setReceivedAt(Timestamps.fromMillis(p.receivedMillis()));
        if (!r.ok()) {
            failed(Failure.NFT);
            String error = "nft: " + r.firstErrorLine();
            log.warn("block: command {} failed: {}", BlockRequests.printable(p.request().commandId()), error);
            p.reply().accept(answer.setOk(false).setError(error).build());
            return;
        }
        long tookNanos = System.nanoTime() - p.receivedNanos();
        lastApplyNanos = tookNanos;
        maxApplyNanos.accumulateAndGet(tookNanos, Math::max);
        answer.setOk(true).setAppliedAt(Timestamps.fromMillis(appliedMillis));
        if (p.request() instanceof BlockRequests.Block b) {
            blocksApplied.incrementAndGet();
            answer.setTtlClamped(b.clamped()).setExpiresAt(Timestamps.fromMillis(appliedMillis + b.ttl().toMillis()));
            log.info("block: {} dropped for {} s in {} ms ({})", b.target(), b.ttl().toSeconds(),
                    tookNanos / 1_000_000, b.reason());
        } else {
            unblocksApplied.incrementAndGet();
            log.info("block: {} unblocked", ((BlockRequests.Unblock) p.request()).target());
        }
        p.reply().accept(answer.build());
    }

    private void failed(Failure f) {
        failures.incrementAndGet(f.ordinal());
    }

    @Override
    public void close() {
        running = false;
        worker.interrupt();
        try {
            worker.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public long blocksReceived() {
        return blocksReceived.get();
    }

    public long unblocksReceived() {
        return unblocksReceived.get();
    }

    public long blocksApplied() {
        return blocksApplied.get();
    }

    public long unblocksApplied() {
        return unblocksApplied.get();
    }

    public long dryRuns() {
        return dryRuns.get();
    }

    /** Blocks whose time to live was shortened to block.max_ttl. */
    public long clamped() {
        return clamped.get();
    }

    public long failures(Failure f) {
        return failures.get(f.ordinal());
    }

    /** All failed commands, whatever the reason. */
    public long failures() {
        long n = 0;
        for (int i = 0; i < failures.length(); i++) {
            n += failures.get(i);
        }
        return n;
    }

    /** Command received to rule in force, the last one, nanoseconds (0 before the first). */
    public long lastApplyNanos() {
        return lastApplyNanos;
    }

    public long maxApplyNanos() {
        return maxApplyNanos.get();
    }

    /** Active blocks of a family (0 when unavailable). */
    public long active(BlockTarget.Family family) {
        return blocker == null ? 0 : blocker.active(family);
    }
}
