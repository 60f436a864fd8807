package io.netwatch.aggregator.security;

import static org.junit.jupiter.api.Assertions.*;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netwatch.aggregator.query.QueryService;
import io.netwatch.aggregator.store.AgentRegistry;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.proto.query.v1.GetAgentsRequest;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query authenticator and the token file, over the in-process transport (no TLS, so
 * no client certificate: only the token can let a call in). The TLS paths are tested over
 * real sockets in the CLI module's MutualTlsTest, where the certificate maker lives.
 */
class AuthenticatorsTest {
    private static final String TOKEN = "0123456789abcdef-the-token";

    @TempDir
    Path tmp;

    private final SecurityCounters counters = new SecurityCounters();
    private Server server;
    private Path tokenFile;
    private TokenFile token;

    @BeforeEach
    void start() throws Exception {
        tokenFile = tmp.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");
        token = TokenFile.load(tokenFile, counters);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(new QueryService(new FlowStore(10, 10, Duration.ofHours(1)),
                        new AgentRegistry()), new QueryAuthenticator(null, token, counters)))
                .build().start();
    }

    @AfterEach
    void stop() throws Exception {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private Status getAgents(String authorization) throws Exception {
        String name = ((io.grpc.inprocess.InProcessSocketAddress) server.getListenSockets().getFirst()).getName();
        InProcessChannelBuilder b = InProcessChannelBuilder.forName(name).directExecutor();
        if (authorization != null) {
            Metadata m = new Metadata();
            m.put(QueryAuthenticator.AUTHORIZATION, authorization);
            b.intercept(MetadataUtils.newAttachHeadersInterceptor(m));
        }
        ManagedChannel ch = b.build();
        try {
            QueryGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS).getAgents(GetAgentsRequest.getDefaultInstance());
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void onlyTheBearerTokenLetsACallWithoutCertificateIn() throws Exception {
        assertEquals(Status.Code.UNAUTHENTICATED, getAgents(null).getCode());
        assertEquals(Status.Code.UNAUTHENTICATED, getAgents("Bearer " + TOKEN + "x").getCode());
        assertEquals(Status.Code.UNAUTHENTICATED, getAgents("Bearer " + TOKEN.substring(1)).getCode());
        assertEquals(Status.Code.UNAUTHENTICATED, getAgents(TOKEN).getCode(), "the scheme is required");
        assertEquals(Status.Code.UNAUTHENTICATED, getAgents("Bearer ").getCode());
        assertEquals(4 + 1, counters.queryRefused());
        assertEquals(Status.Code.OK, getAgents("Bearer " + TOKEN).getCode());
        assertEquals(Status.Code.OK, getAgents("bearer " + TOKEN).getCode(), "the scheme is case-insensitive (RFC 7235)");
        assertEquals(5, counters.queryRefused());

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new SecurityMetrics(counters).bindTo(registry);
        assertEquals(5.0, registry.get("netwatch.auth.refused.calls").tag("service", "query").functionCounter().count());
        assertEquals(0.0, registry.get("netwatch.auth.refused.calls").tag("service", "ingest").functionCounter().count());
    }

    @Test
    void aChangedTokenFileReplacesTheTokenAndABrokenOneKeepsItAndIsCounted() throws Exception {
        Files.writeString(tokenFile, "the-second-token-of-the-api\n");
        Files.setLastModifiedTime(tokenFile, FileTime.from(Instant.now().plusSeconds(10)));
        token.refresh();
        assertTrue(token.matches("the-second-token-of-the-api"));
        assertFalse(token.matches(TOKEN));

        Files.writeString(tokenFile, "short\n");
        Files.setLastModifiedTime(tokenFile, FileTime.from(Instant.now().plusSeconds(20)));
        token.refresh();
        assertTrue(token.matches("the-second-token-of-the-api"), "a broken file leaves the token in force");
        assertEquals(1, counters.reloadFailures());
        Files.delete(tokenFile);
        token.refresh();
        assertEquals(2, counters.reloadFailures());
    }

    @Test
    void aFailingRereadIsSaidOncePerEpisodeWithWhatToFixAndCountedEachTime() throws Exception {
        List<String> warned = new ArrayList<>();
        List<String> told = new ArrayList<>();
        TokenFile t = TokenFile.load(tokenFile, TokenFile.said(warned::add, told::add, counters));
        t.refresh();
        assertEquals(List.of(), warned, "an unchanged file says nothing");
        assertEquals(List.of(), told);

        Files.writeString(tokenFile, "");
        t.refresh();
        t.refresh();
        assertEquals(2, counters.reloadFailures());
        assertEquals(1, warned.size(), "said once while it fails the same way: " + warned);
        assertTrue(warned.getFirst().contains(tokenFile + " must hold one token of at least 16"), warned.getFirst());
        assertTrue(warned.getFirst().contains("it is empty"), warned.getFirst());
        assertTrue(warned.getFirst().endsWith("the query token in force stays until it is fixed"), warned.getFirst());
        assertTrue(t.matches(TOKEN), "the last good token stays in force");

        Files.delete(tokenFile);
        t.refresh();
        t.refresh();
        assertEquals(2, warned.size(), "another failure is said: " + warned);
        assertTrue(warned.getLast().contains("the query token file " + tokenFile + " does not exist"), warned.getLast());
        assertTrue(t.matches(TOKEN));

        Files.writeString(tokenFile, "the-second-token-of-the-api\n");
        t.refresh();
        assertEquals(List.of("tls: took the query token in " + tokenFile), told);
        assertTrue(t.matches("the-second-token-of-the-api"));
        Files.delete(tokenFile);
        t.refresh();
        assertEquals(3, warned.size(), "a new episode is said again, though it fails as one before: " + warned);
        assertEquals(5, counters.reloadFailures());
    }

    @Test
    void aTokenFileThatIsNotTextIsSaidSo() throws Exception {
        List<String> warned = new ArrayList<>();
        TokenFile t = TokenFile.load(tokenFile, TokenFile.said(warned::add, s -> { }, counters));
        Files.write(tokenFile, new byte[] {(byte) 0xff, (byte) 0xfe, 'a', 'b'});
        t.refresh();
        assertEquals(1, warned.size());
        assertTrue(warned.getFirst().contains("cannot read the query token file " + tokenFile + ": not UTF-8 text"),
                warned.getFirst());
        assertTrue(t.matches(TOKEN));
    }

    @Test
    void aTokenChangedWithinTheFilesTimeIsTaken() throws Exception {
        // Two writes within a file system's time resolution (a second on some), or a copy that
        // keeps the times: the file's time says nothing changed, its content does.
        FileTime before = Files.getLastModifiedTime(tokenFile);
        Files.writeString(tokenFile, "the-second-token-of-the-api\n");
        Files.setLastModifiedTime(tokenFile, before);
        token.refresh();
        assertTrue(token.matches("the-second-token-of-the-api"));
        assertFalse(token.matches(TOKEN));
    }

    @Test
    void aTokenFileThatHoldsSomethingElseIsRefusedNamingIt() throws Exception {
        Path pem = tmp.resolve("tls.key");
        Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenFile.load(pem, counters));
        assertTrue(e.getMessage().contains(pem.toString()), e.getMessage());
        Path missing = tmp.resolve("missing");
        e = assertThrows(IllegalArgumentException.class, () -> TokenFile.load(missing, counters));
        assertTrue(e.getMessage().contains("the query token file " + missing + " does not exist"), e.getMessage());
        // Found in review: /dev/zero was read for ever.
        e = assertThrows(IllegalArgumentException.class, () -> TokenFile.load(Path.of("/dev/zero"), counters));
        assertTrue(e.getMessage().contains("/dev/zero is not a regular file"), e.getMessage());
    }
}
