package io.netwatch.aggregator.policy;

import java.util.regex.Pattern;

/**
 * Label keys and values as the API server validates them (apimachinery's IsQualifiedName and
 * IsValidLabelValue). A selector naming a key or value no label can have is refused there; a
 * file read offline must be refused the same way, or {@code netwatch policy check} would judge
 * a policy the cluster never admits (its selector quietly selecting nothing, or, with NotIn
 * and DoesNotExist, everything).
 */
public final class LabelSyntax {
    /** Longest name part of a key, and longest value. */
    static final int MAX_NAME = 63;
    /** Longest prefix of a key: a DNS subdomain. */
    static final int MAX_PREFIX = 253;
    /** Longest key or value quoted back in a message. */
    private static final int MAX_SHOWN = 300;

    private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final String NAME_CHARACTERS =
            "letters, digits, '-', '_' and '.', starting and ending with a letter or digit";

    private LabelSyntax() {
    }

    /** Why {@code key} is no label key ({@code [prefix/]name}), or null when it is one. */
    public static String keyProblem(String key) {
        int slash = key.indexOf('/');
        String name = key;
        if (slash >= 0) {
            if (key.indexOf('/', slash + 1) >= 0) {
                return "more than one '/'";
            }
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (prefix.isEmpty()) {
                return "the prefix before '/' is empty";
            }
            if (prefix.length() > MAX_PREFIX) {
                return "the prefix is longer than " + MAX_PREFIX + " characters";
            }
            if (!DNS_SUBDOMAIN.matcher(prefix).matches()) {
                return "the prefix must be a DNS subdomain (lowercase letters, digits, '-' and '.', each part"
                        + " starting and ending with a letter or digit)";
            }
        }
        if (name.isEmpty()) {
            return "the name is empty";
        }
        if (name.length() > MAX_NAME) {
            return "the name is longer than " + MAX_NAME + " characters";
        }
        return NAME.matcher(name).matches() ? null : "the name must be " + NAME_CHARACTERS;
    }

    /** Why {@code value} is no label value, or null when it is one (the empty value is one). */
    public static String valueProblem(String value) {
        if (value.length() > MAX_NAME) {
            return "longer than " + MAX_NAME + " characters";
        }
        return value.isEmpty() || NAME.matcher(value).matches() ? null : NAME_CHARACTERS + ", or empty";
    }

    /** {@code text} quoted for a message: control characters shown as '?', cut after {@link #MAX_SHOWN}. */
    public static String quoted(String text) {
        String cut = text.length() > MAX_SHOWN ? text.substring(0, MAX_SHOWN) + "..." : text;
        StringBuilder b = new StringBuilder(cut.length() + 2).append('\'');
        cut.chars().forEach(c -> b.append(Character.isISOControl(c) ? '?' : (char) c));
        return b.append('\'').toString();
    }
}
