package io.netwatch.agent.inspect.tls;

/**
 * GREASE values (RFC 8701): the sixteen reserved 16-bit code points {@code 0x0a0a, 0x1a1a, ...,
 * 0xfafa} that clients sprinkle into cipher suites, extensions, supported groups, supported
 * versions and signature algorithms so that servers keep tolerating unknown values. They vary
 * per connection, so fingerprints must skip them; parsed lists keep them so the raw hello can
 * still be told apart.
 */
public final class TlsGrease {
    private TlsGrease() {
    }

    /** True for the sixteen GREASE code points: both bytes equal and of the form {@code 0x?a}. */
    public static boolean is(int value) {
        return (value & 0xFFFF0F0F) == 0x0A0A && (value >>> 8 & 0xFF) == (value & 0xFF);
    }
}
