package io.netwatch.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.inprocess.InProcessChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netwatch.agent.export.AgentHealth;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.export.FlowStreamer;
import io.netwatch.agent.identity.FlowIdentities;
import io.netwatch.agent.identity.IdentityCache;
import io.netwatch.agent.identity.IdentityUpdates;
import io.netwatch.proto.flow.v1.Workload;
import io.netwatch.proto.ingest.v1.Hello;
import io.netwatch.proto.ingest.v1.IdentityEntry;
import io.netwatch.proto.ingest.v1.IdentityUpdate;
import org.junit.jupiter.api.Test;

class IdentityMetricsTest {
    @Test
    void theCopysSizeUpdatesAndSkipsAreMetrics() {
        IdentityUpdates updates = new IdentityUpdates(new IdentityCache(1));
        var channel = InProcessChannelBuilder.forName("nowhere-identity-metrics").build();
        FlowStreamer streamer = new FlowStreamer(channel, ExportConfig.defaults(),
                Hello.newBuilder().setNodeName("n").build(), AgentHealth.NONE);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new IdentityMetrics(updates, new FlowIdentities(updates.cache()), streamer).bindTo(registry);
        Workload w = Workload.newBuilder().setNamespace("ns").setPodName("p").build();
        updates.apply(IdentityUpdate.newBuilder().setFullSnapshot(true).setLastPart(true)
                .addEntries(IdentityEntry.newBuilder().setIp("10.0.0.1").setWorkload(w)).build());
        updates.apply(IdentityUpdate.newBuilder()
                .addEntries(IdentityEntry.newBuilder().setIp("10.0.0.2").setWorkload(w))
                .addEntries(IdentityEntry.newBuilder().setIp("bogus").setWorkload(w)).build());

        assertEquals(1, registry.get("netwatch.identity.cache.entries").gauge().value());
        assertEquals(1, registry.get("netwatch.identity.cache.capacity").gauge().value());
        assertEquals(1, registry.get("netwatch.identity.cache.evicted").functionCounter().count());
        assertEquals(1, registry.get("netwatch.identity.updates").tag("kind", "snapshot").functionCounter().count());
        assertEquals(1, registry.get("netwatch.identity.updates").tag("kind", "incremental").functionCounter().count());
        assertEquals(1, registry.get("netwatch.identity.malformed").tag("reason", "bad_address").functionCounter()
                .count());
        assertEquals(0, registry.get("netwatch.identity.malformed").tag("reason", "oversized_update")
                .functionCounter().count());
        channel.shutdownNow();
    }
}
