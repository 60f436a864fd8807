package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.agent.export.ClientTls;
import io.netwatch.agent.export.TlsRereads;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.security.ServerSecurity;
import io.netwatch.aggregator.security.ServerTls;
import io.netwatch.common.tls.CredentialReloader;
import io.netwatch.proto.query.v1.GetAgentsRequest;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate, key and CA files changed under a running aggregator and a running client, over
 * real sockets on loopback: what can be used is taken without a restart, and what cannot (a
 * key that is not the certificate's, a file read half written, an expired certificate, an
 * empty CA file) leaves the credentials in force, counted and said, instead of failing every
 * new handshake. Each rereads every 100 ms; a test waits for the reread it needs, never for
 * a time.
 */
@Timeout(120)
class TlsReloadTest {
    private static final Duration REREAD = Duration.ofMillis(100);

    @TempDir
    Path tmp;

    private TestPki pki;
    private AggregatorServer aggregator;
    private String target;
    private final ScheduledExecutorService clientRereads = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void start() throws Exception {
        pki = new TestPki(tmp);
        aggregator = AggregatorServer.start(AggregatorConfig.listenOn(new InetSocketAddress("127.0.0.1", 0))
                .withSecurity(new ServerSecurity(new ServerTls(pki.crt("aggregator"), pki.key("aggregator"),
                        pki.crt("ca"), REREAD), null)));
        target = "127.0.0.1:" + aggregator.port();
    }

    @AfterEach
    void stop() throws Exception {
        clientRereads.shutdownNow();
        aggregator.close();
    }

    /** A GetAgents call with the query certificate, trusting {@code trusted}'s CA, on a channel of its own. */
    private Status query(String trusted) throws Exception {
        ManagedChannel ch = new ClientTls(pki.crt("query"), pki.key("query"), pki.crt(trusted), null, Duration.ZERO)
                .channelBuilder(target, null).build();
        try {
            return call(ch);
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static Status call(ManagedChannel ch) {
        try {
            QueryGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getAgents(GetAgentsRequest.getDefaultInstance());
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "never happened: " + what);
            Thread.sleep(20);
        }
    }

    private static DevCertificates.Issued server(DevCertificates.Issued ca) {
        Instant from = Instant.now().minus(Duration.ofMinutes(5));
        return DevCertificates.issue(ca, "netwatch-aggregator", DevCertificates.Role.SERVER, List.of("127.0.0.1"), from,
                from.plus(Duration.ofDays(1)));
    }

    /** How often the aggregator's rereads have failed. */
    private long failures() {
        return aggregator.security().reloadFailures();
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedAndTheServedPairStays() throws Exception {
        // Found in review: a Secret updated with a new certificate and the old key (or a pair
        // from two issuances) was put in force as it came, and every new handshake failed
        // ("Invalid CertificateVerify signature") until someone fixed the Secret.
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            DevCertificates.Issued one = server(pki.otherCa);
            DevCertificates.Issued another = server(pki.otherCa);
            pki.rotate("aggregator", new DevCertificates.Issued(one.certificate(), another.key()));
            await("the mismatched pair refused", () -> failures() > 2);
        } finally {
            System.setErr(old);
        }
        assertEquals(Status.Code.OK, query("ca").getCode(), "the certificate in force is still served");
        String logged = err.toString(StandardCharsets.UTF_8);
        String said = "tls: the key in " + pki.key("aggregator") + " is not the key of the certificate in "
                + pki.crt("aggregator");
        assertTrue(logged.contains(said), logged);
        assertEquals(logged.indexOf(said), logged.lastIndexOf(said), "said once while it repeats: " + logged);

        pki.rotate("aggregator", server(pki.otherCa));
        await("the good pair served", () -> {
            try {
                return query("other-ca").isOk();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void aCertificateReadHalfWrittenIsRefusedAndTakenOnceWhole() throws Exception {
        // Found in review: an empty certificate file (one being written) with a new key was put
        // in force; once the certificate was finished, only its modification time moved, and
        // gRPC's rule (both files changed) never took it: the aggregator served nothing until restarted.
        DevCertificates.Issued next = server(pki.otherCa);
        Files.writeString(pki.key("aggregator"), next.keyPem());
        Files.writeString(pki.crt("aggregator"), "");
        await("the empty certificate refused", () -> failures() > 0);
        assertEquals(Status.Code.OK, query("ca").getCode(), "the certificate in force is still served");

        Files.writeString(pki.crt("aggregator"), next.certificatePem());
        await("the finished certificate served", () -> {
            try {
                return query("other-ca").isOk();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void aCertificateRenewedWithItsKeyKeptIsServed() throws Exception {
        // Found in review: only a pair whose files both changed was taken, so a renewal that
        // keeps its key (the key file untouched) was never served, and the old one expired.
        pki.renewKeepingKey("aggregator", pki.otherCa, List.of("127.0.0.1"));
        await("the renewed certificate served", () -> {
            try {
                return query("other-ca").isOk();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(0, failures());
    }

    @Test
    void anExpiredCertificateOrAnEmptyCaFileIsRefusedAndWhatIsInForceStays() throws Exception {
        Instant from = Instant.now().minus(Duration.ofDays(30));
        pki.rotate("aggregator", DevCertificates.issue(pki.ca, "netwatch-aggregator", DevCertificates.Role.SERVER,
                List.of("127.0.0.1"), from, from.plus(Duration.ofDays(1))));
        await("the expired certificate refused", () -> failures() > 0);
        assertEquals(Status.Code.OK, query("ca").getCode(), "the valid certificate in force is still served");

        long before = failures();
        // An empty CA list would refuse every client certificate. (The client trusts a copy.)
        Files.copy(pki.crt("ca"), pki.crt("trusted"));
        Files.writeString(pki.crt("ca"), "");
        await("the empty CA file refused", () -> failures() > before);
        assertEquals(Status.Code.OK, query("trusted").getCode(),
                "client certificates of the CA in force still verify");
    }

    @Test
    void aClientWhoseCaWasRemovedIsRefusedAtItsNextCallEvenOnAResumedSession() throws Exception {
        // Found in review: the handshake is the only place a client certificate was verified,
        // and a connection that resumes a TLS session (the JDK's tickets live a day) has none
        // of its own: a client of a CA removed from the client CA file reconnected and was let in.
        // The client is gRPC's own, which resumes sessions (netwatch's own clients no longer do).
        Files.copy(pki.crt("ca"), pki.crt("trusted"));
        ManagedChannel ch = NettyChannelBuilder.forTarget(target, TlsChannelCredentials.newBuilder()
                .keyManager(pki.crt("query").toFile(), pki.key("query").toFile())
                .trustManager(pki.crt("trusted").toFile()).build()).build();
        try {
            assertEquals(Status.Code.OK, call(ch).getCode());
            // The old CA goes: only the other CA signs clients now (and the aggregator's own certificate
            // still verifies with the client's copy of the first).
            Files.copy(pki.crt("other-ca"), pki.crt("ca"), StandardCopyOption.REPLACE_EXISTING);
            await("a new session refused", () -> {
                try {
                    return query("trusted").getCode() == Status.Code.UNAVAILABLE;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            long refused = aggregator.security().queryRefused();
            ch.enterIdle();
            Status s = call(ch);
            assertEquals(Status.Code.UNAUTHENTICATED, s.getCode(), "a resumed session: " + s);
            assertTrue(s.getDescription().contains("no longer verifies against the aggregator's client CA"),
                    s.getDescription());
            assertEquals(Status.Code.UNAUTHENTICATED, call(ch).getCode(), "a new call on the open connection");
            assertEquals(refused + 2, aggregator.security().queryRefused());
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void anAggregatorTheClientsCaNoLongerSignsIsRefusedOnAResumedSessionToo() throws Exception {
        // The client's side of the above: the aggregator's certificate is verified in the
        // handshake, and a connection that resumed a TLS session had none. A client whose CA
        // file rotated away from the aggregator's CA (or whose aggregator's certificate had
        // expired since) reconnected and sent its flows to whoever held the session.
        Files.copy(pki.crt("ca"), pki.crt("trusted"));
        List<String> taken = new java.util.concurrent.CopyOnWriteArrayList<>();
        ManagedChannel ch = new ClientTls(pki.crt("query"), pki.key("query"), pki.crt("trusted"), null, REREAD)
                .channelBuilder(target, clientRereads, new CredentialReloader.Events() {
                    @Override
                    public void failed(String why, boolean repeated) {
                        throw new AssertionError(why);
                    }

                    @Override
                    public void reloaded(String what) {
                        taken.add(what);
                    }
                }).build();
        try {
            assertEquals(Status.Code.OK, call(ch).getCode());
            Files.copy(pki.crt("other-ca"), pki.crt("trusted"), StandardCopyOption.REPLACE_EXISTING);
            await("the client's new CA taken", () -> !taken.isEmpty());
            ch.enterIdle();
            Status s = call(ch);
            assertEquals(Status.Code.UNAVAILABLE, s.getCode(), "a new connection, resumed or not: " + s);
            assertTrue(String.valueOf(s.getCause()).contains("unable to find valid certification path"),
                    "this side refused the aggregator's certificate: " + s.getCause());
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aClientTakesItsRenewedCertificateAndRefusesAMismatchedOne() throws Exception {
        // The agent's and the query commands' side: gRPC's own refresh read the files at most
        // once a minute and took whatever pair changed, a mismatched one included. The client
        // starts with a certificate of another CA, which the aggregator refuses in the
        // handshake: no session is made, so each try is a whole handshake with what is in force.
        DevCertificates.Issued query = pki.issued("query");
        Files.copy(pki.crt("foreign-agent"), pki.crt("query"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(pki.key("foreign-agent"), pki.key("query"), StandardCopyOption.REPLACE_EXISTING);
        TlsRereads rereads = new TlsRereads();
        ManagedChannel ch = new ClientTls(pki.crt("query"), pki.key("query"), pki.crt("ca"), null, REREAD)
                .channelBuilder(target, clientRereads, ClientTls.logged(rereads)).build();
        try {
            assertEquals(Status.Code.UNAVAILABLE, call(ch).getCode());
            pki.rotate("query", new DevCertificates.Issued(TlsFiles.certificates(pki.crt("agent"), "agent").getFirst(),
                    TlsFiles.privateKey(pki.key("expired-agent"), "expired-agent")));
            await("the mismatched pair refused", () -> rereads.failures() > 0);

            pki.rotate("query", query);
            await("the renewed certificate presented", () -> {
                ch.resetConnectBackoff();
                return call(ch).isOk();
            });
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aCertificateInForceThatExpiresIsSaidOnce() throws Exception {
        // Nothing replaces it (a renewal that failed): the other side refuses it from then on,
        // and the log says why, once. The clock is moved instead of waiting.
        Instant[] now = {Instant.now()};
        List<String> expired = new java.util.ArrayList<>();
        CredentialReloader files = new CredentialReloader(pki.crt("agent"), pki.key("agent"),
                new io.grpc.util.AdvancedTlsX509KeyManager(), null, null, new CredentialReloader.Events() {
                    @Override
                    public void failed(String why, boolean repeated) {
                        throw new AssertionError(why);
                    }

                    @Override
                    public void expired(String why) {
                        expired.add(why);
                    }
                }, () -> now[0]);
        files.load();
        files.run();
        assertEquals(List.of(), expired);
        now[0] = now[0].plus(Duration.ofDays(2));
        files.run();
        files.run();
        assertEquals(1, expired.size(), expired.toString());
        assertTrue(expired.getFirst().startsWith("the certificate in force, from " + pki.crt("agent")
                + " (CN=netwatch-agent, O=netwatch), expired on "), expired.getFirst());
    }

    /**
     * Found in review: a CA file holding any certificate outside its validity was refused, at
     * start as at a reread. A rotation's bundle holds the old CA beside the new one, and the old
     * one expires while it is there (or the new one is made a little ahead of a clock): one
     * valid now is enough.
     */
    @Test
    void aCaBundleHoldingAnExpiredCertificateBesideAValidOneIsTaken() throws Exception {
        Path bundle = tmp.resolve("bundle.crt");
        Files.write(bundle, (Files.readString(pki.crt("expired-agent")) + Files.readString(pki.crt("ca")))
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(2, TlsFiles.caCertificates(bundle, "--tls-ca").size());
        ManagedChannel ch = new ClientTls(pki.crt("query"), pki.key("query"), bundle, null, Duration.ZERO)
                .channelBuilder(target, null).build();
        try {
            assertEquals(Status.Code.OK, call(ch).getCode());
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        // Only expired ones: refused, naming the first.
        Path old = tmp.resolve("old.crt");
        Files.copy(pki.crt("expired-agent"), old);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TlsFiles.caCertificates(old, "--tls-ca"));
        assertTrue(e.getMessage().startsWith("--tls-ca: the certificate ") && e.getMessage().contains(" expired on "),
                e.getMessage());
    }

    @Test
    void aClientRefusesAtOnceAPairThatCannotWork() {
        ClientTls mismatched = new ClientTls(pki.crt("agent"), pki.key("query"), pki.crt("ca"), null, Duration.ZERO);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> mismatched.channelBuilder(target, null));
        assertTrue(e.getMessage().contains("the key in " + pki.key("query") + " is not the key of the certificate in "
                + pki.crt("agent")), e.getMessage());
        ClientTls expired = new ClientTls(pki.crt("expired-agent"), pki.key("expired-agent"), pki.crt("ca"), null,
                Duration.ZERO);
        e = assertThrows(IllegalArgumentException.class, () -> expired.channelBuilder(target, null));
        assertTrue(e.getMessage().contains(pki.crt("expired-agent") + " expired on"), e.getMessage());
    }
}
