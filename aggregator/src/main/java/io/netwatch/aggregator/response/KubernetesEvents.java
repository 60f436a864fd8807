package io.netwatch.aggregator.response;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Each decision about a known pod becomes a core/v1 Event on that pod ({@code kubectl describe
 * pod} shows it): reason {@code NetwatchBlocked}, {@code NetwatchWouldBlock},
 * {@code NetwatchBlockRefused}, ... Decisions about addresses that are no pod make none.
 * A failed create is counted, never retried: the audit log keeps the record anyway.
 */
public final class KubernetesEvents implements DecisionEvents {
    private static final String COMPONENT = "netwatch-aggregator";
    /** An Event's message is capped by the API server at 1 KiB. */
    private static final int MAX_MESSAGE = 1024;

    private final KubernetesClient client;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();

    public KubernetesEvents(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public void emit(AuditRecord r) {
        if (r.pod().isEmpty()) {
            return;
        }
        String time = Instant.ofEpochMilli(r.atMillis()).toString();
        String message = r.outcome() + (r.reason().isEmpty() ? "" : " (" + r.reason() + ")") + ": " + r.detail();
        try {
            client.v1().events().inNamespace(r.namespace()).resource(new EventBuilder()
                    .withNewMetadata().withNamespace(r.namespace())
                    .withName(r.pod() + ".netwatch." + Long.toHexString(r.atMillis()) + "." + sequence.incrementAndGet())
                    .endMetadata()
                    .withNewInvolvedObject().withKind("Pod").withApiVersion("v1").withNamespace(r.namespace())
                    .withName(r.pod()).endInvolvedObject()
                    .withReason(reason(r.outcome()))
                    .withMessage(message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message)
                    .withType(r.outcome().equals(AuditRecord.BLOCKED) ? "Warning" : "Normal")
                    .withNewSource().withComponent(COMPONENT).endSource()
                    .withFirstTimestamp(time).withLastTimestamp(time).withCount(1)
                    .build()).create();
            sent.incrementAndGet();
        } catch (KubernetesClientException e) {
            failed.incrementAndGet();
        }
    }

    static String reason(String outcome) {
        return switch (outcome) {
            case AuditRecord.BLOCKED -> "NetwatchBlocked";
            case AuditRecord.WOULD_BLOCK -> "NetwatchWouldBlock";
            case AuditRecord.REFUSED -> "NetwatchBlockRefused";
            case AuditRecord.FAILED -> "NetwatchBlockFailed";
            case AuditRecord.REMOVED -> "NetwatchBlockRemoved";
            case AuditRecord.EXPIRED -> "NetwatchBlockExpired";
            default -> "Netwatch";
        };
    }

    public long sent() {
        return sent.get();
    }

    public long failed() {
        return failed.get();
    }
}
