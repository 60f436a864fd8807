package io.netwatch.aggregator.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.flow.v1.DNS;
import io.netwatch.proto.flow.v1.DnsAnswer;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Tunnel;
import io.netwatch.proto.flow.v1.TunnelType;
import io.netwatch.proto.flow.v1.Workload;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which label wins when an agent labelled a flow from its copy: the aggregator's history, when it has one. */
class FlowEnricherTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * S;
    private static final long NOW_MILLIS = T0 / 1_000_000 + 120_000;

    private static Workload workload(String pod) {
        return Workload.newBuilder().setNamespace("shop").setPodName(pod).build();
    }

    private static AddressHolder pod(String name) {
        return new AddressHolder("uid-" + name, workload(name), null, List.of());
    }

    /** A flow from 10.0.0.1 that started at {@code startNanos}, labelled by the agent as {@code agentSaid}. */
    private static Flow flow(long startNanos, String agentSaid) {
        return Flow.newBuilder().setFirstSeen(Timestamps.fromNanos(startNanos))
                .setSource(Endpoint.newBuilder().setIp("10.0.0.1").setWorkload(workload(agentSaid)))
                .setDestination(Endpoint.newBuilder().setIp("10.0.0.2")).build();
    }

    private static IdentityIndex index() {
        return new IdentityIndex(100, 4, Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofSeconds(2));
    }

    @Test
    void aFlowOfAPodWhoseAddressWasReusedBeforeExportStaysWithThePodOfItsStart() {
        IdentityIndex index = index();
        IpKey ip = IpKey.parse("10.0.0.1");
        index.claim(ip, pod("web-1"), T0);
        index.release(ip, "uid-web-1", T0 + 60 * S);
        index.claim(ip, pod("web-2"), T0 + 61 * S);
        FlowEnricher enricher = new FlowEnricher(index, new DnsNames());

        // Started under web-1, exported after web-2 took the address: the agent's copy said web-2.
        Flow stored = enricher.enrich(flow(T0 + 30 * S, "web-2"), NOW_MILLIS);
        assertEquals("web-1", stored.getSource().getWorkload().getPodName());
        assertEquals(1, enricher.agentLabelsOverruled());

        Flow agreed = enricher.enrich(flow(T0 + 90 * S, "web-2"), NOW_MILLIS);
        assertEquals("web-2", agreed.getSource().getWorkload().getPodName());
        assertEquals(1, enricher.agentLabelsOverruled(), "agreement is not counted");
    }

    @Test
    void anAgentLabelForAnAddressNobodyHeldAtTheFlowsStartIsDropped() {
        IdentityIndex index = index();
        IpKey ip = IpKey.parse("10.0.0.1");
        index.claim(ip, pod("web-2"), T0 + 100 * S);
        FlowEnricher enricher = new FlowEnricher(index, new DnsNames());
        Flow stored = enricher.enrich(flow(T0, "web-2"), NOW_MILLIS);
        assertEquals("", stored.getSource().getWorkload().getPodName());
        assertEquals("10.0.0.0/24", stored.getSource().getWorkload().getExternalName());
        assertEquals(1, enricher.agentLabelsOverruled());
    }

    @Test
    void anAgentLabelIsKeptWhenTheHistoryHasNothingForTheAddress() {
        FlowEnricher enricher = new FlowEnricher(index(), new DnsNames());
        Flow stored = enricher.enrich(flow(T0, "web-1"), NOW_MILLIS);
        assertEquals("web-1", stored.getSource().getWorkload().getPodName());
        assertEquals(1, enricher.agentLabelsKept());
        assertEquals(0, enricher.agentLabelsOverruled());
    }

    /** A DNS response to 10.0.0.1 from {@code resolver} saying {@code name} is at {@code address}. */
    private static Flow answer(String resolver, String name, String address, boolean fromSource) {
        Endpoint client = Endpoint.newBuilder().setIp("10.0.0.1").setPort(40000).build();
        Endpoint server = Endpoint.newBuilder().setIp(resolver).setPort(53).build();
        return Flow.newBuilder().setFirstSeen(Timestamps.fromNanos(T0)).setIpProtocol(17)
                .setSource(fromSource ? server : client).setDestination(fromSource ? client : server)
                .setDns(DNS.newBuilder().setQuery(name).setQtype(1).setResponse(true).setResponseFromSource(fromSource)
                        .addAnswers(DnsAnswer.newBuilder().setName(name).setType(1).setData(address)))
                .build();
    }

    private static String nameOf(FlowEnricher enricher, String address) {
        Flow out = enricher.enrich(Flow.newBuilder().setFirstSeen(Timestamps.fromNanos(T0 + S))
                .setSource(Endpoint.newBuilder().setIp("10.0.0.1")).setDestination(Endpoint.newBuilder().setIp(address))
                .build(), NOW_MILLIS);
        return out.getDestination().getWorkload().getExternalName();
    }

    @Test
    void onlyTheClustersResolversNameAddresses() {
        // Found in review: any answer named an address for every pod, so a pod that asked a
        // resolver of its own could make its command server read as a well-known name (and its
        // edge as a known one), or rename an address other pods talk to.
        IdentityIndex index = index();
        index.claim(IpKey.parse("10.96.0.10"), new AddressHolder("uid-svc", Workload.newBuilder()
                .setNamespace("kube-system").setWorkloadKind("Service").setWorkloadName("kube-dns")
                .addServices("kube-system/kube-dns").build(), null, List.of()), T0 - S);
        index.claim(IpKey.parse("10.244.0.7"), new AddressHolder("uid-coredns", Workload.newBuilder()
                .setNamespace("kube-system").setPodName("coredns-1").putLabels("k8s-app", "kube-dns").build(), null,
                List.of()), T0 - S);
        index.claim(IpKey.parse("10.244.0.8"), new AddressHolder("uid-evil", Workload.newBuilder()
                .setNamespace("shop").setPodName("evil").putLabels("k8s-app", "kube-dns").build(), null, List.of()),
                T0 - S);
        FlowEnricher enricher = new FlowEnricher(index, new DnsNames());

        enricher.enrich(answer("10.96.0.10", "api.example.com", "203.0.113.7", false), NOW_MILLIS);
        enricher.enrich(answer("10.244.0.7", "cdn.example.com", "203.0.113.8", false), NOW_MILLIS);
        enricher.enrich(answer("169.254.20.10", "node-local.example.com", "203.0.113.9", false), NOW_MILLIS);
        assertEquals("api.example.com", nameOf(enricher, "203.0.113.7"), "the kube-dns Service");
        assertEquals("cdn.example.com", nameOf(enricher, "203.0.113.8"), "a CoreDNS pod");
        assertEquals("node-local.example.com", nameOf(enricher, "203.0.113.9"), "NodeLocal DNSCache");
        assertEquals(0, enricher.untrustedDnsAnswers());

        // A resolver outside the cluster, a pod that merely wears the label elsewhere, and an
        // answer the client sent toward the cluster's resolver name nothing, and are counted.
        enricher.enrich(answer("198.51.100.53", "api.github.com", "192.0.2.66", false), NOW_MILLIS);
        enricher.enrich(answer("10.244.0.8", "api.github.com", "192.0.2.67", false), NOW_MILLIS);
        Flow sentToTheResolver = answer("10.96.0.10", "api.github.com", "192.0.2.68", false).toBuilder()
                .setDns(answer("10.96.0.10", "api.github.com", "192.0.2.68", false).getDns().toBuilder()
                        .setResponseFromSource(true)).build();
        enricher.enrich(sentToTheResolver, NOW_MILLIS);
        assertEquals("192.0.2.0/24", nameOf(enricher, "192.0.2.66"));
        assertEquals("192.0.2.0/24", nameOf(enricher, "192.0.2.67"));
        assertEquals("192.0.2.0/24", nameOf(enricher, "192.0.2.68"));
        assertEquals(3, enricher.untrustedDnsAnswers());

        // Configured to believe every resolver, as before the check.
        FlowEnricher any = new FlowEnricher(index, new DnsNames(), DnsResolvers.any());
        any.enrich(answer("198.51.100.53", "api.github.com", "192.0.2.66", false), NOW_MILLIS);
        assertEquals("api.github.com", nameOf(any, "192.0.2.66"));
    }

    /** The cluster's DNS Service at 10.96.0.10, from before {@link #T0}. */
    private static IdentityIndex clusterDns() {
        IdentityIndex index = index();
        index.claim(IpKey.parse("10.96.0.10"), new AddressHolder("uid-svc", Workload.newBuilder()
                .setNamespace("kube-system").setWorkloadKind("Service").setWorkloadName("kube-dns")
                .addServices("kube-system/kube-dns").build(), null, List.of()), T0 - S);
        return index;
    }

    @Test
    void anAnswerInsideATunnelNamesNothing() {
        // Found in review: the agent reads any UDP datagram to port 4789 or 8472 as VXLAN (6081
        // as Geneve) and records the flow inside, whose addresses are whatever the sender wrote.
        // One datagram from any pod, no privilege needed, carrying "10.96.0.10:53 answers
        // api.github.com is 192.0.2.66", was believed as the cluster's resolver's answer. The
        // pods' own interfaces show the same exchanges untunnelled, so nothing real is lost.
        FlowEnricher enricher = new FlowEnricher(clusterDns(), new DnsNames());
        Flow forged = answer("10.96.0.10", "api.github.com", "192.0.2.66", false).toBuilder()
                .addTunnels(Tunnel.newBuilder().setType(TunnelType.TUNNEL_TYPE_VXLAN).setOuterSourceIp("10.244.1.9")
                        .setOuterDestinationIp("10.244.2.1").setVni(1))
                .build();
        enricher.enrich(forged, NOW_MILLIS);
        assertEquals("192.0.2.0/24", nameOf(enricher, "192.0.2.66"));
        assertEquals(1, enricher.untrustedDnsAnswers());
        // Untunnelled, the same answer names the address.
        enricher.enrich(forged.toBuilder().clearTunnels().build(), NOW_MILLIS);
        assertEquals("api.github.com", nameOf(enricher, "192.0.2.66"));
    }

    @Test
    void anAnswerToNoQuestionTheAgentSawNamesNothing() {
        // Found in review: a response that opens its flow (no question seen before it) is what
        // a single datagram with the resolver's address forged as its source looks like, and it
        // was believed. The cost is a name missed when the capture began between a question and
        // its answer.
        FlowEnricher enricher = new FlowEnricher(clusterDns(), new DnsNames());
        enricher.enrich(answer("10.96.0.10", "api.github.com", "192.0.2.66", true), NOW_MILLIS);
        assertEquals("192.0.2.0/24", nameOf(enricher, "192.0.2.66"));
        assertEquals(1, enricher.untrustedDnsAnswers());
    }
}
