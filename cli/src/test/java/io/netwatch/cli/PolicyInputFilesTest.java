package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A directory given where the policy commands want a file: one line naming it, status 2, as the other commands do. */
class PolicyInputFilesTest {
    @TempDir
    Path dir;

    private static String fixture(String name) throws Exception {
        return Path.of(PolicyInputFilesTest.class.getResource("/policy/" + name).toURI()).toString();
    }

    private void assertRefused(String command, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(2, r.code(), String.join(" ", args) + ":\n" + r.stderr());
        assertEquals("netwatch " + command + ": cannot read " + dir + ": it is a directory, not a file",
                r.stderr().strip());
    }

    @Test
    void aDirectoryAsTheFlowsFileIsNamedNotAStackTrace() throws Exception {
        // Found trying it: `policy check --flows DIR` printed java.io.IOException's stack trace and exited 1.
        assertRefused("policy check", "policy", "check", "--cluster", fixture("cluster.yaml"), "--flows",
                dir.toString());
        assertRefused("policy suggest", "policy", "suggest", "-n", "shop", "--cluster",
                fixture("cluster.yaml"), "--flows", dir.toString());
    }

    @Test
    void aDirectoryAsTheClusterFileIsNotCalledInvalidYaml() throws Exception {
        // Found trying it: "DIR: not valid YAML: java.io.IOException: Is a directory at [Source: (sun.nio.ch...".
        assertRefused("policy check", "policy", "check", "--cluster", dir.toString(), "--flows",
                fixture("flows.jsonl"));
        assertRefused("policy suggest", "policy", "suggest", "-n", "shop", "--cluster", dir.toString(),
                "--flows", fixture("flows.jsonl"));
    }

    @Test
    void aDirectoryAsThePoliciesFileSaysSo() throws Exception {
        assertRefused("policy simulate", "policy", "simulate", "--policies", dir.toString(),
                "--cluster", fixture("cluster.yaml"), "--flows", fixture("flows.jsonl"));
    }
}
