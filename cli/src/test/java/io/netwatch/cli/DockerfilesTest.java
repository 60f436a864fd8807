package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What can be checked of the images without a container engine: the stages, pinned base
 * images, the jar path the Maven build really produces, entrypoints that run real netwatch
 * subcommands, the agent's system packages, the aggregator's user, OCI labels and
 * .dockerignore. Each check also runs on a copy broken on purpose.
 */
class DockerfilesTest {
    private static String version;
    private static String jarName;

    @BeforeAll
    static void readPoms() throws IOException {
        version = ManifestsTest.projectVersion();
        Matcher m = Pattern.compile("<finalName>([^<]+)</finalName>")
                .matcher(Files.readString(Samples.repoRoot().resolve("cli/pom.xml")));
        assertTrue(m.find(), "cli/pom.xml has no finalName");
        jarName = m.group(1) + ".jar";
    }

    /** One instruction: its keyword (upper case) and the rest, continuation lines joined. */
    record Instruction(String keyword, String args) {
    }

    /** One stage: its base image, its name, and its instructions after FROM. */
    record Stage(String image, String name, List<Instruction> instructions) {
        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
        }
    }

    private static final Pattern FROM = Pattern.compile("(?i)(?:--platform=\\S+\\s+)?(\\S+)(?:\\s+AS\\s+(\\S+))?\\s*");

    static List<Stage> parse(String dockerfile) {
        List<Stage> stages = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        List<String> instructions = new ArrayList<>();
        for (String line : dockerfile.split("\n")) {
            String t = line.strip();
            if (t.startsWith("#") || (t.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (t.endsWith("\\")) {
                current.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            current.append(t);
            instructions.add(current.toString().strip());
            current.setLength(0);
        }
        for (String text : instructions) {
            String[] kv = text.split("\\s+", 2);
            Instruction i = new Instruction(kv[0].toUpperCase(), kv.length > 1 ? kv[1] : "");
            if (i.keyword().equals("FROM")) {
                Matcher m = FROM.matcher(i.args());
                assertTrue(m.matches(), "cannot read FROM " + i.args());
                stages.add(new Stage(m.group(1), m.group(2), new ArrayList<>()));
            } else if (!stages.isEmpty()) {
                stages.getLast().instructions().add(i);
            }
        }
        return stages;
    }

    private static String read(String file) throws IOException {
        return Files.readString(Samples.repoRoot().resolve(file));
    }

    // ---------------------------------------------------------------- the checks

    /** Everything both images share: stages, pinned bases, the jar, the entrypoint, labels. */
    static List<String> common(String dockerfile, String subcommand, String version, String jarName) {
        List<String> problems = new ArrayList<>();
        List<Stage> stages = parse(dockerfile);
        if (stages.size() != 2 || !"build".equals(stages.get(0).name()) || !"runtime".equals(stages.get(1).name())) {
            return List.of("expected two stages, 'build' then 'runtime', found "
                    + stages.stream().map(s -> s.image() + " AS " + s.name()).toList());
        }
        for (Stage s : stages) {
            problems.addAll(pinned(s.image()));
        }
        Stage build = stages.get(0);
        Stage runtime = stages.get(1);

        List<Instruction> workdirs = build.all("WORKDIR");
        String workdir = workdirs.isEmpty() ? "" : workdirs.getLast().args();
        boolean builds = build.all("RUN").stream().anyMatch(r -> r.args().matches(".*\\bmvn\\b.*")
                && r.args().contains("-pl cli") && r.args().contains("-am") && r.args().matches(".*\\b(package|install)\\b.*"));
        if (!builds) {
            problems.add("the build stage does not run mvn ... -pl cli -am package");
        }
        String produced = workdir + "/cli/target/" + jarName;
        List<Instruction> copies = runtime.all("COPY").stream().filter(c -> c.args().startsWith("--from=build ")).toList();
        String installedJar = null;
        if (copies.size() != 1) {
            problems.add("expected one COPY --from=build in the runtime stage, found " + copies.size());
        } else {
            String[] parts = copies.getFirst().args().split("\\s+");
            if (parts.length != 3 || !parts[1].equals(produced)) {
                problems.add("the runtime stage copies " + (parts.length > 1 ? parts[1] : "?") + ", but the build produces "
                        + produced);
            }
            installedJar = parts[parts.length - 1];
        }

        List<Instruction> entrypoints = runtime.all("ENTRYPOINT");
        if (entrypoints.size() != 1) {
            problems.add("expected one ENTRYPOINT, found " + entrypoints.size());
        } else {
            List<String> argv;
            try {
                argv = new ObjectMapper().readValue(entrypoints.getFirst().args(), new TypeReference<List<String>>() { });
            } catch (IOException e) {
                return append(problems, "ENTRYPOINT is not in exec form (a JSON array): " + entrypoints.getFirst().args());
            }
            int jar = argv.indexOf("-jar");
            if (argv.isEmpty() || !argv.getFirst().equals("java") || jar < 0 || jar + 2 >= argv.size()) {
                problems.add("ENTRYPOINT " + argv + " is not java ... -jar JAR " + subcommand);
            } else {
                if (!argv.get(jar + 1).equals(installedJar)) {
                    problems.add("ENTRYPOINT runs " + argv.get(jar + 1) + ", but the jar is copied to " + installedJar);
                }
                String sub = argv.get(jar + 2);
                if (!sub.equals(subcommand) || jar + 3 != argv.size()) {
                    problems.add("ENTRYPOINT " + argv + " should end with the subcommand " + subcommand
                            + " (its options come from the manifests' args)");
                }
                if (!new CommandLine(new NetwatchMain()).getSubcommands().containsKey(sub)) {
                    problems.add("ENTRYPOINT runs netwatch " + sub + ", which is not a netwatch subcommand");
                }
            }
        }

        Map<String, String> labels = labels(runtime);
        for (String key : List.of("title", "description", "version", "revision")) {
            if (!labels.containsKey("org.opencontainers.image." + key)) {
                problems.add("no OCI label org.opencontainers.image." + key);
            }
        }
        boolean versionArg = runtime.all("ARG").stream().anyMatch(a -> a.args().equals("VERSION=" + version));
        if (!versionArg || !"${VERSION}".equals(labels.get("org.opencontainers.image.version"))) {
            problems.add("the version label is not ${VERSION} with ARG VERSION=" + version + " (the Maven project version)");
        }
        return problems;
    }

    private static List<String> append(List<String> problems, String problem) {
        problems.add(problem);
        return problems;
    }

    private static final Pattern LABEL = Pattern.compile("(\\S+?)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S+)");

    static Map<String, String> labels(Stage s) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Instruction i : s.all("LABEL")) {
            Matcher m = LABEL.matcher(i.args());
            while (m.find()) {
                String v = m.group(2);
                out.put(m.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
            }
        }
        return out;
    }

    /** A base image names a version: a tag with a digit in it, never latest, never none. */
    static List<String> pinned(String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.indexOf(':', slash + 1);
        String tag = colon < 0 ? "" : image.substring(colon + 1).replaceAll("@.*", "");
        if (image.contains("${") || tag.isEmpty() || tag.equals("latest") || !tag.matches(".*\\d.*")) {
            return List.of("base image " + image + " is not pinned to a version tag");
        }
        return List.of();
    }

    static List<String> agentOnly(String dockerfile) {
        Stage runtime = parse(dockerfile).getLast();
        String runs = String.join("\n", runtime.all("RUN").stream().map(Instruction::args).toList());
        List<String> problems = new ArrayList<>();
        if (!runs.matches("(?s).*apt-get install.*\\blibpcap0\\.8(t64)?\\b.*")) {
            problems.add("the agent image does not install libpcap0.8");
        }
        if (!runs.matches("(?s).*apt-get install.*\\bnftables\\b.*")) {
            problems.add("the agent image does not install nftables");
        }
        return problems;
    }

    /** The aggregator's last USER: numeric (so Kubernetes can check runAsNonRoot) and not root. */
    static List<String> aggregatorUser(String dockerfile, long deploymentUid) {
        List<Instruction> users = parse(dockerfile).getLast().all("USER");
        if (users.isEmpty()) {
            return List.of("the aggregator image has no USER: it would run as root");
        }
        String user = users.getLast().args().split(":")[0];
        if (!user.matches("\\d+") || Long.parseLong(user) == 0) {
            return List.of("the aggregator image runs as user " + user + ", not a numeric non-root uid");
        }
        if (Long.parseLong(user) != deploymentUid) {
            return List.of("the aggregator image runs as " + user + " but the Deployment as " + deploymentUid);
        }
        return List.of();
    }

    static List<String> dockerignore(String text) {
        List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        List<String> problems = new ArrayList<>();
        if (lines.stream().noneMatch(l -> l.matches("(\\*\\*/)?target/?"))) {
            problems.add(".dockerignore does not exclude target/ (a local build would leak into the image)");
        }
        if (!lines.contains(".git") && !lines.contains(".git/")) {
            problems.add(".dockerignore does not exclude .git");
        }
        for (String needed : List.of("pom.xml", "cli", "agent", "aggregator", "common", "proto", "*/src", "samples/demo.pcap")) {
            if (lines.contains(needed) || lines.contains(needed + "/")) {
                problems.add(".dockerignore excludes " + needed + ", which the Maven build needs");
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------- the tests

    @Test
    void agentImage() throws IOException {
        String df = read("Dockerfile.agent");
        assertEquals(List.of(), common(df, "agent", version, jarName));
        assertEquals(List.of(), agentOnly(df));
    }

    @Test
    void aggregatorImage() throws IOException {
        String df = read("Dockerfile.aggregator");
        assertEquals(List.of(), common(df, "aggregator", version, jarName));
        ManifestSet manifests = ManifestSet.load(Samples.repoRoot().resolve("manifests"));
        Long uid = manifests.the(Deployment.class, "netwatch-aggregator").getSpec().getTemplate().getSpec()
                .getSecurityContext().getRunAsUser();
        assertEquals(List.of(), aggregatorUser(df, uid));
    }

    @Test
    void dockerignoreKeepsBuildOutputAndHistoryOut() throws IOException {
        assertEquals(List.of(), dockerignore(read(".dockerignore")));
    }

    @Test
    void brokenDockerfilesAreNoticed() throws IOException {
        String agent = read("Dockerfile.agent");
        String aggregator = read("Dockerfile.aggregator");
        assertNoticed(common(agent.replace("eclipse-temurin:25-jre-noble AS", "eclipse-temurin AS"), "agent", version, jarName),
                "base image eclipse-temurin is not pinned");
        assertNoticed(common(agent.replace("eclipse-temurin:25-jre-noble AS", "eclipse-temurin:latest AS"), "agent", version, jarName),
                "is not pinned");
        assertNoticed(common(agent.replace(" AS runtime", ""), "agent", version, jarName), "expected two stages");
        assertNoticed(common(agent.replace("/src/cli/target/netwatch.jar", "/src/cli/target/netwatch-cli.jar"), "agent", version,
                jarName), "but the build produces /src/cli/target/netwatch.jar");
        assertNoticed(common(agent, "agent", version, "netwatch-0.1.jar"), "but the build produces /src/cli/target/netwatch-0.1.jar");
        assertNoticed(common(agent.replace("netwatch.jar\", \"agent\"]", "netwatch.jar\", \"agnet\"]"), "agent", version, jarName),
                "which is not a netwatch subcommand");
        assertNoticed(common(agent.replace("\"-jar\", \"/opt/netwatch/netwatch.jar\"", "\"-jar\", \"/app.jar\""), "agent", version,
                jarName), "ENTRYPOINT runs /app.jar");
        assertNoticed(common(aggregator.replace("\"aggregator\"]", "\"aggregator\", \"--listen=:1\"]"), "aggregator", version, jarName),
                "should end with the subcommand aggregator");
        assertNoticed(common(agent.replace("org.opencontainers.image.revision", "revision"), "agent", version, jarName),
                "no OCI label org.opencontainers.image.revision");
        assertNoticed(common(agent, "agent", "9.9.9", jarName), "ARG VERSION=9.9.9");
        assertNoticed(agentOnly(agent.replace("libpcap0.8t64 ", "")), "does not install libpcap0.8");
        assertNoticed(agentOnly(agent.replace(" nftables ", " ")), "does not install nftables");
        assertNoticed(aggregatorUser(aggregator.replace("USER 10001:10001", "USER root"), 10001), "runs as user root");
        assertNoticed(aggregatorUser(aggregator.replace("USER 10001:10001\n", ""), 10001), "no USER");
        assertNoticed(aggregatorUser(aggregator, 10002), "but the Deployment as 10002");
        assertNoticed(dockerignore(read(".dockerignore").replace("**/target/\n", "")), "does not exclude target/");
        assertNoticed(dockerignore(read(".dockerignore").replace(".git\n", "")), "does not exclude .git");
    }

    private static void assertNoticed(List<String> problems, String expected) {
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected)), () -> "expected '" + expected + "' in " + problems);
    }
}
