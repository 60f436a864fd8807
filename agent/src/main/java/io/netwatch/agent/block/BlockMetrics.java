package io.netwatch.agent.block;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.common.metrics.FunctionMeters;

/** The blocker: commands received, applied and failed, blocks in force by family, reconciliation. */
public final class BlockMetrics implements MeterBinder {
    private final BlockCommands commands;

    public BlockMetrics(BlockCommands commands) {
        this.commands = commands;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        meters.gauge("netwatch.block.available", commands, c -> c.available() ? 1 : 0,
                "1 when nft works and blocks can be installed (the agent announces block.nftables)");
        meters.counter("netwatch.block.commands.received", commands, BlockCommands::blocksReceived,
                "Block and unblock commands received from the aggregator", "kind", "block");
        meters.counter("netwatch.block.commands.received", commands, BlockCommands::unblocksReceived,
                "Block and unblock commands received from the aggregator", "kind", "unblock");
        meters.counter("netwatch.block.commands.applied", commands, BlockCommands::blocksApplied,
                "Commands in force in nftables", "kind", "block");
        meters.counter("netwatch.block.commands.applied", commands, BlockCommands::unblocksApplied,
                "Commands in force in nftables", "kind", "unblock");
        meters.counter("netwatch.block.commands.dry_run", commands, BlockCommands::dryRuns,
                "Dry-run block commands recorded (logged) without installing anything");
        meters.counter("netwatch.block.ttl.clamped", commands, BlockCommands::clamped,
                "Blocks whose time to live was shortened to block.max_ttl");
        for (BlockCommands.Failure f : BlockCommands.Failure.values()) {
            meters.counter("netwatch.block.commands.failed", commands, c -> c.failures(f),
                    "Commands answered ok=false, by reason", "reason", f.label());
        }
        for (BlockTarget.Family family : BlockTarget.Family.values()) {
            meters.gauge("netwatch.block.active", commands, c -> c.active(family),
                    "Blocks in force (bookkeeping, reconciled with the kernel's sets)", "family", family.label());
        }
        meters.gauge("netwatch.block.apply.last.seconds", commands, c -> c.lastApplyNanos() / 1e9,
                "Command received to rule in force, the last command");
        meters.gauge("netwatch.block.apply.max.seconds", commands, c -> c.maxApplyNanos() / 1e9,
                "Command received to rule in force, the slowest command");
        meters.counter("netwatch.block.reconcile.corrections", commands,
                c -> c.blocker() == null ? 0 : c.blocker().corrections(),
                "Differences between the agent's count of blocks and the kernel's sets, found by reconciliation");
        meters.counter("netwatch.block.tables.recreated", commands,
                c -> c.blocker() == null ? 0 : c.blocker().recreations(),
                "Times the agent's nftables tables were found deleted (a flush ruleset) and created again");
        meters.counter("netwatch.block.reconcile.failures", commands,
                c -> c.blocker() == null ? 0 : c.blocker().reconcileFailures(),
                "Reconciliations that could not read the sets");
    }
}
