package io.netwatch.aggregator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StartedPartsTest {
    @Test
    void partsStopLastStartedFirstEachWhateverTheOthersThrew() {
        List<String> stopped = new ArrayList<>();
        StartedParts parts = new StartedParts();
        IllegalStateException first = new IllegalStateException("b");
        IllegalStateException second = new IllegalStateException("a");
        parts.add(() -> {
            stopped.add("a");
            throw second;
        });
        parts.add(() -> stopped.add("b"));
        parts.add(() -> {
            stopped.add("c");
            throw first;
        });
        IllegalStateException thrown = assertThrows(IllegalStateException.class, parts::stopAll);
        assertEquals(List.of("c", "b", "a"), stopped);
        assertSame(first, thrown);
        assertArrayEquals(new Throwable[] {second}, thrown.getSuppressed());
    }

    @Test
    void anInterruptAfterAnotherFailureToStopIsKeptInTheFlag() {
        // Found in review: close() threw the first part's failure with the later interrupt only
        // suppressed in it, and the thread's flag clear: the caller never learnt it was interrupted.
        StartedParts parts = new StartedParts();
        parts.add(() -> {
            throw new InterruptedException();
        });
        IllegalStateException first = new IllegalStateException("the server did not stop");
        parts.add(() -> {
            throw first;
        });
        assertSame(first, assertThrows(IllegalStateException.class, parts::stopAll));
        assertTrue(Thread.interrupted(), "the interrupt is kept");
        assertTrue(first.getSuppressed()[0] instanceof InterruptedException);
    }

    @Test
    void aFailedStartKeepsItsCauseWithTheFailuresToStopSuppressedAndTheInterrupt() throws Exception {
        List<String> stopped = new ArrayList<>();
        StartedParts parts = new StartedParts();
        parts.add(() -> stopped.add("a"));
        parts.add(() -> {
            stopped.add("b");
            throw new InterruptedException();
        });
        IOException cause = new IOException("port in use");
        parts.stopAfter(cause);
        assertTrue(Thread.interrupted(), "the interrupt is kept");
        assertEquals(List.of("b", "a"), stopped, "an interrupt does not cut the stop short");
        assertEquals(1, cause.getSuppressed().length);
        assertTrue(cause.getSuppressed()[0] instanceof InterruptedException);
        parts.stopAll();
        assertEquals(List.of("b", "a"), stopped, "stopped once");
    }
}
