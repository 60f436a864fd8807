package io.netwatch.agent.export;

import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.CommandResult;
import java.util.function.Consumer;

/**
 * Takes the commands the aggregator sends on the stream (block, unblock). Called on the
 * stream's thread: it must return at once and do its work elsewhere.
 */
public interface CommandHandler {
    /** Answers every command with ok=false: this agent takes none. */
    CommandHandler NONE = (command, reply) -> reply.accept(CommandResult.newBuilder()
            .setCommandId(command.hasBlock() ? command.getBlock().getCommandId() : command.getUnblock().getCommandId())
            .setOk(false).setError("this agent does not take commands").build());

    /**
     * @param command a message with a block or an unblock
     * @param reply   sends the answer on the stream open now, or after the next hello if none is
     *                (any thread; past 256 answers waiting for a stream they are counted and dropped)
     */
    void onCommand(AggregatorMessage command, Consumer<CommandResult> reply);
}
