package io.netwatch.aggregator.alert;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.netwatch.aggregator.security.Sha256;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Kubernetes Events (core/v1) on the pods involved, so {@code kubectl describe pod} and
 * {@code kubectl get events} show the alert where the pod is: reason
 * {@code NetwatchAlert} (type Warning) while firing, {@code NetwatchAlertResolved} (Normal)
 * when resolved. A notification whose alerts name no pod creates nothing. At most
 * {@link #MAX_PODS} pods per notification, so a sweep across a namespace cannot flood the
 * API server.
 *
 * <p>Every attempt at one notification names its Events alike ({@link #name}), so a retry
 * after the API server failed some of them (its queue sends the notification again) finds the
 * ones made already, 409 AlreadyExists, and makes only the rest. The client's own resend of a
 * create whose answer was lost meets the same 409. Found in review: each attempt named its
 * Events afresh, and a pod had one per attempt.
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
                if (code == 409) {
                    continue; // made by an earlier attempt at this notification
                }
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
        String message = AlertJson.truncate(n.title() + ": " + n.lead().summary()
                + (n.lead().link().isEmpty() ? "" : " " + n.lead().link()), MESSAGE_MAX);
        return new EventBuilder()
                .withNewMetadata().withName(name(n, ns, pod, message))
                .withNamespace(ns).addToLabels("app.kubernetes.io/managed-by", "netwatch").endMetadata()
                .withNewInvolvedObject().withApiVersion("v1").withKind("Pod").withNamespace(ns).withName(pod)
                .endInvolvedObject()
                .withType(firing ? "Warning" : "Normal")
                .withReason(firing ? "NetwatchAlert" : "NetwatchAlertResolved")
                .withMessage(message)
                .withNewSource().withComponent(COMPONENT).endSource()
                .withReportingComponent(COMPONENT)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .build();
    }

    /** Hex digits of the name's hash: 64 bits, as many as kubectl's "<object>.<hex>" names carry. */
    static final int NAME_HASH_DIGITS = 16;
    /** Longest name the API server takes (a DNS subdomain). */
    static final int NAME_MAX = 253;

    /**
     * The Event's name: the pod's, a dot, and a hash of the receiver and group
     * ({@link Notification#dedupKey}), the notification's moment and state, the pod and the
     * message. The same for every attempt at one notification (the queue sends the same one
     * again); another notification, or the same at another pod, differs. A pod name too long to
     * leave room is cut, without the dash or dot it might end on (a name's parts end on a
     * letter or a digit).
     */
    static String name(Notification n, String ns, String pod, String message) {
        String hash = Sha256.hex("netwatch event\n" + n.dedupKey() + "\n" + n.at() + "\n" + n.status() + "\n" + ns
                + "/" + pod + "\n" + message).substring(0, NAME_HASH_DIGITS);
        String head = pod.length() > NAME_MAX - 1 - NAME_HASH_DIGITS ? pod.substring(0, NAME_MAX - 1 - NAME_HASH_DIGITS)
                : pod;
        int end = head.length();
        while (end > 0 && (head.charAt(end - 1) == '-' || head.charAt(end - 1) == '.')) {
            end--;
        }
        return head.substring(0, end) + "." + hash;
    }
}
