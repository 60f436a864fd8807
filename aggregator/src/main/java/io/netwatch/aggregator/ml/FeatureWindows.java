package io.netwatch.aggregator.ml;

import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns stored flows into per-actor feature windows. Each flow counts for two actors: the one
 * that started it (outbound features) and the one it reached (inbound features, so a flood
 * from spoofed sources shows on its victim). An actor is {@code namespace/workload} when the
 * flow carries its workload, else its address; windows follow flow time ({@code last_seen}), so
 * a replayed capture makes the same windows as live traffic did. A record whose time is after
 * its receipt (an agent's clock ahead of the aggregator's) is taken at its receipt.
 *
 * <p>A window closes when a later flow of the same actor arrives, or when flow time has moved
 * two windows past it; closed windows go to the consumer. At most {@code maxActors} actors have
 * an open window: past that the least recently active one is dropped, counted. Interim records
 * are skipped (their counters are cumulative; the final record carries them all). Single-threaded:
 * {@link MlDetector} runs it on its own thread.
 */
public final class FeatureWindows {
    /** Flow times more than this past the time of receipt are refused (a hostile or broken clock). */
    static final long MAX_FUTURE_MILLIS = 3_600_000L;

    private final long windowMillis;
    private final Consumer<FeatureWindow> closed;
    private final LinkedHashMap<String, ActorWindow> open;
    private long watermarkIndex = Long.MIN_VALUE;
    private long flows;
    private long skippedInterim;
    private long invalid;
    private long clockAhead;
    private long evicted;
    private long windowsClosed;
    private long saturatedWindows;

    /**
     * @param windowMillis window length, milliseconds
     * @param maxActors    actors with an open window at most; the least recently active goes first
     * @param closed       receives every closed window, on the caller's thread
     */
    public FeatureWindows(long windowMillis, int maxActors, Consumer<FeatureWindow> closed) {
        if (windowMillis < 1 || maxActors < 1) {
            throw new IllegalArgumentException("window and actor cap must be positive, got " + windowMillis
                    + " ms and " + maxActors);
        }
        this.windowMillis = windowMillis;
        this.closed = closed;
        this.open = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ActorWindow> eldest) {
                if (size() > maxActors) {
                    evicted++;
                    return true;
                }
                return false;
            }
        };
    }

    /** Adds one stored flow; {@code receivedMillis} is when the aggregator got it. */
    public void accept(Flow f, long receivedMillis) {
        if (f.getInterim()) {
            skippedInterim++;
            return;
        }
        long millis = millis(f);
        if (millis < 0 || millis > receivedMillis + MAX_FUTURE_MILLIS || f.getSource().getIp().isEmpty()
                || f.getDestination().getIp().isEmpty()) {
            invalid++;
            return;
        }
        if (millis > receivedMillis) {
            // The agent's clock is ahead of the aggregator's. Taken as it is, one such record
            // would move flow time ahead for every actor: no window would close on time for as
            // long as the skew (the watermark waits for it), and the actor's later records from
            // nodes with good clocks would pile into its window from the future. A record cannot
            // have ended after it was received.
            millis = receivedMillis;
            clockAhead++;
        }
        flows++;
        long index = Math.floorDiv(millis, windowMillis);
        windowOf(actor(f.getSource()), f.getSource(), index).addOutbound(f, millis);
        windowOf(actor(f.getDestination()), f.getDestination(), index).addInbound(f, millis);
        if (index > watermarkIndex) {
            watermarkIndex = index;
            sweep(index - 1);
        }
    }

    /** Closes every open window (at shutdown, or at the end of a replay). */
    public void flush() {
        sweep(Long.MAX_VALUE);
    }

    private ActorWindow windowOf(String actor, Endpoint endpoint, long index) {
        ActorWindow w = open.get(actor);
        if (w == null) {
            w = new ActorWindow(actor, endpoint, index);
            open.put(actor, w);
        } else if (index > w.index) {
            close(w, index);
            w.endpoint = endpoint;
        }
        return w;
    }

    /** Closes and forgets the windows that started before {@code beforeIndex}. */
    private void sweep(long beforeIndex) {
        List<ActorWindow> done = new ArrayList<>();
        for (Iterator<ActorWindow> it = open.values().iterator(); it.hasNext(); ) {
            ActorWindow w = it.next();
            if (w.index < beforeIndex) {
                done.add(w);
                it.remove();
            }
        }
        for (ActorWindow w : done) {
            close(w, w.index + 1);
        }
    }

    private void close(ActorWindow w, long nextIndex) {
        if (w.saturated()) {
            saturatedWindows++;
        }
        windowsClosed++;
        closed.accept(w.freezeAndReset(windowMillis, nextIndex));
    }

    /** {@code namespace/workload} when the endpoint carries its workload, else its address. */
    static String actor(Endpoint e) {
        Workload w = e.getWorkload();
        if (!w.getNamespace().isEmpty() && !w.getWorkloadName().isEmpty()) {
            return w.getNamespace() + "/" + w.getWorkloadName();
        }
        return e.getIp();
    }

    private static long millis(Flow f) {
        var t = f.hasLastSeen() ? f.getLastSeen() : f.getFirstSeen();
        long s = t.getSeconds();
        if (s < 0 || s > 1L << 40) {
            return -1;
        }
        return s * 1000 + Math.max(0, t.getNanos()) / 1_000_000;
    }

    /** Final flow records taken. */
    public long flows() {
        return flows;
    }

    /** Records whose time was after their receipt (an agent's clock ahead), taken at their receipt. */
    public long clockAhead() {
        return clockAhead;
    }

    /** Interim records skipped. */
    public long skippedInterim() {
        return skippedInterim;
    }

    /** Records refused: no addresses, or a time before 1970 or more than an hour past their receipt. */
    public long invalid() {
        return invalid;
    }

    /** Actors whose open window was dropped because {@code maxActors} were already open. */
    public long evicted() {
        return evicted;
    }

    public long windowsClosed() {
        return windowsClosed;
    }

    /** Closed windows in which a distinct-value count hit its cap. */
    public long saturatedWindows() {
        return saturatedWindows;
    }

    /** Actors with an open window now. */
    public int actors() {
        return open.size();
    }

    /** Approximate heap held by the open windows, in bytes. */
    public long bytes() {
        long b = 0;
        for (ActorWindow w : open.values()) {
            b += w.bytes() + 64;
        }
        return b;
    }
}
