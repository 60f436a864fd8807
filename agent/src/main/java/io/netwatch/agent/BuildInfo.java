package io.netwatch.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What this build of netwatch is: the Maven project version and, when the build was given
 * it, the git commit. Read from {@code build-info.properties}, which Maven fills in when the
 * agent module is built (resource filtering in agent/pom.xml), so it is right in tests and in
 * the jar alike. The one source of truth: the agent says it in its hello (the aggregator shows
 * it in {@code netwatch agents}) and {@code netwatch version} prints it.
 *
 * @param version the Maven project version, e.g. {@code 0.1.0-SNAPSHOT}
 * @param commit  the git commit the jar was built from; empty when the build did not say
 */
public record BuildInfo(String version, String commit) {
    private static final String RESOURCE = "build-info.properties";

    public BuildInfo {
        if (version == null || version.isBlank() || version.contains("${")) {
            throw new IllegalArgumentException("no project version in " + RESOURCE + " (was it filtered?): " + version);
        }
        commit = commit == null || commit.contains("${") ? "" : commit.strip();
    }

    /** This build's version, from the jar (or target/classes). */
    public static BuildInfo current() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        return new BuildInfo(p.getProperty("version"), p.getProperty("commit"));
    }

    /** One line, as {@code --version} and {@code netwatch version} print it. */
    public String describe() {
        return "netwatch " + version + (commit.isEmpty() ? "" : " (commit " + commit + ")");
    }
}
