package io.netwatch.cli;

import picocli.CommandLine;

/**
 * Counts given on the command line (--limit, --last, --timeout): a whole number of at least
 * one. Left out, an option keeps its default; 0 or -1 given would otherwise quietly mean
 * "no limit" (found in review).
 */
final class AtLeastOne {
    private AtLeastOne() {
    }

    private static long parse(String text) {
        long n;
        try {
            n = java.lang.Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a whole number");
        }
        if (n < 1) {
            throw new CommandLine.TypeConversionException("'" + text + "' is below 1");
        }
        return n;
    }

    /** For a long option. */
    static final class Long implements CommandLine.ITypeConverter<java.lang.Long> {
        @Override
        public java.lang.Long convert(String text) {
            return parse(text);
        }
    }

    /** For an int option. */
    static final class Int implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            long n = parse(text);
            if (n > Integer.MAX_VALUE) {
                throw new CommandLine.TypeConversionException("'" + text + "' is more than " + Integer.MAX_VALUE);
            }
            return (int) n;
        }
    }
}
