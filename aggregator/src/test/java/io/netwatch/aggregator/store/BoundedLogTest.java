package io.netwatch.aggregator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class BoundedLogTest {
    private static final long HOUR_MILLIS = 3_600_000;

    private static List<String> values(BoundedLog.Read<String> read) {
        return read.entries().stream().map(BoundedLog.Entry::value).toList();
    }

    private static List<Long> indices(BoundedLog.Read<String> read) {
        return read.entries().stream().map(BoundedLog.Entry::index).toList();
    }

    private static BoundedLog<String> logWith(int capacity, int count) {
        BoundedLog<String> log = new BoundedLog<>(capacity, HOUR_MILLIS);
        for (int i = 0; i < count; i++) {
            log.append("v" + i, 1_000 + i);
        }
        return log;
    }

    @Test
    void countBoundEvictsTheOldestAndCountsThem() {
        BoundedLog<String> log = new BoundedLog<>(3, HOUR_MILLIS);
        assertEquals(0, log.append("a", 10));
        assertEquals(1, log.append("b", 11));
        assertEquals(2, log.append("c", 12));
        assertEquals(0, log.evicted());
        assertEquals(3, log.size());

        assertEquals(3, log.append("d", 13));
        assertEquals(4, log.append("e", 14));

        assertEquals(2, log.evicted());
        assertEquals(3, log.size());
        assertEquals(2, log.firstIndex());
        assertEquals(5, log.nextIndex());
        BoundedLog.Read<String> read = log.read(log.firstIndex(), 10);
        assertEquals(List.of("c", "d", "e"), values(read));
        assertEquals(List.of(2L, 3L, 4L), indices(read));
        assertEquals(List.of(12L, 13L, 14L), read.entries().stream().map(BoundedLog.Entry::receivedMillis).toList());
        assertEquals(0, read.missed());
        assertEquals(5, read.nextIndex());
    }

    @Test
    void byteBoundEvictsTheOldestUntilTheNewOneFitsAndCountsThem() {
        BoundedLog<String> log = new BoundedLog<>(100, 10, String::length, HOUR_MILLIS);
        log.append("aaaa", 1);
        log.append("bbb", 2);
        log.append("cc", 3);
        assertEquals(9, log.bytes());
        assertEquals(0, log.evicted());

        log.append("dddddd", 4); // 15 bytes: a and b go
        assertEquals(List.of("cc", "dddddd"), values(log.read(log.firstIndex(), 10)));
        assertEquals(8, log.bytes());
        assertEquals(2, log.evicted());

        // One heavier than the whole bound is kept alone, the newest being the one a reader wants.
        log.append("x".repeat(50), 5);
        assertEquals(List.of("x".repeat(50)), values(log.read(log.firstIndex(), 10)));
        assertEquals(50, log.bytes());
        assertEquals(4, log.evicted());

        log.expire(5 + HOUR_MILLIS + 1);
        assertEquals(0, log.size());
        assertEquals(0, log.bytes(), "what expired weighs nothing");
    }

    @Test
    void capacityOfOneKeepsOnlyTheLatest() {
        BoundedLog<String> log = new BoundedLog<>(1, HOUR_MILLIS);
        log.append("a", 1);
        log.append("b", 2);
        assertEquals(1, log.evicted());
        assertEquals(List.of("b"), values(log.read(0, 10)));
        assertEquals(1, log.read(0, 10).missed());
    }

    @Test
    void ageBoundDropsEntriesOlderThanMaxAgeOnExpire() {
        BoundedLog<String> log = new BoundedLog<>(10, 1_000);
        log.append("a", 1_000);
        log.append("b", 1_500);
        log.append("c", 2_000);

        // Exactly maxAge old is still kept: only entries stored before now - maxAge go.
        log.expire(2_000);
        assertEquals(3, log.size());
        assertEquals(0, log.evicted());

        log.expire(2_001);
        assertEquals(2, log.size());
        assertEquals(1, log.evicted());
        assertEquals(1, log.firstIndex());
        assertEquals(List.of("b", "c"), values(log.read(0, 10)));

        log.expire(3_001);
        assertEquals(0, log.size());
        assertEquals(3, log.evicted());
        assertEquals(3, log.firstIndex());
        assertEquals(3, log.nextIndex());

        // Indexes keep counting after the log emptied; a reader at 0 missed all three.
        assertEquals(3, log.append("d", 3_001));
        BoundedLog.Read<String> read = log.read(0, 10);
        assertEquals(3, read.missed());
        assertEquals(List.of("d"), values(read));
        assertEquals(4, read.nextIndex());
    }

    @Test
    void readFromACursorReturnsEntriesInOrderWithTheNextIndex() {
        BoundedLog<String> log = logWith(10, 6);

        BoundedLog.Read<String> middle = log.read(2, 3);
        assertEquals(List.of("v2", "v3", "v4"), values(middle));
        assertEquals(List.of(2L, 3L, 4L), indices(middle));
        assertEquals(0, middle.missed());
        assertEquals(5, middle.nextIndex());

        BoundedLog.Read<String> tail = log.read(middle.nextIndex(), 3);
        assertEquals(List.of("v5"), values(tail));
        assertEquals(6, tail.nextIndex());

        BoundedLog.Read<String> end = log.read(tail.nextIndex(), 3);
        assertEquals(List.of(), values(end));
        assertEquals(0, end.missed());
        assertEquals(6, end.nextIndex());
    }

    @Test
    void readerBehindEvictionIsToldExactlyHowManyItMissed() {
        BoundedLog<String> log = logWith(4, 3);
        BoundedLog.Read<String> first = log.read(0, 2);
        assertEquals(List.of("v0", "v1"), values(first));
        assertEquals(2, first.nextIndex());

        for (int i = 3; i < 9; i++) {
            log.append("v" + i, 1_000 + i);
        }
        // 9 appended into 4 slots: v0..v4 evicted; the reader had read v0 and v1 only.
        assertEquals(5, log.evicted());

        BoundedLog.Read<String> behind = log.read(first.nextIndex(), 10);
        assertEquals(3, behind.missed());
        assertEquals(List.of("v5", "v6", "v7", "v8"), values(behind));
        assertEquals(List.of(5L, 6L, 7L, 8L), indices(behind));
        assertEquals(9, behind.nextIndex());

        assertEquals(5, log.read(0, 10).missed());
        assertEquals(0, log.read(behind.nextIndex(), 10).missed());
    }

    @Test
    void awaitIndexReturnsWhenAnotherThreadAppends() throws InterruptedException {
        // The clock never moves, so the timeout never passes: returning means the append woke it.
        BoundedLog<String> log = new BoundedLog<>(10, HOUR_MILLIS, () -> 0);
        log.append("v0", 1_000);
        CountDownLatch returned = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().name("await-index-test").start(() -> {
            try {
                log.awaitIndex(2, 100);
                returned.countDown();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        try {
            awaitTimedWaiting(waiter);
            log.append("v1", 2_000);
            // Index 1 exists now, but the waiter asked for index 2: it must keep waiting.
            assertFalse(returned.await(50, TimeUnit.MILLISECONDS), "awaitIndex(2) returned after index 1");

            log.append("v2", 2_001);
            assertTrue(returned.await(5, TimeUnit.SECONDS), "awaitIndex(2) did not return after index 2");
            assertEquals(null, failure.get());
        } finally {
            waiter.interrupt();
            waiter.join(5_000);
        }
    }

    /** The timeout only bounds a hang. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void awaitIndexReturnsAfterItsTimeoutWhenNothingArrives() throws InterruptedException {
        // Each reading of the clock moves it 40 ms on (as a fake ticker's auto-increment), so
        // the wait runs through several readings before the 100 ms timeout has passed.
        AtomicLong clock = new AtomicLong();
        List<Long> readings = new CopyOnWriteArrayList<>();
        BoundedLog<String> log = new BoundedLog<>(10, HOUR_MILLIS, () -> {
            long now = clock.getAndAdd(40);
            readings.add(now);
            return now;
        });
        log.append("v0", 1_000);
        log.awaitIndex(1, 100);
        assertTrue(readings.getLast() >= 100, "returned before its clock passed the timeout: " + readings);
        assertTrue(readings.get(readings.size() - 2) < 100, "waited on after its timeout: " + readings);
        assertEquals(1, log.nextIndex());
    }

    /** The clock never moves: only an entry already there ends the wait. The timeout only bounds a hang. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void awaitIndexForAnExistingEntryReturnsAtOnce() throws InterruptedException {
        BoundedLog<String> log = new BoundedLog<>(10, HOUR_MILLIS, () -> 0);
        log.append("v0", 1_000);
        log.append("v1", 1_001);
        log.append("v2", 1_002);
        log.awaitIndex(2, 100);
        assertEquals(3, log.nextIndex());
    }

    @Test
    void capacityBelowOneIsRejectedWithAClearMessage() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> new BoundedLog<String>(0, HOUR_MILLIS));
        assertEquals("store capacity must be at least 1, got 0", zero.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> new BoundedLog<String>(-5, HOUR_MILLIS));
        assertEquals("store capacity must be at least 1, got -5", negative.getMessage());
    }

    /** Waits (bounded) until the thread is parked in a timed wait, i.e. inside awaitIndex. */
    private static void awaitTimedWaiting(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (t.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, "waiter never started waiting: " + t.getState());
            Thread.sleep(1);
        }
    }
}
