package io.netwatch.agent.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netwatch.agent.identity.IdentityCache;
import io.netwatch.agent.score.EdgeBaselines;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import io.netwatch.proto.ingest.v1.BaselineEdge;
import io.netwatch.proto.ingest.v1.BaselineUpdate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The agent's copy of the pushed baselines: parts, swaps, bounds, hostile updates, naming. */
class BaselineCopyTest {
    private final IdentityCache identities = new IdentityCache(64);
    private final BaselineCopy copy = new BaselineCopy(3, new EdgeNamer(identities));

    private static BaselineEdge edge(String source, String destination, int port, double mean) {
        return BaselineEdge.newBuilder().setSource(source).setDestination(destination).setPort(port).setIpProtocol(6)
                .setBytesPerMinuteMean(mean).setBytesPerMinuteStddev(mean / 10).setMinutes(60).build();
    }

    private static BaselineUpdate part(long id, int part, boolean last, BaselineEdge... edges) {
        return BaselineUpdate.newBuilder().setFullSnapshot(true).setSnapshotId(id).setPart(part).setLastPart(last)
                .addAllEdges(List.of(edges)).build();
    }

    private static Flow flow(String src, String dst, int port) {
        return Flow.newBuilder().setSource(Endpoint.newBuilder().setIp(src).setPort(40000))
                .setDestination(Endpoint.newBuilder().setIp(dst).setPort(port)).setIpProtocol(6).build();
    }

    private void knowWorkloads() {
        identities.upsert("10.244.1.5", Workload.newBuilder().setNamespace("shop").setPodName("web-abc")
                .setWorkloadKind("Deployment").setWorkloadName("web").build());
        identities.upsert("10.244.1.6", Workload.newBuilder().setNamespace("shop").setPodName("db-0")
                .setWorkloadKind("StatefulSet").setWorkloadName("db").build());
    }

    @Test
    void aSnapshotInPartsIsSwappedInWhenTheLastArrives() {
        knowWorkloads();
        copy.apply(part(1, 0, false, edge("shop/Deployment/web", "shop/StatefulSet/db", 5432, 1000)));
        assertNull(copy.expected(flow("10.244.1.5", "10.244.1.6", 5432)), "nothing applied before the last part");
        copy.apply(part(1, 1, true, edge("shop/Deployment/web", "93.184.216.0/24", 443, 2000)));
        EdgeBaselines.Expected db = copy.expected(flow("10.244.1.5", "10.244.1.6", 5432));
        assertNotNull(db);
        assertEquals(1000, db.bytesMean());
        assertEquals(60, db.minutes());
        assertEquals(2000, copy.expected(flow("10.244.1.5", "93.184.216.34", 443)).bytesMean(), "external by /24");
        assertNull(copy.expected(flow("10.244.1.5", "10.244.1.6", 5433)), "another port is another edge");
        assertEquals(2, copy.size());
        assertEquals(1, copy.snapshots());
    }

    @Test
    void aSnapshotCutShortLeavesTheOldCopy() {
        copy.apply(part(1, 0, true, edge("a/Deployment/x", "10.0.0.0/24", 80, 5)));
        copy.apply(part(2, 0, false, edge("a/Deployment/y", "10.0.0.0/24", 80, 6)));
        copy.apply(part(2, 2, true, edge("a/Deployment/z", "10.0.0.0/24", 80, 7))); // part 1 never came
        assertEquals(1, copy.size());
        assertEquals(1, copy.cutShort());
        copy.apply(part(3, 1, true)); // a part 1 without its part 0
        assertEquals(2, copy.cutShort());
        assertEquals(1, copy.snapshots());
    }

    @Test
    void hostileEdgesAreSkippedAndCountedAndTheCopyIsBounded() {
        copy.apply(part(1, 0, true,
                edge("", "x", 1, 1), // no source
                edge("a".repeat(10_000), "x", 1, 1), // name too long
                BaselineEdge.newBuilder(edge("s", "d", 1, 1)).setPort(70_000).build(),
                BaselineEdge.newBuilder(edge("s", "d", 2, 1)).setBytesPerMinuteMean(Double.NaN).build(),
                BaselineEdge.newBuilder(edge("s", "d", 3, 1)).setBytesPerMinuteStddev(-1).build(),
                edge("s", "d", 10, 1), edge("s", "d", 11, 1), edge("s", "d", 12, 1), edge("s", "d", 13, 1)));
        assertEquals(5, copy.malformed());
        assertEquals(3, copy.size(), "bounded at 3 edges");
        assertEquals(1, copy.leftOut());
        copy.apply(BaselineUpdate.newBuilder().setFullSnapshot(false).build());
        assertEquals(6, copy.malformed(), "only full snapshots exist");
    }

    @Test
    void endsAreNamedAsTheAggregatorNamesThem() {
        knowWorkloads();
        EdgeNamer namer = new EdgeNamer(identities);
        assertEquals("shop/Deployment/web", namer.name(Endpoint.newBuilder().setIp("10.244.1.5").build()));
        assertEquals("198.51.100.0/24", namer.name(Endpoint.newBuilder().setIp("198.51.100.77").build()));
        assertEquals("2001:db8:1::/48", namer.name(Endpoint.newBuilder().setIp("2001:db8:1:2::7").build()));
        assertNull(namer.name(Endpoint.newBuilder().setIp("example.com").build()), "never resolved");
        assertNull(namer.name(Endpoint.newBuilder().setIp("").build()));
        assertNull(copy.expected(flow("10.244.1.5", "10.244.1.6", 5432)), "an empty copy answers at once");
    }
}
