package io.netwatch.agent.identity;

import io.netwatch.agent.flow.IpAddressFormat;
import io.netwatch.proto.flow.v1.Workload;
import io.netwatch.proto.ingest.v1.IdentityEntry;
import io.netwatch.proto.ingest.v1.IdentityUpdate;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Applies the aggregator's identity updates to the {@link IdentityCache}: snapshot parts are
 * staged and replace the copy at once when the last part arrives; incremental updates are
 * upserts and removals. Whatever the aggregator (or something posing as it) sends, nothing
 * throws: an entry with an address that is not an IP literal, or a workload past
 * {@link #MAX_WORKLOAD_BYTES}, is skipped; an update with more than
 * {@link #MAX_ENTRIES_PER_UPDATE} entries is skipped whole; a snapshot whose parts come out of
 * order is dropped and the old copy stays. Each is counted by {@link Problem}.
 *
 * <p>Called from the stream's thread only (gRPC delivers one message at a time).
 */
public final class IdentityUpdates {
    /** Most entries and removals in one update; the aggregator sends at most 1024. */
    public static final int MAX_ENTRIES_PER_UPDATE = 16_384;
    /** Largest workload accepted for one address, serialized bytes (labels included). */
    public static final int MAX_WORKLOAD_BYTES = 16_384;
    /** Longest address text accepted: an IPv6 address with an embedded IPv4 one is 45. */
    static final int MAX_ADDRESS_CHARS = 45;

    /** What was wrong with an update or an entry; each has its counter. */
    public enum Problem {
        /** An entry or removal whose address is not an IPv4 or IPv6 literal. */
        BAD_ADDRESS("bad_address"),
        /** An entry without a workload, or with one larger than {@link #MAX_WORKLOAD_BYTES}. */
        BAD_WORKLOAD("bad_workload"),
        /** An update with more than {@link #MAX_ENTRIES_PER_UPDATE} entries and removals. */
        OVERSIZED_UPDATE("oversized_update"),
        /** A snapshot part that does not follow the previous one, or a snapshot cut short by a new one. */
        SNAPSHOT_OUT_OF_ORDER("snapshot_out_of_order");

        private final String label;

        Problem(String label) {
            this.label = label;
        }

        /** The metric tag value. */
        public String label() {
            return label;
        }
    }

    private final IdentityCache cache;
    private final AtomicLongArray problems = new AtomicLongArray(Problem.values().length);
    private volatile long snapshots;
    private volatile long deltas;
    private volatile long upserts;
    private volatile long removals;

    /** The snapshot being received, or null. */
    private Map<String, Workload> staging;
    private long stagingId;
    private int nextPart;
    private long stagingLeftOut;

    public IdentityUpdates(IdentityCache cache) {
        this.cache = cache;
    }

    public IdentityCache cache() {
        return cache;
    }

    /** Addresses staged for the snapshot being received (0 when none is): never past the copy's bound. */
    int staged() {
        Map<String, Workload> s = staging;
        return s == null ? 0 : s.size();
    }

    public void apply(IdentityUpdate u) {
        if ((long) u.getEntriesCount() + u.getRemovedIpsCount() > MAX_ENTRIES_PER_UPDATE) {
            count(Problem.OVERSIZED_UPDATE);
            if (u.getFullSnapshot()) {
                staging = null;
            }
            return;
        }
        if (u.getFullSnapshot()) {
            applySnapshotPart(u);
        } else {
            applyDelta(u);
        }
    }

    private void applySnapshotPart(IdentityUpdate u) {
        if (u.getPart() == 0) {
            if (staging != null) {
                count(Problem.SNAPSHOT_OUT_OF_ORDER);
            }
            staging = new HashMap<>();
            stagingId = u.getSnapshotId();
            nextPart = 0;
            stagingLeftOut = 0;
        } else if (staging == null || u.getSnapshotId() != stagingId || u.getPart() != nextPart) {
            count(Problem.SNAPSHOT_OUT_OF_ORDER);
            staging = null;
            return;
        }
        nextPart++;
        for (IdentityEntry e : u.getEntriesList()) {
            String ip = validEntry(e);
            if (ip != null) {
                stage(ip, e.getWorkload());
            }
        }
        if (u.getLastPart()) {
            cache.replace(staging, stagingLeftOut);
            staging = null;
            snapshots++;
        }
    }

    /** Adds one address to the snapshot being received, within the copy's bound (past it, counted). */
    private void stage(String ip, Workload w) {
        if (staging.size() < cache.maxEntries() || staging.containsKey(ip)) {
            staging.put(ip, w);
        } else {
            stagingLeftOut++;
        }
    }

    private void applyDelta(IdentityUpdate u) {
        for (IdentityEntry e : u.getEntriesList()) {
            String ip = validEntry(e);
            if (ip != null) {
                cache.upsert(ip, e.getWorkload());
                if (staging != null) {
                    // Held to the bound like the parts: changes never come between parts from
                    // the aggregator, and must not grow the staging from anyone else.
                    stage(ip, e.getWorkload());
                }
                upserts++;
            }
        }
        for (String text : u.getRemovedIpsList()) {
            String ip = canonical(text);
            if (ip == null) {
                count(Problem.BAD_ADDRESS);
                continue;
            }
            cache.remove(ip);
            if (staging != null) {
                staging.remove(ip);
            }
            removals++;
        }
        deltas++;
    }

    /** The entry's address in the agent's text form, or null (counted) when the entry is unusable. */
    private String validEntry(IdentityEntry e) {
        String ip = canonical(e.getIp());
        if (ip == null) {
            count(Problem.BAD_ADDRESS);
            return null;
        }
        if (!e.hasWorkload() || e.getWorkload().getSerializedSize() > MAX_WORKLOAD_BYTES
                || e.getWorkload().equals(Workload.getDefaultInstance())) {
            count(Problem.BAD_WORKLOAD);
            return null;
        }
        return ip;
    }

    /**
     * An address literal in the form the agent writes flows with ({@link IpAddressFormat}), or
     * null when the text is not one. Never resolves a name; refuses zone ids and brackets, and
     * IPv4 written with fewer than four parts.
     */
    static String canonical(String text) {
        if (text.isEmpty() || text.length() > MAX_ADDRESS_CHARS || text.indexOf('%') >= 0 || text.indexOf('[') >= 0) {
            return null;
        }
        if (text.indexOf(':') < 0 && text.chars().filter(c -> c == '.').count() != 3) {
            return null;
        }
        InetAddress a;
        try {
            a = InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException ex) {
            return null;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            long v4 = ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
            return IpAddressFormat.format(4, 0, v4);
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (b[i] & 0xffL);
            lo = (lo << 8) | (b[i + 8] & 0xffL);
        }
        return IpAddressFormat.format(6, hi, lo);
    }

    private void count(Problem p) {
        problems.incrementAndGet(p.ordinal());
    }

    /** Updates or entries skipped for {@code p}. */
    public long problems(Problem p) {
        return problems.get(p.ordinal());
    }

    /** Full snapshots applied. */
    public long snapshots() {
        return snapshots;
    }

    /** Incremental updates applied. */
    public long deltas() {
        return deltas;
    }

    /** Addresses upserted and removed by incremental updates. */
    public long upserts() {
        return upserts;
    }

    public long removals() {
        return removals;
    }
}
