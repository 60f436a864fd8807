package io.netwatch.common.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The scrape endpoint: {@code /metrics} in the Prometheus text format, {@code /healthz}
 * (the process is alive) and {@code /readyz} (the agent is capturing). One Netty event-loop
 * thread; never touches the capture thread.
 *
 * <p>Anyone who can reach the port is a client, so no client may hold a connection without
 * doing an exchange: each request must arrive whole, and each response be taken, within
 * {@link #EXCHANGE_TIMEOUT} (a client that connects and never sends, or sends its head a
 * byte at a time, is cut off), and a kept-alive connection is closed when no next request
 * arrives within it. At most {@link #MAX_CONNECTIONS} are open at once, and
 * {@link #MAX_CONNECTIONS_PER_SOURCE} from one address.
 */
public final class MetricsServer implements AutoCloseable {
    /** Largest request accepted, bytes: the endpoint takes no bodies. */
    private static final int MAX_REQUEST_BYTES = 8192;
    private static final String PLAIN = "text/plain; charset=utf-8";
    /**
     * Most requests that wait on one connection for the responses before them (a pipelining
     * client); more and the connection is closed. Prometheus and the kubelet never pipeline.
     */
    private static final int MAX_PIPELINED = 16;
    /**
     * Most time for a request to arrive whole (from the connection or the previous response)
     * and for its response to be taken. Prometheus's default scrape timeout: no honest client
     * needs longer to send a few hundred bytes or read a scrape on a cluster network.
     */
    public static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(10);
    /**
     * How long a kept-alive connection may wait, between a response and the first byte of its
     * next request. Longer than a scrape interval: a scraper that keeps its connection for the
     * next scrape (Prometheus does) reuses it, where closing it after 10 s made each scrape a
     * new connection, and a new flow to the node every interval (a beacon, to the detector that
     * looks for them).
     */
    public static final Duration IDLE_TIMEOUT = Duration.ofMinutes(5);
    /**
     * Most connections open at once; past it a new one is closed as soon as it is accepted. Each
     * costs a file descriptor and buffers, which a flood must not take from the capture and the
     * gRPC streams; Prometheus and the kubelet's probes need a few.
     */
    public static final int MAX_CONNECTIONS = 256;
    /**
     * Most connections open at once from one address. Prometheus keeps one per target, the
     * kubelet one per probe; without this bound one pod holding {@link #MAX_CONNECTIONS}
     * kept-alive connections would lock out the kubelet's probes, and the liveness probe would
     * restart the agent for as long as the pod kept them.
     */
    public static final int MAX_CONNECTIONS_PER_SOURCE = 16;
    /**
     * Connections from this host's own addresses taken past {@link #MAX_CONNECTIONS}: the
     * kubelet probes a host-network pod (the agent) from the node's address, so many sources
     * together cannot lock out its probes either.
     */
    static final int LOCAL_RESERVE = 16;

    private final EventLoopGroup group;
    private final Channel channel;
    private final Closes closes;

    /** Connections the server closed before their client did, by why. */
    static final class Closes {
        /** An exchange that did not end within {@link #EXCHANGE_TIMEOUT}. */
        final AtomicLong timeouts = new AtomicLong();
        /** More than {@link #MAX_PIPELINED} requests waiting for their responses. */
        final AtomicLong pipelined = new AtomicLong();
        /** Accepted while {@link #MAX_CONNECTIONS} were open. */
        final AtomicLong overLimit = new AtomicLong();
        /** Accepted while {@link #MAX_CONNECTIONS_PER_SOURCE} from the same address were open. */
        final AtomicLong overSourceLimit = new AtomicLong();
        /** Connections open now. */
        final AtomicInteger open = new AtomicInteger();
        /** Connections open now, by the client's address; only the event loop's thread touches it. */
        final Map<InetAddress, Integer> bySource = new HashMap<>();
        /** This host's addresses as last read, and when (nanoTime); event loop's thread only. */
        Set<InetAddress> own = Set.of();
        long ownReadAt;
        boolean ownRead;

        /**
         * True when {@code a} is an address of one of this host's interfaces. Looked up only at
         * the bound, and read again at most every {@link #OWN_ADDRESSES_TTL_NANOS}: a flood of
         * connections at the bound must not make the event loop list the interfaces for each.
         */
        boolean ownAddress(InetAddress a) {
            long now = System.nanoTime();
            if (!ownRead || now - ownReadAt >= OWN_ADDRESSES_TTL_NANOS) {
                ownRead = true;
                ownReadAt = now;
                try {
                    own = NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses)
                            .collect(Collectors.toUnmodifiableSet());
                } catch (SocketException e) {
                    own = Set.of(); // none known until the next read: the bound holds for every source
                }
            }
            return own.contains(a);
        }
    }

    /** How long a read of this host's addresses is used. */
    private static final long OWN_ADDRESSES_TTL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private MetricsServer(EventLoopGroup group, Channel channel, Closes closes) {
        this.group = group;
        this.channel = channel;
        this.closes = closes;
    }

    /**
     * @throws IOException the address cannot be bound (in use, not local, no permission); the
     *                     message names it
     */
    public static MetricsServer start(InetSocketAddress address, PrometheusMeterRegistry registry,
                                      BooleanSupplier ready) throws IOException, InterruptedException {
        return start(address, registry, ready, EXCHANGE_TIMEOUT, IDLE_TIMEOUT, MAX_CONNECTIONS,
                MAX_CONNECTIONS_PER_SOURCE);
    }

    static MetricsServer start(InetSocketAddress address, PrometheusMeterRegistry registry, BooleanSupplier ready,
                               Duration exchangeTimeout, Duration idleTimeout, int maxConnections,
                               int maxPerSource) throws IOException, InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Closes closes = new Closes();
        // Served with the rest: a connection the server cut is a scrape or probe someone lost.
        FunctionMeters meters = new FunctionMeters(registry);
        String closedHelp = "Connections to this scrape endpoint that it closed before their client did, by why";
        meters.counter("netwatch.metrics.connections.closed", closes, c -> c.timeouts.get(), closedHelp, "reason",
                "timeout");
        meters.counter("netwatch.metrics.connections.closed", closes, c -> c.pipelined.get(), closedHelp, "reason",
                "pipelined");
        meters.counter("netwatch.metrics.connections.closed", closes, c -> c.overLimit.get(), closedHelp, "reason",
                "over_limit");
        meters.counter("netwatch.metrics.connections.closed", closes, c -> c.overSourceLimit.get(), closedHelp,
                "reason", "over_source_limit");
        meters.gauge("netwatch.metrics.connections.open", closes, c -> c.open.get(),
                "Connections to this scrape endpoint open now");
        try {
            Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    // A connection reads only when its handler asks: one request at a time, the next
                    // once the response is written (a client that pipelines requests and never reads
                    // the responses must not make the server scrape and buffer for each).
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            InetAddress source = c.remoteAddress().getAddress();
                            int fromSource = closes.bySource.getOrDefault(source, 0);
                            if (fromSource >= maxPerSource) {
                                closes.overSourceLimit.incrementAndGet();
                                c.close();
                                return;
                            }
                            int open = closes.open.get();
                            if (open >= maxConnections
                                    && (open >= maxConnections + LOCAL_RESERVE || !closes.ownAddress(source))) {
                                closes.overLimit.incrementAndGet();
                                c.close();
                                return;
                            }
                            closes.open.incrementAndGet();
                            closes.bySource.put(source, fromSource + 1);
                            c.closeFuture().addListener(f -> {
                                closes.open.decrementAndGet();
                                closes.bySource.computeIfPresent(source, (a, n) -> n == 1 ? null : n - 1);
                            });
                            Handler handler = new Handler(registry, ready, exchangeTimeout.toNanos(),
                                    idleTimeout.toNanos(), closes);
                            c.pipeline().addLast(handler.firstBytes(), new HttpServerCodec(),
                                    new HttpObjectAggregator(MAX_REQUEST_BYTES), handler);
                        }
                    })
                    .bind(address).sync().channel();
            return new MetricsServer(group, ch, closes);
        } catch (InterruptedException e) {
            group.shutdownGracefully();
            throw e;
        } catch (Exception e) {
            // Netty's sync() rethrows the bind's BindException without declaring it.
            group.shutdownGracefully();
            throw new IOException("cannot serve metrics on " + address.getHostString() + ":" + address.getPort()
                    + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Connections closed because an exchange took longer than the timeout. */
    long timeouts() {
        return closes.timeouts.get();
    }

    /** Connections the server closed for any reason of {@link Closes}. */
    long closed() {
        return closes.timeouts.get() + closes.pipelined.get() + closes.overLimit.get() + closes.overSourceLimit.get();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Answers a connection's requests one at a time, in order, and reads again only once a
     * response is written: a client that pipelines requests and never reads the responses gets
     * what the sockets' buffers hold and no more scrapes. The requests one read decoded wait
     * here, at most {@link #MAX_PIPELINED}.
     */
    private static final class Handler extends ChannelInboundHandlerAdapter {
        private final PrometheusMeterRegistry registry;
        private final BooleanSupplier ready;
        /** {@link #EXCHANGE_TIMEOUT}, nanoseconds. */
        private final long timeoutNanos;
        /** {@link #IDLE_TIMEOUT}, nanoseconds. */
        private final long idleNanos;
        /** Between a response and the next request's first byte; on the event loop only. */
        private boolean idle;
        /** Closes the connection when the exchange under way does not end in time; on the event loop only. */
        private ScheduledFuture<?> deadline;
        private final Closes closes;
        /** Requests read while a response was being written; on the event loop only. */
        private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
        /** A response is being written. */
        private boolean writing;

        Handler(PrometheusMeterRegistry registry, BooleanSupplier ready, long timeoutNanos, long idleNanos,
                Closes closes) {
            this.registry = registry;
            this.ready = ready;
            this.timeoutNanos = timeoutNanos;
            this.idleNanos = idleNanos;
            this.closes = closes;
        }

        /**
         * Goes before the HTTP codec and sees the connection's bytes as they come: the first
         * ones after an idle wait start the next exchange's clock.
         */
        ChannelInboundHandlerAdapter firstBytes() {
            return new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (idle) {
                        idle = false;
                        arm(ctx, timeoutNanos);
                    }
                    ctx.fireChannelRead(msg);
                }
            };
        }

        /**
         * Starts the clock again: a request must now arrive whole, or the response just
         * written be taken, within the timeout. Not an idle timer, which each byte of a head
         * sent a byte at a time would reset.
         */
        private void arm(ChannelHandlerContext ctx) {
            arm(ctx, timeoutNanos);
        }

        private void arm(ChannelHandlerContext ctx, long nanos) {
            disarm();
            deadline = ctx.executor().schedule(() -> {
                closes.timeouts.incrementAndGet();
                ctx.close();
            }, nanos, TimeUnit.NANOSECONDS);
        }

        private void disarm() {
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            arm(ctx);
            super.channelActive(ctx);
            ctx.read();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            disarm();
            for (FullHttpRequest r = waiting.poll(); r != null; r = waiting.poll()) {
                r.release();
            }
            super.channelInactive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FullHttpRequest request)) {
                // The aggregator passes on nothing else.
                ReferenceCountUtil.release(msg);
                return;
            }
            if (!writing) {
                answer(ctx, request);
            } else if (waiting.size() < MAX_PIPELINED) {
                waiting.add(request);
            } else {
                request.release();
                closes.pipelined.incrementAndGet();
                ctx.close();
            }
        }

        /** Answers one request and releases it. */
        private void answer(ChannelHandlerContext ctx, FullHttpRequest request) {
            try {
                respond(ctx, request);
            } finally {
                request.release();
            }
        }

        private void respond(ChannelHandlerContext ctx, FullHttpRequest request) {
            // The response must be taken in time; the next request's clock starts once it is.
            arm(ctx);
            writing = true;
            FullHttpResponse response;
            boolean keepAlive;
            if (request.decoderResult().isFailure()) {
                // A head the decoder could not take whole (too long, not HTTP): Netty hands on what
                // it read, which must not be served, and discards the rest of the connection.
                response = refusal(request.decoderResult().cause());
                keepAlive = false;
            } else {
                response = response(request);
                // An HTTP/1.0 client is answered in HTTP/1.0: it keeps the connection only when the
                // response says keep-alive, which Netty writes only into an HTTP/1.0 response.
                response.setProtocolVersion(request.protocolVersion().equals(HttpVersion.HTTP_1_0)
                        ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1);
                keepAlive = HttpUtil.isKeepAlive(request);
            }
            HttpUtil.setKeepAlive(response, keepAlive);
            ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess() || !keepAlive) {
                    f.channel().close();
                    return;
                }
                writing = false;
                FullHttpRequest next = waiting.poll();
                if (next != null) {
                    // Later, not here: a write that completes at once calls this from answer().
                    ctx.executor().execute(() -> answer(ctx, next));
                } else {
                    // Waiting for the next request: the idle allowance, until its first byte.
                    idle = true;
                    arm(ctx, idleNanos);
                    ctx.read();
                }
            });
        }

        private FullHttpResponse response(FullHttpRequest request) {
            if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
                FullHttpResponse r = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET and HEAD\n", PLAIN);
                r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
                return r;
            }
            String path = request.uri();
            int q = path.indexOf('?');
            if (q >= 0) {
                path = path.substring(0, q);
            }
            return switch (path) {
                case "/metrics" -> text(HttpResponseStatus.OK, registry.scrape(), "text/plain; version=0.0.4; charset=utf-8");
                case "/healthz" -> text(HttpResponseStatus.OK, "ok\n", PLAIN);
                case "/readyz" -> ready.getAsBoolean()
                        ? text(HttpResponseStatus.OK, "ready\n", PLAIN)
                        : text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready\n", PLAIN);
                default -> text(HttpResponseStatus.NOT_FOUND, "not found: try /metrics, /healthz, /readyz\n", PLAIN);
            };
        }

        private static FullHttpResponse refusal(Throwable cause) {
            if (cause instanceof TooLongHttpLineException) {
                return text(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long\n", PLAIN);
            }
            if (cause instanceof TooLongHttpHeaderException) {
                return text(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large\n", PLAIN);
            }
            return text(HttpResponseStatus.BAD_REQUEST, "not an HTTP request\n", PLAIN);
        }

        private static FullHttpResponse text(HttpResponseStatus status, String body, String contentType) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            return r;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
