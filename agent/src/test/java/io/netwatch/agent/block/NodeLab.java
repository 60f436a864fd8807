package io.netwatch.agent.block;

import io.netwatch.agent.TestNetwork;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A "node" network namespace with "pods" in namespaces of their own, wired the way CNIs do it,
 * for tests of the blocker against the real kernel: {@link #routed()} (Calico style: a veth
 * per pod, a /32 route to it on the node, proxy ARP, the pod's default route through a
 * link-local gateway) or {@link #bridged()} (flannel/bridge-plugin style: every pod's veth on
 * a {@code cni0} bridge, one subnet). The blocker's nft runs inside the node namespace
 * ({@link #nft()}), so the test machine's own ruleset is never touched. {@link #close()}
 * deletes every namespace (and with them every link and table made in them).
 */
final class NodeLab implements AutoCloseable {
    private final String prefix;
    private final boolean bridged;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private int pods;

    private NodeLab(boolean bridged) throws IOException, InterruptedException {
        this.bridged = bridged;
        this.prefix = "nwb" + Long.toString(ProcessHandle.current().pid() % 10000, 36)
                + Integer.toString((int) (System.nanoTime() & 0xFFF), 36);
        add(node());
        node("sysctl", "-qw", "net.ipv4.ip_forward=1");
        node("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
        node("ip", "link", "set", "lo", "up");
        if (bridged) {
            node("ip", "link", "add", "cni0", "type", "bridge");
            node("ip", "link", "set", "cni0", "up");
            // With br_netfilter loaded, bridged frames also cross the inet hooks; turned off here
            // (per namespace) so only the bridge family's table can be what drops them.
            quietly(in(node(), "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0",
                    "net.bridge.bridge-nf-call-ip6tables=0"));
        } else {
            // Stands in for the node's uplink: proxy ARP answers for the pods' gateway only when
            // the node has a route to it through another interface.
            node("ip", "route", "add", "default", "dev", "lo");
        }
    }

    /** Pods routed by /32 routes over their veths (Calico). */
    static NodeLab routed() throws IOException, InterruptedException {
        return new NodeLab(false);
    }

    /** Pods on a cni0 bridge in one subnet. */
    static NodeLab bridged() throws IOException, InterruptedException {
        return new NodeLab(true);
    }

    /** True when namespaces can be made here and nft is installed. */
    static boolean available() {
        if (!TestNetwork.available()) {
            return false;
        }
        try {
            return new ProcessBuilder("nft", "--version").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    String node() {
        return prefix + "-node";
    }

    String pod(String name) {
        return prefix + "-" + name;
    }

    /** The nft command of the node namespace. */
    List<String> nft() {
        return List.of("ip", "netns", "exec", node(), "nft");
    }

    /**
     * Adds a pod with {@code ipv4} (and {@code ipv6} unless null) on eth0, wired to the node.
     */
    void addPod(String name, String ipv4, String ipv6) throws IOException, InterruptedException {
        String ns = pod(name);
        add(ns);
        String hostSide = "veth" + (pods++);
        TestNetwork.run("ip", "link", "add", hostSide, "netns", node(), "type", "veth", "peer", "name", "eth0",
                "netns", ns);
        exec(name, "ip", "link", "set", "lo", "up");
        exec(name, "ip", "link", "set", "eth0", "up");
        node("ip", "link", "set", hostSide, "up");
        if (bridged) {
            node("ip", "link", "set", hostSide, "master", "cni0");
            exec(name, "ip", "addr", "add", ipv4 + "/24", "dev", "eth0");
            if (ipv6 != null) {
                exec(name, "ip", "addr", "add", ipv6 + "/64", "dev", "eth0", "nodad");
            }
            return;
        }
        // Calico: the pod's only route is through a gateway that answers ARP by proxy; the node
        // routes the pod's /32 to its veth.
        exec(name, "ip", "addr", "add", ipv4 + "/32", "dev", "eth0");
        exec(name, "ip", "route", "add", "169.254.1.1", "dev", "eth0");
        exec(name, "ip", "route", "add", "default", "via", "169.254.1.1", "dev", "eth0");
        node("sysctl", "-qw", "net.ipv4.conf." + hostSide + ".proxy_arp=1",
                "net.ipv4.neigh." + hostSide + ".proxy_delay=0");
        node("ip", "route", "add", ipv4 + "/32", "dev", hostSide);
        if (ipv6 != null) {
            throw new IllegalArgumentException("IPv6 pods are only wired on the bridged node");
        }
    }

    /** Runs a command in a pod; returns its output, throws when it fails. */
    String exec(String pod, String... command) throws IOException, InterruptedException {
        return TestNetwork.run(in(pod(pod), command));
    }

    String node(String... command) throws IOException, InterruptedException {
        return TestNetwork.run(in(node(), command));
    }

    /** Serves TCP on {@code address:port} in a pod until {@link #close()}; returns once it listens. */
    void listen(String pod, String address, int port) throws IOException, InterruptedException {
        String family = address.contains(":") ? "AF_INET6" : "AF_INET";
        Process p = new ProcessBuilder(in(pod(pod), "python3", "-c",
                "import socket\n"
                        + "s = socket.socket(socket." + family + ")\n"
                        + "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                        + "s.bind(('" + address + "', " + port + "))\n"
                        + "s.listen(64)\n"
                        + "print('listening', flush=True)\n"
                        + "while True:\n"
                        + "    c, _ = s.accept()\n"
                        + "    c.close()\n"))
                .redirectErrorStream(true).start();
        processes.add(p);
        String line = new String(p.getInputStream().readNBytes("listening".length()));
        if (!line.equals("listening")) {
            throw new IOException("listener in " + pod + " on " + address + ":" + port + " did not start: " + line);
        }
    }

    /** True when a TCP connection from the pod to {@code address:port} completes within 1 s. */
    boolean connects(String pod, String address, int port) throws IOException, InterruptedException {
        return status(pod, "timeout", "1", "bash", "-c", "exec 3<>/dev/tcp/" + address + "/" + port) == 0;
    }

    /** True when one ping from the pod to the address is answered within 1 s. */
    boolean pings(String pod, String address) throws IOException, InterruptedException {
        return status(pod, "ping", "-c", "1", "-W", "1", address) == 0;
    }

    private int status(String pod, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(in(pod(pod), command)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /** Polls until {@code check} holds or {@code timeout} passes; returns the last answer. */
    static boolean eventually(Duration timeout, Check check) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (check.holds()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
    }

    /** A condition on the network. */
    interface Check {
        boolean holds() throws IOException, InterruptedException;
    }

    private static String[] in(String ns, String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(command));
        return cmd.toArray(String[]::new);
    }

    private void add(String ns) throws IOException, InterruptedException {
        TestNetwork.run("ip", "netns", "add", ns);
        namespaces.add(ns);
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (String ns : namespaces.reversed()) {
            quietly("ip", "netns", "delete", ns);
        }
    }

    private static void quietly(String... command) {
        try {
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // best effort: the namespace may already be gone, the sysctl may not exist
        }
    }
}
