package io.netwatch.aggregator.ingest;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.netwatch.aggregator.security.Sha256;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the node an agent names in its hello to the node it runs on. The agent sends its pod's
 * projected service-account token (audience {@link #AUDIENCE}); the API server's TokenReview
 * says whose it is: the agents' service account, and the pod it was issued for; the pod, read
 * from the API server, says its node. A hello naming another node is refused. Without this,
 * every agent holds the same certificate, and root on one node could send flows and anomalies
 * as any node and take its block commands (found in a security review).
 *
 * <p>Only a pod-bound token counts (a token bound to a Node object, or to no object, names no
 * pod and is refused), and the pod must still be the one the token was issued for (same UID).
 * This trusts the API server's NodeRestriction admission (a kubelet cannot make pods on other
 * nodes) and that only the DaemonSet makes pods of the agents' service account in its
 * namespace. A verdict that lets an agent in is kept for {@link #REMEMBER_MILLIS} per token (by
 * its SHA-256, never the token), so that reconnects cost no review; a refusal for
 * {@link #REMEMBER_REFUSAL_MILLIS}; an API server that cannot answer is asked again next time
 * ({@link Unavailable}). An open stream's pod is read again from time to time
 * ({@link #podRefusal}). Thread-safe.
 */
public final class NodeTokens {
    private static final Logger LOG = LoggerFactory.getLogger(NodeTokens.class);
    /** The audience the agent's projected token is issued for, and the review asks for. */
    public static final String AUDIENCE = "netwatch-aggregator";
    /** The gRPC metadata key the agent sends its token in. */
    public static final String HEADER = "x-netwatch-node-token";
    static final String NODE_EXTRA = "authentication.kubernetes.io/node-name";
    static final String POD_EXTRA = "authentication.kubernetes.io/pod-name";
    static final String POD_UID_EXTRA = "authentication.kubernetes.io/pod-uid";
    static final long REMEMBER_MILLIS = 5 * 60_000;
    static final long REMEMBER_REFUSAL_MILLIS = 10_000;
    private static final int MAX_REMEMBERED = 10_000;
    /**
     * Reviews asked of the API server per second, at most: past it a hello is answered
     * UNAVAILABLE (the agent retries), so that streams with a new junk token each cannot have
     * the aggregator flood the API server (found in review).
     */
    static final int MAX_REVIEWS_PER_SECOND = 50;

    /** The API server could not be asked: the agent should try again (UNAVAILABLE), not be refused. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message) {
            super(message);
        }
    }

    /**
     * What a review said of a token: the node it speaks for and the pod it was issued for (its
     * name and UID), or why it speaks for none.
     */
    public record Verdict(String node, String pod, String podUid, String refusal, long atMillis) {
        static Verdict refused(String refusal, long atMillis) {
            return new Verdict(null, null, null, refusal, atMillis);
        }
    }

    private final KubernetesClient client;
    private final String serviceAccount;
    private final LongSupplier clockMillis;
    /** The second reviews are counted in, and how many it had; guarded by {@link #remembered}. */
    private long reviewSecond = Long.MIN_VALUE;
    private int reviewsThisSecond;
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

    /**
     * The verdict on a hello naming {@code node} with {@code token}: the token's pod when it was
     * issued for a pod of the agents' account on {@code node}, else why not.
     *
     * @throws Unavailable when the API server could not be asked
     */
    public Verdict check(String token, String node) {
        if (token == null || token.isBlank()) {
            return Verdict.refused("the aggregator checks which node an agent runs on: send the pod's"
                    + " service-account token (tls.node_token_file) with audience " + AUDIENCE, clockMillis.getAsLong());
        }
        String key = Sha256.hex(token.strip());
        long now = clockMillis.getAsLong();
        Verdict v;
        synchronized (remembered) {
            v = remembered.get(key);
        }
        long keep = v == null ? 0 : v.refusal() == null ? REMEMBER_MILLIS : REMEMBER_REFUSAL_MILLIS;
        if (v == null || now - v.atMillis() >= keep) {
            synchronized (remembered) {
                if (now / 1000 != reviewSecond) {
                    reviewSecond = now / 1000;
                    reviewsThisSecond = 0;
                }
                if (++reviewsThisSecond > MAX_REVIEWS_PER_SECOND) {
                    throw new Unavailable("too many agent tokens to review this second; try again");
                }
            }
            v = review(token.strip(), now);
            synchronized (remembered) {
                remembered.put(key, v);
            }
        }
        if (v.refusal() != null || v.node().equals(node)) {
            return v;
        }
        return Verdict.refused("the agent's token was issued on node " + v.node() + ", and its hello names node "
                + node, v.atMillis());
    }

    /**
     * Null when the pod an admitted token was issued for still exists, the same pod (UID), on the
     * same node; else why the stream it let in no longer speaks for that node. Asked of an open
     * stream from time to time: the pod's binding to its node cannot change while it exists, so
     * the token need not be reviewed again (it expires within the hour, and the agent's next
     * stream sends the kubelet's new one).
     *
     * @throws Unavailable when the API server could not be asked
     */
    public String podRefusal(Verdict admitted) {
        Pod pod = readPod(admitted.pod());
        if (pod == null || pod.getMetadata() == null || !Objects.equals(admitted.podUid(), pod.getMetadata().getUid())) {
            return "the pod the agent's token was issued for (" + admitted.pod() + ") is gone";
        }
        String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        return admitted.node().equals(node) ? null
                : "the pod the agent's token was issued for (" + admitted.pod() + ") no longer runs on " + admitted.node();
    }

    private Verdict review(String token, long now) {
        TokenReview r;
        try {
            r = client.authentication().v1().tokenReviews().create(new TokenReviewBuilder().withNewSpec()
                    .withToken(token).withAudiences(AUDIENCE).endSpec().build());
        } catch (KubernetesClientException e) {
            LOG.warn("ingest: a TokenReview failed: {}", e.getMessage());
            throw new Unavailable("cannot ask the API server whose token this is now; try again");
        }
        return judge(r, serviceAccount, this::readPod, now);
    }

    /** The pod of the agents' namespace named {@code name}, null when there is none. */
    private Pod readPod(String name) {
        String ns = serviceAccount.substring(0, serviceAccount.indexOf(':'));
        try {
            return client.pods().inNamespace(ns).withName(name).get();
        } catch (KubernetesClientException e) {
            LOG.warn("ingest: reading the agent's pod {}/{} failed: {}", ns, name, e.getMessage());
            throw new Unavailable("cannot read the agent's pod from the API server now; try again");
        }
    }

    /**
     * What a TokenReview's answer means: the node the token speaks for, or why it speaks for
     * none. {@code pods} reads a pod of the agents' namespace by name (null when there is none).
     */
    static Verdict judge(TokenReview r, String serviceAccount, Function<String, Pod> pods, long now) {
        if (r == null || r.getStatus() == null || !Boolean.TRUE.equals(r.getStatus().getAuthenticated())) {
            // The API server fills in the error whenever it turns a token down ("[invalid bearer
            // token, service account token has expired]"), so an error is no sign that it could
            // not review (found in review: a rejected token was answered UNAVAILABLE, and asked
            // about again at every retry). A review it could not make fails the call (Unavailable).
            String error = r == null || r.getStatus() == null ? null : r.getStatus().getError();
            return Verdict.refused("the API server did not accept the agent's token"
                    + (error == null || error.isBlank() ? "" : " (" + error.strip() + ")"), now);
        }
        List<String> audiences = r.getStatus().getAudiences();
        if (audiences == null || !audiences.contains(AUDIENCE)) {
            // An API server that ignores the audience asked for answers none: the token may be
            // one for the API server itself, not one issued for Netwatch.
            return Verdict.refused("the agent's token is not for audience " + AUDIENCE, now);
        }
        UserInfo user = r.getStatus().getUser();
        String expected = "system:serviceaccount:" + serviceAccount;
        if (user == null || !expected.equals(user.getUsername())) {
            return Verdict.refused("the token is " + (user == null ? "nobody's" : user.getUsername() + "'s")
                    + ", not the agents' service account " + serviceAccount, now);
        }
        String podName = first(user.getExtra(), POD_EXTRA);
        if (podName == null) {
            return Verdict.refused("the agent's token is bound to no pod (a projected service-account token of"
                    + " the agent's pod is needed)", now);
        }
        Pod pod = pods.apply(podName);
        String uid = first(user.getExtra(), POD_UID_EXTRA);
        if (pod == null || pod.getSpec() == null || pod.getMetadata() == null
                || uid != null && !uid.equals(pod.getMetadata().getUid())) {
            return Verdict.refused("the pod the agent's token was issued for (" + podName + ") is gone", now);
        }
        String node = pod.getSpec().getNodeName();
        String tokenNode = first(user.getExtra(), NODE_EXTRA);
        if (node == null || node.isEmpty() || tokenNode != null && !tokenNode.equals(node)) {
            return Verdict.refused("the pod the agent's token was issued for (" + podName + ") runs on no node"
                    + " the token agrees with", now);
        }
        return new Verdict(node, podName, pod.getMetadata().getUid(), null, now);
    }

    private static String first(Map<String, List<String>> extra, String key) {
        List<String> values = extra == null ? null : extra.get(key);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

}
