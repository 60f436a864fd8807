package io.netwatch.agent.block;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/** The blocker: commands received, applied and failed, blocks in force by family, reconciliation. */
public final class BlockMetrics implements MeterBinder {
    private final BlockCommands commands;

    public BlockMetrics(BlockCommands commands) {
        this.commands = commands;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("netwatch.block.available", commands, c -> c.available() ? 1 : 0)
                .description("1 when nft works and blocks can be installed (the agent announces block.nftables)")
                .register(registry);
        FunctionCounter.builder("netwatch.block.commands.received", commands, BlockCommands::blocksReceived)
                .tag("kind", "block").description("Block and unblock commands received from the aggregator")
                .register(registry);
        FunctionCounter.builder("netwatch.block.commands.received", commands, BlockCommands::unblocksReceived)
                .tag("kind", "unblock").description("Block and unblock commands received from the aggregator")
                .register(registry);
        FunctionCounter.builder("netwatch.block.commands.applied", commands, BlockCommands::blocksApplied)
                .tag("kind", "block").description("Commands in force in nftables").register(registry);
        FunctionCounter.builder("netwatch.block.commands.applied", commands, BlockCommands::unblocksApplied)
                .tag("kind", "unblock").description("Commands in force in nftables").register(registry);
        FunctionCounter.builder("netwatch.block.commands.dry_run", commands, BlockCommands::dryRuns)
                .description("Dry-run block commands recorded (logged) without installing anything")
                .register(registry);
        FunctionCounter.builder("netwatch.block.ttl.clamped", commands, BlockCommands::clamped)
                .description("Blocks whose time to live was shortened to block.max_ttl").register(registry);
        for (BlockCommands.Failure f : BlockCommands.Failure.values()) {
            FunctionCounter.builder("netwatch.block.commands.failed", commands, c -> c.failures(f))
                    .tag("reason", f.label()).description("Commands answered ok=false, by reason").register(registry);
        }
        for (BlockTarget.Family family : BlockTarget.Family.values()) {
            Gauge.builder("netwatch.block.active", commands, c -> c.active(family)).tag("family", family.label())
                    .description("Blocks in force (bookkeeping, reconciled with the kernel's sets)").register(registry);
        }
        Gauge.builder("netwatch.block.apply.last.seconds", commands, c -> c.lastApplyNanos() / 1e9)
                .description("Command received to rule in force, the last command").register(registry);
        Gauge.builder("netwatch.block.apply.max.seconds", commands, c -> c.maxApplyNanos() / 1e9)
                .description("Command received to rule in force, the slowest command").register(registry);
        FunctionCounter.builder("netwatch.block.reconcile.corrections", commands,
                        c -> c.blocker() == null ? 0 : c.blocker().corrections())
                .description("Differences between the agent's count of blocks and the kernel's sets, found by "
                        + "reconciliation").register(registry);
        FunctionCounter.builder("netwatch.block.reconcile.failures", commands,
                        c -> c.blocker() == null ? 0 : c.blocker().reconcileFailures())
                .description("Reconciliations that could not read the sets").register(registry);
    }
}
