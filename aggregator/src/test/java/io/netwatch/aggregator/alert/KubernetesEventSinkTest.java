package io.netwatch.aggregator.alert;

import static io.netwatch.aggregator.alert.AlertFixtures.firing;
import static io.netwatch.aggregator.alert.AlertFixtures.notification;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.netwatch.proto.anomaly.v1.Severity;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Events on the pods involved, against fabric8's mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class KubernetesEventSinkTest {
    KubernetesClient client;
    KubernetesMockServer server;

    @Test
    void firingAndResolvedBecomeEventsOnEachPodInvolved() throws Exception {
        KubernetesEventSink sink = new KubernetesEventSink(client, Clock.systemUTC());
        AlertEvent a = firing("k", "shop", Severity.SEVERITY_HIGH);
        assertInstanceOf(Delivery.Sent.class, sink.send(notification(AlertEvent.State.FIRING, a), Duration.ofSeconds(5)));
        assertInstanceOf(Delivery.Sent.class, sink.send(notification(AlertEvent.State.RESOLVED,
                a.resolved(AlertFixtures.T0.plusSeconds(60))), Duration.ofSeconds(5)));
        List<Event> events = client.v1().events().inNamespace("shop").list().getItems();
        assertEquals(4, events.size(), "two pods, firing and resolved");
        for (String pod : List.of("scanner-5d9f-abcde", "db-0")) {
            List<Event> mine = events.stream().filter(e -> e.getInvolvedObject().getName().equals(pod))
                    .sorted(Comparator.comparing(Event::getType).reversed()).toList();
            assertEquals(List.of("Warning", "Normal"), mine.stream().map(Event::getType).toList(), pod);
            assertEquals(List.of("NetwatchAlert", "NetwatchAlertResolved"), mine.stream().map(Event::getReason).toList());
            Event e = mine.getFirst();
            assertEquals("Pod", e.getInvolvedObject().getKind());
            assertEquals("shop", e.getInvolvedObject().getNamespace());
            assertEquals("netwatch-aggregator", e.getSource().getComponent());
            assertTrue(e.getMessage().contains(a.summary()) && e.getMessage().contains(a.link()), e.getMessage());
            assertTrue(e.getMetadata().getName().startsWith(pod + "."), e.getMetadata().getName());
        }
    }

    @Test
    void anAlertWithoutPodsCreatesNothing() throws Exception {
        KubernetesEventSink sink = new KubernetesEventSink(client, Clock.systemUTC());
        AlertEvent base = firing("k", "shop", Severity.SEVERITY_HIGH);
        AlertEvent external = new AlertEvent("x", AlertEvent.State.FIRING, "t", "s", Severity.SEVERITY_HIGH,
                List.of("port_scan"), "", "", List.of(), List.of(), "203.0.113.9", base.start(), null, "",
                java.util.Map.of());
        assertInstanceOf(Delivery.Sent.class, sink.send(notification(AlertEvent.State.FIRING, external),
                Duration.ofSeconds(5)));
        assertEquals(0, client.v1().events().inAnyNamespace().list().getItems().size());
    }

    @Test
    void aRetryAfterAPartialFailureMakesNoEventTwice() throws Exception {
        // Found in review: each attempt named its Events afresh, so when the API server failed
        // the second pod's (a 5xx: Retry), the queue's next attempt at the same notification
        // made the first pod's Event again. The pods are in two namespaces so that the mock
        // server fails only the second one's create; the client does not retry on its own, so
        // the failure reaches the sink as it would after the client's retries ran out.
        AlertEvent base = firing("k", "shop", Severity.SEVERITY_HIGH);
        AlertEvent a = new AlertEvent(base.key(), base.state(), base.title(), base.summary(), base.severity(),
                base.types(), base.namespace(), base.workload(), List.of("shop/scanner-5d9f-abcde", "data/db-0"),
                base.nodes(), base.actor(), base.start(), base.end(), base.link(), base.labels());
        Notification n = notification(AlertEvent.State.FIRING, a);
        server.expect().post().withPath("/api/v1/namespaces/data/events").andReturn(503, "{}").once();
        try (KubernetesClient once = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withRequestRetryBackoffLimit(0).build()).build()) {
            KubernetesEventSink sink = new KubernetesEventSink(once, Clock.systemUTC());
            assertInstanceOf(Delivery.Retry.class, sink.send(n, Duration.ofSeconds(5)));
            assertEquals(1, client.v1().events().inNamespace("shop").list().getItems().size(), "the first pod's");
            assertEquals(0, client.v1().events().inNamespace("data").list().getItems().size());

            // SinkQueue's next attempt: the same notification, sent again.
            assertInstanceOf(Delivery.Sent.class, sink.send(n, Duration.ofSeconds(5)));
        }
        List<Event> shop = client.v1().events().inNamespace("shop").list().getItems();
        List<Event> data = client.v1().events().inNamespace("data").list().getItems();
        assertEquals(1, shop.size(), "one Event on the first pod, not one per attempt: " + shop.stream()
                .map(e -> e.getMetadata().getName()).toList());
        assertEquals(1, data.size());
        assertEquals("scanner-5d9f-abcde", shop.getFirst().getInvolvedObject().getName());
        assertEquals("db-0", data.getFirst().getInvolvedObject().getName());
        assertEquals(1, shop.getFirst().getCount());

        // A notification of its own (here the resolve) is an Event of its own.
        KubernetesEventSink sink = new KubernetesEventSink(client, Clock.systemUTC());
        assertInstanceOf(Delivery.Sent.class, sink.send(notification(AlertEvent.State.RESOLVED,
                a.resolved(AlertFixtures.T0.plusSeconds(60))), Duration.ofSeconds(5)));
        assertEquals(2, client.v1().events().inNamespace("shop").list().getItems().size());
    }
}
