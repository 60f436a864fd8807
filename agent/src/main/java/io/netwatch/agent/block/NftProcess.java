package io.netwatch.agent.block;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the nft executable as a child process. We talk to nftables through the nft program
 * rather than libnftables over FFM or netlink directly: {@code nft -f -} applies a whole
 * script as one atomic kernel transaction (all of it or none), {@code nft -j list} gives the
 * state as JSON, and the program is what an operator runs too, so an error here reads the same
 * as on their terminal. A run costs a few milliseconds, well inside the 2 s budget of a block.
 */
public final class NftProcess implements Nft {
    /** Most output kept from one run, characters: a listing of 65,536 elements fits. */
    static final int MAX_OUTPUT_CHARS = 16 << 20;

    private static final Executor READERS = r -> Thread.ofVirtual().name("netwatch-nft-output").start(r);

    private final List<String> command;
    private final Duration timeout;

    /**
     * @param command the executable and any prefix ({@code nft}, or {@code ip netns exec NS nft})
     * @param timeout a run taking longer is killed and fails
     */
    public NftProcess(List<String> command, Duration timeout) {
        this.command = List.copyOf(command);
        this.timeout = timeout;
    }

    @Override
    public Result run(String script, List<String> args) {
        List<String> cmd = new ArrayList<>(command);
        cmd.addAll(args);
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            return new Result(-1, "", "cannot run " + command.getFirst() + ": " + e.getMessage());
        }
        // Both pipes drain at once, each on its own virtual thread, so nft never stalls on a full
        // one; the script is written on a third, so a program that does not read it (stuck before
        // reading) still meets the timeout instead of holding this thread in write().
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()), READERS);
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()), READERS);
        CompletableFuture.runAsync(() -> write(p.getOutputStream(), script), READERS);
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "", String.join(" ", cmd) + " did not finish within " + timeout.toMillis() + " ms");
            }
            return new Result(p.exitValue(), out.get(timeout.toMillis(), TimeUnit.MILLISECONDS),
                    err.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(-1, "", "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            return new Result(-1, "", "reading nft's output failed: " + e);
        }
    }

    private static void write(OutputStream stdin, String script) {
        try (stdin) {
            if (script != null) {
                stdin.write(script.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // nft exited (or was killed) before reading everything; its exit status and error say why
        }
    }

    private static String read(InputStream in) {
        try (in) {
            byte[] bytes = in.readNBytes(MAX_OUTPUT_CHARS);
            in.transferTo(OutputStream.nullOutputStream());
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
