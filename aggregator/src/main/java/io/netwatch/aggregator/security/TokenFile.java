package io.netwatch.aggregator.security;

import io.netwatch.common.TextFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * The query API's bearer token, read from a file (a mounted Secret) and reread when the
 * file changes. Only its SHA-256 is kept, and a presented token is compared by digest in
 * constant time, so neither its content nor its length leaks through timing.
 *
 * <p>Change is told by the content, as {@link io.netwatch.common.tls.CredentialReloader} tells
 * the certificates': a file's time can stay the same across two writes (a second's resolution
 * on some file systems, a copy that keeps the times). The file is small; reading it once a
 * period costs nothing.
 */
public final class TokenFile {
    /** A token file larger than this is a mistake (a key or a certificate), not a token. */
    static final int MAX_TOKEN_BYTES = 4096;
    /** Shorter tokens are guessable; `netwatch certs` makes 43 characters. */
    static final int MIN_TOKEN_CHARS = 16;

    private final Path path;
    private final SecurityCounters counters;
    private volatile byte[] digest;

    private TokenFile(Path path, SecurityCounters counters) {
        this.path = path;
        this.counters = counters;
    }

    /** @throws IllegalArgumentException naming the file when it cannot be read or holds no usable token */
    public static TokenFile load(Path path, SecurityCounters counters) {
        TokenFile t = new TokenFile(path, counters);
        try {
            t.read();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the query token file " + path + ": " + e, e);
        }
        return t;
    }

    /** Rereads the file and takes its token if it changed; on failure the previous token stays and it is counted. */
    public void refresh() {
        try {
            read();
        } catch (IOException | IllegalArgumentException e) {
            counters.reloadFailed();
        }
    }

    /** True when {@code presented} is the token. */
    public boolean matches(String presented) {
        return MessageDigest.isEqual(digest, Sha256.of(presented));
    }

    private void read() throws IOException {
        try {
            TextFiles.requireSmall(path, MAX_TOKEN_BYTES);
        } catch (TextFiles.NotSmallFile e) {
            throw new IllegalArgumentException("the query token file " + e.getMessage()
                    + (Files.exists(path) ? ": is it the right file?" : ""));
        }
        String token = Files.readString(path, StandardCharsets.UTF_8).strip();
        if (token.length() < MIN_TOKEN_CHARS || !TextFiles.isToken(token)) {
            throw new IllegalArgumentException("the query token file " + path + " must hold one token of at least "
                    + MIN_TOKEN_CHARS + " printable ASCII characters without spaces (netwatch certs makes one)");
        }
        digest = Sha256.of(token);
    }
}
