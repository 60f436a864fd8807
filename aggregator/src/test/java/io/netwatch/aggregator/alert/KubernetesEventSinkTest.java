package io.netwatch.aggregator.alert;

import static io.netwatch.aggregator.alert.AlertFixtures.firing;
import static io.netwatch.aggregator.alert.AlertFixtures.notification;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
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
}
