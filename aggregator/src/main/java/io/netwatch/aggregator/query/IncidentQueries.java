package io.netwatch.aggregator.query;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.netwatch.aggregator.incident.Incident;
import io.netwatch.aggregator.incident.IncidentListener;
import io.netwatch.aggregator.incident.IncidentProtos;
import io.netwatch.aggregator.incident.IncidentTracker;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.incident.v1.IncidentState;
import io.netwatch.proto.query.v1.GetIncidentsRequest;
import io.netwatch.proto.query.v1.GetIncidentsResponse;
import io.netwatch.proto.query.v1.IncidentChange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code GetIncidents}: the incidents kept, most severe first (then most recently updated);
 * with {@code follow}, then each change as the tracker makes it. A call reads on its own
 * virtual thread and writes only while the client is ready; a follower's changes wait in a
 * bounded queue, and the ones it had no room for are reported as {@code lost_before}.
 */
public final class IncidentQueries {
    /** Changes waiting for one slow follower. */
    static final int FOLLOW_QUEUE = 1024;
    private static final long POLL_MILLIS = 500;

    private final IncidentTracker tracker;

    public IncidentQueries(IncidentTracker tracker) {
        this.tracker = tracker;
    }

    /** @param followers where a follow call's reader is counted, to be ended when the aggregator stops */
    void getIncidents(GetIncidentsRequest request, ServerCallStreamObserver<GetIncidentsResponse> out,
                      Followers followers) {
        Predicate<Incident> matcher;
        try {
            matcher = matcher(request);
        } catch (IllegalArgumentException e) {
            out.onError(CallError.of(Status.INVALID_ARGUMENT, e.getMessage()));
            return;
        }
        ReadyGate gate = new ReadyGate(out);
        Follower follower = request.getFollow() ? new Follower(matcher) : null;
        // uint64 on the wire: past 2^63 (a Go client's MaxUint64 for "no limit") it is negative here.
        long limit = request.getLimit() <= 0 ? Long.MAX_VALUE : request.getLimit();
        Thread.ofVirtual().name("netwatch-query-incidents").start(() -> {
            long sent = 0;
            AutoCloseable subscription = () -> { };
            try {
                if (follower != null && !followers.enter()) {
                    out.onError(Followers.stopped());
                    return;
                }
                List<Incident> now;
                if (follower == null) {
                    now = tracker.incidents();
                } else {
                    // Taken here, not in the service method: it waits for the tracker's worker.
                    IncidentTracker.Followed followed = tracker.follow(follower);
                    subscription = followed.subscription();
                    now = followed.incidents();
                }
                List<Incident> stored = new ArrayList<>(now.stream().filter(matcher).toList());
                stored.sort(Comparator.comparing((Incident i) -> i.severity().getNumber()).reversed()
                        .thenComparing(Comparator.comparingLong(Incident::updatedMillis).reversed()));
                for (Incident i : stored) {
                    if (sent >= limit || !gate.await()) {
                        break;
                    }
                    out.onNext(response(i, IncidentChange.INCIDENT_CHANGE_CURRENT, 0));
                    sent++;
                }
                while (follower != null && sent < limit && !out.isCancelled()) {
                    if (followers.stopping()) {
                        out.onError(Followers.stopped());
                        return;
                    }
                    Change c = follower.changes.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                    if (c == null) {
                        continue;
                    }
                    if (!gate.await()) {
                        break;
                    }
                    out.onNext(response(c.incident(), c.change(), c.lostBefore()));
                    sent++;
                }
                if (!out.isCancelled()) {
                    out.onCompleted();
                }
            } catch (InterruptedException e) {
                // Only a stopping aggregator interrupts a reader (Followers.stop).
                if (!out.isCancelled()) {
                    out.onError(Followers.stopped());
                }
            } catch (RuntimeException e) {
                if (!out.isCancelled()) {
                    out.onError(CallError.internal("GetIncidents", e));
                }
            } finally {
                if (follower != null) {
                    followers.leave();
                }
                try {
                    subscription.close();
                } catch (Exception ignored) {
                    // Removing a listener from a list does not fail.
                }
            }
        });
    }

    private static GetIncidentsResponse response(Incident i, IncidentChange change, long lost) {
        return GetIncidentsResponse.newBuilder().setIncident(IncidentProtos.toProto(i)).setChange(change)
                .setLostBefore(lost).build();
    }

    static Predicate<Incident> matcher(GetIncidentsRequest r) {
        Set<IncidentState> states = EnumSet.noneOf(IncidentState.class);
        for (IncidentState s : r.getStateList()) {
            if (s == IncidentState.UNRECOGNIZED || s == IncidentState.INCIDENT_STATE_UNKNOWN) {
                throw new IllegalArgumentException("state must be INCIDENT_STATE_OPEN or INCIDENT_STATE_RESOLVED");
            }
            states.add(s);
        }
        if (r.getMinSeverity() == Severity.UNRECOGNIZED) {
            throw new IllegalArgumentException("min_severity " + r.getMinSeverityValue()
                    + " is not a severity (1 info .. 5 critical)");
        }
        int min = r.getMinSeverityValue();
        long since = r.hasSince() ? QueryTime.nanos(r.getSince(), "since") / 1_000_000 : Long.MIN_VALUE;
        return i -> (states.isEmpty() || states.contains(i.open() ? IncidentState.INCIDENT_STATE_OPEN
                : IncidentState.INCIDENT_STATE_RESOLVED))
                && i.severity().getNumber() >= min && i.updatedMillis() >= since;
    }

    /** A change for one follower, with how many it had no room for just before this one. */
    private record Change(IncidentChange change, Incident incident, long lostBefore) {
    }

    /**
     * One follower's changes, bounded; those that do not fit are counted on the next one that
     * does, the first after the gap (found in review: they were counted on whichever change was
     * sent next, one from before the gap).
     */
    private static final class Follower implements IncidentListener {
        final BlockingQueue<Change> changes = new ArrayBlockingQueue<>(FOLLOW_QUEUE);
        private final Predicate<Incident> matcher;
        /** Changes with no room since the last one queued; the tracker's worker alone uses it. */
        private long lost;

        Follower(Predicate<Incident> matcher) {
            this.matcher = matcher;
        }

        private void offer(IncidentChange kind, Incident i) {
            if (!matcher.test(i)) {
                return;
            }
            if (changes.offer(new Change(kind, i, lost))) {
                lost = 0;
            } else {
                lost++;
            }
        }

        @Override
        public void opened(Incident i) {
            offer(IncidentChange.INCIDENT_CHANGE_OPENED, i);
        }

        @Override
        public void updated(Incident i) {
            offer(IncidentChange.INCIDENT_CHANGE_UPDATED, i);
        }

        @Override
        public void resolved(Incident i) {
            offer(IncidentChange.INCIDENT_CHANGE_RESOLVED, i);
        }
    }
}
