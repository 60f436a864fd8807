package io.netwatch.aggregator.query;

/**
 * Child-JVM half of {@link IpPrefixTest#neverAsksTheNameService}: parses each argument and
 * prints whether it was accepted; the last one is used as a prefix to test containment.
 */
final class IpPrefixResolverProbe {
    private IpPrefixResolverProbe() {
    }

    public static void main(String[] args) {
        IpPrefix last = null;
        for (String arg : args) {
            try {
                last = IpPrefix.parse(arg);
                System.out.println(arg + " accepted");
            } catch (IllegalArgumentException e) {
                System.out.println(arg + " rejected");
            }
        }
        String prefix = args[args.length - 1];
        System.out.println(prefix + " contains 999.1.1.1: " + last.contains("999.1.1.1"));
        System.out.println(prefix + " contains 10.9.9.9: " + last.contains("10.9.9.9"));
    }
}
