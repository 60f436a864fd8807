package io.netwatch.cli;

import io.netwatch.cli.config.ConfigPrinter;
import io.netwatch.cli.config.ConfigSchema;
import io.netwatch.cli.config.ConfigValues;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where the settings of {@code agent} and {@code aggregator} come from (defaults, {@code --config},
 * the environment) and {@code --print-config}; each command then lays its own options on top.
 */
final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "The ${COMMAND-NAME}'s YAML configuration (${COMMAND-NAME}.yaml).")
    Path file;

    @Option(names = "--print-config", description = "Print the effective configuration as YAML (every default "
            + "included) and exit; a configuration the ${COMMAND-NAME} would refuse is refused here too.")
    boolean print;

    /** The process environment; tests give their own. */
    Map<String, String> environment = System.getenv();

    /** Defaults, then the file, then the environment. */
    ConfigValues load(ConfigSchema schema) {
        return ConfigValues.load(schema, file, environment);
    }

    /**
     * With {@code --print-config}, prints the settings as YAML and says so: the command ends
     * there. Call it once the settings have been checked as for a run.
     */
    boolean printed(ConfigValues v) {
        if (print) {
            System.out.print(ConfigPrinter.yaml(v));
        }
        return print;
    }
}
