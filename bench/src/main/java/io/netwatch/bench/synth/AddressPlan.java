package io.netwatch.bench.synth;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The made-up network the synthesized capture comes from: 4,096 IPv4 clients, internal servers,
 * external servers in the documentation ranges, an IPv6 segment, a storage segment split in
 * VLANs, a Kubernetes overlay (pods on eight nodes, VXLAN VNI 1), and the cluster DNS service.
 * Captured at one span port, so external servers appear behind one router MAC.
 */
final class AddressPlan {
    static final int CLIENTS = 4_096;
    private static final long ROUTER_MAC = 0x02_00_5E_00_00_01L;
    private static final int NODES = 8;
    private static final int VNI = 1;

    Conversation tcpV4(SplittableRandom rnd, int serverPort) {
        byte[] client = v4(10, 1, rnd.nextInt(CLIENTS) >>> 8, 1 + rnd.nextInt(254));
        boolean external = serverPort == 443 || serverPort == 80;
        byte[] server = external
                ? rnd.nextBoolean() ? v4(203, 0, 113, 1 + rnd.nextInt(254)) : v4(198, 51, 100, 1 + rnd.nextInt(254))
                : v4(10, 2, rnd.nextInt(4), 1 + rnd.nextInt(64));
        return new Conversation(client, server, ephemeralPort(rnd), serverPort, mac(client),
                external ? ROUTER_MAC : mac(server), -1, null);
    }

    Conversation tcpV6(SplittableRandom rnd, int serverPort) {
        byte[] client = v6(0xfd00_0001_0000_0000L, 0x1000 + rnd.nextInt(CLIENTS));
        byte[] server = v6(0x2001_0db8_0010_0000L, 0x100 + rnd.nextInt(256));
        return new Conversation(client, server, ephemeralPort(rnd), serverPort, mac(client), ROUTER_MAC, -1, null);
    }

    /** The storage segment: eight VLANs, 100 to 107. */
    Conversation tcpVlan(SplittableRandom rnd, int serverPort) {
        int vlan = rnd.nextInt(8);
        byte[] client = v4(10, 50 + vlan, rnd.nextInt(4), 1 + rnd.nextInt(254));
        byte[] server = v4(10, 50 + vlan, 200, 1 + rnd.nextInt(8));
        return new Conversation(client, server, ephemeralPort(rnd), serverPort, mac(client), mac(server), 100 + vlan,
                null);
    }

    /** Pod to pod across nodes, in VXLAN between the nodes' addresses. */
    Conversation tcpVxlan(SplittableRandom rnd, int serverPort) {
        int clientNode = rnd.nextInt(NODES);
        int serverNode = (clientNode + 1 + rnd.nextInt(NODES - 1)) % NODES;
        byte[] client = v4(10, 244, clientNode, 2 + rnd.nextInt(100));
        byte[] server = v4(10, 244, serverNode, 2 + rnd.nextInt(100));
        int clientPort = ephemeralPort(rnd);
        // Linux picks the outer source port from a hash of the inner flow.
        int hash = (Arrays.hashCode(client) * 31 + Arrays.hashCode(server)) * 31 + clientPort;
        byte[] clientNode4 = v4(192, 168, 50, 1 + clientNode);
        byte[] serverNode4 = v4(192, 168, 50, 1 + serverNode);
        Conversation.Vxlan v = new Conversation.Vxlan(clientNode4, serverNode4, mac(clientNode4), mac(serverNode4),
                VNI, 49_152 + ((hash ^ (hash >>> 15)) & 0x3FFF));
        return new Conversation(client, server, clientPort, serverPort, 0x0A_58_0A_F4_00_00L | (client[2] << 8)
                | (client[3] & 0xFF), 0x0A_58_0A_F4_00_00L | (server[2] << 8) | (server[3] & 0xFF), -1, v);
    }

    Conversation dnsV4(SplittableRandom rnd) {
        byte[] client = v4(10, 1, rnd.nextInt(CLIENTS) >>> 8, 1 + rnd.nextInt(254));
        byte[] resolver = v4(10, 96, 0, 10);
        return new Conversation(client, resolver, ephemeralPort(rnd), 53, mac(client), mac(resolver), -1, null);
    }

    Conversation dnsV6(SplittableRandom rnd) {
        byte[] client = v6(0xfd00_0001_0000_0000L, 0x1000 + rnd.nextInt(CLIENTS));
        byte[] resolver = v6(0xfd00_0096_0000_0000L, 0xa);
        return new Conversation(client, resolver, ephemeralPort(rnd), 53, mac(client), ROUTER_MAC, -1, null);
    }

    byte[] scanner() {
        return v4(10, 1, 13, 37);
    }

    byte[] scanTarget() {
        return v4(10, 2, 0, 20);
    }

    static long mac(byte[] ip) {
        int n = ip.length;
        return 0x02_00_00_00_00_00L | ((ip[n - 4] & 0xFFL) << 24) | ((ip[n - 3] & 0xFFL) << 16)
                | ((ip[n - 2] & 0xFFL) << 8) | (ip[n - 1] & 0xFFL);
    }

    private static int ephemeralPort(SplittableRandom rnd) {
        return 32_768 + rnd.nextInt(28_232);
    }

    private static byte[] v4(int a, int b, int c, int d) {
        return new byte[] {(byte) a, (byte) b, (byte) c, (byte) d};
    }

    private static byte[] v6(long prefix, long interfaceId) {
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (prefix >>> (56 - 8 * i));
            out[8 + i] = (byte) (interfaceId >>> (56 - 8 * i));
        }
        return out;
    }
}
