package io.netwatch.aggregator.security;

import io.netwatch.common.TextFiles;
import io.netwatch.common.tls.CredentialReloader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query API's bearer token, read from a file (a mounted Secret) and reread when the
 * file changes. Only its SHA-256 is kept, and a presented token is compared by digest in
 * constant time, so neither its content nor its length leaks through timing.
 *
 * <p>Change is told by the content, as {@link CredentialReloader} tells the certificates': a
 * file's time can stay the same across two writes (a second's resolution on some file systems,
 * a copy that keeps the times). The file is small; reading it once a period costs nothing.
 *
 * <p>A reread that fails (the file gone, unreadable, empty, holding something else) keeps the
 * token in force, as the certificates' do: a Secret being rewritten must not lock every query
 * client out. It is counted each time, and said once while it fails the same way, with what
 * to fix; its rereads run on the housekeeping schedule, never per call.
 */
public final class TokenFile {
    private static final Logger LOG = LoggerFactory.getLogger(TokenFile.class);
    /** A token file larger than this is a mistake (a key or a certificate), not a token. */
    static final int MAX_TOKEN_BYTES = 4096;
    /** Shorter tokens are guessable; `netwatch certs` makes 43 characters. */
    static final int MIN_TOKEN_CHARS = 16;

    private final Path path;
    private final CredentialReloader.Events events;
    private volatile byte[] digest;
    /** Why the last reread failed, null when it did not: a failure is said once while it repeats. */
    private String failure;

    private TokenFile(Path path, CredentialReloader.Events events) {
        this.path = path;
        this.events = Objects.requireNonNull(events);
    }

    /**
     * The token file, its failed rereads counted in {@code counters} and logged.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or holds no usable token
     */
    public static TokenFile load(Path path, SecurityCounters counters) {
        return load(path, said(LOG::warn, LOG::info, counters));
    }

    /** As {@link #load(Path, SecurityCounters)}, the rereads told to {@code events}. */
    static TokenFile load(Path path, CredentialReloader.Events events) {
        TokenFile t = new TokenFile(path, events);
        t.digest = t.read();
        return t;
    }

    /**
     * Each failed reread counted, and said to {@code warn} once while it fails the same way; a
     * changed token taken said to {@code info}. Lines as the certificates' ("tls: ...").
     */
    static CredentialReloader.Events said(Consumer<String> warn, Consumer<String> info, SecurityCounters counters) {
        return new CredentialReloader.Events() {
            @Override
            public void failed(String why, boolean repeated) {
                counters.reloadFailed();
                if (!repeated) {
                    warn.accept("tls: " + why + "; the query token in force stays until it is fixed");
                }
            }

            @Override
            public void reloaded(String what) {
                info.accept("tls: took " + what);
            }
        };
    }

    /**
     * Rereads the file and takes its token if it changed; on failure the previous token stays,
     * and it is told ({@link #said}). Never throws: it runs on a schedule, which one exception
     * would end.
     */
    public void refresh() {
        try {
            byte[] read = read();
            if (!MessageDigest.isEqual(read, digest)) {
                digest = read;
                events.reloaded("the query token in " + path);
            }
            failure = null;
        } catch (RuntimeException e) {
            String why = e instanceof IllegalArgumentException ? e.getMessage()
                    : "rereading the query token file " + path + " failed: " + e;
            events.failed(why, why.equals(failure));
            failure = why;
        }
    }

    /** True when {@code presented} is the token. */
    public boolean matches(String presented) {
        return MessageDigest.isEqual(digest, Sha256.of(presented));
    }

    /**
     * The digest of the file's token.
     *
     * @throws IllegalArgumentException naming the file and what to fix
     */
    private byte[] read() {
        String token;
        try {
            TextFiles.requireSmall(path, MAX_TOKEN_BYTES);
            token = Files.readString(path, StandardCharsets.UTF_8).strip();
        } catch (TextFiles.NotSmallFile e) {
            throw new IllegalArgumentException("the query token file " + e.getMessage()
                    + (Files.exists(path) ? ": is it the right file?" : ": put the token back there (the manifests mount it from the Secret netwatch-query-token)"));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the query token file " + path + ": "
                    + TextFiles.whyUnreadable(e), e);
        }
        if (token.length() < MIN_TOKEN_CHARS || !TextFiles.isToken(token)) {
            throw new IllegalArgumentException("the query token file " + path + " must hold one token of at least "
                    + MIN_TOKEN_CHARS + " printable ASCII characters without spaces (netwatch certs makes one)"
                    + (token.isEmpty() ? ": it is empty" : ""));
        }
        return Sha256.of(token);
    }
}
