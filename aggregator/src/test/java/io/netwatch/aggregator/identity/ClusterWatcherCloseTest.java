package io.netwatch.aggregator.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A watcher closed while its informers still wait on their first lists, as an aggregator
 * stopped before the cluster was listed is: those lists fail once the client closes or the
 * API server goes, and the closed watcher must say nothing of it. Before, each informer's
 * failure was counted and logged ("identity: watching Pod failed (...); retrying") and fabric8
 * logged it as an ERROR with a stack trace, on the client's threads, after the watcher's owner
 * had gone: in the CLI's tests, in the standard error another test was capturing.
 */
class ClusterWatcherCloseTest {
    /** The informers' lists: pods, namespaces, services, endpoint slices, policies, replica sets, jobs. */
    private static final int INFORMERS = 7;
    /** How long the failures, if counted, take to arrive: milliseconds; this is a wide margin. */
    private static final long QUIET_MILLIS = 2_000;

    @Test
    void listsThatFailAfterCloseAreNeitherCountedNorLogged() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (IOException closedByTheTest) {
                    // the test is over
                }
            });
            KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:" + silent.getLocalPort()).withRequestTimeout(60_000)
                    .withRequestRetryBackoffLimit(0).build()).build();
            ClusterWatcher watcher = ClusterWatcher.start(client, new IdentityIndex(),
                    new PolicyHistory(PolicyHistory.DEFAULT_MAX_VERSIONS), System::nanoTime);
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (held.size() < INFORMERS) {
                    if (System.nanoTime() > deadline) {
                        fail("the informers' lists did not reach the API server: " + held.size());
                    }
                    Thread.sleep(10);
                }
            } finally {
                watcher.close();
                // As their owners do next (the CLI's shutdown, the tests' mock client); then the API server goes.
                client.close();
                for (Socket s : held) {
                    s.close();
                }
            }
            Thread.sleep(QUIET_MILLIS);
            assertEquals(0, watcher.failures(), "a failure after close was counted (and logged)");
        }
    }
}
