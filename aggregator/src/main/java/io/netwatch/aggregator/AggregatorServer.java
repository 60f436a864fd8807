package io.netwatch.aggregator;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.netwatch.aggregator.ingest.IngestService;
import io.netwatch.aggregator.query.QueryService;
import io.netwatch.aggregator.store.AgentRegistry;
import io.netwatch.aggregator.store.FlowStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The aggregator process: one gRPC server carrying the ingest stream and the query API over
 * the embedded store. Only wiring and lifecycle live here.
 */
public final class AggregatorServer implements AutoCloseable {
    private final Server server;
    private final FlowStore store;
    private final AgentRegistry registry;
    private final ScheduledExecutorService housekeeping;

    private AggregatorServer(Server server, FlowStore store, AgentRegistry registry, ScheduledExecutorService housekeeping) {
        this.server = server;
        this.store = store;
        this.registry = registry;
        this.housekeeping = housekeeping;
    }

    public static AggregatorServer start(AggregatorConfig config) throws IOException {
        FlowStore store = new FlowStore(config.maxFlows(), config.maxAnomalies(), config.maxAge());
        AgentRegistry registry = new AgentRegistry();
        Server server = NettyServerBuilder.forAddress(config.listen())
                .addService(ServerInterceptors.intercept(
                        new IngestService(store, registry, System::currentTimeMillis), IngestService.peerInterceptor()))
                .addService(new QueryService(store, registry))
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .build()
                .start();
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("netwatch-store-expiry").daemon().unstarted(r));
        housekeeping.scheduleAtFixedRate(() -> store.expire(System.currentTimeMillis()), 10, 10, TimeUnit.SECONDS);
        return new AggregatorServer(server, store, registry, housekeeping);
    }

    public int port() {
        return ((InetSocketAddress) server.getListenSockets().getFirst()).getPort();
    }

    public FlowStore store() {
        return store;
    }

    public AgentRegistry registry() {
        return registry;
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /**
     * Stops the server. Agent streams never end by themselves, so after a short grace period
     * they are cancelled; agents reconnect to the next aggregator and resend what was not
     * acknowledged.
     */
    @Override
    public void close() throws InterruptedException {
        housekeeping.shutdownNow();
        server.shutdown();
        if (!server.awaitTermination(1, TimeUnit.SECONDS)) {
            server.shutdownNow();
            server.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
