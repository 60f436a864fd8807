package io.netwatch.aggregator.response;

/**
 * One decision of the response stage, as audited.
 *
 * @param atMillis  when, milliseconds since the epoch
 * @param outcome   "blocked", "would_block", "refused", "failed", "removed", "withdrawn", "expired"
 * @param reason    the guardrail ({@link Refusal#label()}) for "refused", and for "withdrawn" the one
 *                  that protects the address now; else empty, or what led to it ("agent_connected")
 * @param namespace the actor pod's namespace, empty when not a known pod
 * @param pod       the actor pod's name, empty when not a known pod
 */
public record AuditRecord(long atMillis, String outcome, String reason, String ip, String action, String blockId,
                          String offenseId, String detail, String namespace, String pod) {
    public static final String BLOCKED = "blocked";
    public static final String WOULD_BLOCK = "would_block";
    public static final String REFUSED = "refused";
    public static final String FAILED = "failed";
    public static final String REMOVED = "removed";
    /** A node drop the aggregator took back because its address became protected while in force. */
    public static final String WITHDRAWN = "withdrawn";
    public static final String EXPIRED = "expired";
}
