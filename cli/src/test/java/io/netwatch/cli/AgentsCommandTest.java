package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netwatch.proto.flow.v1.LossCounter;
import io.netwatch.proto.flow.v1.LossReason;
import io.netwatch.proto.flow.v1.LossReport;
import io.netwatch.proto.query.v1.AgentInfo;
import io.netwatch.proto.query.v1.AgentStatusView;
import org.junit.jupiter.api.Test;

class AgentsCommandTest {
    @Test
    void aSourceThatFailedIsShownNextToTheCoverage() {
        // Found in review: an agent whose capture file ended in damage showed "coverage 100.0%" and nothing else.
        AgentInfo a = AgentInfo.newBuilder().setNodeName("node-a").setConnected(true).setVersion("0.1.0")
                .addSources("file /x.pcap").setCaptureCoverage(1.0)
                .setStatus(AgentStatusView.newBuilder().setPacketsSeen(1).addSourceStates("file /x.pcap: failed")
                        .addSourceStates("eth0: capturing"))
                .build();
        assertEquals("node-a  connected  v0.1.0  file /x.pcap  packets 1  flows received 0  anomalies 0  coverage 100.0%"
                + System.lineSeparator() + "    source file /x.pcap: failed (the agent's log says why; coverage counts"
                + " only what was read)", AgentsCommand.describe(a));
    }

    @Test
    void evictedFlowsAreNotShownAsLostAndRecordedDropsAre() {
        // Found in review: "lost 37739: flow_table_eviction" beside all records acknowledged.
        AgentInfo a = AgentInfo.newBuilder().setNodeName("node-a").setConnected(true).setVersion("0.1.0")
                .addSources("file /x.pcapng").setCaptureCoverage(0.5)
                .setLoss(LossReport.newBuilder()
                        .addCounters(LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_FLOW_TABLE_EVICTION)
                                .setCount(37_739))
                        .addCounters(LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_RECORDED_DROP)
                                .setInterface("eth0").setCount(12)))
                .build();
        String[] lines = AgentsCommand.describe(a).split(System.lineSeparator());
        assertEquals("    ended early 37739: flow_table_eviction (the flow table was full; their records were sent,"
                + " raise --max-flows)", lines[1]);
        assertEquals("    lost 12: recorded_drop on eth0", lines[2]);
    }
}
