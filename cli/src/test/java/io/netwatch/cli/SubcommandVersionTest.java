package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.agent.BuildInfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's help offers -V, --version: each must print what `netwatch --version` prints. */
class SubcommandVersionTest {
    @Test
    void everyCommandsVersionOptionPrintsTheVersion() {
        // Found trying it: `netwatch observe -V` printed nothing and exited 0.
        List<List<String>> paths = new ArrayList<>();
        collect(NetwatchMain.commandLine(), List.of(), paths);
        assertTrue(paths.size() > 15, "commands found: " + paths);
        for (List<String> path : paths) {
            for (String option : List.of("--version", "-V")) {
                List<String> args = new ArrayList<>(path);
                args.add(option);
                CliRun r = CliRun.of(args.toArray(String[]::new));
                assertEquals(0, r.code(), args + ": " + r.stderr());
                assertEquals(BuildInfo.current().describe(), r.stdout().strip(), args + " printed this");
            }
        }
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> into) {
        if (cl.getCommandSpec().findOption("--version") != null) {
            into.add(path);
        }
        cl.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                List<String> p = new ArrayList<>(path);
                p.add(name);
                collect(sub, p, into);
            }
        });
    }
}
