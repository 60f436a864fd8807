package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.BuildInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class VersionCommandTest {
    /** The version the parent pom declares: what every module and the jar are built as. */
    private static String pomVersion() throws IOException {
        String pom = Files.readString(Samples.repoRoot().resolve("pom.xml"));
        Matcher m = Pattern.compile("<artifactId>netwatch-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find(), "no version after netwatch-parent in pom.xml");
        return m.group(1);
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new NetwatchMain()).setOut(new PrintWriter(out, true));
        assertEquals(0, cl.execute(args));
        return out.toString();
    }

    @Test
    void buildInfoCarriesTheMavenProjectVersion() throws IOException {
        BuildInfo build = BuildInfo.current();
        assertEquals(pomVersion(), build.version());
        assertFalse(build.commit().contains("$"), "unfiltered commit: " + build.commit());
    }

    @Test
    void versionCommandPrintsTheVersionAndTheJavaRuntime() throws IOException {
        String out = run("version");
        assertTrue(out.startsWith("netwatch " + pomVersion()), out);
        assertTrue(out.contains("java " + Runtime.version()), out);
    }

    @Test
    void versionOptionSaysTheSame() throws IOException {
        assertEquals(BuildInfo.current().describe(), run("--version").strip());
        assertTrue(run("--version").startsWith("netwatch " + pomVersion()));
    }

    @Test
    void anUnfilteredFileIsRefusedAndAnUnknownCommitIsEmpty() {
        assertThrows(IllegalArgumentException.class, () -> new BuildInfo("${project.version}", ""));
        BuildInfo b = new BuildInfo("1.2.3", "${netwatch.git.commit}");
        assertEquals("", b.commit());
        assertEquals("netwatch 1.2.3", b.describe());
        assertEquals("netwatch 1.2.3 (commit abc123)", new BuildInfo("1.2.3", " abc123\n").describe());
    }
}
