package io.netwatch.agent.inspect.signature;

/** Receives each rule that matched, once per flow. */
@FunctionalInterface
public interface AlertListener {
    /**
     * @param rule   the rule that matched
     * @param buffer the buffer its fast pattern was found in
     */
    void alert(Rule rule, Buffer buffer);
}
