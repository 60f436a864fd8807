package io.netwatch.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/**
 * Notices, while a follower waits for the aggregator, that the reader of standard output
 * left ({@code netwatch anomalies -f | head -1} after head exited): a write finds that out
 * only when something arrives to write, hours later in a quiet cluster, and the follower holds
 * its stream to the aggregator all that time. As GNU {@code tail -f}, it asks poll(2) about
 * file descriptor 1 with no events: POLLERR (a pipe whose read end is closed) and POLLHUP (a
 * terminal or a socket hung up) are reported whatever was asked, and nothing else is, so a
 * terminal, a regular file or {@code /dev/null} never wakes it.
 *
 * <p>One platform thread per watch, asleep in poll: it wakes when the kernel reports the
 * hangup, or once a {@link #TICK_MILLIS tick} to see whether the watch was closed. Linux only
 * (poll's constants and {@code nfds_t} as Linux defines them); elsewhere, or without native
 * access, nothing is watched and a follower ends at its next write, as before.
 */
final class StdoutHangup implements AutoCloseable {
    /** Standard output's file descriptor. */
    private static final int STDOUT = 1;
    /** How long one poll sleeps before looking whether the watch was closed, milliseconds. */
    static final int TICK_MILLIS = 1000;
    /** poll(2)'s revents bits (Linux): the reader is gone, the line hung up, the descriptor is not open. */
    private static final short POLLERR = 0x8;
    private static final short POLLHUP = 0x10;
    private static final short POLLNVAL = 0x20;
    /** errno when a signal interrupted the call (Linux). */
    private static final int EINTR = 4;
    /** {@code struct pollfd}. */
    private static final StructLayout POLLFD = MemoryLayout.structLayout(ValueLayout.JAVA_INT.withName("fd"),
            ValueLayout.JAVA_SHORT.withName("events"), ValueLayout.JAVA_SHORT.withName("revents"));
    private static final long REVENTS = POLLFD.byteOffset(MemoryLayout.PathElement.groupElement("revents"));
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** {@code int poll(struct pollfd *fds, nfds_t nfds, int timeout)}, errno captured; null when unavailable. */
    private static final MethodHandle POLL = poll();

    private volatile boolean closed;

    private StdoutHangup() {
    }

    private static MethodHandle poll() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("poll").map(poll -> linker.downcallHandle(poll,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT), Linker.Option.captureCallState("errno"))).orElse(null);
        } catch (RuntimeException e) {
            // Native access denied (--illegal-native-access=deny without --enable-native-access):
            // the follower still ends at its next write.
            return null;
        }
    }

    /** A watch of nothing, for output that is not the process's standard output. */
    static StdoutHangup none() {
        return new StdoutHangup();
    }

    /**
     * Starts watching standard output; {@code onHangup} runs once, on the watch's thread, when
     * its reader is gone. Closing the watch stops it within a tick.
     */
    static StdoutHangup watch(Runnable onHangup) {
        StdoutHangup watch = new StdoutHangup();
        if (POLL != null) {
            Thread.ofPlatform().daemon().name("netwatch-stdout-hangup").start(() -> watch.run(onHangup));
        }
        return watch;
    }

    private void run(Runnable onHangup) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(POLLFD);
            MemorySegment state = arena.allocate(CALL_STATE);
            fds.set(ValueLayout.JAVA_INT, 0, STDOUT); // events stay 0: only what is always reported
            while (!closed) {
                fds.set(ValueLayout.JAVA_SHORT, REVENTS, (short) 0);
                int ready = (int) POLL.invokeExact(state, fds, 1L, TICK_MILLIS);
                if (ready < 0) {
                    if ((int) ERRNO.get(state, 0L) == EINTR) {
                        continue;
                    }
                    return; // EFAULT, EINVAL, ENOMEM: a retry fails alike; stop rather than spin
                }
                if (ready == 0) {
                    continue;
                }
                short revents = fds.get(ValueLayout.JAVA_SHORT, REVENTS);
                if ((revents & POLLNVAL) == 0 && (revents & (POLLERR | POLLHUP)) != 0 && !closed) {
                    onHangup.run();
                }
                return; // hung up, or standard output is not open: nothing more to watch
            }
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            // invokeExact's checked Throwable; nothing else is thrown here. Without the watch
            // the follower still ends at its next write.
        }
    }

    /** Stops watching; the thread ends within {@link #TICK_MILLIS}. */
    @Override
    public void close() {
        closed = true;
    }
}
