package io.netwatch.bench;

import io.netwatch.agent.identity.FlowIdentities;
import io.netwatch.agent.identity.IdentityCache;
import io.netwatch.agent.identity.IdentityUpdates;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import io.netwatch.proto.ingest.v1.IdentityEntry;
import io.netwatch.proto.ingest.v1.IdentityUpdate;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the agent's identity copy costs: the time to apply a full snapshot of N addresses in
 * parts of 1024 (as the aggregator sends it, messages parsed from bytes as gRPC would), the
 * heap the copy retains per address, and the time to label one exported flow (two lookups
 * and, on a hit, one rebuilt record). Workloads look like a Deployment's pods: namespace, pod
 * name, owner, node, three labels and one Service. Run it in a JVM of its own:
 *
 * <pre>
 * IdentityCopyBench [--addresses N] [--flows M]
 * </pre>
 */
public final class IdentityCopyBench {
    private static final int PART = 1024;

    private IdentityCopyBench() {
    }

    public static void main(String[] args) throws Exception {
        int addresses = 100_000;
        int flows = 2_000_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--addresses" -> addresses = Integer.parseInt(args[++i]);
                case "--flows" -> flows = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        List<byte[]> parts = snapshot(addresses);
        long bytes = parts.stream().mapToLong(p -> p.length).sum();
        long heapBefore = usedHeap();
        IdentityUpdates updates = new IdentityUpdates(new IdentityCache(addresses));
        long t0 = System.nanoTime();
        for (byte[] p : parts) {
            updates.apply(IdentityUpdate.parseFrom(p));
        }
        long applyNanos = System.nanoTime() - t0;
        long retained = usedHeap() - heapBefore;
        if (updates.cache().size() != addresses) {
            throw new IllegalStateException("copy holds " + updates.cache().size() + ", expected " + addresses);
        }

        FlowIdentities labels = new FlowIdentities(updates.cache());
        Flow[] sample = new Flow[4096];
        for (int i = 0; i < sample.length; i++) {
            // Source in the cluster (a hit), destination outside (a miss), as pod egress is.
            sample[i] = Flow.newBuilder().setSource(Endpoint.newBuilder().setIp(ip(i * 7919 % addresses)).setPort(40000))
                    .setDestination(Endpoint.newBuilder().setIp("203.0.113." + (i & 255)).setPort(443)).build();
        }
        long sink = 0;
        for (int i = 0; i < 200_000; i++) {
            sink += labels.label(sample[i & 4095]).getSerializedSize();
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < flows; i++) {
            sink += labels.label(sample[i & 4095]).getSource().getPort();
        }
        long labelNanos = System.nanoTime() - t1;
        System.out.printf(Locale.ROOT, "snapshot: %d addresses in %d parts, %.1f MB on the wire, applied in %.0f ms "
                        + "(%.2f us per address)%n", addresses, parts.size(), bytes / 1e6, applyNanos / 1e6,
                applyNanos / 1e3 / addresses);
        System.out.printf(Locale.ROOT, "copy: %.0f bytes of heap per address%n", (double) retained / addresses);
        System.out.printf(Locale.ROOT, "label: %.0f ns per flow (one hit, one miss) over %d flows [%d]%n",
                (double) labelNanos / flows, flows, sink & 1);
    }

    private static String ip(int i) {
        return "10." + (64 + (i >> 16)) + "." + ((i >> 8) & 255) + "." + (i & 255);
    }

    private static List<byte[]> snapshot(int addresses) {
        List<byte[]> parts = new ArrayList<>();
        IdentityUpdate.Builder u = null;
        for (int i = 0; i < addresses; i++) {
            if (u == null) {
                u = IdentityUpdate.newBuilder().setFullSnapshot(true).setSnapshotId(1).setPart(parts.size());
            }
            String deployment = "app-" + (i % 500);
            u.addEntries(IdentityEntry.newBuilder().setIp(ip(i)).setWorkload(Workload.newBuilder()
                    .setNamespace("ns-" + (i % 40)).setPodName(deployment + "-7d9f8c6b5-" + Integer.toString(i, 36))
                    .setWorkloadKind("Deployment").setWorkloadName(deployment)
                    .putLabels("app", deployment).putLabels("pod-template-hash", "7d9f8c6b5")
                    .putLabels("tier", "backend").setNodeName("node-" + (i % 100))
                    .addServices("ns-" + (i % 40) + "/" + deployment)));
            if (u.getEntriesCount() == PART || i == addresses - 1) {
                parts.add(u.setLastPart(i == addresses - 1).build().toByteArray());
                u = null;
            }
        }
        return parts;
    }

    private static long usedHeap() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
