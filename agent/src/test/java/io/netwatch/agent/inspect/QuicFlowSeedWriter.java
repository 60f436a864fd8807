package io.netwatch.agent.inspect;

import io.netwatch.agent.inspect.quic.InitialSealer;
import io.netwatch.agent.inspect.quic.QuicInitial;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the checked-in seeds of {@link QuicFlowFuzzTest} (input layout in its class comment).
 * Not a test: run it after a change to the layout, from the repository root (classpath as in
 * {@code io.netwatch.agent.fuzz.SeedWriter}):
 *
 * <pre>
 * java -cp agent/target/test-classes:agent/target/classes:$(cat /tmp/cp.txt) \
 *     io.netwatch.agent.inspect.QuicFlowSeedWriter .
 * </pre>
 */
public final class QuicFlowSeedWriter {
    private static final String DIR =
            "agent/src/test/resources/io/netwatch/agent/inspect/QuicFlowFuzzTestInputs/followsAnyQuicFlow/";

    private QuicFlowSeedWriter() {
    }

    /** One seed: its setup byte, then records. */
    private static final class Seed {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Seed(int setup) {
            out.write(setup);
        }

        Seed record(int kind, int ids, byte[] bytes) {
            out.write(kind);
            out.write(ids);
            out.write(bytes.length >>> 8);
            out.write(bytes.length);
            out.writeBytes(bytes);
            return this;
        }

        /**
         * A client's (or the server's) sealed Initial carrying {@code [from, from + n)} of template
         * {@code t}, sealed with family {@code family}'s IDs {@code key}, sent to {@code to}, from {@code source}.
         */
        Seed slice(boolean server, int family, int key, int to, int source, int t, int from, int n) {
            return record((server ? 1 : 0) | 2 << 1 | family << 4, key | to << 2 | source << 4 | t << 6,
                    new byte[] {(byte) (from >>> 8), (byte) from, (byte) (n >>> 8), (byte) n});
        }

        /** A client's whole ClientHello on its own connection: family {@code family}'s ID 0, from its ID 1. */
        Seed hello(int family) {
            return slice(false, family, 0, 0, 1, 0, 0, 0xffff);
        }

        /** Sealed frames. */
        Seed frames(boolean server, int family, int key, int to, int source, byte[] payload) {
            return record((server ? 1 : 0) | 1 << 1 | family << 4, key | to << 2 | source << 4, payload);
        }

        Seed raw(boolean server, byte[] datagram) {
            return record(server ? 1 : 0, 0, datagram);
        }

        Seed interimRecord() {
            return record(3 << 1, 0, new byte[0]);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private static final byte[] PING = {0x01};

    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args.length > 0 ? args[0] : ".").resolve(DIR));
        int hello = QuicFlowFuzzTest.CLIENT_HELLO.length;

        // A ClientHello in three Initials, out of order, then the server's answer.
        write(dir, "hello-split-out-of-order-then-answer", new Seed(0)
                .slice(false, 0, 0, 0, 1, 0, 0, 80)
                .slice(false, 0, 0, 0, 1, 0, 160, 0xffff)
                .slice(false, 0, 0, 0, 1, 0, 80, 80)
                .slice(true, 0, 0, 1, 2, 0, 0, 0xffff));

        // Four connections: two whose hellos were read and then answered by a HelloRetryRequest
        // (each side reads one message more, from the same client Initial on), two whose hellos
        // are growing. None is read or stalled: a fifth is refused (TOO_MANY_CONNECTIONS), and so
        // is the probe, until stalled connections make room.
        write(dir, "two-retried-two-growing-then-a-fifth-refused", new Seed(0)
                .hello(0)
                .hello(1)
                .slice(false, 2, 0, 0, 1, 0, 0, 100)
                .slice(false, 3, 0, 0, 1, 0, 0, 100)
                .slice(true, 0, 0, 1, 2, 1, 0, 0xffff)
                .slice(true, 1, 0, 1, 2, 1, 0, 0xffff)
                .hello(4));

        // Four connections that carry no hello, then three that do: each takes a stalled one's place.
        Seed idle = new Seed(0);
        for (int family = 0; family < 4; family++) {
            idle.frames(false, family, 0, 0, 1, PING);
        }
        for (int family = 4; family < 7; family++) {
            idle.hello(family);
        }
        write(dir, "four-idle-connections-then-three-take-their-places", idle);

        // Sixteen client Initials that cannot be opened: the client direction is given up.
        byte[] good = InitialSealer.seal(new InitialSealer.Spec(QuicInitial.VERSION_1, QuicFlowFuzzTest.id(0, 0),
                false, QuicFlowFuzzTest.id(0, 0), QuicFlowFuzzTest.id(0, 1), new byte[0], 0, 2, 0,
                InitialSealer.crypto(0, QuicFlowFuzzTest.CLIENT_HELLO)));
        byte[] forged = good.clone();
        forged[forged.length - 1] ^= 1;
        Seed junk = new Seed(0);
        for (int i = 0; i < FlowInspection.MAX_QUIC_INITIALS; i++) {
            junk.raw(false, forged);
        }
        write(dir, "sixteen-forged-initials-give-the-client-up", junk);

        // A HelloRetryRequest with the ServerHello behind it, then the client's second ClientHello.
        write(dir, "hrr-and-server-hello-then-second-client-hello", new Seed(0)
                .slice(false, 0, 0, 0, 1, 1, 0, hello)
                .slice(true, 0, 0, 1, 2, 2, 0, 0xffff)
                .slice(false, 0, 0, 0, 1, 1, hello, 0xffff)
                .slice(true, 0, 0, 1, 2, 3, 0, 0xffff));

        // Four connections' first halves of a 2,500-byte hello on an 8 KiB budget: memory stops it.
        Seed big = new Seed(2);
        for (int family = 0; family < 4; family++) {
            big.slice(false, family, 0, 0, 1, 2, 0, 1200);
        }
        write(dir, "big-hellos-past-a-small-budget", big);

        // A message announced past what a stream keeps, then another connection's hello in two halves.
        write(dir, "message-too-long-then-another-connection", new Seed(0)
                .slice(false, 0, 0, 0, 1, 3, 0, 0xffff)
                .slice(false, 1, 0, 0, 1, 0, 0, 120)
                .slice(false, 1, 0, 0, 1, 0, 120, 0xffff)
                .slice(true, 1, 0, 1, 2, 0, 0, 0xffff));

        // On port 4433: a version 2 connection, then datagrams that are no Initial (its packets
        // after the handshake, passed over), interim records between; the probe in four pieces,
        // last first.
        write(dir, "port-4433-version-2-interim-records", new Seed(1 | 3 << 3 | 0x20)
                .record(2 << 1 | 8, 1 << 4, new byte[] {0, 0, (byte) 0xff, (byte) 0xff})
                .interimRecord()
                .record(1 | 2 << 1 | 8, 1 << 2 | 2 << 4, new byte[] {0, 0, (byte) 0xff, (byte) 0xff})
                .raw(false, new byte[] {0x40, 1, 2, 3, 4, 5, 6, 7, 8})
                .raw(true, new byte[] {0x41, 9, 9, 9})
                .interimRecord());

        // On port 443, sixteen datagrams that are no Initial (a connection under way before the
        // capture began, or junk ahead of the first Initial): the direction is still watched.
        Seed under = new Seed(0);
        for (int i = 0; i < 16; i++) {
            under.raw(false, new byte[] {0x40, (byte) i, 2, 3});
        }
        write(dir, "sixteen-short-headers-first-no-quic", under);
    }

    private static void write(Path dir, String name, Seed seed) throws IOException {
        Files.write(dir.resolve(name), seed.bytes());
    }
}
