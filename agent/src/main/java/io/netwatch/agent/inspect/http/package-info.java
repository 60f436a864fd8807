/**
 * HTTP/1.x payload inspection: request and response heads (method, URI, host, user agent,
 * version, status, content type and length) from the in-order bytes of one TCP direction.
 *
 * <p>{@link io.netwatch.agent.inspect.http.HttpParser} holds the pure functions: bytes in, a
 * sealed {@link io.netwatch.agent.inspect.http.HttpResult} out, never an exception for hostile
 * bytes. {@link io.netwatch.agent.inspect.http.HttpStream} is the per-direction state that
 * finds where each head starts (pipelining, bodies by length or chunks, gaps), and
 * {@link io.netwatch.agent.inspect.http.HttpTransaction} pairs the two directions of a
 * connection. Nothing here reassembles TCP, logs, locks or keeps static mutable state; every
 * loop over packet bytes is bounded by a named {@code MAX_...} limit.
 */
package io.netwatch.agent.inspect.http;
