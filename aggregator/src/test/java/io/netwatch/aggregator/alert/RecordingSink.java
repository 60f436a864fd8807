package io.netwatch.aggregator.alert;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** A sink that keeps what it is given; optionally blocks every send until released (a dead receiver). */
final class RecordingSink implements AlertSink {
    final List<Notification> got = new CopyOnWriteArrayList<>();
    final CountDownLatch release;

    RecordingSink() {
        this(false);
    }

    RecordingSink(boolean stuck) {
        this.release = new CountDownLatch(stuck ? 1 : 0);
    }

    @Override
    public String type() {
        return "recording";
    }

    @Override
    public Delivery send(Notification n, Duration timeout) throws InterruptedException {
        got.add(n);
        release.await();
        return Delivery.SENT;
    }
}
