package io.netwatch.agent.inspect.signature;

import java.util.Objects;

/**
 * Why a rule, or a line of the rules' tuning, was refused: the file and line it starts on, and
 * what to fix.
 *
 * @param source the file's path, or a name for rules that came from elsewhere (a setting's key)
 * @param line   1-based line where the rule starts; 0 for a setting, which has no line
 * @param reason one sentence naming the problem
 */
public record RuleError(String source, int line, String reason) {
    public RuleError {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return line == 0 ? source + ": " + reason : source + ":" + line + ": " + reason;
    }
}
