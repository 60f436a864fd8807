package io.netwatch.aggregator.response;

import io.netwatch.proto.query.v1.BlockState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Live blocks by id and by command id, and the last ended ones (bounded, the oldest dropped
 * first, counted). Used only on the response thread; the per-state counts it publishes for
 * the metrics are safe to read from anywhere.
 */
final class BlockTable {
    /** Ended blocks kept for {@code netwatch blocks list --all}. */
    static final int MAX_ENDED = 1000;

    private final Map<String, LiveBlock> live = new LinkedHashMap<>();
    private final Map<String, LiveBlock> byCommand = new HashMap<>();
    private final ArrayDeque<LiveBlock> ended = new ArrayDeque<>();
    private long endedDropped;
    private long nextId;
    /** Node states of live blocks, by state; republished after every change. */
    private volatile Map<BlockState, Long> nodeStates = Map.of();

    String newId() {
        return "response-" + ++nextId;
    }

    void add(LiveBlock b) {
        live.put(b.id, b);
        b.nodes.values().forEach(n -> {
            if (!n.commandId.isEmpty()) {
                byCommand.put(n.commandId, b);
            }
        });
        publish();
    }

    /** A live block's node state was replaced: answers to its new command find the block, to its old one not. */
    void replaced(LiveBlock b, LiveBlock.NodeState old, LiveBlock.NodeState now) {
        if (old != null) {
            byCommand.remove(old.commandId);
        }
        if (!now.commandId.isEmpty()) {
            byCommand.put(now.commandId, b);
        }
        publish();
    }

    LiveBlock byCommand(String commandId) {
        return byCommand.get(commandId);
    }

    LiveBlock get(String id) {
        return live.get(id);
    }

    /** The live block of {@code ip} taking {@code action}, or null. */
    LiveBlock live(String ip, BlockAction action) {
        for (LiveBlock b : live.values()) {
            if (b.ip().equals(ip) && b.action == action) {
                return b;
            }
        }
        return null;
    }

    /** The live quarantine of pod {@code namespace/pod}, whatever address it was decided for, or null. */
    LiveBlock quarantineOf(String namespace, String pod) {
        for (LiveBlock b : live.values()) {
            if (b.action == BlockAction.QUARANTINE && b.offense.namespace().equals(namespace)
                    && b.offense.pod().equals(pod)) {
                return b;
            }
        }
        return null;
    }

    List<LiveBlock> liveOf(String ip) {
        return live.values().stream().filter(b -> b.ip().equals(ip)).toList();
    }

    List<LiveBlock> live() {
        return new ArrayList<>(live.values());
    }

    List<LiveBlock> ended() {
        return new ArrayList<>(ended);
    }

    int liveCount() {
        return live.size();
    }

    void end(LiveBlock b, BlockState how) {
        b.ended = how;
        live.remove(b.id);
        b.nodes.values().forEach(n -> byCommand.remove(n.commandId));
        if (ended.size() == MAX_ENDED) {
            ended.removeFirst();
            endedDropped++;
        }
        ended.addLast(b);
        publish();
    }

    /** Call after changing a live block's node states. */
    void publish() {
        Map<BlockState, Long> counts = new EnumMap<>(BlockState.class);
        for (LiveBlock b : live.values()) {
            if (b.dryRun) {
                counts.merge(BlockState.BLOCK_STATE_WOULD_BLOCK, 1L, Long::sum);
            } else {
                b.nodes.values().forEach(n -> counts.merge(n.state, 1L, Long::sum));
            }
        }
        nodeStates = counts;
    }

    /** Live blocks' node states in {@code state} (a dry-run block counts once as would-block). */
    long count(BlockState state) {
        return nodeStates.getOrDefault(state, 0L);
    }

    long endedDropped() {
        return endedDropped;
    }
}
