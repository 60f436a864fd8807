package io.netwatch.agent.export;

import io.netwatch.common.tls.CredentialReloader;
import java.util.concurrent.atomic.LongAdder;

/** The agent's rereads of its certificate, key and CA files that failed, counted (read by its metrics). */
public final class TlsRereads implements CredentialReloader.Events {
    private final LongAdder failures = new LongAdder();

    @Override
    public void failed(String why, boolean repeated) {
        failures.increment();
    }

    /** Rereads that found changed files it could not use (the previous ones stayed in force). */
    public long failures() {
        return failures.sum();
    }
}
