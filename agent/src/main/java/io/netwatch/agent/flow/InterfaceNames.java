package io.netwatch.agent.flow;

import java.util.List;

/**
 * Names of the captured interfaces by interfaceIndex, asked as each flow record is built, so
 * that an interface a source declares late (a pcapng file's Interface Description Block after
 * packets, or in a later section) names its flows too. Called on the capture thread: it must
 * not block for long.
 */
@FunctionalInterface
public interface InterfaceNames {
    /** The name of interface {@code index}, or null when none is known. */
    String name(int index);

    /** A fixed list of names, copied. */
    static InterfaceNames of(List<String> names) {
        List<String> copy = List.copyOf(names);
        return index -> index >= 0 && index < copy.size() ? copy.get(index) : null;
    }
}
