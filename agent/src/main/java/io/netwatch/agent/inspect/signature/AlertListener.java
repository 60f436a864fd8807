package io.netwatch.agent.inspect.signature;

/** Receives each rule that matched, once per flow it is raised in. */
@FunctionalInterface
public interface AlertListener {
    /**
     * @param rule   the rule that matched
     * @param buffer the buffer its fast pattern was found in
     * @return true when the rule has fired for the flow: its alert raised, or held back by a
     *         threshold (a flow counts once toward it); false when a suppression covered this
     *         match: the rule stays unfired, so a match on the flow's other side, which a
     *         suppression by address may not cover, is still raised
     */
    boolean alert(Rule rule, Buffer buffer);
}
