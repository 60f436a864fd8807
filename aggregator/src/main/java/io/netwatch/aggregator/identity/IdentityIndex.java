package io.netwatch.aggregator.identity;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Who held each address, over time. Every address keeps a short history of tenures (holder,
 * from, until), so a flow resolves to the pod that held its address when the flow started,
 * even after that pod is gone and a new pod took the address.
 *
 * <p>Writes come from the one thread that applies cluster events; reads come from every
 * ingest thread and never lock: each address's history is an immutable array replaced as a
 * whole.
 *
 * <p>Bounded: at most {@code maxAddresses} addresses (a claim past that is refused and
 * counted) and {@code maxTenures} tenures per address (the oldest falls off, counted). An
 * ended tenure stays {@code grace} after it ended or after a later holder took the address,
 * whichever is later, for flow records that arrive late, then {@link #prune} drops it.
 *
 * <p>Times are nanoseconds since the epoch: capture time for flows, the aggregator's clock
 * for cluster events.
 */
public final class IdentityIndex {
    public static final int DEFAULT_MAX_ADDRESSES = 262_144;
    public static final int DEFAULT_MAX_TENURES = 8;
    /** How long an ended tenure still answers for flows that started before its end. */
    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(5);
    /**
     * How long before we learnt of a holder a flow may have started and still be its: the
     * kubelet reports a new pod's address some time after the pod starts using it.
     */
    public static final Duration DEFAULT_LEAD = Duration.ofSeconds(10);
    /** How far after a holder's end a flow may start and still be its (clocks of nodes differ). */
    public static final Duration DEFAULT_SKEW = Duration.ofSeconds(2);

    /** A holder's time on one address, [from, until); {@code until} is MAX_VALUE while it holds it. */
    public record Tenure(AddressHolder holder, long fromNanos, long untilNanos) {
        public boolean open() {
            return untilNanos == Long.MAX_VALUE;
        }
    }

    /**
     * Told when the current holder of an address changes (a holder claims it, lets go of it,
     * or its identity changes), after the index has changed. Called on the writer's thread:
     * it must return at once.
     */
    @FunctionalInterface
    public interface Changes {
        Changes NONE = (ip, holder) -> { };

        /** @param holder the address's holder now, or null when nobody holds it */
        void changed(IpKey ip, AddressHolder holder);
    }

    /** Counters of what the bounds cost. */
    public record Stats(long addresses, long refused, long tenuresDropped, long conflicts, long pruned) {
    }

    private final ConcurrentHashMap<IpKey, Tenure[]> histories = new ConcurrentHashMap<>();
    private final int maxAddresses;
    private final int maxTenures;
    private final long graceNanos;
    private final long leadNanos;
    private final long skewNanos;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong tenuresDropped = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong pruned = new AtomicLong();
    private volatile Changes changes = Changes.NONE;

    public IdentityIndex() {
        this(DEFAULT_MAX_ADDRESSES, DEFAULT_MAX_TENURES, DEFAULT_GRACE, DEFAULT_LEAD, DEFAULT_SKEW);
    }

    public IdentityIndex(int maxAddresses, int maxTenures, Duration grace, Duration lead, Duration skew) {
        if (maxAddresses < 1 || maxTenures < 1) {
            throw new IllegalArgumentException("identity bounds must be at least 1, got maxAddresses=" + maxAddresses
                    + " maxTenures=" + maxTenures);
        }
        this.maxAddresses = maxAddresses;
        this.maxTenures = maxTenures;
        this.graceNanos = grace.toNanos();
        this.leadNanos = lead.toNanos();
        this.skewNanos = skew.toNanos();
    }

    /**
     * {@code holder} holds {@code ip} from {@code atNanos} on. A holder still open on the
     * address is ended there: by the same object when its identity changed (labels,
     * services), else by another one (counted as a conflict: an address reused while the
     * old pod's end had not reached us). Claiming again an unchanged identity does nothing.
     */
    public void claim(IpKey ip, AddressHolder holder, long atNanos) {
        AddressHolder before = current(ip);
        histories.compute(ip, (k, h) -> {
            Tenure fresh = new Tenure(holder, atNanos, Long.MAX_VALUE);
            if (h == null) {
                if (histories.size() >= maxAddresses) {
                    refused.incrementAndGet();
                    return null;
                }
                return new Tenure[]{fresh};
            }
            Tenure last = h[h.length - 1];
            if (last.open()) {
                if (last.holder().sameAs(holder)) {
                    return h;
                }
                boolean sameObject = last.holder().uid().equals(holder.uid());
                if (!sameObject) {
                    conflicts.incrementAndGet();
                }
                if (atNanos <= last.fromNanos()) {
                    if (sameObject) {
                        // Changed before anything could have been seen of the old identity.
                        Tenure[] out = h.clone();
                        out[out.length - 1] = new Tenure(holder, last.fromNanos(), Long.MAX_VALUE);
                        return out;
                    }
                    fresh = new Tenure(holder, last.fromNanos() + 1, Long.MAX_VALUE);
                }
                Tenure[] out = Arrays.copyOf(h, h.length + 1);
                out[h.length - 1] = new Tenure(last.holder(), last.fromNanos(), fresh.fromNanos());
                out[h.length] = fresh;
                return trimmed(out);
            }
            Tenure[] out = Arrays.copyOf(h, h.length + 1);
            out[h.length] = new Tenure(holder, Math.max(atNanos, last.untilNanos()), Long.MAX_VALUE);
            return trimmed(out);
        });
        tell(ip, before);
    }

    /** The object {@code uid} let go of {@code ip} at {@code atNanos}; nothing when it no longer held it. */
    public void release(IpKey ip, String uid, long atNanos) {
        AddressHolder before = current(ip);
        histories.computeIfPresent(ip, (k, h) -> {
            Tenure last = h[h.length - 1];
            if (!last.open() || !last.holder().uid().equals(uid)) {
                return h;
            }
            Tenure[] out = h.clone();
            out[out.length - 1] = new Tenure(last.holder(), last.fromNanos(), Math.max(atNanos, last.fromNanos()));
            return out;
        });
        tell(ip, before);
    }

    /** Sends the change of {@code ip}'s current holder, if its workload changed, to the listener. */
    private void tell(IpKey ip, AddressHolder before) {
        AddressHolder after = current(ip);
        boolean same = before == null ? after == null
                : after != null && before.workload().equals(after.workload());
        if (!same) {
            changes.changed(ip, after);
        }
    }

    /**
     * Who is told when an address's current holder changes (one listener; the identity
     * stream to the agents). Only the writer's thread calls it.
     */
    public void listen(Changes listener) {
        this.changes = listener == null ? Changes.NONE : listener;
    }

    /**
     * Every address held now, with its holder, walked lazily: weakly consistent (a change made
     * during the walk may or may not be seen), never locks, and may be held across calls, so
     * a snapshot is sent part by part without being copied.
     */
    public Iterator<Map.Entry<IpKey, AddressHolder>> currentHolders() {
        Iterator<Map.Entry<IpKey, Tenure[]>> all = histories.entrySet().iterator();
        return new Iterator<>() {
            private Map.Entry<IpKey, AddressHolder> next = advance();

            private Map.Entry<IpKey, AddressHolder> advance() {
                while (all.hasNext()) {
                    Map.Entry<IpKey, Tenure[]> e = all.next();
                    Tenure last = e.getValue()[e.getValue().length - 1];
                    if (last.open()) {
                        return Map.entry(e.getKey(), last.holder());
                    }
                }
                return null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Map.Entry<IpKey, AddressHolder> next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                Map.Entry<IpKey, AddressHolder> out = next;
                next = advance();
                return out;
            }
        };
    }

    /**
     * Who held {@code ip} for a flow that started at {@code atNanos}, or null when nobody
     * did (as far as the history goes). A flow that started shortly before we learnt of a
     * holder is the holder's, unless the previous holder still held the address then; a
     * flow that started after a holder let go (beyond clock skew) is nobody's until the next
     * holder.
     */
    public AddressHolder at(IpKey ip, long atNanos) {
        Tenure[] h = ip == null ? null : histories.get(ip);
        if (h == null) {
            return null;
        }
        // The latest tenure that began at or before the flow: it held the address then, or
        // it had let go and the flow falls in the gap before the next one.
        int i = h.length - 1;
        while (i >= 0 && atNanos < h[i].fromNanos()) {
            i--;
        }
        if (i >= 0 && (h[i].open() || atNanos < h[i].untilNanos())) {
            return h[i].holder();
        }
        if (i + 1 < h.length && withinLead(h[i + 1], atNanos)) {
            // Nobody held it then, and the next holder claimed it shortly after: a flow of its
            // own start, seen before the kubelet reported the address.
            return h[i + 1].holder();
        }
        return i >= 0 && atNanos - h[i].untilNanos() < skewNanos ? h[i].holder() : null;
    }

    /** The flow started within the lead before {@code t}'s claim. */
    private boolean withinLead(Tenure t, long atNanos) {
        return t.fromNanos() >= Long.MIN_VALUE + leadNanos && atNanos >= t.fromNanos() - leadNanos;
    }

    /** Whether the index has any history for {@code ip} (a holder now or within the grace period). */
    public boolean knows(IpKey ip) {
        return histories.containsKey(ip);
    }

    /** The current holder of {@code ip}, or null. */
    public AddressHolder current(IpKey ip) {
        Tenure[] h = histories.get(ip);
        if (h == null) {
            return null;
        }
        Tenure last = h[h.length - 1];
        return last.open() ? last.holder() : null;
    }

    /** The tenures of one address, oldest first (for tests and diagnostics). */
    public Tenure[] history(IpKey ip) {
        Tenure[] h = histories.get(ip);
        return h == null ? new Tenure[0] : h.clone();
    }

    /** Drops tenures past their grace period, and addresses left with none. */
    public void prune(long nowNanos) {
        for (IpKey ip : histories.keySet()) {
            histories.computeIfPresent(ip, (k, h) -> {
                int keepFrom = 0;
                for (int i = 0; i < h.length; i++) {
                    Tenure t = h[i];
                    if (t.open()) {
                        break;
                    }
                    long ended = i + 1 < h.length ? Math.max(t.untilNanos(), h[i + 1].fromNanos()) : t.untilNanos();
                    if (nowNanos - ended < graceNanos) {
                        break;
                    }
                    keepFrom = i + 1;
                }
                if (keepFrom == 0) {
                    return h;
                }
                pruned.addAndGet(keepFrom);
                return keepFrom == h.length ? null : Arrays.copyOfRange(h, keepFrom, h.length);
            });
        }
    }

    public Stats stats() {
        return new Stats(histories.size(), refused.get(), tenuresDropped.get(), conflicts.get(), pruned.get());
    }

    private Tenure[] trimmed(Tenure[] h) {
        if (h.length <= maxTenures) {
            return h;
        }
        tenuresDropped.addAndGet(h.length - maxTenures);
        return Arrays.copyOfRange(h, h.length - maxTenures, h.length);
    }
}
