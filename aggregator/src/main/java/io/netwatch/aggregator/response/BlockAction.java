package io.netwatch.aggregator.response;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How an offender is stopped, gentlest first. */
public enum BlockAction {
    /** A drop of the actor's address in nftables on the nodes involved, ordered through their agents. */
    NODE_DROP("node_drop"),
    /** The actor's pod labelled {@code netwatch.io/quarantine=true}, under a deny-all NetworkPolicy. */
    QUARANTINE("quarantine");

    private final String word;

    BlockAction(String word) {
        this.word = word;
    }

    /** As written in the rules file, the API and metrics. */
    public String word() {
        return word;
    }

    /** @return null when {@code text} names no action */
    public static BlockAction find(String text) {
        for (BlockAction a : values()) {
            if (a.word.equals(text)) {
                return a;
            }
        }
        return null;
    }

    static String allowed() {
        return Arrays.stream(values()).map(BlockAction::word).collect(Collectors.joining(", "));
    }
}
