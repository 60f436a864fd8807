package io.netwatch.aggregator.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.proto.flow.v1.Endpoint;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OutlierForestTest {
    private static FeatureWindow window(String actor, double... raw) {
        return new FeatureWindow(actor, Endpoint.newBuilder().setIp(actor).build(), 0, 10_000, raw, new long[0]);
    }

    /** A pod calling a few services: flows, bytes, peers, ports, a DNS query now and then. */
    private static FeatureWindow benign(Random r) {
        int flows = 1 + r.nextInt(8);
        int dns = r.nextInt(3);
        return window("10.1.0." + r.nextInt(50), flows, r.nextInt(3), 500.0 * flows * (1 + r.nextInt(20)),
                5_000.0 * flows * (1 + r.nextInt(20)), 1 + r.nextInt(3), 1 + r.nextInt(2), r.nextInt(2),
                r.nextInt(10) == 0 ? 1 : 0, 0, dns, dns == 0 ? 0 : 18 + r.nextInt(15));
    }

    private static OutlierForest warmForest(double threshold) {
        OutlierForest forest = new OutlierForest(threshold, 256, 1);
        Random r = new Random(2);
        for (int i = 0; i < 2000; i++) {
            forest.score(benign(r));
        }
        return forest;
    }

    @Test
    void noScoreBeforeTheWarmUp() {
        OutlierForest forest = new OutlierForest(2.8, 10, 1);
        Random r = new Random(3);
        for (int i = 0; i < 10; i++) {
            assertTrue(Double.isNaN(forest.score(benign(r))), "window " + i);
        }
        assertTrue(forest.warm());
        assertTrue(forest.score(benign(r)) > 0);
    }

    @Test
    void aPortScanIsAnOutlierExplainedByItsDistinctPorts() {
        OutlierForest forest = warmForest(MlConfig.DEFAULT_THRESHOLD);
        FeatureWindow scan = window("10.1.0.66", 3, 0, 9_000, 5_000, 1, 256, 0, 1, 0, 0, 0);
        Optional<Outlier> o = forest.judge(scan);
        assertTrue(o.isPresent(), "score " + forest.scoreOnly(scan));
        Contribution ports = o.get().contributions().stream().filter(c -> c.feature() == Feature.PORTS_OUT)
                .findFirst().orElseThrow(() -> new AssertionError("not explained by ports: " + o.get()));
        assertTrue(ports.high());
        assertEquals(256, ports.observed());
        assertTrue(ports.expected() < 10, "expected " + ports.expected());
        assertEquals(Feature.PORTS_OUT, o.get().topFeature());
    }

    @Test
    void aLongDnsTunnelIsExplainedByItsQueriesOrNames() {
        OutlierForest forest = warmForest(MlConfig.DEFAULT_THRESHOLD);
        Outlier o = forest.judge(window("10.1.0.5", 400, 0, 60_000, 90_000, 1, 1, 0, 0, 0, 400, 120)).orElseThrow();
        assertTrue(o.contributions().stream().limit(2).anyMatch(c -> c.feature() == Feature.DNS_QUERIES
                || c.feature() == Feature.DNS_NAME_LENGTH), o.toString());
    }

    @Test
    void benignWindowsStayBelowTheThresholdAndOutliersAreNotLearned() {
        OutlierForest forest = warmForest(MlConfig.DEFAULT_THRESHOLD);
        Random r = new Random(99);
        int over = 0;
        for (int i = 0; i < 2000; i++) {
            over += forest.judge(benign(r)).isPresent() ? 1 : 0;
        }
        assertTrue(over <= 2, "benign outliers: " + over);
        long learned = forest.learned();
        FeatureWindow flood = window("10.2.0.1", 0, 30_000, 0, 2_000_000, 0, 0, 256, 0, 30_000, 0, 0);
        for (int i = 0; i < 50; i++) {
            assertTrue(forest.judge(flood).isPresent(), "a lasting flood stays an outlier (window " + i + ")");
        }
        assertEquals(learned, forest.learned());
    }

    @Test
    void extremeWindowsNeverThrow() {
        OutlierForest forest = warmForest(MlConfig.DEFAULT_THRESHOLD);
        double max = Long.MAX_VALUE;
        forest.judge(window("x", max, max, max, max, max, max, max, max, max, max, max));
        forest.judge(window("y", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        forest.judge(window("z", -5, Double.NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        for (float v : window("z", -5, Double.NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0).point()) {
            assertEquals(0f, v, "NaN and negative values enter the forest as 0");
        }
        double inf = Double.POSITIVE_INFINITY;
        for (float v : window("i", inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf).point()) {
            assertTrue(Float.isFinite(v), "Infinity enters the forest as the largest count, never as Infinity");
        }
        for (int i = 0; i < 300; i++) {
            forest.judge(window("i" + i, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf));
        }
        assertTrue(forest.scoreOnly(window("w", 3, 0, 5_000, 50_000, 2, 1, 0, 0, 0, 1, 25)) < 2,
                "the forest still scores ordinary windows as ordinary");
        assertThrows(IllegalArgumentException.class, () -> window("short", 1, 2));
        assertThrows(IllegalArgumentException.class, () -> new OutlierForest(Double.NaN, 1, 1));
    }

    /** The cost figures of docs/detection.md: time to score a window, heap per forest. */
    @Test
    void costPerWindowAndPerForest() {
        OutlierForest forest = warmForest(MlConfig.DEFAULT_THRESHOLD);
        Random r = new Random(5);
        List<FeatureWindow> ws = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            ws.add(benign(r));
        }
        ws.subList(0, 1000).forEach(forest::judge); // the JIT's turn
        long learnedBefore = forest.learned();
        long t0 = System.nanoTime();
        for (FeatureWindow w : ws.subList(1000, ws.size())) {
            forest.judge(w);
        }
        double micros = (System.nanoTime() - t0) / 1e3 / (ws.size() - 1000);
        var heap = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = heap.getHeapMemoryUsage().getUsed();
        List<OutlierForest> kept = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            kept.add(warmForest(MlConfig.DEFAULT_THRESHOLD));
        }
        System.gc();
        long perForest = (heap.getHeapMemoryUsage().getUsed() - before) / kept.size();
        System.out.printf("ml cost: %.1f us per window scored and learned (%d windows); %d bytes per forest "
                + "(%d trees x %d samples, %d dimensions)%n", micros, ws.size() - 1000, perForest, OutlierForest.TREES,
                OutlierForest.SAMPLE_SIZE, Feature.COUNT);
        assertEquals(ws.size() - 1000, forest.learned() - learnedBefore,
                "the timed windows were not all scored and learned, so the figure is not the cost of one");
        for (OutlierForest f : kept) {
            assertTrue(f.warm() && f.learned() >= OutlierForest.SAMPLE_SIZE, "a measured forest has not filled its "
                    + "trees' samples, so its heap is not a full forest's: learned " + f.learned());
        }
        assertTrue(perForest < 64L << 20, "bytes per forest " + perForest);
    }
}
