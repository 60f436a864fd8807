package io.netwatch.aggregator.alert;

import io.netwatch.common.TextFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a sink's secret comes from: a file (a mounted Kubernetes Secret) or an environment
 * variable (a Secret as env), never the command line or the alerts file itself, which is
 * usually a ConfigMap anyone with read access sees. A missing file or variable stops the
 * start with an error that names it.
 */
final class SecretSource {
    /** A secret is a key or a URL, not a file's worth of data. */
    static final int MAX_SECRET_BYTES = 8192;

    private final Map<String, String> environment;

    SecretSource(Map<String, String> environment) {
        this.environment = environment;
    }

    /**
     * As {@link #read}, for a secret sent in an HTTP header: one with a control character inside
     * (a file of two lines) or past Latin-1 is refused here, since the JDK would refuse the header on every send
     * with an error that quotes it, secret and all, into the log.
     */
    String readForHeader(YamlTree sink, Map<String, YamlTree> fields, String name) throws AlertsConfigException {
        String value = read(sink, fields, name);
        // The JDK refuses control characters (a tab aside: refused here too) and anything past Latin-1.
        if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c > 0xff)) {
            YamlTree file = fields.get(name + "_file");
            YamlTree where = file != null ? file : fields.get(name + "_env");
            throw where.error("the secret in " + where.text() + " has a line break, another control character"
                    + " or a character past Latin-1 inside; an HTTP header takes one line of Latin-1");
        }
        return value;
    }

    /**
     * Reads the secret {@code name} of a sink from {@code name_file} or {@code name_env} in
     * {@code fields}; exactly one must be given.
     */
    String read(YamlTree sink, Map<String, YamlTree> fields, String name) throws AlertsConfigException {
        YamlTree file = fields.get(name + "_file");
        YamlTree env = fields.get(name + "_env");
        if ((file == null) == (env == null)) {
            throw sink.error("give exactly one of " + name + "_file (a mounted Secret) or " + name
                    + "_env (an environment variable); secrets are never written in the alerts file");
        }
        String value;
        if (file != null) {
            Path p = Path.of(file.text());
            try {
                TextFiles.requireSmall(p, MAX_SECRET_BYTES);
                value = Files.readString(p, StandardCharsets.UTF_8).strip();
            } catch (TextFiles.NotSmallFile e) {
                throw file.error("secret file " + e.getMessage() + (!Files.exists(p) ? " (is the Secret mounted?)"
                        : Files.isDirectory(p) ? ": name the file in it, e.g. " + p.resolve("token") : ""));
            } catch (IOException e) {
                throw file.error("cannot read secret file " + p + ": " + e.getMessage());
            }
            if (value.isEmpty()) {
                throw file.error("secret file " + p + " is empty");
            }
        } else {
            value = environment.get(env.text());
            if (value == null || value.isBlank()) {
                throw env.error("environment variable " + env.text() + " is not set (or empty)");
            }
            value = value.strip();
        }
        return value;
    }
}
