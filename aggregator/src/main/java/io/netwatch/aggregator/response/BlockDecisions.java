package io.netwatch.aggregator.response;

import com.google.protobuf.Duration;
import io.netwatch.aggregator.ingest.AgentCommands;
import io.netwatch.aggregator.response.ResponseCounters.Command;
import io.netwatch.aggregator.response.ResponseCounters.Ended;
import io.netwatch.aggregator.response.ResponseCounters.Ignored;
import io.netwatch.aggregator.response.ResponseCounters.Outcome;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.BlockCommand;
import io.netwatch.proto.ingest.v1.CommandResult;
import io.netwatch.proto.ingest.v1.UnblockCommand;
import io.netwatch.proto.query.v1.BlockState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns offenses into blocks: the first matching rule picks the action, the guardrails may
 * refuse, the mode decides whether anything is sent. Tracks each block per node until it
 * expires, is removed, or is withdrawn because its address became protected, and audits every
 * decision. Not thread-safe: {@link Response} calls it from its one thread only.
 */
final class BlockDecisions {
    private static final Logger log = LoggerFactory.getLogger(BlockDecisions.class);
    /** A command with no answer after this long counts as failed on that node, ms. */
    static final long COMMAND_TIMEOUT_MILLIS = 30_000;
    /** How often a quarantine label the API server would not take off is tried again, ms. */
    static final long LIFT_RETRY_MILLIS = 30_000;
    /** Longest reason text put in a block command. */
    private static final int MAX_REASON = 256;
    /** Unblocks owed to nodes without a stream, and pods whose label is still to be taken off, at most (each). */
    static final int MAX_OWED = 10_000;

    private final ResponseConfig config;
    private final Guardrails guardrails;
    private final AgentCommands agents;
    private final Quarantine quarantine;
    private final AuditLog audit;
    private final DecisionEvents events;
    private final ResponseCounters counters;
    private final BlockTable table = new BlockTable();
    /**
     * UnblockCommands a node had no stream for, by node: sent when its agent connects, since
     * the agent keeps its nftables entries across a restart; forgotten once the block's entry
     * would have expired by itself. At most {@link #MAX_OWED} in all, the oldest forgotten first.
     */
    private final Map<String, List<Owed>> owed = new LinkedHashMap<>();
    private int owedCount;
    /** Quarantines that ended but whose label the API server would not take off, by "namespace/pod". */
    private final Map<String, Unlifted> unlifted = new LinkedHashMap<>();

    /** An UnblockCommand of {@code block} ({@code why}: unblock, withdraw) not yet sent. */
    private record Owed(LiveBlock block, String why) {
    }

    /** A label to take off: the ended block, when to try next (ms since epoch) and how often it was tried. */
    private static final class Unlifted {
        final LiveBlock block;
        long nextMillis;
        int attempts = 1;

        Unlifted(LiveBlock block, long nextMillis) {
            this.block = block;
            this.nextMillis = nextMillis;
        }
    }

    BlockDecisions(ResponseConfig config, Guardrails guardrails, AgentCommands agents, Quarantine quarantine,
                   AuditLog audit, DecisionEvents events, ResponseCounters counters) {
        this.config = config;
        this.guardrails = guardrails;
        this.agents = agents;
        this.quarantine = quarantine;
        this.audit = audit;
        this.events = events;
        this.counters = counters;
    }

    BlockTable table() {
        return table;
    }

    void decide(Offense o, long now) {
        ResponseRule rule = config.rules().stream().filter(r -> r.matches(o)).findFirst().orElse(null);
        if (rule == null) {
            counters.ignore(Ignored.NO_RULE);
            return;
        }
        BlockAction action = rule.action();
        Set<String> nodes = nodes(o);
        // A quarantine's target is the pod, not the address: a dual-stack pod offending from
        // both has one, or the first to end would take the label off under the other.
        LiveBlock existing = action == BlockAction.QUARANTINE && !o.pod().isEmpty()
                ? table.quarantineOf(o.namespace(), o.pod()) : table.live(o.actorIp(), action);
        if (existing != null) {
            List<String> fresh = fresh(existing, nodes, now);
            if (fresh.isEmpty()) {
                counters.ignore(Ignored.ALREADY_BLOCKED);
                return;
            }
            // Found in review: extended without asking, a block whose address had become
            // protected since (its pod gone, the address given to a protected one) spread.
            Guardrails.Verdict refused = guardrails.protection(o);
            if (refused != null) {
                counters.refused(action, refused.refusal());
                record(now, AuditRecord.REFUSED, refused.refusal().label(), o, action, existing.id, "rule "
                        + rule.name() + ": not extended to " + String.join(", ", fresh) + ": " + refused.detail());
                return;
            }
            extend(existing, fresh, now);
            return;
        }
        Guardrails.Verdict refused = guardrails.check(o, table.liveCount(), now);
        if (refused == null && action == BlockAction.NODE_DROP && nodes.isEmpty()) {
            refused = new Guardrails.Verdict(Refusal.NO_TARGET, "no node is known for " + o.actorIp());
        }
        if (refused == null && action == BlockAction.QUARANTINE && o.pod().isEmpty()) {
            refused = new Guardrails.Verdict(Refusal.NO_TARGET, o.actorIp() + " is no known pod: nothing to quarantine");
        }
        if (refused != null) {
            counters.refused(action, refused.refusal());
            record(now, AuditRecord.REFUSED, refused.refusal().label(), o, action, "", "rule " + rule.name() + ": "
                    + refused.detail());
            return;
        }
        boolean dryRun = config.mode() == ResponseMode.DRY_RUN;
        LiveBlock b = new LiveBlock(table.newId(), action, o, now, config.ttl(rule), dryRun);
        String what = action.word() + " of " + o.actorIp() + (o.actor().isEmpty() ? "" : " (" + o.actor() + ")")
                + " for " + b.ttl.toSeconds() + " s, rule " + rule.name() + ", offense " + o.id() + " " + o.types();
        if (dryRun) {
            for (String node : action == BlockAction.NODE_DROP ? nodes : Set.of("")) {
                b.nodes.put(node, new LiveBlock.NodeState(BlockState.BLOCK_STATE_WOULD_BLOCK, "", now));
            }
            table.add(b);
            counters.decided(action, Outcome.WOULD_BLOCK);
            record(now, AuditRecord.WOULD_BLOCK, "", o, action, b.id, "would block: " + what);
            return;
        }
        if (action == BlockAction.NODE_DROP) {
            sendBlocks(b, nodes, now);
        } else {
            applyQuarantine(b, now);
        }
        table.add(b);
        if (b.state() == BlockState.BLOCK_STATE_FAILED) {
            counters.decided(action, Outcome.FAILED);
            record(now, AuditRecord.FAILED, "", o, action, b.id, "could not block: " + what + ": " + errors(b));
            table.end(b, BlockState.BLOCK_STATE_FAILED);
            counters.end(Ended.FAILED);
            return;
        }
        counters.decided(action, Outcome.BLOCKED);
        record(now, AuditRecord.BLOCKED, "", o, action, b.id, "blocked: " + what + " on " + String.join(", ",
                b.nodes.keySet()));
    }

    /** The actor's node first, then the nodes that saw it. */
    private static Set<String> nodes(Offense o) {
        Set<String> nodes = new LinkedHashSet<>();
        if (!o.actorNode().isEmpty()) {
            nodes.add(o.actorNode());
        }
        o.seenOn().stream().filter(n -> !n.isEmpty()).sorted().forEach(nodes::add);
        return nodes;
    }

    private void sendBlocks(LiveBlock b, Set<String> nodes, long now) {
        for (String node : nodes) {
            b.nodes.put(node, sendBlock(b, node, b.ttl, now));
        }
    }

    /**
     * Sends {@code node} the BlockCommand of {@code b} for {@code ttl}; the node's new state. The
     * first command of a block to a node is {@code id@node}, any later one {@code id@node#n}, so
     * an answer to an earlier one is told apart.
     */
    private LiveBlock.NodeState sendBlock(LiveBlock b, String node, java.time.Duration ttl, long now) {
        String reason = (b.offense.id() + " " + String.join(",", b.offense.types().stream().sorted().toList()));
        String commandId = b.id + "@" + commandNode(node) + (b.nodes.containsKey(node) ? "#" + (b.sends + 1) : "");
        b.sends++;
        AggregatorMessage m = AggregatorMessage.newBuilder().setBlock(BlockCommand.newBuilder()
                .setCommandId(commandId).setIp(b.ip()).setTtl(Duration.newBuilder().setSeconds(ttl.getSeconds())
                        .setNanos(ttl.getNano()))
                .setReason(reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason)).build();
        LiveBlock.NodeState s = new LiveBlock.NodeState(BlockState.BLOCK_STATE_PENDING, commandId, now);
        if (agents.send(node, m)) {
            counters.count(Command.SENT);
        } else {
            counters.count(Command.UNREACHABLE);
            s.state = BlockState.BLOCK_STATE_FAILED;
            s.error = "no agent stream from node " + node;
        }
        return s;
    }

    /**
     * The time {@code b} has left, or null when under the 1 s an agent accepts (it then ends by
     * itself on every node within the second).
     */
    private static java.time.Duration left(LiveBlock b, long now) {
        long millis = b.expiresMillis - now;
        return millis < 1000 ? null : java.time.Duration.ofMillis(millis);
    }

    /**
     * A later offense of an address already blocked: the nodes it names that node drop {@code b}
     * does not cover yet (a node that saw the actor after the block was decided), none when the
     * block has less than the 1 s an agent accepts left or is a quarantine.
     */
    private static List<String> fresh(LiveBlock b, Set<String> nodes, long now) {
        if (b.action != BlockAction.NODE_DROP || left(b, now) == null) {
            return List.of();
        }
        return nodes.stream().filter(n -> !b.nodes.containsKey(n)).toList();
    }

    /**
     * The {@link #fresh} nodes join the block, and are sent it for the time it has left
     * (would-block in dry-run).
     */
    private void extend(LiveBlock b, List<String> fresh, long now) {
        java.time.Duration left = left(b, now);
        for (String node : fresh) {
            LiveBlock.NodeState s = b.dryRun ? new LiveBlock.NodeState(BlockState.BLOCK_STATE_WOULD_BLOCK, "", now)
                    : sendBlock(b, node, left, now);
            b.nodes.put(node, s);
            table.replaced(b, null, s);
            record(now, b.dryRun ? AuditRecord.WOULD_BLOCK : s.state == BlockState.BLOCK_STATE_FAILED
                    ? AuditRecord.FAILED : AuditRecord.BLOCKED, "node_saw_actor", b.offense, b.action, b.id,
                    (b.dryRun ? "would extend" : s.state == BlockState.BLOCK_STATE_FAILED ? "could not extend"
                            : "extended") + " node drop of " + b.ip() + " to node " + node + ", which saw it later: "
                            + left.toSeconds() + " s left" + (s.error.isEmpty() ? "" : ": " + s.error));
        }
    }

    /**
     * The agent of {@code node} connected (first start, restart, reconnect, a node new to the
     * cluster): it is sent every enforced node drop in force whose scope holds the node (the
     * actor's node and the nodes that saw it), for the time each has left, whatever its state
     * there was. The agent's nftables entries survive its restart but not the node's, and a
     * node with no stream when the block was decided was never sent it; sending again renews an
     * entry still there to the same expiry. Counted and audited ({@code agent_connected}).
     */
    void connected(String node, long now) {
        // First what this node is owed: the unblocks of blocks removed or withdrawn while it had
        // no stream. Before the blocks in force, since the agent runs commands in order and a
        // live block of the same address is sent again just below.
        List<Owed> due = owed.remove(node);
        if (due != null) {
            owedCount -= due.size();
            for (Owed u : due) {
                if (u.block().expiresMillis > now) {
                    unblockOrOwe(u.block(), node, u.why());
                }
            }
        }
        for (LiveBlock b : table.live()) {
            LiveBlock.NodeState old = b.nodes.get(node);
            java.time.Duration left = left(b, now);
            if (b.dryRun || b.action != BlockAction.NODE_DROP || old == null || left == null) {
                continue;
            }
            LiveBlock.NodeState s = sendBlock(b, node, left, now);
            b.nodes.put(node, s);
            table.replaced(b, old, s);
            record(now, s.state == BlockState.BLOCK_STATE_FAILED ? AuditRecord.FAILED : AuditRecord.BLOCKED,
                    "agent_connected", b.offense, b.action, b.id, (s.state == BlockState.BLOCK_STATE_FAILED
                    ? "could not send " : "sent ") + "node drop of " + b.ip() + " again to node " + node
                    + ", whose agent connected: " + left.toSeconds() + " s left" + (s.error.isEmpty() ? "" : ": "
                    + s.error));
            settle(b, now);
        }
    }

    private void applyQuarantine(LiveBlock b, long now) {
        LiveBlock.NodeState s = new LiveBlock.NodeState(BlockState.BLOCK_STATE_ACTIVE, "", now);
        try {
            quarantine.apply(b.offense.namespace(), b.offense.pod(), b.offense.actorIp());
            unlifted.remove(b.offense.actor()); // labelled again, by this block: not to be taken off
        } catch (RuntimeException e) {
            s.state = BlockState.BLOCK_STATE_FAILED;
            s.error = String.valueOf(e.getMessage());
        }
        b.nodes.put("", s);
    }

    /** An agent's answer to a block or unblock command. */
    void result(String node, CommandResult r, long now) {
        LiveBlock b = table.byCommand(r.getCommandId());
        LiveBlock.NodeState s = b == null ? null : b.nodes.get(node);
        if (s == null || !s.commandId.equals(r.getCommandId())) {
            counters.count(Command.UNKNOWN_RESULT); // an unblock's answer, a late one, or a confused agent
            return;
        }
        if (s.state != BlockState.BLOCK_STATE_PENDING) {
            return;
        }
        if (r.getOk()) {
            s.state = BlockState.BLOCK_STATE_ACTIVE;
            counters.count(Command.CONFIRMED);
        } else {
            s.state = BlockState.BLOCK_STATE_FAILED;
            s.error = r.getError().length() > MAX_REASON ? r.getError().substring(0, MAX_REASON) : r.getError();
            counters.count(Command.FAILED);
        }
        settle(b, now);
    }

    /**
     * Expires blocks past their time to live, withdraws node drops whose address became
     * protected, and fails commands nobody answered.
     */
    void tick(long now) {
        for (LiveBlock b : table.live()) {
            if (now >= b.expiresMillis) {
                // node_drop: each agent's nftables entry times out by itself; nothing to send.
                table.end(b, BlockState.BLOCK_STATE_EXPIRED);
                counters.end(Ended.EXPIRED);
                record(now, AuditRecord.EXPIRED, "", b.offense, b.action, b.id, b.action.word() + " of " + b.ip()
                        + " expired after " + b.ttl.toSeconds() + " s");
                if (b.action == BlockAction.QUARANTINE && !b.dryRun) {
                    lift(b, now);
                }
                continue;
            }
            // A quarantine acts on its pod by name, not on the address: a pod given the address
            // since is not touched by it, so only node drops are asked again.
            Guardrails.Verdict protectedNow = b.action == BlockAction.NODE_DROP ? guardrails.protection(b.offense)
                    : null;
            if (protectedNow != null) {
                withdrawProtected(b, protectedNow, now);
                continue;
            }
            boolean changed = false;
            for (Map.Entry<String, LiveBlock.NodeState> e : b.nodes.entrySet()) {
                LiveBlock.NodeState s = e.getValue();
                if (s.state == BlockState.BLOCK_STATE_PENDING && now - s.sentMillis >= COMMAND_TIMEOUT_MILLIS) {
                    s.state = BlockState.BLOCK_STATE_FAILED;
                    s.error = "no answer from the agent within " + COMMAND_TIMEOUT_MILLIS / 1000 + " s";
                    counters.count(Command.FAILED);
                    changed = true;
                    withdraw(b, e.getKey());
                }
            }
            if (changed) {
                settle(b, now);
            }
        }
        retryLifts(now);
        forgetExpiredOwed(now);
    }

    /** Tries again each label whose retry time has come; audits the ones taken off at last. */
    private void retryLifts(long now) {
        for (var i = unlifted.values().iterator(); i.hasNext(); ) {
            Unlifted u = i.next();
            if (now < u.nextMillis) {
                continue;
            }
            LiveBlock b = u.block;
            try {
                quarantine.lift(b.offense.namespace(), b.offense.pod());
            } catch (RuntimeException e) {
                u.attempts++;
                u.nextMillis = now + LIFT_RETRY_MILLIS;
                counters.count(Command.FAILED);
                continue;
            }
            i.remove();
            record(now, b.ended == BlockState.BLOCK_STATE_REMOVED ? AuditRecord.REMOVED : AuditRecord.EXPIRED, "",
                    b.offense, b.action, b.id, "quarantine label taken off " + b.offense.actor() + " at attempt "
                    + (u.attempts + 1));
        }
    }

    /** Unblocks owed for blocks whose agents' entries have expired by themselves: nothing left to take off. */
    private void forgetExpiredOwed(long now) {
        for (var i = owed.values().iterator(); i.hasNext(); ) {
            List<Owed> list = i.next();
            int before = list.size();
            list.removeIf(u -> u.block().expiresMillis <= now);
            owedCount -= before - list.size();
            if (list.isEmpty()) {
                i.remove();
            }
        }
    }

    /** Ends a block that failed everywhere; else republishes its states. */
    private void settle(LiveBlock b, long now) {
        if (b.state() == BlockState.BLOCK_STATE_FAILED) {
            table.end(b, BlockState.BLOCK_STATE_FAILED);
            counters.end(Ended.FAILED);
            record(now, AuditRecord.FAILED, "", b.offense, b.action, b.id, b.action.word() + " of " + b.ip()
                    + " failed on every node: " + errors(b));
        } else {
            table.publish();
        }
    }

    /**
     * Removes the block with this id, or every live block of this address: an UnblockCommand
     * to each node where it is not failed, the quarantine label taken off.
     */
    List<LiveBlock> remove(String idOrIp, long now, String caller) {
        LiveBlock byId = table.get(idOrIp);
        List<LiveBlock> targets = byId != null ? List.of(byId) : table.liveOf(idOrIp);
        List<LiveBlock> removed = new ArrayList<>();
        for (LiveBlock b : targets) {
            List<String> later = unblockEverywhere(b, "unblock");
            table.end(b, BlockState.BLOCK_STATE_REMOVED);
            counters.end(Ended.REMOVED);
            record(now, AuditRecord.REMOVED, "", b.offense, b.action, b.id, b.action.word() + " of " + b.ip()
                    + " removed on request " + (caller == null ? "(no caller known: the aggregator runs without TLS)"
                    : "by " + caller) + (b.dryRun ? " (dry-run: nothing was sent)" : "")
                    + (later.isEmpty() ? "" : "; no agent stream from " + String.join(", ", later)
                    + ": sent when it connects"));
            if (!b.dryRun && b.action == BlockAction.QUARANTINE) {
                lift(b, now);
            }
            removed.add(b);
        }
        return removed;
    }

    /**
     * Sends an enforced node drop's UnblockCommand ({@code why}) to each node where it is not
     * failed, owing it to the nodes without a stream. The nodes owed it.
     */
    private List<String> unblockEverywhere(LiveBlock b, String why) {
        List<String> later = new ArrayList<>();
        if (!b.dryRun && b.action == BlockAction.NODE_DROP) {
            b.nodes.forEach((node, s) -> {
                if (s.state != BlockState.BLOCK_STATE_FAILED && !unblockOrOwe(b, node, why)) {
                    later.add(node);
                }
            });
        }
        return later;
    }

    /**
     * Withdraws node drop {@code b}, whose address became protected while it was in force (its
     * pod gone and the address given to a Node or to a pod of a protected namespace, say): as a
     * removal does, each node is sent the UnblockCommand ({@code id@node/protected}), or owed it
     * until its agent connects. Before, only its spread to more nodes was refused, and it stayed
     * in force, cutting the protected holder off on those nodes, until its TTL. Counted
     * ({@code ended{how="withdrawn"}}), audited with the guardrail and what protects the address,
     * logged. The cluster's fail-closed answer (every address protected before its first read)
     * never comes here: no block is made before that read.
     */
    private void withdrawProtected(LiveBlock b, Guardrails.Verdict v, long now) {
        List<String> later = unblockEverywhere(b, "protected");
        b.endReason = v.detail();
        table.end(b, BlockState.BLOCK_STATE_WITHDRAWN);
        counters.end(Ended.WITHDRAWN);
        String detail = b.action.word() + " of " + b.ip() + " withdrawn: " + v.detail()
                + (b.dryRun ? " (dry-run: nothing was sent)" : later.isEmpty() ? ""
                : "; no agent stream from " + String.join(", ", later) + ": sent when it connects");
        record(now, AuditRecord.WITHDRAWN, v.refusal().label(), b.offense, b.action, b.id, detail);
        log.info("response: block {}: {}", b.id, detail);
    }

    /**
     * Takes back a node_drop a node never confirmed: the agent may have put it in force and
     * its answer been lost or late; a block counted failed must not stay in force where
     * nobody can remove it (found in review). The agent runs commands in order, so the
     * unblock follows the block; where the block never arrived it changes nothing.
     */
    private void withdraw(LiveBlock b, String node) {
        if (b.action == BlockAction.NODE_DROP && !b.dryRun) {
            unblockOrOwe(b, node, "withdraw");
        }
    }

    /**
     * Sends {@code node} the UnblockCommand of {@code b}, or, when the node has no stream,
     * owes it until its agent connects ({@link #connected}). False when it was not sent.
     */
    private boolean unblockOrOwe(LiveBlock b, String node, String why) {
        if (unblock(b, node, why)) {
            counters.count(Command.UNBLOCK_SENT);
            return true;
        }
        counters.count(Command.UNREACHABLE);
        if (owedCount == MAX_OWED) {
            // The first node owed loses its oldest: among the nearest to expiring by themselves.
            var first = owed.entrySet().iterator().next();
            first.getValue().removeFirst();
            if (first.getValue().isEmpty()) {
                owed.remove(first.getKey());
            }
            owedCount--;
            counters.count(Command.UNBLOCK_FORGOTTEN);
        }
        owed.computeIfAbsent(node, k -> new ArrayList<>()).add(new Owed(b, why));
        owedCount++;
        return false;
    }

    /** Sends {@code node} the UnblockCommand of {@code b} ({@code id@node/why}); false when the node has no stream. */
    private boolean unblock(LiveBlock b, String node, String why) {
        return agents.send(node, AggregatorMessage.newBuilder().setUnblock(UnblockCommand.newBuilder()
                .setCommandId(b.id + "@" + commandNode(node) + "/" + why).setIp(b.ip())).build());
    }

    /** Longest node name a command id spells out; a longer one is cut and given its hash. */
    static final int MAX_ID_NODE_CHARS = 64;

    /**
     * The node's part of a command id. Agents refuse an id over 128 characters and node names
     * may have 253, so a name past {@link #MAX_ID_NODE_CHARS} is cut and ends in its hash:
     * ids stay unique per node (the answer is matched on the node's own stream as well) and
     * short enough for any agent to accept.
     */
    static String commandNode(String node) {
        if (node.length() <= MAX_ID_NODE_CHARS) {
            return node;
        }
        return node.substring(0, MAX_ID_NODE_CHARS - 9) + "~" + String.format("%08x", node.hashCode());
    }

    /**
     * Takes the quarantine label of ended block {@code b} off its pod. When the API server
     * refuses, the pod would stay cut off with no block left to say so (found in review): the
     * failure is audited and the lift tried again every {@link #LIFT_RETRY_MILLIS} until it
     * succeeds or the pod is quarantined again.
     */
    private void lift(LiveBlock b, long now) {
        try {
            quarantine.lift(b.offense.namespace(), b.offense.pod());
            unlifted.remove(b.offense.actor());
            return;
        } catch (RuntimeException e) {
            counters.count(Command.FAILED);
            if (unlifted.size() == MAX_OWED && !unlifted.containsKey(b.offense.actor())) {
                Unlifted first = unlifted.values().iterator().next();
                unlifted.remove(first.block.offense.actor());
                counters.count(Command.LIFT_FORGOTTEN);
                record(now, AuditRecord.FAILED, "", first.block.offense, first.block.action, first.block.id,
                        "gave up taking the quarantine label off " + first.block.offense.actor() + " after "
                        + first.attempts + " attempts: " + MAX_OWED + " labels wait; take it off by hand");
            }
            unlifted.put(b.offense.actor(), new Unlifted(b, now + LIFT_RETRY_MILLIS));
            record(now, AuditRecord.FAILED, "", b.offense, b.action, b.id, "could not take the quarantine label off "
                    + b.offense.actor() + ": " + e.getMessage() + "; tried again every " + LIFT_RETRY_MILLIS / 1000
                    + " s");
        }
    }

    private static String errors(LiveBlock b) {
        return String.join("; ", b.nodes.entrySet().stream().filter(e -> !e.getValue().error.isEmpty())
                .map(e -> (e.getKey().isEmpty() ? "" : e.getKey() + ": ") + e.getValue().error).toList());
    }

    private void record(long now, String outcome, String reason, Offense o, BlockAction action, String blockId,
                        String detail) {
        AuditRecord r = new AuditRecord(now, outcome, reason, o.actorIp(), action.word(), blockId, o.id(), detail,
                o.namespace(), o.pod());
        audit.add(r);
        events.emit(r);
    }
}
