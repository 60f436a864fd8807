package io.netwatch.agent.inspect;

/**
 * Bounds of payload inspection.
 *
 * @param depthBytes        stream bytes inspected per direction of a TCP flow
 * @param maxPendingBytes   out-of-order bytes held per direction while waiting for a hole
 * @param budgetBytes       out-of-order bytes held across all flows
 * @param maxInspectedFlows flows inspected at once; past it new flows are counted, not inspected
 */
public record InspectionConfig(int depthBytes, int maxPendingBytes, long budgetBytes, int maxInspectedFlows) {
    public InspectionConfig {
        if (depthBytes < 1024 || maxPendingBytes < 1024 || budgetBytes < maxPendingBytes || maxInspectedFlows < 1) {
            throw new IllegalArgumentException("inspection bounds: depth and pending bytes must be at least 1024, the "
                    + "budget at least the pending bytes, and at least one flow");
        }
    }

    /** 64 KiB per direction: several pipelined HTTP requests, any ClientHello, post-quantum ones included. */
    public static InspectionConfig defaults() {
        return new InspectionConfig(64 * 1024, 64 * 1024, ReassemblyBudget.DEFAULT_BYTES, 65_536);
    }
}
