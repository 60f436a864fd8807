package io.netwatch.aggregator.ingest;

import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.CommandResult;
import java.util.function.Consumer;

/**
 * Test access to {@link AgentCommands}: a node's stream that only records what is sent on it,
 * and an agent's answer handed over as that stream does.
 */
public final class TestChannels {
    private TestChannels() {
    }

    /**
     * Attaches a stream for {@code node} whose messages go to {@code sent}; running what it
     * returns ends that stream, as the ingest stream does when the agent goes away.
     */
    public static Runnable attach(AgentCommands commands, String node, Consumer<AggregatorMessage> sent) {
        AgentChannel channel = new AgentChannel() {
            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void send(AggregatorMessage message) {
                sent.accept(message);
            }
        };
        commands.attach(node, channel);
        return () -> commands.detach(node, channel);
    }

    /** Hands {@code node}'s agent's answer to {@code commands} as the ingest stream does. */
    public static void answer(AgentCommands commands, String node, CommandResult result, long nowMillis) {
        commands.result(node, result, nowMillis);
    }
}
