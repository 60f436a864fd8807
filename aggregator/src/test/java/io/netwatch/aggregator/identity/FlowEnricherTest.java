package io.netwatch.aggregator.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which label wins when an agent labelled a flow from its copy: the aggregator's history, when it has one. */
class FlowEnricherTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * S;
    private static final long NOW_MILLIS = T0 / 1_000_000 + 120_000;

    private static Workload workload(String pod) {
        return Workload.newBuilder().setNamespace("shop").setPodName(pod).build();
    }

    private static AddressHolder pod(String name) {
        return new AddressHolder("uid-" + name, workload(name), null, List.of());
    }

    /** A flow from 10.0.0.1 that started at {@code startNanos}, labelled by the agent as {@code agentSaid}. */
    private static Flow flow(long startNanos, String agentSaid) {
        return Flow.newBuilder().setFirstSeen(Timestamps.fromNanos(startNanos))
                .setSource(Endpoint.newBuilder().setIp("10.0.0.1").setWorkload(workload(agentSaid)))
                .setDestination(Endpoint.newBuilder().setIp("10.0.0.2")).build();
    }

    private static IdentityIndex index() {
        return new IdentityIndex(100, 4, Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofSeconds(2));
    }

    @Test
    void aFlowOfAPodWhoseAddressWasReusedBeforeExportStaysWithThePodOfItsStart() {
        IdentityIndex index = index();
        IpKey ip = IpKey.parse("10.0.0.1");
        index.claim(ip, pod("web-1"), T0);
        index.release(ip, "uid-web-1", T0 + 60 * S);
        index.claim(ip, pod("web-2"), T0 + 61 * S);
        FlowEnricher enricher = new FlowEnricher(index, new DnsNames());

        // Started under web-1, exported after web-2 took the address: the agent's copy said web-2.
        Flow stored = enricher.enrich(flow(T0 + 30 * S, "web-2"), NOW_MILLIS);
        assertEquals("web-1", stored.getSource().getWorkload().getPodName());
        assertEquals(1, enricher.agentLabelsOverruled());

        Flow agreed = enricher.enrich(flow(T0 + 90 * S, "web-2"), NOW_MILLIS);
        assertEquals("web-2", agreed.getSource().getWorkload().getPodName());
        assertEquals(1, enricher.agentLabelsOverruled(), "agreement is not counted");
    }

    @Test
    void anAgentLabelForAnAddressNobodyHeldAtTheFlowsStartIsDropped() {
        IdentityIndex index = index();
        IpKey ip = IpKey.parse("10.0.0.1");
        index.claim(ip, pod("web-2"), T0 + 100 * S);
        FlowEnricher enricher = new FlowEnricher(index, new DnsNames());
        Flow stored = enricher.enrich(flow(T0, "web-2"), NOW_MILLIS);
        assertEquals("", stored.getSource().getWorkload().getPodName());
        assertEquals("10.0.0.0/24", stored.getSource().getWorkload().getExternalName());
        assertEquals(1, enricher.agentLabelsOverruled());
    }

    @Test
    void anAgentLabelIsKeptWhenTheHistoryHasNothingForTheAddress() {
        FlowEnricher enricher = new FlowEnricher(index(), new DnsNames());
        Flow stored = enricher.enrich(flow(T0, "web-1"), NOW_MILLIS);
        assertEquals("web-1", stored.getSource().getWorkload().getPodName());
        assertEquals(1, enricher.agentLabelsKept());
        assertEquals(0, enricher.agentLabelsOverruled());
    }
}
