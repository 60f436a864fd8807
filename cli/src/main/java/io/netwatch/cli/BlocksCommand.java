package io.netwatch.cli;

import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netwatch.proto.query.v1.Block;
import io.netwatch.proto.query.v1.BlockAuditRecord;
import io.netwatch.proto.query.v1.BlockState;
import io.netwatch.proto.query.v1.GetBlockAuditRequest;
import io.netwatch.proto.query.v1.GetBlockAuditResponse;
import io.netwatch.proto.query.v1.ListBlocksRequest;
import io.netwatch.proto.query.v1.ListBlocksResponse;
import io.netwatch.proto.query.v1.RemoveBlockRequest;
import io.netwatch.proto.query.v1.RemoveBlockResponse;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code netwatch blocks}: the aggregator's blocking decisions (docs/blocking.md). */
@Command(name = "blocks", mixinStandardHelpOptions = true,
        description = "Blocks the aggregator decided (node drops, quarantines): list, remove, audit.",
        subcommands = {BlocksCommand.List.class, BlocksCommand.Remove.class, BlocksCommand.Audit.class})
final class BlocksCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** "active", "would_block", ... as people read them. */
    static String state(BlockState s) {
        return s.name().substring("BLOCK_STATE_".length()).toLowerCase(Locale.ROOT);
    }

    /**
     * One block per line: id, state, action, address, actor, per-node states, expiry, and for a
     * withdrawn block what protects its address now.
     */
    static String line(Block b) {
        String nodes = b.getNodesList().stream().map(n -> (n.getNodeName().isEmpty() ? "api" : n.getNodeName()) + "="
                + state(n.getState()) + (n.getError().isEmpty() ? "" : "(" + n.getError() + ")"))
                .collect(Collectors.joining(","));
        return String.join("  ", b.getId(), state(b.getState()), b.getAction(), b.getIp(),
                b.getActor().isEmpty() ? "-" : b.getActor(), String.join(",", b.getAnomalyTypesList()), nodes,
                "expires " + Timestamps.toString(b.getExpires()))
                + (b.getEndReason().isEmpty() ? "" : "  " + b.getEndReason());
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Live blocks with their state on each node; --all adds the recent ones that ended"
                    + " (a withdrawn one says what protects its address now).")
    static final class List implements Callable<Integer> {
        @Mixin
        QueryClient client;

        @Option(names = "--all", description = "Also blocks that expired, were removed, were withdrawn or failed.")
        boolean all;

        @Override
        public Integer call() throws InterruptedException {
            ListBlocksResponse r = client.call(
                    stub -> stub.listBlocks(ListBlocksRequest.newBuilder().setIncludeEnded(all).build()));
            System.out.println("mode: " + r.getMode());
            r.getBlocksList().forEach(b -> System.out.println(line(b)));
            if (r.getBlocksCount() == 0) {
                System.err.println("netwatch blocks: none");
            }
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove a block by id, or every live block of an address: the agents get an unblock"
                    + " command, a quarantined pod loses its label. Audited.")
    static final class Remove implements Callable<Integer> {
        @Mixin
        QueryClient client;

        @Parameters(paramLabel = "ID|IP", description = "A block id (response-3) or an address (10.0.0.5).")
        String block;

        @Override
        public Integer call() throws InterruptedException {
            RemoveBlockResponse r = client.call(stub -> {
                try {
                    return stub.removeBlock(RemoveBlockRequest.newBuilder().setBlock(block).build());
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                        throw new NetwatchMain.UserError(e.getStatus().getDescription());
                    }
                    throw e;
                }
            });
            r.getRemovedList().forEach(b -> System.out.println("removed " + line(b)));
            return 0;
        }
    }

    @Command(name = "audit", mixinStandardHelpOptions = true,
            description = "Every decision (blocked, would_block, refused and by which guardrail, failed, removed,"
                    + " withdrawn and by which guardrail, expired), most recent last.")
    static final class Audit implements Callable<Integer> {
        @Mixin
        QueryClient client;

        @Option(names = "--limit", converter = AtLeastOne.Int.class,
                description = "Only the last N records (default: all that are kept).")
        int limit;

        @Override
        public Integer call() throws InterruptedException {
            GetBlockAuditResponse r = client.call(
                    stub -> stub.getBlockAudit(GetBlockAuditRequest.newBuilder().setLimit(Math.max(0, limit)).build()));
            for (BlockAuditRecord a : r.getRecordsList()) {
                System.out.println(String.join("  ", Timestamps.toString(a.getAt()), a.getOutcome()
                        + (a.getReason().isEmpty() ? "" : ":" + a.getReason()), a.getIp(), a.getDetail()));
            }
            if (r.getDropped() > 0) {
                System.err.println("netwatch blocks audit: " + r.getDropped() + " older records were dropped");
            }
            if (r.getRecordsCount() == 0) {
                // As the other query commands: on standard error, so that a pipe reads nothing.
                System.err.println("netwatch blocks audit: none (offenses no rule matches are only counted: "
                        + "netwatch_response_offenses_ignored_total)");
            }
            return 0;
        }
    }
}
