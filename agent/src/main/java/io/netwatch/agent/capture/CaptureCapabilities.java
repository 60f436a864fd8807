package io.netwatch.agent.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether this process may capture live: libpcap needs {@code CAP_NET_RAW} (AF_PACKET
 * sockets) and {@code CAP_NET_ADMIN} (promiscuous mode, ring set-up). Read from the
 * {@code CapEff} line of {@code /proc/self/status}, so the agent can refuse to start with a
 * message that names what is missing, before it connects to anything.
 *
 * @param effective the effective capability set as a bit mask (bit n is capability n)
 */
public record CaptureCapabilities(long effective) {
    /** Capability numbers from linux/capability.h. */
    public static final int CAP_NET_ADMIN = 12;
    public static final int CAP_NET_RAW = 13;
    /** Longest status text looked at: the real file is about 1.5 KiB. */
    static final int MAX_STATUS_CHARS = 64 * 1024;

    /**
     * The effective set from the text of a {@code /proc/PID/status} file, or null when the text
     * has no readable {@code CapEff} line (not Linux, or a kernel that hides it): then the
     * check cannot be made and libpcap's own error will say what is wrong.
     */
    public static CaptureCapabilities parse(String status) {
        String text = status.length() > MAX_STATUS_CHARS ? status.substring(0, MAX_STATUS_CHARS) : status;
        for (String line : text.split("\n")) {
            if (line.startsWith("CapEff:")) {
                String hex = line.substring("CapEff:".length()).trim();
                if (hex.isEmpty() || hex.length() > 16 || !hex.matches("[0-9a-fA-F]+")) {
                    return null;
                }
                return new CaptureCapabilities(Long.parseUnsignedLong(hex, 16));
            }
        }
        return null;
    }

    /** This process's capabilities, or null when they cannot be read. */
    public static CaptureCapabilities ofThisProcess() {
        try {
            return parse(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    public boolean has(int capability) {
        return (effective >>> capability & 1L) != 0;
    }

    /** The capabilities live capture needs that this set lacks, by name ("CAP_NET_RAW"). */
    public List<String> missingForCapture() {
        List<String> missing = new ArrayList<>();
        if (!has(CAP_NET_RAW)) {
            missing.add("CAP_NET_RAW");
        }
        if (!has(CAP_NET_ADMIN)) {
            missing.add("CAP_NET_ADMIN");
        }
        return missing;
    }

    /** Null when live capture may start, else what is missing and how to grant it. */
    public String captureProblem() {
        List<String> missing = missingForCapture();
        if (missing.isEmpty()) {
            return null;
        }
        return "live capture needs CAP_NET_RAW and CAP_NET_ADMIN, and this process lacks " + String.join(" and ", missing)
                + " (CapEff " + String.format("%016x", effective) + "). Run as root, or grant them: in the DaemonSet, "
                + "securityContext.capabilities.add: [NET_RAW, NET_ADMIN] on the agent container (as "
                + "manifests/agent-daemonset.yaml does); outside Kubernetes, sudo or "
                + "setpriv --ambient-caps +net_raw,+net_admin";
    }
}
