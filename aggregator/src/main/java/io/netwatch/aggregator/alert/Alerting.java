package io.netwatch.aggregator.alert;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.netwatch.aggregator.incident.IncidentTracker;
import io.netwatch.aggregator.store.FlowStore;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alerting as the aggregator runs it, started from the alerts file and closed as one
 * object: incidents become alerts ({@link IncidentAlerts}; or, without an incident tracker,
 * stored anomalies, {@link AnomalyAlerts}, a store listener that only touches a bounded map), one thread ticks the {@link AlertRouter} and resolves quiet alerts,
 * and each receiver sends from its own {@link SinkQueue}, so nothing here ever slows the
 * storing thread.
 */
public final class Alerting implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Alerting.class);
    /** How often the router runs: the resolution of group_wait and group_interval. */
    static final Duration TICK = Duration.ofMillis(250);
    /** Connecting to a receiver; each request also has its receiver's timeout. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final AlertsConfig config;
    private final AnomalyAlerts adapter;
    private final AlertRouter router;
    private final Map<String, SinkQueue> queues;
    private final ScheduledExecutorService ticker;
    private final HttpClient http;
    /** The subscription to the incident tracker, when alerts are made from incidents. */
    private AutoCloseable incidents;

    private Alerting(AlertsConfig config, AnomalyAlerts adapter, AlertRouter router, Map<String, SinkQueue> queues,
                     ScheduledExecutorService ticker, HttpClient http) {
        this.config = config;
        this.adapter = adapter;
        this.router = router;
        this.queues = queues;
        this.ticker = ticker;
        this.http = http;
    }

    /**
     * Reads the alerts file as {@link #start} would, secrets included, and starts nothing: what
     * {@code --print-config} checks. {@code kubernetes} says whether the aggregator would watch
     * a cluster (a {@code kubernetes_events} receiver needs one; no request is made).
     */
    public static void check(Path file, Map<String, String> environment, boolean kubernetes)
            throws AlertsConfigException {
        try (HttpClient http = HttpClient.newBuilder().build();
             KubernetesClient client = kubernetes ? new KubernetesClientBuilder().build() : null) {
            AlertsFile.load(file, new AlertsFile.SinkContext(http, client, Clock.systemUTC(), environment));
        }
    }

    /**
     * Reads {@code file}, builds every receiver (reading its secrets), hooks onto the store and
     * starts ticking. Meters go to {@code meters}.
     *
     * @param kubernetes the cluster client for kubernetes_events receivers, or null
     * @throws AlertsConfigException the file is wrong or a secret is missing; nothing is left running
     */
    public static Alerting start(Path file, FlowStore store, MeterRegistry meters, KubernetesClient kubernetes,
                                 Map<String, String> environment) throws AlertsConfigException {
        return start(file, store, meters, kubernetes, environment, null);
    }

    /**
     * As above, alerting on {@code incidents} ({@link IncidentAlerts}: one alert per incident,
     * resolved with it) instead of on each stored anomaly; null alerts on anomalies.
     */
    public static Alerting start(Path file, FlowStore store, MeterRegistry meters, KubernetesClient kubernetes,
                                 Map<String, String> environment, IncidentTracker incidents)
            throws AlertsConfigException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        AlertsConfig config;
        try {
            config = AlertsFile.load(file, new AlertsFile.SinkContext(http, kubernetes, Clock.systemUTC(), environment));
        } catch (AlertsConfigException | RuntimeException e) {
            http.close();
            throw e;
        }
        Map<String, SinkQueue> queues = new LinkedHashMap<>();
        config.receivers().forEach((name, r) -> queues.put(name, new SinkQueue(name, r.sink(), r.delivery())));
        AlertRouter router = new AlertRouter(config.route(), queues, config.silences(), AlertRouter.DEFAULT_INBOX,
                AlertRouter.DEFAULT_MAX_GROUPS);
        AnomalyAlerts adapter = new AnomalyAlerts(router::submit, config.resolveAfter(), AnomalyAlerts.DEFAULT_MAX_OPEN,
                config.linkTemplate());
        new AlertMetrics(adapter, router, queues.values()).bindTo(meters);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("netwatch-alerts-router").daemon().unstarted(r));
        ticker.scheduleWithFixedDelay(() -> {
            try {
                long now = System.currentTimeMillis();
                adapter.sweep(now);
                router.tick(now);
            } catch (RuntimeException | Error e) {
                // A bug here must not end alerting for good (a scheduled task that throws is never
                // run again): log it, tick again.
                LOG.error("alerts: router tick failed", e);
            }
        }, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        Alerting alerting = new Alerting(config, adapter, router, queues, ticker, http);
        if (incidents != null) {
            alerting.incidents = incidents.subscribe(new IncidentAlerts(router::submit, config.linkTemplate()));
        } else {
            store.listen(adapter);
        }
        LOG.info("alerts: {} receivers ({}), {} silences, from {}; alerting on {}", queues.size(),
                String.join(", ", queues.keySet()), config.silences().size(), file,
                incidents != null ? "incidents" : "anomalies");
        return alerting;
    }

    public AlertsConfig config() {
        return config;
    }

    public AnomalyAlerts adapter() {
        return adapter;
    }

    public AlertRouter router() {
        return router;
    }

    /** Each receiver's queue, by name. */
    public Map<String, SinkQueue> queues() {
        return Map.copyOf(queues);
    }

    /** Stops ticking and sending; what is still queued is dropped and counted. */
    @Override
    public void close() throws InterruptedException {
        if (incidents != null) {
            try {
                incidents.close();
            } catch (Exception e) {
                LOG.warn("alerts: leaving the incident tracker failed: {}", e.toString());
            }
        }
        ticker.shutdownNow();
        ticker.awaitTermination(5, TimeUnit.SECONDS);
        for (SinkQueue q : queues.values()) {
            q.close();
        }
        http.close();
    }
}
