package io.netwatch.aggregator.ingest;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;

/**
 * Binds the node an agent names in its hello to the node it runs on. The agent sends its pod's
 * projected service-account token (audience {@link #AUDIENCE}); the API server's TokenReview
 * says whose it is: the agent's service account, and the pod and node it was issued for. A
 * hello naming another node is refused. Without this, every agent holds the same certificate,
 * and root on one node could send flows and anomalies as any node and take its block commands
 * (found in a security review).
 *
 * <p>The node comes from the review's {@code authentication.kubernetes.io/node-name} extra
 * (Kubernetes 1.30 and later, when the token was issued for a pod on a node), else from the
 * pod the review names ({@code authentication.kubernetes.io/pod-name}), read from the API server.
 * Verdicts are kept for {@link #REMEMBER_MILLIS} per token (by its SHA-256, never the token),
 * so that reconnects do not each cost a review. Thread-safe.
 */
public final class NodeTokens {
    /** The audience the agent's projected token is issued for, and the review asks for. */
    public static final String AUDIENCE = "netwatch-aggregator";
    /** The gRPC metadata key the agent sends its token in. */
    public static final String HEADER = "x-netwatch-node-token";
    static final String NODE_EXTRA = "authentication.kubernetes.io/node-name";
    static final String POD_EXTRA = "authentication.kubernetes.io/pod-name";
    static final long REMEMBER_MILLIS = 5 * 60_000;
    private static final int MAX_REMEMBERED = 10_000;

    /** What a review said of a token: the node it speaks for, or why it speaks for none. */
    record Verdict(String node, String refusal, long atMillis) {
    }

    private final KubernetesClient client;
    private final String serviceAccount;
    private final LongSupplier clockMillis;
    private final Map<String, Verdict> remembered = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Verdict> eldest) {
            return size() > MAX_REMEMBERED;
        }
    };

    /**
     * @param serviceAccount the agents' service account as {@code namespace:name}; a token of
     *                       any other account is refused, whatever its audience
     */
    public NodeTokens(KubernetesClient client, String serviceAccount, LongSupplier clockMillis) {
        this.client = client;
        this.serviceAccount = serviceAccount;
        this.clockMillis = clockMillis;
    }

    /** Null when {@code token} is one of the agents' and was issued on {@code node}; else why not. */
    public String refusal(String token, String node) {
        if (token == null || token.isBlank()) {
            return "the aggregator checks which node an agent runs on: send the pod's service-account token"
                    + " (export.node_token_file) with audience " + AUDIENCE;
        }
        String key = sha256(token.strip());
        long now = clockMillis.getAsLong();
        Verdict v;
        synchronized (remembered) {
            v = remembered.get(key);
        }
        if (v == null || now - v.atMillis() >= REMEMBER_MILLIS) {
            v = review(token.strip(), now);
            if (v.refusal() == null || !v.refusal().startsWith("cannot ask")) {
                synchronized (remembered) {
                    remembered.put(key, v); // an unreachable API server is asked again next time
                }
            }
        }
        if (v.refusal() != null) {
            return v.refusal();
        }
        return v.node().equals(node) ? null
                : "the agent's token was issued on node " + v.node() + ", and its hello names node " + node;
    }

    private Verdict review(String token, long now) {
        TokenReview r;
        try {
            r = client.authentication().v1().tokenReviews().create(new TokenReviewBuilder().withNewSpec()
                    .withToken(token).withAudiences(AUDIENCE).endSpec().build());
        } catch (KubernetesClientException e) {
            return new Verdict(null, "cannot ask the API server whose token this is: " + e.getMessage(), now);
        }
        String ns = serviceAccount.substring(0, serviceAccount.indexOf(':'));
        return judge(r, serviceAccount, (pod, namespace) -> {
            Pod p = client.pods().inNamespace(namespace).withName(pod).get();
            return p == null || p.getSpec() == null ? null : p.getSpec().getNodeName();
        }, ns, now);
    }

    /**
     * What a TokenReview's answer means: the node the token speaks for, or why it speaks for
     * none. {@code podNode} reads a pod's node (namespace given) when the review names only
     * the pod.
     */
    static Verdict judge(TokenReview r, String serviceAccount, BiFunction<String, String, String> podNode,
                         String namespace, long now) {
        if (r == null || r.getStatus() == null || !Boolean.TRUE.equals(r.getStatus().getAuthenticated())) {
            String error = r == null || r.getStatus() == null ? null : r.getStatus().getError();
            return new Verdict(null, "the API server did not accept the agent's token"
                    + (error == null || error.isBlank() ? "" : ": " + error), now);
        }
        List<String> audiences = r.getStatus().getAudiences();
        if (audiences != null && !audiences.isEmpty() && !audiences.contains(AUDIENCE)) {
            return new Verdict(null, "the agent's token is not for audience " + AUDIENCE, now);
        }
        UserInfo user = r.getStatus().getUser();
        String expected = "system:serviceaccount:" + serviceAccount;
        if (user == null || !expected.equals(user.getUsername())) {
            return new Verdict(null, "the token is " + (user == null ? "nobody's" : user.getUsername() + "'s")
                    + ", not the agents' service account " + serviceAccount, now);
        }
        String node = first(user.getExtra(), NODE_EXTRA);
        if (node == null) {
            String pod = first(user.getExtra(), POD_EXTRA);
            node = pod == null ? null : podNode.apply(pod, namespace);
        }
        if (node == null || node.isEmpty()) {
            return new Verdict(null, "the agent's token names no node or running pod (a token bound to the agent's"
                    + " pod is needed: a projected service-account token)", now);
        }
        return new Verdict(node, null, now);
    }

    private static String first(Map<String, List<String>> extra, String key) {
        List<String> values = extra == null ? null : extra.get(key);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
