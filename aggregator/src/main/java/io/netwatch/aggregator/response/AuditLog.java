package io.netwatch.aggregator.response;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** The last decisions, bounded: past the bound the oldest record goes, counted. Thread-safe. */
public final class AuditLog {
    private final int capacity;
    private final ArrayDeque<AuditRecord> records = new ArrayDeque<>();
    private long dropped;

    public AuditLog(int capacity) {
        this.capacity = capacity;
    }

    public synchronized void add(AuditRecord r) {
        if (records.size() == capacity) {
            records.removeFirst();
            dropped++;
        }
        records.addLast(r);
    }

    /** The most recent {@code limit} records (0: all), oldest first. */
    public synchronized List<AuditRecord> last(int limit) {
        List<AuditRecord> all = new ArrayList<>(records);
        return limit <= 0 || limit >= all.size() ? all : all.subList(all.size() - limit, all.size());
    }

    /** Records dropped because the log was full. */
    public synchronized long dropped() {
        return dropped;
    }
}
