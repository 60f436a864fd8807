package io.netwatch.agent.inspect.signature;

import java.util.ArrayList;
import java.util.List;

/**
 * The errors of one file, the first {@link #MAX} of them kept and the rest counted: a file of
 * 16 MiB holds eight million one-character lines, each refused, and keeping every refusal took
 * 1.6 GB of heap. A real Suricata ruleset has thousands of refused rules at most, so the bound
 * never hides one a user would read; what passes it is said in one last error.
 */
final class FileErrors {
    static final int MAX = 1000;

    private final String source;
    private final List<RuleError> kept = new ArrayList<>();
    private long more;

    FileErrors(String source) {
        this.source = source;
    }

    void add(int line, String reason) {
        if (kept.size() < MAX) {
            kept.add(new RuleError(source, line, reason));
        } else {
            more++;
        }
    }

    /** The errors kept, and one more saying how many were not, when some were not. */
    List<RuleError> list() {
        if (more == 0) {
            return kept;
        }
        List<RuleError> all = new ArrayList<>(kept);
        all.add(new RuleError(source, 0, more + " more " + (more == 1 ? "line" : "lines")
                + " refused, not listed (the first " + MAX + " are)"));
        return all;
    }
}
