package io.netwatch.aggregator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netwatch.aggregator.baseline.BaselineMetrics;
import io.netwatch.aggregator.baseline.Baselines;
import io.netwatch.aggregator.identity.AnomalyEnricher;
import io.netwatch.aggregator.identity.ClusterWatcher;
import io.netwatch.aggregator.identity.DnsNames;
import io.netwatch.aggregator.identity.FlowEnricher;
import io.netwatch.aggregator.identity.IdentityIndex;
import io.netwatch.aggregator.identity.PolicyHistory;
import io.netwatch.aggregator.incident.Incidents;
import io.netwatch.aggregator.ingest.AnomalyStage;
import io.netwatch.aggregator.ingest.BaselinePublisher;
import io.netwatch.aggregator.ingest.FlowStage;
import io.netwatch.aggregator.ingest.IdentityPublisher;
import io.netwatch.aggregator.ingest.IdentityStreamConfig;
import io.netwatch.aggregator.ingest.IngestService;
import io.netwatch.aggregator.ingest.NodeTokens;
import io.netwatch.aggregator.metrics.IngestMetrics;
import io.netwatch.aggregator.metrics.PolicyQueryMetrics;
import io.netwatch.aggregator.metrics.QueryMetrics;
import io.netwatch.aggregator.metrics.QueryStreamMetrics;
import io.netwatch.aggregator.metrics.StoreMetrics;
import io.netwatch.aggregator.query.IncidentQueries;
import io.netwatch.aggregator.query.PolicyQueries;
import io.netwatch.aggregator.query.QueryService;
import io.netwatch.aggregator.query.PolicyQueryLimit;
import io.netwatch.aggregator.query.QueryStreamLimit;
import io.netwatch.aggregator.response.Response;
import io.netwatch.aggregator.security.IngestAuthenticator;
import io.netwatch.aggregator.security.QueryAuthenticator;
import io.netwatch.aggregator.security.SecurityCounters;
import io.netwatch.aggregator.security.SecurityMetrics;
import io.netwatch.aggregator.security.ServerLimits;
import io.netwatch.aggregator.security.ServerSecurity;
import io.netwatch.aggregator.security.ServerTls;
import io.netwatch.aggregator.security.TokenFile;
import io.netwatch.aggregator.ml.MlDetector;
import io.netwatch.aggregator.store.AgentRegistry;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.aggregator.verdict.FlowVerdicts;
import io.netwatch.aggregator.verdict.PolicyHits;
import io.netwatch.aggregator.verdict.VerdictMetrics;
import io.netwatch.aggregator.verdict.ViolationReporter;
import io.netwatch.common.metrics.MetricsServer;
import io.netwatch.common.metrics.RuntimeMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * The aggregator process: one gRPC server carrying the ingest stream, the query API over
 * the embedded store and the standard health service; with a Kubernetes client, the
 * identity watch and policy verdicts on every flow. Only wiring and lifecycle live here.
 */
public final class AggregatorServer implements AutoCloseable {
    /** Everything running, stopped by {@link #close} in the reverse order of its start. */
    private final StartedParts parts;
    private final Server server;
    private final FlowStore store;
    private final AgentRegistry registry;
    private final Identity identity;
    private final PrometheusMeterRegistry meters;
    private final MetricsServer metricsServer;
    private final SecurityCounters security;
    /** The ml_outlier detector, or null when disabled. */
    private final MlDetector ml;
    private final Incidents incidents;
    private final Baselines baselines;
    private final Response response;
    private final QueryStreamLimit queryStreams;

    /** The identity and verdict stages, when the aggregator watches a cluster. */
    public record Identity(ClusterWatcher watcher, IdentityIndex index, PolicyHistory history, FlowVerdicts verdicts,
                           ViolationReporter reporter, FlowEnricher enricher, AnomalyEnricher anomalies,
                           IdentityPublisher publisher) {
    }

    private AggregatorServer(StartedParts parts, Server server, FlowStore store, AgentRegistry registry,
                             Identity identity, PrometheusMeterRegistry meters, MetricsServer metricsServer,
                             SecurityCounters security, MlDetector ml, Incidents incidents, Baselines baselines,
                             Response response, QueryStreamLimit queryStreams) {
        this.parts = parts;
        this.server = server;
        this.store = store;
        this.registry = registry;
        this.identity = identity;
        this.meters = meters;
        this.metricsServer = metricsServer;
        this.security = security;
        this.ml = ml;
        this.incidents = incidents;
        this.baselines = baselines;
        this.response = response;
        this.queryStreams = queryStreams;
    }

    public static AggregatorServer start(AggregatorConfig config) throws IOException {
        return start(config, null);
    }

    /**
     * @param kubernetes the cluster to watch for identities and policies, or null for none
     *                   (flows are then stored as they come); stays the caller's to close.
     *                   The watch starts in the background: an API server that does not
     *                   answer keeps readiness down, it never stops the aggregator.
     */
    public static AggregatorServer start(AggregatorConfig config, KubernetesClient kubernetes) throws IOException {
        return start(config, kubernetes, IdentityStreamConfig.defaults());
    }

    /**
     * A start that fails stops, before it throws, every part it had started (threads, the
     * scrape endpoint's socket), the later ones first, as {@link #close} would.
     *
     * @param identityStream how identities are streamed to the agents (used only with a
     *                       cluster to watch)
     */
    public static AggregatorServer start(AggregatorConfig config, KubernetesClient kubernetes,
                                         IdentityStreamConfig identityStream) throws IOException {
        if (!config.security().agentServiceAccount().isEmpty() && kubernetes == null) {
            throw new IllegalArgumentException("ingest.agent_service_account needs the cluster: set kubernetes.enabled"
                    + " (--kubernetes)");
        }
        StartedParts parts = new StartedParts();
        try {
            return start(config, kubernetes, identityStream, parts);
        } catch (IOException | RuntimeException e) {
            parts.stopAfter(e);
            throw e;
        }
    }

    /**
     * Starts the parts in turn, each added to {@code parts} as soon as it runs. A part starts
     * after the parts it feeds, so that it stops before them: the gRPC server, which feeds them
     * all, starts last; the scrape endpoint just before it, to answer while it drains.
     */
    private static AggregatorServer start(AggregatorConfig config, KubernetesClient kubernetes,
                                          IdentityStreamConfig identityStream, StartedParts parts) throws IOException {
        FlowStore store = new FlowStore(config.maxFlows(), config.maxAnomalies(), config.maxAge());
        AgentRegistry registry = new AgentRegistry();
        Identity identity = null;
        FlowStage stage = FlowStage.NONE;
        AnomalyStage anomalyStage = AnomalyStage.NONE;
        if (kubernetes != null) {
            IdentityIndex index = new IdentityIndex();
            PolicyHistory history = new PolicyHistory(PolicyHistory.DEFAULT_MAX_VERSIONS);
            ClusterWatcher watcher = ClusterWatcher.start(kubernetes, index, history, AggregatorServer::nowNanos);
            parts.add(watcher::close);
            FlowEnricher enricher = new FlowEnricher(index, new DnsNames(), config.dnsResolvers());
            ViolationReporter reporter = new ViolationReporter(a -> store.addAnomaly(a, System.currentTimeMillis()));
            FlowVerdicts verdicts = new FlowVerdicts(index, history, watcher.state()::synced, new PolicyHits(), reporter);
            IdentityPublisher publisher = new IdentityPublisher(index, watcher.state()::synced, identityStream).start();
            parts.add(publisher::close);
            AnomalyEnricher anomalies = new AnomalyEnricher(index);
            identity = new Identity(watcher, index, history, verdicts, reporter, enricher, anomalies, publisher);
            stage = (f, now) -> verdicts.judge(enricher.enrich(f, now), now);
            // The agents' anomalies name addresses: named here as the flows are, so an agent's dga
            // and the aggregator's beaconing of one pod are one actor's incident.
            anomalyStage = anomalies::enrich;
        }
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new RuntimeMetrics().bindTo(meters);
        new StoreMetrics(store).bindTo(meters);
        Incidents incidents = Incidents.start(config.incidents(), store, kubernetes != null,
                identity == null ? ip -> false : identity.watcher().state().nodes()::contains, meters);
        parts.add(incidents::close);
        if (identity != null) {
            new VerdictMetrics(identity.verdicts(), identity.reporter(), identity.index(), identity.enricher())
                    .withStaleClaims(identity.watcher().state()::staleClaims).withAnomalyEnricher(identity.anomalies())
                    .withNodes(identity.watcher().state().nodes()).bindTo(meters);
        }
        Baselines baselines = Baselines.start(config.baseline(), store, System::currentTimeMillis, System::nanoTime);
        parts.add(baselines::close);
        new BaselineMetrics(baselines).bindTo(meters);
        BaselinePublisher baselinePublisher = new BaselinePublisher(baselines::snapshot).start();
        parts.add(baselinePublisher::close);
        IngestService ingest = new IngestService(store, registry, System::currentTimeMillis, System::nanoTime, stage,
                anomalyStage, identity == null ? null : identity.publisher(), baselinePublisher);
        if (!config.security().agentServiceAccount().isEmpty()) {
            ingest.checkNodes(new NodeTokens(kubernetes, config.security().agentServiceAccount(),
                    System::currentTimeMillis));
            parts.add(ingest::stopChecks);
        }
        new IngestMetrics(ingest, registry).bindTo(meters);
        // Blocking decisions: offenses from stored anomalies, commands over the agents' streams.
        Response response = Response.start(config.response(), store, ingest.commands(), kubernetes,
                identity == null ? null : identity.watcher().state().nodes());
        parts.add(response::close);
        response.metrics().bindTo(meters);
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("netwatch-store-expiry").daemon().unstarted(r));
        parts.add(housekeeping::shutdownNow);
        SecurityCounters counters = new SecurityCounters();
        new SecurityMetrics(counters).bindTo(meters);
        ServerSecurity security = config.security();
        ServerLimits limits = config.limits();
        QueryStreamLimit queryStreams = new QueryStreamLimit(limits.maxQueryStreams());
        new QueryStreamMetrics(queryStreams).bindTo(meters);
        PolicyQueryLimit policyQueries = new PolicyQueryLimit(limits.maxPolicyQueries(), limits.maxPolicyRun());
        new PolicyQueryMetrics(policyQueries).bindTo(meters);
        TokenFile token = security.queryTokenFile() == null ? null : TokenFile.load(security.queryTokenFile(), counters);
        ServerTls.Credentials tls = security.plaintext() ? null : security.tls().credentials(housekeeping, counters);
        // Stopped after the server: it scores the batches stored while the agents' streams drain.
        MlDetector ml = MlDetector.start(config.ml(), store, meters);
        if (ml != null) {
            parts.add(ml::close);
        }
        // Stopped after the server too, so /healthz and /metrics answer while the streams drain;
        // ready only once the server listens, and no longer once it stops.
        AtomicBoolean serving = new AtomicBoolean();
        Identity id = identity;
        MetricsServer metricsServer = config.metrics() == null ? null : startMetrics(config.metrics(), meters,
                () -> serving.get() && (id == null || id.watcher().ready()));
        if (metricsServer != null) {
            parts.add(metricsServer::close);
        }
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES,
                identity == null ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
        NettyServerBuilder builder = tls == null ? NettyServerBuilder.forAddress(config.listen())
                : NettyServerBuilder.forAddress(config.listen(), tls.server());
        QueryService query = new QueryService(store, registry, identity == null ? null
                : new PolicyQueries(store, identity.index(), identity.history(), identity.verdicts().hits()),
                new IncidentQueries(incidents.tracker()), response, policyQueries);
        QueryMetrics latency = new QueryMetrics(meters);
        // The health service stays open: kubelet's gRPC probe has no certificate or token.
        Server server = builder
                .addService(security.plaintext()
                        ? ServerInterceptors.intercept(ingest, IngestService.peerInterceptor())
                        : ServerInterceptors.intercept(ingest, IngestService.peerInterceptor(),
                        new IngestAuthenticator(counters, tls.clients())))
                // Interceptors run last-added first: latency is measured around authentication too,
                // and only an authenticated call takes one of the streaming queries' places.
                .addService(security.plaintext() ? ServerInterceptors.intercept(query, queryStreams, latency)
                        : ServerInterceptors.intercept(query, queryStreams,
                        new QueryAuthenticator(tls.clients(), token, counters), latency))
                .addService(health.getHealthService())
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                // A gRPC client keeps calls past this waiting on its side (see ServerLimits).
                .maxConcurrentCallsPerConnection(limits.maxCallsPerConnection())
                .maxRstFramesPerWindow(ServerLimits.MAX_RST_PER_WINDOW, ServerLimits.RST_WINDOW_SECONDS)
                .build()
                .start();
        parts.add(() -> {
            // Not ready from the first moment of the drain: /readyz and the gRPC health service
            // say so, so that nothing new is sent here while the streams already open finish.
            serving.set(false);
            health.enterTerminalState();
            stopServing(server, query, ingest, config.shutdownGrace());
        });
        serving.set(true);
        if (token != null) {
            long every = security.tls().reload().isZero() ? 10_000 : security.tls().reload().toMillis();
            housekeeping.scheduleWithFixedDelay(token::refresh, every, every, TimeUnit.MILLISECONDS);
        }
        housekeeping.scheduleAtFixedRate(() -> store.expire(System.currentTimeMillis()), 10, 10, TimeUnit.SECONDS);
        if (id != null) {
            housekeeping.scheduleWithFixedDelay(() -> {
                health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES,
                        id.watcher().ready() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
                id.reporter().sweep(System.currentTimeMillis());
                id.verdicts().hits().retain(id.history().current());
            }, 1, 1, TimeUnit.SECONDS);
        }
        return new AggregatorServer(parts, server, store, registry, identity, meters, metricsServer, counters, ml,
                incidents, baselines, response, queryStreams);
    }

    /** The scrape endpoint; every way it fails to open is an {@link IOException} naming the address. */
    private static MetricsServer startMetrics(InetSocketAddress address, PrometheusMeterRegistry meters,
                                              BooleanSupplier ready) throws IOException {
        try {
            return MetricsServer.start(address, meters, ready);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening the metrics endpoint", e);
        } catch (RuntimeException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Stops the gRPC server: no new calls are accepted; each follow query call is ended at once
     * (UNAVAILABLE, {@link QueryService#STOPPING}); each agent stream is ended (UNAVAILABLE)
     * once the batch it is storing is stored and acknowledged, within {@code grace}; whatever is
     * still running after it is cancelled. An interrupt cuts the grace period short, not the
     * stop: what runs is cancelled, and the interrupt is thrown after (else a stream stuck on
     * its batch stayed open, storing into the stages stopped after this part).
     */
    private static void stopServing(Server server, QueryService query, IngestService ingest, Duration grace)
            throws InterruptedException {
        server.shutdown();
        query.stopFollowers();
        long deadline = System.nanoTime() + grace.toNanos();
        InterruptedException interrupted = null;
        try {
            ingest.drain(grace);
            long left = Math.max(0, deadline - System.nanoTime());
            // Query listings get what is left of the grace period, then are cancelled.
            if (server.awaitTermination(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            interrupted = e;
        }
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            if (interrupted == null) {
                interrupted = e;
            } else {
                interrupted.addSuppressed(e);
            }
        }
        if (interrupted != null) {
            throw interrupted;
        }
    }

    private static long nowNanos() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    public int port() {
        return ((InetSocketAddress) server.getListenSockets().getFirst()).getPort();
    }

    /** Port of the scrape endpoint, or -1 when there is none. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    /** Every meter the aggregator serves on {@code /metrics}. */
    public PrometheusMeterRegistry meters() {
        return meters;
    }

    public FlowStore store() {
        return store;
    }

    public AgentRegistry registry() {
        return registry;
    }

    /** Incident tracking: alerts and blocking subscribe to {@code incidents().tracker()}. */
    public Incidents incidents() {
        return incidents;
    }

    /** The identity and verdict stages, or null when no cluster is watched. */
    public Identity identity() {
        return identity;
    }

    /** The learned baselines (new_edge, lateral_movement, the agents' volume_spike). */
    public Baselines baselines() {
        return baselines;
    }

    /** Blocking decisions. */
    public Response response() {
        return response;
    }

    /** Refused handshakes and calls (all zero in plaintext). */
    public SecurityCounters security() {
        return security;
    }

    /** The bound on streaming query calls: how many are open, how many were refused. */
    public QueryStreamLimit queryStreams() {
        return queryStreams;
    }

    /** Ready to judge flows: always without a cluster, else once the cluster is listed and watched. */
    public boolean ready() {
        return identity == null || identity.watcher().ready();
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /**
     * Stops the aggregator, in the reverse order of its start. First the server: no new calls
     * are accepted; each follow query call is ended at once (UNAVAILABLE,
     * {@link QueryService#STOPPING}); each agent stream is ended (UNAVAILABLE) once the batch it
     * is storing is stored and acknowledged, within the configured grace period; whatever is
     * still running after it is cancelled. Agents reconnect to the next aggregator and resend
     * what was not acknowledged, so nothing acknowledged is lost and nothing unacknowledged is
     * forgotten. Then the scrape endpoint and the stages, each once what feeds it has stopped.
     * A second call does nothing.
     */
    @Override
    public void close() throws InterruptedException {
        parts.stopAll();
    }

    /** The ml_outlier detector, or null when it is disabled. */
    public MlDetector ml() {
        return ml;
    }
}
