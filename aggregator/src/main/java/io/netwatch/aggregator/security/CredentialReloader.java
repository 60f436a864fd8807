package io.netwatch.aggregator.security;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.File;
import java.io.IOException;
import java.security.GeneralSecurityException;

/**
 * Rereads the aggregator's certificate, key and client CA when their files change, on the
 * aggregator's own schedule (gRPC's built-in file refresh has a one-minute floor). The
 * certificate and key are taken only once both have changed, as a Secret update swaps them
 * together, so a half-written pair is never served. A reread that fails keeps the previous
 * credentials in force and is counted.
 */
final class CredentialReloader implements Runnable {
    private final ServerTls tls;
    private final AdvancedTlsX509KeyManager keys;
    private final AdvancedTlsX509TrustManager trust;
    private final SecurityCounters counters;
    /** Modification times of what is in force, milliseconds since the epoch. */
    private long certificateTime;
    private long keyTime;
    private long caTime;

    CredentialReloader(ServerTls tls, AdvancedTlsX509KeyManager keys, AdvancedTlsX509TrustManager trust,
                       SecurityCounters counters) {
        this.tls = tls;
        this.keys = keys;
        this.trust = trust;
        this.counters = counters;
    }

    /** The first read: any failure is the caller's, with the file named. */
    void load() {
        File cert = tls.certificate().toFile();
        File key = tls.key().toFile();
        File ca = tls.clientCa().toFile();
        long c = cert.lastModified();
        long k = key.lastModified();
        long a = ca.lastModified();
        try {
            keys.updateIdentityCredentials(cert, key);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use the certificate " + cert + " with key " + key + ": "
                    + e.getMessage(), e);
        }
        try {
            trust.updateTrustCredentials(ca);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use the client CA certificates in " + ca + ": " + e.getMessage(), e);
        }
        certificateTime = c;
        keyTime = k;
        caTime = a;
    }

    @Override
    public void run() {
        File cert = tls.certificate().toFile();
        File key = tls.key().toFile();
        File ca = tls.clientCa().toFile();
        long c = cert.lastModified();
        long k = key.lastModified();
        if (c != certificateTime && k != keyTime) {
            try {
                keys.updateIdentityCredentials(cert, key);
                certificateTime = c;
                keyTime = k;
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                counters.reloadFailed();
            }
        }
        long a = ca.lastModified();
        if (a != caTime) {
            try {
                trust.updateTrustCredentials(ca);
                caTime = a;
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                counters.reloadFailed();
            }
        }
    }
}
