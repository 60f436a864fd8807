package io.netwatch.aggregator.alert;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Kubernetes Events (core/v1) on the pods involved, so {@code kubectl describe pod} and
 * {@code kubectl get events} show the alert where the pod is: reason
 * {@code NetwatchAlert} (type Warning) while firing, {@code NetwatchAlertResolved} (Normal)
 * when resolved. A notification whose alerts name no pod creates nothing. At most
 * {@link #MAX_PODS} pods per notification, so a sweep across a namespace cannot flood the
 * API server.
 */
final class KubernetesEventSink implements AlertSink {
    static final int MAX_PODS = 20;
    static final String COMPONENT = "netwatch-aggregator";
    /** The API server refuses longer messages. */
    static final int MESSAGE_MAX = 1024;

    private final KubernetesClient client;
    private final Clock clock;

    KubernetesEventSink(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    @Override
    public String type() {
        return "kubernetes_events";
    }

    @Override
    public Delivery send(Notification n, Duration timeout) {
        Set<String> pods = new LinkedHashSet<>();
        for (AlertEvent a : n.alerts()) {
            pods.addAll(a.pods());
        }
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        int done = 0;
        for (String pod : pods) {
            if (done++ == MAX_PODS) {
                break;
            }
            int slash = pod.indexOf('/');
            if (slash <= 0 || slash == pod.length() - 1) {
                continue;
            }
            String ns = pod.substring(0, slash);
            String name = pod.substring(slash + 1);
            try {
                client.v1().events().inNamespace(ns).resource(event(n, ns, name, now)).create();
            } catch (KubernetesClientException e) {
                int code = e.getCode();
                String reason = "API server " + (code == 0 ? "unreachable" : "HTTP " + code) + ": "
                        + HttpPoster.truncate(e.getMessage());
                return code == 0 || code == 429 || code >= 500 ? new Delivery.Retry(null, reason)
                        : new Delivery.Failed(reason);
            }
        }
        return Delivery.SENT;
    }

    static Event event(Notification n, String ns, String pod, String now) {
        boolean firing = n.status() == AlertEvent.State.FIRING;
        // Like kubectl's "<object>.<hex>": unique per event, tied to the pod for readers.
        String name = pod + "." + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE)
                .toLowerCase(Locale.ROOT);
        return new EventBuilder()
                .withNewMetadata().withName(name.length() > 253 ? name.substring(name.length() - 253) : name)
                .withNamespace(ns).addToLabels("app.kubernetes.io/managed-by", "netwatch").endMetadata()
                .withNewInvolvedObject().withApiVersion("v1").withKind("Pod").withNamespace(ns).withName(pod)
                .endInvolvedObject()
                .withType(firing ? "Warning" : "Normal")
                .withReason(firing ? "NetwatchAlert" : "NetwatchAlertResolved")
                .withMessage(AlertJson.truncate(n.title() + ": " + n.lead().summary()
                        + (n.lead().link().isEmpty() ? "" : " " + n.lead().link()), MESSAGE_MAX))
                .withNewSource().withComponent(COMPONENT).endSource()
                .withReportingComponent(COMPONENT)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .build();
    }
}
