/**
 * TLS payload inspection: finds the handshake messages at the start of one direction of a TCP
 * stream ({@link io.netwatch.agent.inspect.tls.TlsRecordReader}), parses ClientHello and
 * ServerHello / HelloRetryRequest, including the SSLv2 hello formats
 * ({@link io.netwatch.agent.inspect.tls.TlsHelloParser}), names versions
 * ({@link io.netwatch.agent.inspect.tls.TlsVersions}) and fingerprints clients
 * ({@link io.netwatch.agent.inspect.tls.Ja4}, {@link io.netwatch.agent.inspect.tls.Ja3}).
 *
 * <p>Everything here is a pure function of the bytes it is given: no state, no logging, no
 * locking. Hostile bytes never throw; they produce a {@code Malformed} result with a stable
 * snake_case reason, or an anomaly string on a result that is still usable. Every loop over
 * packet bytes is bounded by a named {@code MAX_...} constant. Nothing here decrypts: past the
 * point where a direction switches to encrypted records the reader stops.
 */
package io.netwatch.agent.inspect.tls;
