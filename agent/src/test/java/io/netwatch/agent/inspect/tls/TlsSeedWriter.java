package io.netwatch.agent.inspect.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the checked-in seeds of {@link TlsFuzzTest}. Not a test: run it after a change to the
 * fixtures, from the repository root (classpath as in {@code io.netwatch.agent.fuzz.SeedWriter}):
 *
 * <pre>
 * java -cp agent/target/test-classes:agent/target/classes:$(cat /tmp/cp.txt) \
 *     io.netwatch.agent.inspect.tls.TlsSeedWriter .
 * </pre>
 */
public final class TlsSeedWriter {
    private static final String DIR = "agent/src/test/resources/io/netwatch/agent/inspect/tls/TlsFuzzTestInputs/";

    private TlsSeedWriter() {
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : ".").resolve(DIR);
        Path streams = Files.createDirectories(root.resolve("readsAnyStream"));
        List<String> names = List.of("client-hello-one-record", "client-hello-four-records",
                "hrr-ccs-server-hello-app-data", "server-flight-one-record", "sslv2-client-hello",
                "sslv2-compatible-hello-then-tls");
        List<byte[]> seeds = TlsRobustnessTest.seeds();
        for (int i = 0; i < seeds.size(); i++) {
            Files.write(streams.resolve(names.get(i)), seeds.get(i));
        }
        Path bodies = Files.createDirectories(root.resolve("parsesAnyHelloBody"));
        Files.write(bodies.resolve("client-hello-chrome"), TlsBytes.chromeClientHelloBody("www.example.com"));
        Files.write(bodies.resolve("server-hello-tls13"), TlsBytes.serverHelloBody(TlsBytes.TLS12,
                TlsBytes.random(3), 0x1301, List.of(TlsBytes.ext(0x002b, TlsBytes.hex("0304")))));
        Files.write(bodies.resolve("sslv2-client-hello"), TlsBytes.hex("0002 0015 0000 0010"
                + "0700c0 050080 030080 010080 060040 040080 020080 000102030405060708090a0b0c0d0e0f"));
    }
}
