package io.netwatch.agent.inspect.signature;

import java.util.Objects;

/**
 * Why a rule was refused: the file and line it starts on, and what to fix.
 *
 * @param source the file's path, or a name for rules that came from elsewhere
 * @param line   1-based line where the rule starts
 * @param reason one sentence naming the problem
 */
public record RuleError(String source, int line, String reason) {
    public RuleError {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return source + ":" + line + ": " + reason;
    }
}
