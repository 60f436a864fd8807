package io.netwatch.aggregator.response;

/** Where each audit record is told besides the audit log: Kubernetes Events on the pod, or nowhere. */
@FunctionalInterface
public interface DecisionEvents {
    DecisionEvents NONE = r -> { };

    /** Called on the response thread; failures are the implementation's to count. */
    void emit(AuditRecord r);
}
