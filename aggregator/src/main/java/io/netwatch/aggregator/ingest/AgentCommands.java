package io.netwatch.aggregator.ingest;

import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.CommandResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Commands to the connected agents, addressed by node name, and the agents' answers
 * ({@link CommandResult}) handed back to whoever sent them (the response stage). A node
 * whose agent has no open stream cannot be sent to: {@link #send} says so and the sender
 * counts it. The latest stream of a node wins; a stream that ends takes only itself away, and
 * the node's stream before it, still open, takes the commands again (found in review: a
 * second stream under a node's name that came and went left the node unreachable).
 */
public final class AgentCommands {
    /** Receives each agent's answer to a command, on that agent's stream thread: do little. */
    @FunctionalInterface
    public interface ResultListener {
        void result(String node, CommandResult result, long receivedMillis);
    }

    /** Each node's open streams, latest last; a list is replaced, never changed in place. */
    private final ConcurrentHashMap<String, List<AgentChannel>> byNode = new ConcurrentHashMap<>();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong unreachable = new AtomicLong();
    private final AtomicLong results = new AtomicLong();
    private volatile ResultListener listener = (node, result, at) -> { };
    private volatile Consumer<String> connectListener = node -> { };

    /** Where answers go from now on (one listener: the response stage). */
    public void onResult(ResultListener l) {
        listener = l;
    }

    /**
     * Who hears of each agent stream that opens for a node (one listener: the response stage,
     * which sends it the blocks in force), on that stream's thread after the stream takes
     * commands: do little.
     */
    public void onConnect(Consumer<String> l) {
        connectListener = l;
    }

    /**
     * Sends a command to the agent of {@code node}.
     *
     * @return false when that node has no agent stream open now (nothing was sent)
     */
    public boolean send(String node, AggregatorMessage command) {
        List<AgentChannel> open = byNode.get(node);
        if (open == null || open.isEmpty()) {
            unreachable.incrementAndGet();
            return false;
        }
        open.getLast().send(command);
        sent.incrementAndGet();
        return true;
    }

    /** Whether the agent of {@code node} has a stream open now. */
    public boolean connected(String node) {
        return byNode.containsKey(node);
    }

    void attach(String node, AgentChannel channel) {
        byNode.compute(node, (k, open) -> {
            List<AgentChannel> next = open == null ? new ArrayList<>() : new ArrayList<>(open);
            next.remove(channel);
            next.add(channel);
            return List.copyOf(next);
        });
        connectListener.accept(node);
    }

    void detach(String node, AgentChannel channel) {
        byNode.computeIfPresent(node, (k, open) -> {
            List<AgentChannel> next = new ArrayList<>(open);
            next.remove(channel);
            return next.isEmpty() ? null : List.copyOf(next);
        });
    }

    void result(String node, CommandResult result, long nowMillis) {
        results.incrementAndGet();
        listener.result(node, result, nowMillis);
    }

    /** Commands written to an agent's stream since start. */
    public long sent() {
        return sent.get();
    }

    /** Commands not sent because the node had no agent stream. */
    public long unreachable() {
        return unreachable.get();
    }

    /** Command results received from agents. */
    public long results() {
        return results.get();
    }
}
