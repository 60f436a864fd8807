package io.netwatch.agent.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.agent.score.Detectors;
import io.netwatch.common.metrics.FunctionMeters;
import io.netwatch.proto.anomaly.v1.Severity;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The detectors' output and bounds: anomalies by type and severity (labels from fixed lists,
 * never from traffic), detections not reported again within a cooldown, and entries each
 * detector's bounded tables forgot to make room.
 */
public final class DetectorMetrics implements MeterBinder {
    private final Detectors detectors;

    public DetectorMetrics(Detectors detectors) {
        this.detectors = detectors;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        detectors.counts().register(registry, "Anomalies raised by the agent's detectors, by type and severity");
        suppressed(registry, "port_scan_ip_sweep", d -> d.scan().suppressed());
        suppressed(registry, "flood", d -> d.flood().suppressed());
        suppressed(registry, "protocol_mismatch", d -> d.mismatch().repeats());
        suppressed(registry, "signature", d -> d.signature().repeats());
        evictions(registry, "scan_walks", d -> d.scan().walkEvictions());
        evictions(registry, "scan_contacts", d -> d.scan().contactEvictions());
        evictions(registry, "flood", d -> d.flood().evictions());
        evictions(registry, "brute_force", d -> d.bruteForce().evictions());
        evictions(registry, "protocol_mismatch", d -> d.mismatch().evictions());
        evictions(registry, "dns_tunnel", d -> d.dnsTunnel().evictions());
        evictions(registry, "dga", d -> d.dga().evictions());
        evictions(registry, "dns_query_copies", d -> d.dnsTunnel().queryCopyEvictions());
        evictions(registry, "dns_search_clients", d -> d.dnsTunnel().searchPathClientEvictions());
        evictions(registry, "dns_search_stems", d -> d.dnsTunnel().searchPathStemOverwrites());
        evictions(registry, "volume_spike", d -> d.volumeSpike().evictions());
        new FunctionMeters(registry).counter("netwatch.detector.dns.unsplittable.names", detectors,
                d -> d.dnsTunnel().unsplittableNames(), "DNS query names with no registered domain (bare suffix, one "
                        + "label, refused by the Public Suffix List), not judged by the DNS tunnel detector");
        new FunctionMeters(registry).counter("netwatch.detector.dns.trusted.zone.names", detectors,
                d -> d.dnsTunnel().trustedZoneNames(), "DNS queries passed over by the DNS tunnel and DGA detectors "
                        + "because their name is in a zone the cluster's or the company's own resolvers answer (the "
                        + "cluster domain, the reverse zones, internal, internal.cloudapp.net and detect.trusted_zones)");
        new FunctionMeters(registry).counter("netwatch.detector.dns.pod.names", detectors,
                d -> d.dnsTunnel().podNames(), "DNS queries the tunnel detector judged by the prefix of their "
                        + "name's first label, a pod name Kubernetes generated (NAME-HASH-SUFFIX, NAME-SUFFIX): the "
                        + "generated parts neither made the name distinct nor counted as data");
        new FunctionMeters(registry).counter("netwatch.detector.dns.search.path.names", detectors,
                d -> d.dnsTunnel().searchPathNames(), "DNS queries a pod made by trying a name it had just asked "
                        + "under the cluster domain under another domain of its search list, judged by the tunnel "
                        + "detector by the name before the search domain (every label still judged)");
        new FunctionMeters(registry).counter("netwatch.detector.dns.query.copies", detectors,
                d -> d.dnsTunnel().queryCopies(), "DNS queries seen again on another path (before and after DNAT, "
                        + "forwarded by a resolver): the same type and name within 100 ms, counted once by the DNS "
                        + "tunnel detector");
        new FunctionMeters(registry).counter("netwatch.detector.dns.subdomain.overflows", detectors,
                d -> d.dnsTunnel().subdomainOverflows(), "DNS query names the tunnel detector could not remember, "
                        + "their domain's window already holding its most distinct subdomains: each judged and "
                        + "counted as new, repeats included");
    }

    private void suppressed(MeterRegistry registry, String detector, ToDoubleFunction<Detectors> f) {
        new FunctionMeters(registry).counter("netwatch.detector.suppressed", detectors, f,
                "Detections not reported again because the same actor was reported within the cooldown",
                "detector", detector);
    }

    private void evictions(MeterRegistry registry, String table, ToDoubleFunction<Detectors> f) {
        new FunctionMeters(registry).counter("netwatch.detector.evictions", detectors, f,
                "Entries a detector's bounded table forgot to make room (tracking restarts for them)", "table", table);
    }
}
