package io.netwatch.aggregator.response;

import io.netwatch.proto.query.v1.BlockState;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One block as the response stage tracks it: mutable, touched only on the response thread
 * (inside {@link BlockTable}), shown to the API as {@code Block} messages by {@link BlockViews}.
 */
final class LiveBlock {
    /** Where the block stands on one node (node_drop) or in the API server (quarantine, node ""). */
    static final class NodeState {
        BlockState state;
        String error = "";
        final String commandId;
        final long sentMillis;

        NodeState(BlockState state, String commandId, long sentMillis) {
            this.state = state;
            this.commandId = commandId;
            this.sentMillis = sentMillis;
        }
    }

    final String id;
    final BlockAction action;
    final Offense offense;
    final long createdMillis;
    final long expiresMillis;
    final Duration ttl;
    final boolean dryRun;
    final Map<String, NodeState> nodes = new LinkedHashMap<>();
    /** Block commands sent for it so far, every node counted; numbers the ones sent again. */
    int sends;
    /** Null while live; how it ended otherwise. */
    BlockState ended;
    /** Why it ended, for a withdrawn block (what protects its address now); empty otherwise. */
    String endReason = "";

    LiveBlock(String id, BlockAction action, Offense offense, long createdMillis, Duration ttl, boolean dryRun) {
        this.id = id;
        this.action = action;
        this.offense = offense;
        this.createdMillis = createdMillis;
        this.ttl = ttl;
        this.expiresMillis = createdMillis + ttl.toMillis();
        this.dryRun = dryRun;
    }

    String ip() {
        return offense.actorIp();
    }

    /** Ended, else active if any node is, else pending if any is, else failed. */
    BlockState state() {
        if (ended != null) {
            return ended;
        }
        if (dryRun) {
            return BlockState.BLOCK_STATE_WOULD_BLOCK;
        }
        boolean pending = false;
        for (NodeState n : nodes.values()) {
            if (n.state == BlockState.BLOCK_STATE_ACTIVE) {
                return BlockState.BLOCK_STATE_ACTIVE;
            }
            pending |= n.state == BlockState.BLOCK_STATE_PENDING;
        }
        return pending ? BlockState.BLOCK_STATE_PENDING : BlockState.BLOCK_STATE_FAILED;
    }
}
