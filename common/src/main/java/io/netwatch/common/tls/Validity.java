package io.netwatch.common.tls;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * Whether certificates read from a file are valid at a moment, and why not, in the words every
 * side says it: the agent's, the aggregator's and the command line's, at start and at a reread.
 */
public final class Validity {
    private Validity() {
    }

    /** Why {@code c}, read from {@code file}, is not valid at {@code now} (expired, or not yet), or null when it is. */
    public static String invalidAt(X509Certificate c, Path file, Instant now) {
        if (c.getNotAfter().toInstant().isBefore(now)) {
            return "the certificate " + c.getSubjectX500Principal() + " in " + file + " expired on "
                    + c.getNotAfter().toInstant() + "; renew it";
        }
        if (c.getNotBefore().toInstant().isAfter(now)) {
            return "the certificate " + c.getSubjectX500Principal() + " in " + file + " is not valid before "
                    + c.getNotBefore().toInstant() + " (check this machine's clock)";
        }
        return null;
    }

    /**
     * Why the CA certificates of {@code file} cannot be taken at {@code now}, or null when one of
     * them is valid then. A rotation's bundle holds the old CA beside the new one, and either may
     * be outside its validity for a while (the old one expired, the new one made a little ahead
     * of a node's clock): one valid now is enough.
     */
    public static String noCaValidAt(X509Certificate[] cas, Path file, Instant now) {
        String first = null;
        for (X509Certificate c : cas) {
            String why = invalidAt(c, file, now);
            if (why == null) {
                return null;
            }
            first = first == null ? why : first;
        }
        return cas.length == 1 ? first : "no certificate in " + file + " is valid now; the first: " + first;
    }
}
