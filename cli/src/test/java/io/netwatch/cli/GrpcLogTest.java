package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** gRPC logs through java.util.logging, past the CLI's logger settings: what it says must not reach the user twice. */
class GrpcLogTest {
    @Test
    void anAggregatorNameThatDoesNotResolveIsOneLineNotAStackTrace() {
        // Found trying it: `netwatch agents --aggregator typo:50051` printed gRPC's warning with the
        // UnknownHostException's stack trace before its own one-line error; the agent printed it at
        // every reconnect.
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    records.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger grpc = Logger.getLogger("io.grpc");
        grpc.addHandler(handler);
        try {
            // .invalid never resolves (RFC 6761).
            CliRun r = CliRun.of("agents", "--aggregator", "nohost.invalid:50051", "--timeout", "5");
            assertEquals(1, r.code(), r.stderr());
            assertEquals("netwatch agents: cannot reach the aggregator at nohost.invalid:50051: its host name does not"
                    + " resolve (Unable to resolve host nohost.invalid); check the host in --aggregator",
                    r.stderr().strip());
        } finally {
            grpc.removeHandler(handler);
        }
        assertEquals(List.of(), records.stream().map(r -> r.getLoggerName() + ": " + r.getMessage()).toList());
    }
}
