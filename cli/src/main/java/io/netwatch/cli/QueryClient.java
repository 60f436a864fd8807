package io.netwatch.cli;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netwatch.agent.export.TlsFailure;
import io.netwatch.aggregator.query.PolicyQueries;
import io.netwatch.aggregator.query.QueryService;
import io.netwatch.common.TextFiles;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options and channel shared by the commands that query an aggregator. */
final class QueryClient {
    /** Environment variable naming the token file, for scripts that should not repeat it. */
    static final String TOKEN_FILE_ENV = "NETWATCH_TOKEN_FILE";
    /** Largest token file read: a token is a line of text. */
    private static final long MAX_TOKEN_FILE_BYTES = 64 * 1024;
    /** HTTP's Authorization header as gRPC metadata. */
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Option(names = "--aggregator", defaultValue = "localhost:" + NetwatchMain.DEFAULT_PORT,
            description = "Aggregator HOST:PORT (default: ${DEFAULT-VALUE}).")
    String aggregator;

    @Option(names = "--timeout", defaultValue = "10", converter = AtLeastOne.Int.class,
            description = "Deadline of a non-follow query, seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    /** gRPC's floor for a client's keepalive: it raises anything shorter to this. */
    static final int MIN_KEEPALIVE_SECONDS = 10;
    /** How long a keepalive ping may go unanswered before the connection is given up, seconds. */
    static final int KEEPALIVE_TIMEOUT_SECONDS = 5;

    @Option(names = "--keepalive", defaultValue = "20", paramLabel = "SECONDS",
            description = "While a call is open, ping the aggregator after this many seconds without a frame from it,"
                    + " and give the connection up when " + KEEPALIVE_TIMEOUT_SECONDS + " s pass without an answer,"
                    + " so that a call, a followed stream above all, ends with an error on a network that died"
                    + " without closing (default:"
                    + " ${DEFAULT-VALUE}, at least " + MIN_KEEPALIVE_SECONDS + ").")
    int keepaliveSeconds;

    @Mixin
    ClientTlsOptions tls = new ClientTlsOptions();

    /**
     * The command's option for each request field the aggregator may name when it refuses a
     * value ("source_ip: ..." is "--from-ip: ..." to the user who typed it).
     */
    private Map<String, String> optionsByField = Map.of();
    /** The plaintext warning was given: a command that makes several calls says it once. */
    private boolean warnedPlaintext;

    @Option(names = "--token-file", defaultValue = "${env:" + TOKEN_FILE_ENV + "}",
            description = "File holding the aggregator's query bearer token (default: $" + TOKEN_FILE_ENV + ");"
                    + " turns on TLS (the JDK's trusted CAs unless --tls-ca).")
    Path tokenFile;

    /**
     * Plaintext unless a TLS option or a token is given: a token is only ever sent over TLS.
     * The files are checked first, each problem named with its option.
     */
    private ManagedChannel channel() {
        String target;
        try {
            target = HostPort.target(aggregator);
        } catch (IllegalArgumentException e) {
            throw new NetwatchMain.UserError("--aggregator: " + e.getMessage());
        }
        if (keepaliveSeconds < MIN_KEEPALIVE_SECONDS) {
            throw new NetwatchMain.UserError("--keepalive: " + keepaliveSeconds + " s is shorter than gRPC allows; give "
                    + MIN_KEEPALIVE_SECONDS + " or more");
        }
        String token = token();
        if (!tls.any() && token == null) {
            if (!warnedPlaintext && HostPort.elsewhere(aggregator)) {
                // Not silent: every flow it answers crosses the network in the clear, and whoever
                // answers there is taken for the aggregator (a blocks remove included).
                warnedPlaintext = true;
                System.err.println("netwatch: plaintext to the aggregator at " + aggregator + ", another machine:"
                        + " what it answers crosses the network unencrypted, and nothing proves who answers; an"
                        + " aggregator with TLS takes --tls-ca with --tls-cert and --tls-key or --token-file"
                        + " (docs/security.md)");
            }
            return keepalive(NettyChannelBuilder.forTarget(target).usePlaintext()).build();
        }
        // A query command is short-lived: its files are read once.
        NettyChannelBuilder b = keepalive(tls.tls(false, Duration.ZERO).channelBuilder(target, null));
        if (token != null) {
            Metadata headers = new Metadata();
            headers.put(AUTHORIZATION, "Bearer " + token);
            b.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        return b.build();
    }

    /**
     * Pings while a call is open (the aggregator permits one every 10 s): a follower whose network
     * died without a reset or a FIN would otherwise wait forever, and a load balancer or a
     * port-forward may drop a stream that is idle for minutes.
     */
    private NettyChannelBuilder keepalive(NettyChannelBuilder b) {
        return b.keepAliveTime(keepaliveSeconds, TimeUnit.SECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Says which option set each request field, for the aggregator's refusals. */
    void options(Map<String, String> byField) {
        optionsByField = Map.copyOf(byField);
    }

    /**
     * One unary query with the {@code --timeout} deadline, on a channel of its own that is
     * closed before this returns; a failed call becomes a {@link NetwatchMain.UserError}. A query
     * of several calls (netwatch agents' pages) makes them all on that channel, within that one
     * deadline.
     */
    <R> R call(Function<QueryGrpc.QueryBlockingStub, R> query) throws InterruptedException {
        ManagedChannel channel = channel();
        try {
            return query.apply(QueryGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS));
        } catch (StatusRuntimeException e) {
            throw explain(e);
        } finally {
            close(channel);
        }
    }

    /**
     * One server-streaming query, each response handed to {@code each} as it arrives; with
     * {@code follow} the stream has no deadline (it ends when the user stops it, or when the
     * reader of {@code output} leaves), else {@code --timeout}. A failed call becomes a
     * {@link NetwatchMain.UserError}; a reader that left, an {@link UncheckedIOException} as a
     * failed write is, for {@link QueryOutput#failed}.
     *
     * @return how many responses arrived
     */
    <R> long stream(boolean follow, QueryOutput output, Function<QueryGrpc.QueryBlockingStub, Iterator<R>> query,
                    Consumer<R> each) throws InterruptedException {
        ManagedChannel channel = channel();
        long count = 0;
        // Found in review: `anomalies -f | head -1` held its stream until the next anomaly, whose
        // write was the first to find head gone. The call runs in a context of its own, which the
        // watch of standard output cancels when the reader leaves between writes.
        Context.CancellableContext call = Context.current().withCancellation();
        IOException readerGone = new IOException("its reader hung up");
        Context previous = call.attach();
        // Whether the call reached the aggregator: its stream was opened on a connection that was
        // up (and past the TLS handshake). A quiet follow has no answer to tell it by.
        AtomicBoolean reached = new AtomicBoolean();
        try (StdoutHangup hangup = follow ? output.watchReader(() -> call.cancel(readerGone)) : StdoutHangup.none()) {
            var stub = QueryGrpc.newBlockingStub(channel).withInterceptors(reachedBy(reached));
            if (!follow) {
                stub = stub.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
            }
            Iterator<R> it = query.apply(stub);
            while (it.hasNext()) {
                R r = it.next();
                count++;
                each.accept(r);
            }
        } catch (StatusRuntimeException e) {
            if (call.cancellationCause() == readerGone) {
                throw new UncheckedIOException(readerGone);
            }
            if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && count > 0) {
                // Found in review: after a screenful of flows it said the aggregator "did not answer".
                throw new NetwatchMain.Failed("the aggregator at " + aggregator + " had sent "
                        + TextFormat.count(count, "answer") + " when --timeout (" + timeoutSeconds + " s) ran out: raise --timeout, or ask for"
                        + " less (--limit, --since, a filter)");
            }
            String why = e.getStatus().getDescription() == null ? e.getStatus().getCode().toString()
                    : e.getStatus().getDescription();
            Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.UNAVAILABLE && QueryService.STOPPING.equals(e.getStatus().getDescription())) {
                // A stopping aggregator ends the follow calls open on it so (a restart, a rollout).
                throw new NetwatchMain.Failed("the aggregator at " + aggregator + " is stopping: it ended the call"
                        + " after " + TextFormat.count(count, "answer"));
            }
            if ((code == Status.Code.UNAVAILABLE || code == Status.Code.CANCELLED) && tlsFailure(e) == null
                    && (count > 0 || reached.get() || why.startsWith("Keepalive failed"))) {
                // It was reached: the connection went away under the call (a crash, or a
                // network that stopped answering the keepalive pings), answered or not yet. An
                // aggregator stopping past its grace period cancels the calls still open: found
                // following a quiet stream, which said "query failed: Status{code=CANCELLED, ...}"
                // (with TLS, "cannot reach the aggregator ... is it running?").
                throw new NetwatchMain.Failed("lost the aggregator at " + aggregator + " after "
                        + TextFormat.count(count, "answer") + ": " + (code == Status.Code.CANCELLED
                        ? "it ended the call, as a stopping or restarting aggregator does (" + why + ")" : why));
            }
            throw explain(e);
        } finally {
            call.detach(previous);
            call.cancel(null);
            close(channel);
        }
        return count;
    }

    /** Sets {@code reached} when a call's stream is opened on a connection that is up. */
    private static ClientInterceptor reachedBy(AtomicBoolean reached) {
        ClientStreamTracer.Factory tracers = new ClientStreamTracer.Factory() {
            @Override
            public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
                return new ClientStreamTracer() {
                    @Override
                    public void streamCreated(Attributes transportAttrs, Metadata headers) {
                        reached.set(true);
                    }
                };
            }
        };
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return next.newCall(method, options.withStreamTracerFactory(tracers));
            }
        };
    }

    private String token() {
        if (tokenFile == null || tokenFile.toString().isBlank()) {
            return null;
        }
        String token;
        try {
            TextFiles.requireSmall(tokenFile, MAX_TOKEN_FILE_BYTES);
            token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
        } catch (TextFiles.NotSmallFile e) {
            throw new IllegalArgumentException("--token-file: " + e.getMessage() + "; a token file is expected"
                    + " (netwatch certs makes one)");
        } catch (IOException e) {
            throw new IllegalArgumentException("--token-file: cannot read " + tokenFile + ": "
                    + TextFiles.whyUnreadable(e));
        }
        if (!TextFiles.isToken(token)) {
            throw new IllegalArgumentException("--token-file: " + tokenFile + " must hold one token of printable ASCII"
                    + " without spaces");
        }
        return token;
    }

    private static void close(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** How a query command's failed TLS handshake names the options to fix. */
    private static final TlsFailure.Settings OPTIONS = new TlsFailure.Settings("--tls-ca", "--tls-server-name",
            "--tls-cert, --tls-key");

    /** What a failed TLS handshake means for the user, with the option to fix; null if none failed. */
    private String tlsFailure(StatusRuntimeException e) {
        TlsFailure f = TlsFailure.of(e);
        return f == null ? null : f.explain(aggregator, OPTIONS);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        // Bounded: a cause chain that loops would otherwise never end.
        Throwable t = e.getCause();
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** The aggregator's "field: why" with the option that set the field in its place. */
    private String withOptions(String description) {
        int colon = description.indexOf(": ");
        String option = colon < 0 ? null : optionsByField.get(description.substring(0, colon));
        return option == null ? description : option + description.substring(colon);
    }

    /** Turns an RPC failure into a message a user can act on. */
    private RuntimeException explain(StatusRuntimeException e) {
        String failure = tlsFailure(e);
        if (failure != null) {
            return new NetwatchMain.UserError("TLS with the aggregator at " + aggregator + " failed: " + failure);
        }
        if (e.getStatus().getCode() == Status.Code.UNAVAILABLE && causedBy(e, java.net.UnknownHostException.class)) {
            // Nothing was reached: asking whether the aggregator runs, or runs with TLS, sends the user the wrong way.
            return new NetwatchMain.Failed("cannot reach the aggregator at " + aggregator + ": its host name does not"
                    + " resolve (" + e.getStatus().getDescription() + "); check the host in --aggregator");
        }
        return switch (e.getStatus().getCode()) {
            case UNAVAILABLE -> new NetwatchMain.Failed("cannot reach the aggregator at " + aggregator
                    + " (is `netwatch aggregator` or `netwatch demo --serve` running?"
                    + (tls.any() ? "" : " If it runs with TLS, this plaintext client is cut off: give --tls-ca and"
                    + " --tls-cert/--tls-key or --token-file, see docs/security.md")
                    + "): " + e.getStatus().getDescription());
            // The aggregator's own bound on a policy query says so: raising --timeout would not help.
            case DEADLINE_EXCEEDED -> String.valueOf(e.getStatus().getDescription()).startsWith(PolicyQueries.RAN_PAST)
                    ? new NetwatchMain.Failed("the aggregator at " + aggregator + " stopped the query: "
                            + e.getStatus().getDescription())
                    : new NetwatchMain.Failed("the aggregator at " + aggregator
                            + " did not answer within " + timeoutSeconds + " s (--timeout)");
            case INVALID_ARGUMENT, FAILED_PRECONDITION -> new NetwatchMain.UserError(withOptions(
                    String.valueOf(e.getStatus().getDescription())));
            case UNAUTHENTICATED, PERMISSION_DENIED -> new NetwatchMain.UserError("the aggregator at " + aggregator
                    + " refused the query: " + e.getStatus().getDescription());
            default -> new NetwatchMain.Failed("query failed: " + e.getStatus());
        };
    }
}
