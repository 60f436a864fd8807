package io.netwatch.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code netwatch certs}: a development CA and the certificates mTLS needs (the aggregator's
 * server certificate with its Service names, an agent client certificate, a query client
 * certificate), a query bearer token, and optionally the Kubernetes Secrets the manifests
 * mount. Keys and the token are written owner-only (0600).
 */
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = "Make a development CA, certificates for the aggregator, the agents and a query client, and a"
                + " query token, as PEM files (keys mode 0600); optionally the Kubernetes Secrets the manifests use.")
final class CertsCommand implements Callable<Integer> {
    /** The Secrets manifests/ mounts, by role. */
    static final String AGGREGATOR_SECRET = "netwatch-aggregator-tls";
    static final String AGENT_SECRET = "netwatch-agent-tls";
    static final String TOKEN_SECRET = "netwatch-query-token";
    /** Issued this far in the past too, so a node whose clock is a little behind accepts them. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    @Option(names = "--out", defaultValue = "netwatch-certs",
            description = "Directory to write into; made if missing (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--namespace", defaultValue = "netwatch",
            description = "Namespace of the aggregator's Service, for its DNS names (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--service", defaultValue = "netwatch-aggregator",
            description = "Name of the aggregator's Service (default: ${DEFAULT-VALUE}).")
    String service;

    @Option(names = "--cluster-domain", defaultValue = "cluster.local",
            description = "The cluster's DNS domain (default: ${DEFAULT-VALUE}).")
    String clusterDomain;

    @Option(names = "--san", split = ",",
            description = "More DNS names or IP addresses for the aggregator's certificate. Repeatable.")
    List<String> extraNames = new ArrayList<>();

    /** Longest validity: 100 years. */
    static final int MAX_DAYS = 36_500;

    @Option(names = "--days", defaultValue = "365", description = "Validity of every certificate, days (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--secret-yaml",
            description = "Also write the Secrets " + AGGREGATOR_SECRET + ", " + AGENT_SECRET + " and " + TOKEN_SECRET
                    + " (namespace --namespace) to this YAML file, for kubectl apply -f.")
    Path secretYaml;

    @Option(names = "--force", description = "Overwrite files that exist (otherwise they are left alone and the command fails).")
    boolean force;

    @Override
    public Integer call() {
        if (days < 1 || days > MAX_DAYS) {
            // X.509 times end in the year 9999 (RFC 5280); long before that a CA this old is a risk.
            throw new IllegalArgumentException("--days must be 1 to " + MAX_DAYS + " (100 years), got " + days);
        }
        if (!namespace.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") || !service.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
            throw new IllegalArgumentException("--namespace and --service must be Kubernetes names (lowercase letters,"
                    + " digits and '-'), got '" + namespace + "' and '" + service + "'");
        }
        Instant from = Instant.now().minus(CLOCK_SKEW);
        Instant to = from.plus(Duration.ofDays(days)).plus(CLOCK_SKEW);
        DevCertificates.Issued ca = DevCertificates.authority("netwatch development CA", from, to);
        List<String> names = aggregatorNames();
        DevCertificates.Issued aggregator = DevCertificates.issue(ca, service, DevCertificates.Role.SERVER, names, from, to);
        DevCertificates.Issued agent = DevCertificates.issue(ca, "netwatch-agent", DevCertificates.Role.CLIENT, List.of(), from, to);
        DevCertificates.Issued query = DevCertificates.issue(ca, "netwatch-query", DevCertificates.Role.CLIENT, List.of(), from, to);
        String token = newToken();

        Map<Path, String> files = new LinkedHashMap<>();
        files.put(out.resolve("ca.crt"), ca.certificatePem());
        files.put(out.resolve("ca.key"), ca.keyPem());
        files.put(out.resolve("aggregator.crt"), aggregator.certificatePem());
        files.put(out.resolve("aggregator.key"), aggregator.keyPem());
        files.put(out.resolve("agent.crt"), agent.certificatePem());
        files.put(out.resolve("agent.key"), agent.keyPem());
        files.put(out.resolve("query.crt"), query.certificatePem());
        files.put(out.resolve("query.key"), query.keyPem());
        files.put(out.resolve("query.token"), token + "\n");
        if (secretYaml != null) {
            files.put(secretYaml, secrets(ca, aggregator, agent, token));
        }
        if (secretYaml != null && Files.isDirectory(secretYaml)) {
            // --force deletes what it overwrites: an empty directory went, a full one failed halfway.
            throw new NetwatchMain.UserError("--secret-yaml: " + secretYaml + " is a directory; give the name of a"
                    + " file to write (netwatch-secrets.yaml); nothing was written");
        }
        if (!force) {
            for (Path p : files.keySet()) {
                if (Files.exists(p)) {
                    throw new NetwatchMain.UserError(p.equals(secretYaml)
                            ? "--secret-yaml: " + p + " exists; remove it, choose another file, or pass --force"
                            : p + " exists; remove it, choose another --out, or pass --force");
                }
            }
        }
        if (secretYaml != null) {
            // Checked before anything is written: a rerun would otherwise need --force.
            Path parent = secretYaml.toAbsolutePath().getParent();
            // The --out directory is made below: a Secret file in it is fine on a first run
            // (found in review: "certs --out certs --secret-yaml certs/s.yaml" was refused).
            if (parent != null && !Files.isDirectory(parent) && !parent.equals(out.toAbsolutePath())) {
                throw new NetwatchMain.UserError("--secret-yaml: no directory " + parent + "; nothing was written");
            }
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            // Found by a new user: the reason was the exception itself,
            // "(java.nio.file.FileAlreadyExistsException: out)".
            throw new NetwatchMain.UserError("--out: cannot make the directory " + out + ": " + reason(e));
        }
        for (Map.Entry<Path, String> f : files.entrySet()) {
            Path p = f.getKey();
            boolean secret = !p.getFileName().toString().endsWith(".crt");
            write(p, f.getValue(), secret);
        }
        System.out.println("netwatch certs: CA, aggregator (" + String.join(", ", names) + "), agent and query"
                + " certificates, valid until " + to + ", and a query token in " + out
                + (secretYaml == null ? "" : "; Secrets in " + secretYaml));
        return 0;
    }

    /** An IPv4 or IPv6 literal, as a SAN may hold one. */
    private static final String IP_LITERAL = "(\\d{1,3}(\\.\\d{1,3}){3})|([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)";
    /** A DNS name of RFC 1123 labels, optionally a wildcard's '*.' first. */
    private static final String DNS_NAME = "(\\*\\.)?([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*";

    /** The Service's names in the cluster, then localhost, then the extra ones. */
    List<String> aggregatorNames() {
        List<String> names = new ArrayList<>(List.of(service, service + "." + namespace, service + "." + namespace + ".svc",
                service + "." + namespace + ".svc." + clusterDomain, "localhost", "127.0.0.1", "::1"));
        for (String n : extraNames) {
            String name = n.trim();
            if (name.isEmpty() || names.contains(name)) {
                continue;
            }
            if (!name.matches(IP_LITERAL) && !name.matches(DNS_NAME)) {
                // Found in review: 'bad name!' was written into the certificate.
                throw new IllegalArgumentException("--san: '" + name + "' is neither an IP address nor a DNS name"
                        + " (letters, digits, '-' and '.', a leading '*.' allowed)");
            }
            names.add(name);
        }
        return names;
    }

    private static String newToken() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Secrets in cert-manager's layout (tls.crt, tls.key, ca.crt), so either source fits the manifests. */
    private String secrets(DevCertificates.Issued ca, DevCertificates.Issued aggregator, DevCertificates.Issued agent,
                           String token) {
        return "# Made by netwatch certs: development certificates for the manifests in manifests/ (docs/security.md).\n"
                + tlsSecret(AGGREGATOR_SECRET, "aggregator", ca, aggregator)
                + "---\n" + tlsSecret(AGENT_SECRET, "agent", ca, agent)
                + "---\n" + header(TOKEN_SECRET, "aggregator", "Opaque")
                + "data:\n  token: " + b64(token) + "\n";
    }

    private String tlsSecret(String name, String component, DevCertificates.Issued ca, DevCertificates.Issued leaf) {
        return header(name, component, "kubernetes.io/tls") + "data:\n"
                + "  tls.crt: " + b64(leaf.certificatePem()) + "\n"
                + "  tls.key: " + b64(leaf.keyPem()) + "\n"
                + "  ca.crt: " + b64(ca.certificatePem()) + "\n";
    }

    private String header(String name, String component, String type) {
        return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name + "\n  namespace: " + namespace + "\n"
                + "  labels:\n    app.kubernetes.io/name: netwatch\n    app.kubernetes.io/part-of: netwatch\n"
                + "    app.kubernetes.io/component: " + component + "\ntype: " + type + "\n";
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** Secret files are created owner-only, never readable by others even for an instant. */
    private void write(Path p, String text, boolean secret) {
        try {
            if (force) {
                Files.deleteIfExists(p);
            }
            if (secret) {
                Files.createFile(p, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            }
            Files.writeString(p, text, StandardCharsets.US_ASCII, secret
                    ? new StandardOpenOption[] {StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING}
                    : new StandardOpenOption[] {StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE});
        } catch (FileAlreadyExistsException e) {
            throw new NetwatchMain.UserError(p + " appeared while writing; nothing overwritten");
        } catch (IOException e) {
            throw new NetwatchMain.UserError("cannot write " + p + ": " + reason(e));
        }
    }

    /**
     * Why a directory could not be made or a file written, in words: the JDK's message is often
     * the bare path. (A file that exists is "not a directory" only where one was to be made: a
     * write asks for a new file and says so itself.)
     */
    static String reason(IOException e) {
        return switch (e) {
            case java.nio.file.FileAlreadyExistsException x -> x.getFile() + " is a file, not a directory";
            case java.nio.file.NoSuchFileException n -> "no such file or directory: " + n.getFile();
            case java.nio.file.AccessDeniedException a -> "permission denied: " + a.getFile();
            case java.nio.file.FileSystemException f when f.getReason() != null -> f.getReason().toLowerCase(
                    java.util.Locale.ROOT) + ": " + f.getFile();
            default -> String.valueOf(e.getMessage());
        };
    }
}
