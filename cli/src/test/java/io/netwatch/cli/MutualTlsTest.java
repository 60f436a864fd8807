package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netwatch.agent.AgentConfig;
import io.netwatch.agent.AgentMain;
import io.netwatch.agent.export.AgentHealth;
import io.netwatch.agent.export.ClientTls;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.export.FlowStreamer;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.RecordingObserver;
import io.netwatch.aggregator.security.ServerSecurity;
import io.netwatch.aggregator.security.ServerTls;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.AgentMessage;
import io.netwatch.proto.ingest.v1.Hello;
import io.netwatch.proto.ingest.v1.IngestGrpc;
import io.netwatch.proto.query.v1.GetAgentsRequest;
import io.netwatch.proto.query.v1.GetAgentsResponse;
import io.netwatch.proto.query.v1.GetFlowsRequest;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aggregator with mutual TLS and a query token, over real sockets on loopback, with
 * certificates made by the {@code netwatch certs} code: who gets in, who is refused, and
 * that every refusal the aggregator can see is counted.
 */
@Timeout(120)
class MutualTlsTest {
    @TempDir
    Path tmp;

    private TestPki pki;
    private AggregatorServer aggregator;
    private String target;

    @BeforeEach
    void start() throws Exception {
        pki = new TestPki(tmp);
        ServerTls tls = new ServerTls(pki.crt("aggregator"), pki.key("aggregator"), pki.crt("ca"), Duration.ofMillis(200));
        aggregator = AggregatorServer.start(AggregatorConfig.listenOn(new InetSocketAddress("127.0.0.1", 0))
                .withSecurity(new ServerSecurity(tls, tmp.resolve("query.token"))));
        target = "127.0.0.1:" + aggregator.port();
    }

    @AfterEach
    void stop() throws Exception {
        aggregator.close();
    }

    private ManagedChannel channel(String cert, String trusted, String serverName, String token) {
        ClientTls tls = new ClientTls(cert == null ? null : pki.crt(cert), cert == null ? null : pki.key(cert),
                pki.crt(trusted), serverName, Duration.ZERO);
        NettyChannelBuilder b = tls.channelBuilder(target, null);
        if (token != null) {
            Metadata m = new Metadata();
            m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), token);
            b.intercept(MetadataUtils.newAttachHeadersInterceptor(m));
        }
        return b.build();
    }

    /** How an ingest stream that says hello ends; a refused one ends at once. */
    private static Status ingest(ManagedChannel channel) throws Exception {
        RecordingObserver<AggregatorMessage> replies = new RecordingObserver<>();
        StreamObserver<AgentMessage> out = IngestGrpc.newStub(channel).connect(replies);
        out.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setNodeName("intruder").setBootId("b")).build());
        try {
            return replies.closed.get(20, TimeUnit.SECONDS);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** The status of one GetAgents call. */
    private static Status query(ManagedChannel channel) throws Exception {
        try {
            GetAgentsResponse r = QueryGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getAgents(GetAgentsRequest.getDefaultInstance());
            assertNotNull(r);
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * What a FlowStreamer on {@code channel} logs about its first stream's end (its lines, a
     * status's text may span several), its hint being "HINT"; the next stream would wait 2.5 s
     * or more, past the end of this.
     */
    private static String firstEnd(ManagedChannel channel) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        ExportConfig c = new ExportConfig(10, Duration.ofMillis(20), 100, 4, Duration.ofSeconds(5), Duration.ofSeconds(5),
                Duration.ofSeconds(1));
        try (FlowStreamer s = new FlowStreamer(channel, c, Hello.newBuilder().setNodeName("node-tls").setBootId("b").build(),
                AgentHealth.NONE).unansweredHint("HINT")) {
            s.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!err.toString(StandardCharsets.UTF_8).contains("FlowStreamer - export: ") && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } finally {
            System.setErr(old);
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        String logged = err.toString(StandardCharsets.UTF_8);
        return logged.substring(Math.max(0, logged.indexOf("FlowStreamer - export: ")));
    }

    @Test
    void theAgentPointsAtTheAddressAndTlsOnlyWhenGrpcItselfFailedTheStream() throws Exception {
        // Found in review: an aggregator's own UNAVAILABLE ("cannot ask the API server ...; try
        // again") before its first answer came with the hint to check its address and TLS names.
        int closedPort;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = closed.getLocalPort();
        }
        String noAnswer = "export: no answer from the aggregator at ";
        String said = firstEnd(NettyChannelBuilder.forTarget("127.0.0.1:" + closedPort).usePlaintext().build());
        assertTrue(said.contains(noAnswer + "127.0.0.1:" + closedPort + " (UNAVAILABLE: io exception): HINT"),
                "nothing listens: " + said);
        said = firstEnd(channel("agent", "ca", "elsewhere.example", null));
        // The channel's authority is the name given. A failed handshake says which setting to fix.
        assertTrue(said.contains("export: TLS with the aggregator at elsewhere.example failed: its certificate does not"
                + " name elsewhere.example (--tls-server-name, tls.server_name, or netwatch certs --san)"),
                "the certificate does not name the aggregator: " + said);
        assertFalse(said.contains("HINT"), said);
        said = firstEnd(NettyChannelBuilder.forTarget(target).usePlaintext().build());
        assertTrue(said.contains(noAnswer + target + " (UNAVAILABLE: Network closed for unknown reason): HINT"),
                "a plaintext agent cut off by the TLS aggregator: " + said);
        // Which is why the status's cause does not tell gRPC's failures from the aggregator's
        // own: this one, gRPC's, has none either (a closed port's and a failed handshake's do).
        assertNull(ingest(NettyChannelBuilder.forTarget(target).usePlaintext().build()).getCause());

        String why = "cannot ask the API server whose token this is now; try again";
        Server reviewing = StatusAnsweringIngest.start(() -> Status.UNAVAILABLE.withDescription(why));
        try {
            String at = "127.0.0.1:" + reviewing.getPort();
            said = firstEnd(NettyChannelBuilder.forTarget(at).usePlaintext().build());
            assertTrue(said.contains("export: the aggregator at " + at + " ended the stream (UNAVAILABLE: " + why
                    + "); retrying, each wait longer up to export.reconnect_max"), said);
            assertFalse(said.contains("HINT"), said);
        } finally {
            reviewing.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void anAggregatorCertificateThatExpiredIsSaidToHaveExpired() throws Exception {
        // Found in review: the JDK words an expired certificate as a PKIX failure, and the query
        // commands said "not signed by a CA this client trusts (--tls-ca)": the wrong thing to fix.
        // An aggregator whose renewal failed serves one (gRPC's own server, which checks nothing).
        Instant from = Instant.now().minus(Duration.ofDays(30));
        pki.write("old-aggregator", DevCertificates.issue(pki.ca, "netwatch-aggregator", DevCertificates.Role.SERVER,
                List.of("127.0.0.1"), from, from.plus(Duration.ofDays(1))));
        Server expired = io.grpc.netty.NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
                io.grpc.TlsServerCredentials.create(pki.crt("old-aggregator").toFile(), pki.key("old-aggregator").toFile()))
                .build().start();
        try {
            String at = "127.0.0.1:" + expired.getPort();
            CliRun run = CliRun.of("agents", "--aggregator", at, "--tls-ca", pki.crt("ca").toString(),
                    "--token-file", tmp.resolve("query.token").toString());
            assertEquals(2, run.code(), run.stderr());
            assertTrue(run.stderr().contains("TLS with the aggregator at " + at + " failed: its certificate, or a CA"
                    + " certificate of its chain, has expired"), run.stderr());
            assertFalse(run.stderr().contains("not signed by a CA"), run.stderr());
            String said = firstEnd(new ClientTls(pki.crt("agent"), pki.key("agent"), pki.crt("ca"), null, Duration.ZERO)
                    .channelBuilder(at, null).build());
            assertTrue(said.contains("export: TLS with the aggregator at " + at + " failed: its certificate, or a CA"
                    + " certificate of its chain, has expired"), said);
        } finally {
            expired.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void anAgentWithItsCertificateStreamsAndItsFlowsCanBeQueried() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        AgentConfig config = new AgentConfig("node-tls", Samples.demo(), null, target, null, FlowTableConfig.defaults(),
                DetectionConfig.defaults(), ExportConfig.defaults(), Duration.ofSeconds(30))
                .withTls(new ClientTls(pki.crt("agent"), pki.key("agent"), pki.crt("ca"), null, Duration.ZERO));
        assertEquals(0, AgentMain.run(config, new PrintStream(log, true, StandardCharsets.UTF_8)),
                log.toString(StandardCharsets.UTF_8));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("(mutual TLS)"));

        AtomicInteger flows = new AtomicInteger();
        ManagedChannel ch = channel("query", "ca", null, null);
        try {
            QueryGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getFlows(GetFlowsRequest.getDefaultInstance()).forEachRemaining(r -> flows.incrementAndGet());
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertTrue(flows.get() > 200, "the demo capture's flows arrived over mTLS: " + flows.get());
        assertEquals(flows.get(), aggregator.registry().snapshot().getFirst().flowsReceived());
        assertEquals(0, aggregator.security().ingestRefused());
        assertEquals(0, aggregator.security().handshakesRefused());
    }

    @Test
    void eachCertificateDoesItsOwnJobOnly() throws Exception {
        // Found in review: the agent certificate, on every node, could read every flow and
        // remove blocks; the query certificate could send flows as any node.
        Status s = query(channel("agent", "ca", null, null));
        assertEquals(Status.Code.PERMISSION_DENIED, s.getCode(), s.toString());
        assertTrue(s.getDescription().contains("an agent certificate (CN=netwatch-agent) may not query"),
                s.getDescription());
        assertEquals(Status.Code.OK, query(channel("agent", "ca", null, "Bearer " + Files.readString(
                tmp.resolve("query.token")).strip())).getCode(), "the token is a query credential whoever holds it");

        s = ingest(channel("query", "ca", null, null));
        assertEquals(Status.Code.PERMISSION_DENIED, s.getCode(), s.toString());
        assertTrue(s.getDescription().contains("a query certificate (CN=netwatch-query) may not send flows"),
                s.getDescription());
        assertTrue(aggregator.registry().snapshot().isEmpty(), "the refused stream never registered");
        assertEquals(2, aggregator.security().ingestRefused() + aggregator.security().queryRefused());
    }

    @Test
    void anAgentWithoutAClientCertificateIsRefusedAndCounted() throws Exception {
        Status s = ingest(channel(null, "ca", null, null));
        assertEquals(Status.Code.UNAUTHENTICATED, s.getCode(), s.toString());
        assertTrue(s.getDescription().contains("client certificate"), s.getDescription());
        assertEquals(1, aggregator.security().ingestRefused());
        assertTrue(aggregator.registry().snapshot().isEmpty(), "the refused agent never registered");
    }

    @Test
    void aCertificateFromAnotherCaFailsTheHandshakeAndIsCounted() throws Exception {
        Status s = ingest(channel("foreign-agent", "ca", null, null));
        assertEquals(Status.Code.UNAVAILABLE, s.getCode(), s.toString());
        assertEquals(1, aggregator.security().handshakesRefused());
        assertTrue(aggregator.registry().snapshot().isEmpty());
    }

    @Test
    void anExpiredCertificateFailsTheHandshakeAndIsCounted() throws Exception {
        // Built by hand: ClientTls refuses an expired certificate before it is ever presented.
        ManagedChannel expired = NettyChannelBuilder.forTarget(target, io.grpc.TlsChannelCredentials.newBuilder()
                .keyManager(pki.crt("expired-agent").toFile(), pki.key("expired-agent").toFile())
                .trustManager(pki.crt("ca").toFile()).build()).build();
        Status s = ingest(expired);
        assertEquals(Status.Code.UNAVAILABLE, s.getCode(), s.toString());
        assertEquals(1, aggregator.security().handshakesRefused());
    }

    @Test
    void aClientThatDoesNotTrustTheAggregatorsCaRefusesIt() throws Exception {
        Status s = ingest(channel("agent", "other-ca", null, null));
        assertEquals(Status.Code.UNAVAILABLE, s.getCode(), s.toString());
        assertEquals(0, aggregator.security().handshakesRefused(), "the client refused, not the aggregator");
    }

    @Test
    void theServerNameIsChecked() throws Exception {
        assertEquals(Status.Code.UNAVAILABLE, query(channel("query", "ca", "not-the-aggregator.example", null)).getCode());
        assertEquals(Status.Code.OK, query(channel("query", "ca", "netwatch-aggregator", null)).getCode(),
                "--tls-server-name picks the name to verify when the address is not in the certificate");
    }

    @Test
    void queriesNeedAClientCertificateOrTheToken() throws Exception {
        Status none = query(channel(null, "ca", null, null));
        assertEquals(Status.Code.UNAUTHENTICATED, none.getCode());
        assertTrue(none.getDescription().contains("bearer token"), none.getDescription());
        Status wrong = query(channel(null, "ca", null, "Bearer not-the-token-of-the-query-api"));
        assertEquals(Status.Code.UNAUTHENTICATED, wrong.getCode());
        assertFalse(wrong.getDescription().contains("s3cr3t"), "the token is never echoed");
        Status basic = query(channel(null, "ca", null, "Basic czNjcjN0"));
        assertEquals(Status.Code.UNAUTHENTICATED, basic.getCode());
        assertEquals(3, aggregator.security().queryRefused());

        assertEquals(Status.Code.OK, query(channel(null, "ca", null, "Bearer s3cr3t-token-for-the-query-api")).getCode());
        assertEquals(Status.Code.OK, query(channel("query", "ca", null, null)).getCode());
        assertEquals(3, aggregator.security().queryRefused());
    }

    @Test
    void theQueryCommandsAuthenticateWithATokenFileOrACertificate() {
        CliRun token = CliRun.of("agents", "--aggregator", target, "--tls-ca", pki.crt("ca").toString(),
                "--token-file", tmp.resolve("query.token").toString());
        assertEquals(0, token.code(), token.stderr());
        assertTrue(token.stdout().contains("no agent has connected yet"), token.stdout());
        CliRun cert = CliRun.of("anomalies", "--aggregator", target, "--tls-ca", pki.crt("ca").toString(),
                "--tls-cert", pki.crt("query").toString(), "--tls-key", pki.key("query").toString());
        assertEquals(0, cert.code(), cert.stderr());
        CliRun wrong = CliRun.of("observe", "--aggregator", target, "--tls-ca", pki.crt("ca").toString(),
                "--token-file", tmp.resolve("wrong.token").toString());
        assertEquals(2, wrong.code());
        assertTrue(wrong.stderr().contains("refused the query") && wrong.stderr().contains("bearer token is not"),
                wrong.stderr());
        CliRun plain = CliRun.of("agents", "--aggregator", target);
        // Unreachable as far as the client can tell (status 1); the message says TLS may be why.
        assertEquals(1, plain.code(), "a plaintext client cannot talk to a TLS aggregator");
        assertTrue(plain.stderr().contains("this plaintext client is cut off: give --tls-ca"), plain.stderr());
        CliRun untrusted = CliRun.of("agents", "--aggregator", target, "--tls-ca", pki.crt("other-ca").toString(),
                "--token-file", tmp.resolve("query.token").toString());
        assertEquals(2, untrusted.code());
        assertTrue(untrusted.stderr().contains("TLS with the aggregator at " + target + " failed: its certificate is not"
                + " signed by a CA this client trusts (--tls-ca)"), untrusted.stderr());
        CliRun wrongName = CliRun.of("agents", "--aggregator", target, "--tls-ca", pki.crt("ca").toString(),
                "--token-file", tmp.resolve("query.token").toString(), "--tls-server-name", "elsewhere.example");
        assertEquals(2, wrongName.code());
        assertTrue(wrongName.stderr().contains("--tls-server-name"), wrongName.stderr());
        CliRun foreign = CliRun.of("agents", "--aggregator", target, "--tls-ca", pki.crt("ca").toString(),
                "--tls-cert", pki.crt("foreign-agent").toString(), "--tls-key", pki.key("foreign-agent").toString());
        assertEquals(2, foreign.code());
        assertTrue(foreign.stderr().contains("refused this client's certificate"), foreign.stderr());
    }

    @Test
    void aRotatedServerCertificateIsServedWithoutARestart() throws Exception {
        Instant from = Instant.now().minus(Duration.ofMinutes(5));
        DevCertificates.Issued next = DevCertificates.issue(pki.otherCa, "netwatch-aggregator",
                DevCertificates.Role.SERVER, List.of("127.0.0.1"), from, from.plus(Duration.ofDays(1)));
        assertEquals(Status.Code.UNAVAILABLE, query(channel("query", "other-ca", null, null)).getCode(),
                "before the rotation the aggregator's certificate is from the first CA");
        pki.rotate("aggregator", next);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Status s;
        do {
            Thread.sleep(100);
            s = query(channel("query", "other-ca", null, null));
        } while (!s.isOk() && System.nanoTime() < deadline);
        assertEquals(Status.Code.OK, s.getCode(), "the new certificate is served: " + s);
    }

    @Test
    void aRotatedTokenFileIsReread() throws Exception {
        Files.writeString(tmp.resolve("query.token"), "a-brand-new-token-after-rotation\n");
        Files.setLastModifiedTime(tmp.resolve("query.token"),
                java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(5)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Status s;
        do {
            Thread.sleep(100);
            s = query(channel(null, "ca", null, "Bearer a-brand-new-token-after-rotation"));
        } while (!s.isOk() && System.nanoTime() < deadline);
        assertEquals(Status.Code.OK, s.getCode());
        assertEquals(Status.Code.UNAUTHENTICATED,
                query(channel(null, "ca", null, "Bearer s3cr3t-token-for-the-query-api")).getCode(), "the old one is gone");
    }
}
