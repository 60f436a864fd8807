package io.netwatch.agent.score;

import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.inspect.dns.DnsParser;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * What a busy node's pods ask their resolver, as glibc does with Kubernetes' {@code resolv.conf}:
 * {@code ndots:5} and the search list {@code NS.svc.cluster.local svc.cluster.local cluster.local}
 * followed by the node's own search domains. A name of fewer than five dots is tried under each
 * search domain in turn (A and AAAA together, on one socket), then on its own, until one is
 * answered: a Service of the pod's namespace under the first, one of another namespace asked as
 * {@code NAME.NS} under the second, and every outside name ({@code api.stripe.com}), every
 * Service asked by its full name without the final dot ({@code redis-cart.shop.svc.cluster.local},
 * as Helm charts write them) and every name that does not exist only on its own, after being
 * asked under each of the node's domains. Pods also ask for their own generated names (a program
 * resolving its host name as it starts), which exist nowhere.
 *
 * <p>The workloads are Google's Online Boutique, the charts of the usual cluster components
 * (Prometheus, Grafana, Loki, OpenTelemetry, cert-manager, ingress-nginx, Argo CD, Bitnami's
 * PostgreSQL and Redis, ...) and their outside peers (SaaS APIs, registries, clouds). Every
 * query is seen twice, before and after kube-proxy's DNAT, as on a node. Deterministic for a seed.
 */
final class SearchPathTraffic {
    static final String SERVICE_IP = "10.96.0.10";
    static final String COREDNS_IP = "10.244.0.3";
    private static final long MS = 1_000_000L;

    /** A workload: its namespace, its kind's name form, and the names its pods look up. */
    record Workload(String namespace, String name, Kind kind, List<String> lookups) {
    }

    enum Kind { DEPLOYMENT, DAEMONSET, STATEFULSET, JOB, CRONJOB }

    /** Online Boutique, the usual cluster components, an application of one's own, and the names each looks up. */
    static final List<Workload> WORKLOADS = List.of(
            // Google's Online Boutique (namespace shop), with an OpenTelemetry collector.
            w("shop", "frontend", Kind.DEPLOYMENT, "productcatalogservice", "currencyservice", "cartservice",
                    "recommendationservice", "shippingservice", "checkoutservice", "adservice",
                    "otel-collector.monitoring.svc.cluster.local", "storage.googleapis.com",
                    "www.google-analytics.com"),
            w("shop", "cartservice", Kind.DEPLOYMENT, "redis-cart", "otel-collector.monitoring.svc.cluster.local"),
            w("shop", "productcatalogservice", Kind.DEPLOYMENT, "otel-collector.monitoring.svc.cluster.local",
                    "storage.googleapis.com"),
            w("shop", "currencyservice", Kind.DEPLOYMENT, "www.ecb.europa.eu", "api.exchangerate.host",
                    "otel-collector.monitoring.svc.cluster.local"),
            w("shop", "paymentservice", Kind.DEPLOYMENT, "api.stripe.com", "hooks.stripe.com", "api.paypal.com",
                    "otel-collector.monitoring.svc.cluster.local"),
            w("shop", "shippingservice", Kind.DEPLOYMENT, "api.shipengine.com", "onlinetools.ups.com",
                    "otel-collector.monitoring.svc.cluster.local"),
            w("shop", "emailservice", Kind.DEPLOYMENT, "api.sendgrid.com", "smtp.sendgrid.net", "api.mailgun.net",
                    "otel-collector.monitoring.svc.cluster.local"),
            w("shop", "checkoutservice", Kind.DEPLOYMENT, "paymentservice", "emailservice", "shippingservice",
                    "currencyservice", "cartservice", "productcatalogservice", "api.twilio.com",
                    "otel-collector.monitoring.svc.cluster.local"),
            w("shop", "recommendationservice", Kind.DEPLOYMENT, "productcatalogservice", "api.openai.com",
                    "otel-collector.monitoring.svc.cluster.local"),
            w("shop", "adservice", Kind.DEPLOYMENT, "otel-collector.monitoring.svc.cluster.local",
                    "pagead2.googlesyndication.com"),
            w("shop", "redis-cart", Kind.DEPLOYMENT),
            w("shop", "loadgenerator", Kind.DEPLOYMENT, "frontend", "frontend.shop.svc.cluster.local"),
            // Monitoring: kube-prometheus-stack, Loki, Tempo, OpenTelemetry, Jaeger, Fluent Bit.
            w("monitoring", "prometheus-server", Kind.DEPLOYMENT, "kube-state-metrics.monitoring.svc.cluster.local",
                    "prometheus-node-exporter.monitoring.svc.cluster.local", "kubernetes.default.svc",
                    "prometheus-alertmanager", "prometheus-pushgateway", "thanos-receive.monitoring.svc.cluster.local"),
            w("monitoring", "prometheus-alertmanager", Kind.STATEFULSET, "hooks.slack.com", "events.pagerduty.com",
                    "api.opsgenie.com", "smtp.office365.com"),
            w("monitoring", "kube-state-metrics", Kind.DEPLOYMENT, "kubernetes.default.svc"),
            w("monitoring", "prometheus-node-exporter", Kind.DAEMONSET),
            w("monitoring", "grafana", Kind.DEPLOYMENT, "prometheus-server", "loki-gateway", "tempo-query-frontend",
                    "grafana.com", "storage.googleapis.com", "login.microsoftonline.com", "graph.microsoft.com"),
            w("monitoring", "loki-gateway", Kind.DEPLOYMENT, "loki-distributor.monitoring.svc.cluster.local",
                    "loki-query-frontend.monitoring.svc.cluster.local"),
            w("monitoring", "loki-write", Kind.STATEFULSET, "loki-memberlist", "s3.us-east-1.amazonaws.com",
                    "sts.amazonaws.com"),
            w("monitoring", "tempo-distributor", Kind.DEPLOYMENT, "tempo-ingester", "s3.us-east-1.amazonaws.com"),
            w("monitoring", "otel-collector", Kind.DEPLOYMENT, "jaeger-collector.monitoring.svc.cluster.local",
                    "tempo-distributor.monitoring.svc.cluster.local", "api.honeycomb.io", "otlp.nr-data.net",
                    "api.datadoghq.com", "trace.agent.datadoghq.com", "o450000.ingest.sentry.io"),
            w("monitoring", "jaeger-collector", Kind.DEPLOYMENT, "elasticsearch-master.logging.svc.cluster.local"),
            w("monitoring", "fluent-bit", Kind.DAEMONSET, "loki-gateway.monitoring.svc.cluster.local",
                    "kubernetes.default.svc", "http-intake.logs.datadoghq.com", "elasticsearch-master.logging"),
            w("logging", "elasticsearch-master", Kind.STATEFULSET, "elasticsearch-master-headless"),
            w("logging", "kibana-kibana", Kind.DEPLOYMENT, "elasticsearch-master"),
            // Certificates, ingress, GitOps, secrets.
            w("cert-manager", "cert-manager", Kind.DEPLOYMENT, "acme-v02.api.letsencrypt.org",
                    "route53.amazonaws.com", "sts.amazonaws.com", "kubernetes.default.svc", "api.cloudflare.com"),
            w("cert-manager", "cert-manager-webhook", Kind.DEPLOYMENT, "kubernetes.default.svc"),
            w("cert-manager", "cert-manager-cainjector", Kind.DEPLOYMENT, "kubernetes.default.svc"),
            w("ingress-nginx", "ingress-nginx-controller", Kind.DEPLOYMENT, "kubernetes.default.svc",
                    "frontend.shop.svc.cluster.local", "grafana.monitoring.svc.cluster.local",
                    "argocd-server.argocd.svc.cluster.local"),
            w("argocd", "argocd-server", Kind.DEPLOYMENT, "argocd-repo-server", "argocd-redis", "argocd-dex-server",
                    "kubernetes.default.svc"),
            w("argocd", "argocd-repo-server", Kind.DEPLOYMENT, "github.com", "api.github.com", "gitlab.com",
                    "ghcr.io", "charts.bitnami.com", "prometheus-community.github.io", "registry-1.docker.io",
                    "auth.docker.io", "quay.io", "charts.jetstack.io", "kubernetes.github.io"),
            w("argocd", "argocd-application-controller", Kind.STATEFULSET, "argocd-repo-server", "argocd-redis",
                    "kubernetes.default.svc"),
            w("argocd", "argocd-redis", Kind.DEPLOYMENT),
            w("argocd", "argocd-dex-server", Kind.DEPLOYMENT, "github.com", "accounts.google.com",
                    "login.microsoftonline.com"),
            w("vault", "vault", Kind.STATEFULSET, "vault-internal", "sts.amazonaws.com",
                    "kms.us-east-1.amazonaws.com"),
            w("vault", "vault-agent-injector", Kind.DEPLOYMENT, "vault.vault.svc.cluster.local"),
            w("kube-system", "sealed-secrets-controller", Kind.DEPLOYMENT, "kubernetes.default.svc"),
            // Data: Bitnami's PostgreSQL and Redis, PgBouncer, Kafka, a migration Job, a backup CronJob.
            w("data", "postgresql", Kind.STATEFULSET, "postgresql-hl"),
            w("data", "pg-bouncer", Kind.DEPLOYMENT, "postgresql.data.svc.cluster.local", "postgresql-hl.data"),
            w("data", "redis-master", Kind.STATEFULSET, "redis-headless"),
            w("data", "kafka", Kind.STATEFULSET, "kafka-headless", "zookeeper.data.svc.cluster.local"),
            w("data", "zookeeper", Kind.STATEFULSET, "zookeeper-headless"),
            w("data", "db-migrate", Kind.JOB, "pg-bouncer", "postgresql.data.svc.cluster.local"),
            w("data", "nightly-backup", Kind.CRONJOB, "postgresql-hl.data.svc.cluster.local",
                    "s3.us-east-1.amazonaws.com", "storage.googleapis.com", "backup.blob.core.windows.net"),
            // Cluster add-ons.
            w("kube-system", "external-dns", Kind.DEPLOYMENT, "route53.amazonaws.com", "api.cloudflare.com",
                    "sts.amazonaws.com", "kubernetes.default.svc"),
            w("kube-system", "cluster-autoscaler", Kind.DEPLOYMENT, "autoscaling.us-east-1.amazonaws.com",
                    "ec2.us-east-1.amazonaws.com", "kubernetes.default.svc"),
            w("kube-system", "metrics-server", Kind.DEPLOYMENT, "kubernetes.default.svc"),
            w("kube-system", "kube-proxy", Kind.DAEMONSET),
            w("velero", "velero", Kind.DEPLOYMENT, "s3.us-east-1.amazonaws.com", "sts.amazonaws.com"),
            w("keda", "keda-operator", Kind.DEPLOYMENT, "sqs.us-east-1.amazonaws.com", "kubernetes.default.svc",
                    "keda-operator-metrics-apiserver"),
            // An application of one's own: a CRM talking to SaaS.
            w("apps", "crm-sync", Kind.DEPLOYMENT, "api.hubapi.com", "login.salesforce.com", "api.segment.io",
                    "api.intercom.io", "api.zendesk.com", "api.pagerduty.com", "oauth2.googleapis.com",
                    "pubsub.googleapis.com", "api.mixpanel.com", "api.amplitude.com", "api.notion.com",
                    "hooks.slack.com", "api.atlassian.com", "dynamodb.us-east-1.amazonaws.com"));

    private static Workload w(String namespace, String name, Kind kind, String... lookups) {
        return new Workload(namespace, name, kind, Arrays.asList(lookups));
    }

    /** Outside names: those of the workloads' lookups with a public suffix (no Service's). */
    static List<String> outsideNames() {
        List<String> out = new ArrayList<>();
        for (Workload w : WORKLOADS) {
            for (String l : w.lookups()) {
                if (!l.contains("cluster.local") && l.contains(".") && !l.endsWith(".svc") && !isServiceAndNamespace(l)
                        && !out.contains(l)) {
                    out.add(l);
                }
            }
        }
        return out;
    }

    private static boolean isServiceAndNamespace(String name) {
        int dot = name.indexOf('.');
        return dot > 0 && name.indexOf('.', dot + 1) < 0 && namespaces().contains(name.substring(dot + 1));
    }

    static List<String> namespaces() {
        return WORKLOADS.stream().map(Workload::namespace).distinct().toList();
    }

    /** A pod: its address, its name and its workload. */
    record Pod(String ip, String name, Workload workload) {
    }

    /** {@code replicas} pods of every workload (one of a StatefulSet's, Job's or CronJob's kind per replica). */
    static List<Pod> pods(Random random, int replicas) {
        List<Pod> pods = new ArrayList<>();
        int host = 10;
        for (Workload w : WORKLOADS) {
            String hash = draw(random, PodNames.HASH_ALPHABET, 9 + random.nextInt(2));
            String schedule = Integer.toString(29_412_000 + random.nextInt(1440));
            for (int r = 0; r < replicas; r++) {
                String suffix = draw(random, PodNames.ALPHABET, 5);
                String name = switch (w.kind()) {
                    case DEPLOYMENT -> w.name() + "-" + hash + "-" + suffix;
                    case DAEMONSET, JOB -> w.name() + "-" + suffix;
                    case STATEFULSET -> w.name() + "-" + r;
                    case CRONJOB -> w.name() + "-" + schedule + "-" + suffix;
                };
                pods.add(new Pod("10.244." + (1 + host / 250) + "." + (host % 250), name, w));
                host++;
            }
        }
        return pods;
    }

    static String draw(Random random, String alphabet, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    /**
     * The queries of {@code seconds} of a node whose pods look up one of their names about every
     * {@code meanGapMillis} each (and their own name once a minute), with the node's search domains
     * {@code nodeDomains} after the cluster's, in capture order.
     */
    static List<InspectionEvent.Dns> node(List<Pod> pods, List<String> nodeDomains, Random random, int seconds,
                                          int meanGapMillis, long t0) {
        List<InspectionEvent.Dns> events = new ArrayList<>();
        long end = t0 + seconds * 1000 * MS;
        int port = 32768;
        int id = 1;
        long flow = 1;
        for (Pod pod : pods) {
            List<String> search = new ArrayList<>(List.of(pod.workload().namespace() + ".svc.cluster.local",
                    "svc.cluster.local", "cluster.local"));
            search.addAll(nodeDomains);
            // Its own name once a minute, at a moment of its own.
            long own = t0 + (long) random.nextInt(60_000) * MS;
            for (long t = own; t < end; t += 60_000 * MS) {
                for (InspectionEvent.Dns e : lookup(pod, pod.name(), search, null, t, port++ & 0xFFFF | 32768,
                        id++ & 0xFFFF, flow)) {
                    events.add(e);
                }
                flow += 2;
            }
            if (pod.workload().lookups().isEmpty()) {
                continue;
            }
            for (long t = t0 + (long) (random.nextDouble() * meanGapMillis * MS); t < end;
                    t += (long) (-Math.log(1 - random.nextDouble()) * meanGapMillis * MS) + MS) {
                String name = pod.workload().lookups().get(random.nextInt(pod.workload().lookups().size()));
                events.addAll(lookup(pod, name, search, answeredAt(pod, name), t, port++ & 0xFFFF | 32768,
                        id++ & 0xFFFF, flow));
                flow += 2;
            }
        }
        events.sort(java.util.Comparator.comparingLong(InspectionEvent.Dns::timestampNanos));
        return events;
    }

    /**
     * The search domain under which {@code name} is answered for {@code pod}: its namespace's for a
     * Service of its own, {@code svc.cluster.local} for {@code NAME.NS} or {@code NAME.NS.svc},
     * none (null: the name on its own, or nowhere) for the rest.
     */
    private static String answeredAt(Pod pod, String name) {
        if (name.endsWith(".svc")) {
            return "cluster.local";
        }
        if (!name.contains(".")) {
            boolean service = WORKLOADS.stream().anyMatch(w -> w.namespace().equals(pod.workload().namespace())
                    && (name.equals(w.name()) || name.startsWith(w.name() + "-")));
            return service ? pod.workload().namespace() + ".svc.cluster.local" : null;
        }
        return isServiceAndNamespace(name) ? "svc.cluster.local" : null;
    }

    /**
     * One lookup: {@code name} under each search domain in turn until {@code answeredAt}, else
     * on its own, A and AAAA together, each query seen before and after DNAT. The cluster's
     * answers come within a millisecond, the node's domains' (forwarded upstream) in ten.
     */
    private static List<InspectionEvent.Dns> lookup(Pod pod, String name, List<String> search, String answeredAt,
                                                   long t, int port, int id, long flow) {
        List<InspectionEvent.Dns> out = new ArrayList<>();
        int dots = (int) name.chars().filter(c -> c == '.').count();
        List<String> tries = new ArrayList<>();
        if (dots < 5) {
            for (String s : search) {
                tries.add(name + "." + s);
                if (s.equals(answeredAt)) {
                    break;
                }
            }
        }
        if (answeredAt == null || dots >= 5) {
            tries.add(name);
        }
        for (String q : tries) {
            for (int qtype : new int[] {DnsParser.TYPE_A, DnsParser.TYPE_AAAA}) {
                List<byte[]> labels = DnsQueries.labels(q.split("\\."));
                out.add(DnsQueries.query(flow, pod.ip(), port, SERVICE_IP, id, labels, qtype, t));
                out.add(DnsQueries.query(flow + 1, pod.ip(), port, COREDNS_IP, id, labels, qtype, t + MS / 20));
                t += MS / 10;
            }
            t += q.endsWith(".cluster.local") ? MS : 10 * MS;
        }
        return out;
    }
}
