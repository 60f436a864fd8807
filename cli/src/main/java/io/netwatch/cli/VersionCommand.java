package io.netwatch.cli;

import io.netwatch.agent.BuildInfo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code netwatch version}: the build's version and commit, and the Java runtime under it. */
@Command(name = "version", mixinStandardHelpOptions = true,
        description = "Print the netwatch version, the git commit it was built from (when known) and the Java runtime.")
final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        BuildInfo build = BuildInfo.current();
        var out = spec.commandLine().getOut();
        out.println(build.describe());
        out.println("java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")");
        out.flush();
        return 0;
    }

    /** Feeds {@code netwatch --version} (and every subcommand's) from the same build info. */
    static final class Provider implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {BuildInfo.current().describe()};
        }
    }
}
