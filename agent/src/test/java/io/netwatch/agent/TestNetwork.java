package io.netwatch.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A tiny lab for live-capture tests: network namespaces ("pods") attached by veth pairs to a
 * bridge in the test's own namespace, with addresses that exist only inside the namespaces
 * it created. {@link #close()} deletes everything it made.
 */
public final class TestNetwork implements AutoCloseable {
    private final String prefix;
    private final String bridge;
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> links = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    /** True when this process can create namespaces (root, with iproute2). */
    public static boolean available() {
        try {
            return ProcessHandle.current().info().user().map("root"::equals).orElse(false)
                    && new ProcessBuilder("ip", "netns", "list").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    public TestNetwork() throws IOException, InterruptedException {
        // Interface names are limited to 15 characters: keep the prefix short and unique.
        this.prefix = "nw" + Long.toString(ProcessHandle.current().pid() % 100000, 36)
                + Integer.toString((int) (System.nanoTime() & 0xFFF), 36);
        this.bridge = prefix + "br";
        run("ip", "link", "add", bridge, "type", "bridge");
        links.add(bridge);
        run("ip", "link", "set", bridge, "up");
    }

    /**
     * Adds a namespace with {@code eth0} at {@code cidr}, wired to the bridge.
     *
     * @return the host-side veth name, where the test can capture that host's traffic
     */
    public String addHost(String name, String cidr) throws IOException, InterruptedException {
        String ns = namespace(name);
        String hostSide = prefix + name;
        run("ip", "netns", "add", ns);
        namespaces.add(ns);
        // No IPv6 autoconfiguration chatter (router and neighbour solicitations, MLD): the
        // tests count every packet.
        run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
        run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1");
        run("ip", "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", ns);
        links.add(hostSide);
        run("ip", "link", "set", hostSide, "master", bridge, "up");
        run("ip", "netns", "exec", ns, "ip", "addr", "add", cidr, "dev", "eth0");
        run("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up");
        run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        return hostSide;
    }

    public String namespace(String name) {
        return prefix + "-" + name;
    }

    /** Runs a command inside a host's namespace and returns its standard output. */
    public String exec(String host, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(host)));
        cmd.addAll(List.of(command));
        return run(cmd.toArray(String[]::new));
    }

    /** Starts a long-running command inside a host's namespace; stopped by {@link #close()}. */
    public Process start(String host, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(host)));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        return p;
    }

    public static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + text);
        }
        return text;
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String ns : namespaces) {
            quietly("ip", "netns", "pids", ns);
            quietly("ip", "netns", "delete", ns);
        }
        for (String link : links.reversed()) {
            quietly("ip", "link", "delete", link);
        }
    }

    private static void quietly(String... command) {
        try {
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // best effort: the namespace may already be gone
        }
    }
}
