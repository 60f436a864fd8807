package io.netwatch.agent.score;

/**
 * The pod names Kubernetes generates, told from encoded data by their exact form. A
 * Deployment's pod is {@code NAME-HASH-SUFFIX} ({@code web-7d4b9c8f6-x2k9p}): its ReplicaSet's
 * pod-template-hash, then five characters of {@code generateName}; a DaemonSet's or a Job's
 * pod, or any object named by {@code generateName}, {@code NAME-SUFFIX}; a CronJob's pod
 * {@code NAME-MINUTES-SUFFIX}, its Job named by the scheduled time in minutes since 1970
 * ({@value #SCHEDULE_DIGITS} digits from 1989 to 2160). The suffix and the hash come from
 * k8s.io/apimachinery/pkg/util/rand: the suffix is five characters of {@link #ALPHABET} (no
 * vowels, nor the 0, 1 and 3 that look like them, so that no word is spelt by chance); the hash
 * is {@code SafeEncodeString} of a 32-bit hash in decimal, each digit mapped into that alphabet,
 * which leaves ten characters ({@link #HASH_ALPHABET}), one to ten of them: six to ten are
 * taken here (97.7 % of 32-bit numbers have nine or ten digits, one in 43,000 fewer than six;
 * a long name's hash may also be cut short to fit 63 characters). Many digits and no vowels,
 * such a label reads as encoded data, and a pod asks for its own name (many programs resolve
 * their host name as they start), which a search domain outside the cluster's zones turns into
 * a name ({@code web-7d4b9c8f6-x2k9p.corp.example}) that the DNS detectors judge.
 *
 * <p>Only the form is checked here: the prefix is the caller's to judge (a random prefix is no
 * Kubernetes object's name). Pure functions over at most one label's characters; never throw.
 */
final class PodNames {
    /** The characters k8s.io/apimachinery/pkg/util/rand draws generated names from. */
    static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    /** What {@code SafeEncodeString} makes of the decimal digits 0 to 9: a pod-template-hash's characters. */
    static final String HASH_ALPHABET = "456789bcdf";
    /** Characters of a {@code generateName} suffix. */
    static final int SUFFIX_LENGTH = 5;
    /** Characters of a pod-template-hash taken, at least and at most (a 32-bit number has ten digits at most). */
    static final int MIN_HASH_LENGTH = 6;
    static final int MAX_HASH_LENGTH = 10;
    /** Digits of a CronJob's Job's scheduled time, minutes since 1970 (eight from 1989 to 2160). */
    static final int SCHEDULE_DIGITS = 8;
    /** The longest label, characters: a pod's host name is its name cut to 63. */
    static final int MAX_LABEL = 63;

    private PodNames() {
    }

    /**
     * The length of the prefix of the label {@code name[0, end)} when the label is a generated
     * pod name, {@code PREFIX-HASH-SUFFIX} or {@code PREFIX-SUFFIX}: the suffix exactly
     * {@value #SUFFIX_LENGTH} characters of {@link #ALPHABET}, the hash {@value #MIN_HASH_LENGTH}
     * to {@value #MAX_HASH_LENGTH} of {@link #HASH_ALPHABET} or a CronJob's
     * {@value #SCHEDULE_DIGITS} decimal digits (no more bits than a hash), the prefix lower-case letters,
     * digits and hyphens, at least one letter, neither starting nor ending with a hyphen. Else
     * -1. Only the last one or two dash-parts are taken as generated.
     */
    static int prefixLength(String name, int end) {
        if (end > MAX_LABEL || end > name.length()) {
            return -1;
        }
        int dash = end - SUFFIX_LENGTH - 1;
        if (dash < 1 || name.charAt(dash) != '-' || !allIn(name, dash + 1, end, ALPHABET)) {
            return -1;
        }
        int prefixEnd = dash;
        int before = name.lastIndexOf('-', dash - 1);
        int hash = dash - before - 1;
        if (before >= 1 && (hash >= MIN_HASH_LENGTH && hash <= MAX_HASH_LENGTH
                && allIn(name, before + 1, dash, HASH_ALPHABET)
                || hash == SCHEDULE_DIGITS && allIn(name, before + 1, dash, "0123456789"))) {
            prefixEnd = before;
        }
        return hostnamePrefix(name, prefixEnd) ? prefixEnd : -1;
    }

    private static boolean allIn(String s, int from, int to, String alphabet) {
        for (int i = from; i < to; i++) {
            if (alphabet.indexOf(s.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Lower-case letters, digits and hyphens, at least one letter, no hyphen first or last. */
    private static boolean hostnamePrefix(String s, int end) {
        if (end < 1 || s.charAt(0) == '-' || s.charAt(end - 1) == '-') {
            return false;
        }
        boolean letter = false;
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c >= 'a' && c <= 'z') {
                letter = true;
            } else if (!(c >= '0' && c <= '9' || c == '-')) {
                return false;
            }
        }
        return letter;
    }
}
