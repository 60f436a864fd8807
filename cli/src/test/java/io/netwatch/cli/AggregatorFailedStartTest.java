package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.security.ServerSecurity;
import io.netwatch.aggregator.security.ServerTls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An aggregator whose start fails at its last steps, for a port someone else holds, leaves
 * nothing running: every part started before the failure (the cluster watch, the stages' and
 * the agents' pod checks' threads, the ml_outlier detector, the scrape endpoint) is stopped
 * before start throws. A whole configuration is used (mutual TLS, the cluster, agents' tokens
 * checked, metrics) so that every part runs; the API server is a closed port, which the watch
 * only reports.
 */
@Timeout(120)
class AggregatorFailedStartTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @TempDir
    Path tmp;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    private AggregatorConfig config(int listen, int metrics) throws IOException {
        TestPki pki = new TestPki(tmp);
        ServerTls tls = new ServerTls(pki.crt("aggregator"), pki.key("aggregator"), pki.crt("ca"), Duration.ZERO);
        return AggregatorConfig.listenOn(new InetSocketAddress(LOOPBACK, listen))
                .withSecurity(new ServerSecurity(tls, null).withAgentServiceAccount("netwatch:netwatch-agent"))
                .withMetrics(new InetSocketAddress(LOOPBACK, metrics));
    }

    /** Starts with {@code config}, which must fail, then checks that what it started is gone. */
    private static void failsLeavingNothing(AggregatorConfig config, int... portsToBeFree) throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (KubernetesClient cluster = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + freePort()).withRequestRetryBackoffLimit(0).build()).build()) {
            assertThrows(IOException.class, () -> AggregatorServer.start(config, cluster));
        }
        for (int port : portsToBeFree) {
            // Closed before start threw: a supervisor that starts again at once finds it free.
            try (ServerSocket again = new ServerSocket(port, 1, LOOPBACK)) {
                assertTrue(again.isBound());
            }
        }
        // Threads told to stop end on their own a moment later.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> left;
        while (!(left = Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t))
                .filter(Thread::isAlive).map(Thread::getName).filter(n -> n.startsWith("netwatch-")).toList())
                .isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the failed start left threads running: " + left);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aListenPortInUseStopsEverythingStartedBeforeTheServer() throws Exception {
        int metrics = freePort();
        try (ServerSocket held = new ServerSocket(0, 1, LOOPBACK)) {
            failsLeavingNothing(config(held.getLocalPort(), metrics), metrics);
        }
    }

    @Test
    void aMetricsPortInUseStopsEverythingStartedBeforeIt() throws Exception {
        int listen = freePort();
        try (ServerSocket held = new ServerSocket(0, 1, LOOPBACK)) {
            failsLeavingNothing(config(listen, held.getLocalPort()), listen);
        }
    }
}
