package io.netwatch.agent.capture;

/**
 * Where packets come from: a capture file or live interfaces. A source pushes every frame to
 * one {@link PacketHandler} on its own thread and returns when the capture ends.
 */
public interface PacketSource extends AutoCloseable {

    /**
     * Delivers frames until the source ends or {@link #close()} is called.
     *
     * @throws CaptureException when the source cannot be read any further; every frame
     *                          before the failure has been delivered
     */
    void run(PacketHandler handler) throws CaptureException;

    /** Names of the interfaces this source delivers, indexed by interfaceIndex. */
    java.util.List<String> interfaceNames();

    /**
     * The name of interface {@code index}, or null when the source has not declared it (yet):
     * one name of {@link #interfaceNames()}, without copying them. Any thread.
     */
    default String interfaceName(int index) {
        java.util.List<String> names = interfaceNames();
        return index >= 0 && index < names.size() ? names.get(index) : null;
    }

    /** A short description for logs and status ("file demo.pcap", "live eth0"). */
    String description();

    /** Stops a running capture; safe to call from any thread, and more than once. */
    @Override
    void close();
}
