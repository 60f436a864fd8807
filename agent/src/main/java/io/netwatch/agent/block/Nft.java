package io.netwatch.agent.block;

import java.util.List;

/** Runs nft: an argument list, optionally a script on standard input. Tests may record instead. */
public interface Nft {
    /**
     * The outcome of one nft run.
     *
     * @param exit   nft's exit status; -1 when it could not run at all (missing, timed out)
     * @param output standard output
     * @param error  standard error, or why nft could not run
     */
    record Result(int exit, String output, String error) {
        public boolean ok() {
            return exit == 0;
        }

        /** The first line of the error, for an answer or a log line. */
        public String firstErrorLine() {
            String e = error.strip();
            int nl = e.indexOf('\n');
            return nl < 0 ? e : e.substring(0, nl);
        }
    }

    /**
     * @param script fed to standard input (with {@code -f -}), or null for none
     * @param args   nft's arguments
     */
    Result run(String script, List<String> args);
}
