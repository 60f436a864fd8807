package io.netwatch.aggregator.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.UnblockCommand;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentCommandsTest {
    private static AggregatorMessage unblock(String id) {
        return AggregatorMessage.newBuilder().setUnblock(UnblockCommand.newBuilder().setCommandId(id)).build();
    }

    @Test
    void whenANodesLatestStreamEndsTheOneBeforeItTakesTheCommandsAgain() {
        // Found in review: a second stream under a node's name that came and went left the
        // node without commands while its own stream was still open.
        AgentCommands commands = new AgentCommands();
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        AgentChannel a = channel(first);
        AgentChannel b = channel(second);
        commands.attach("node-a", a);
        commands.attach("node-a", b);
        assertTrue(commands.send("node-a", unblock("1")));
        commands.detach("node-a", b);
        assertTrue(commands.send("node-a", unblock("2")));
        assertEquals(List.of("2"), first);
        assertEquals(List.of("1"), second, "the latest stream wins while it is open");
        commands.detach("node-a", a);
        assertFalse(commands.connected("node-a"));
        assertFalse(commands.send("node-a", unblock("3")));
        assertEquals(1, commands.unreachable());
    }

    @Test
    void whoListensHearsOfEachStreamThatOpensAndCanSendOnItAtOnce() {
        // The response stage sends the blocks in force to an agent that connects (docs/blocking.md).
        AgentCommands commands = new AgentCommands();
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        commands.onConnect(node -> commands.send(node, unblock("on-connect-" + node)));
        commands.attach("node-a", channel(first));
        commands.attach("node-a", channel(second)); // the agent reconnected
        assertEquals(List.of("on-connect-node-a"), first);
        assertEquals(List.of("on-connect-node-a"), second);
    }

    private static AgentChannel channel(List<String> sent) {
        return new AgentChannel() {
            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void send(AggregatorMessage message) {
                sent.add(message.getUnblock().getCommandId());
            }
        };
    }
}
