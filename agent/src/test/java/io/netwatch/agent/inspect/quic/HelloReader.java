package io.netwatch.agent.inspect.quic;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Just enough of a TLS ClientHello and ServerHello, for tests only: the SNI, the selected
 * version and cipher suite. The real TLS parser lives in its own package; this one trusts its
 * test inputs a little more (it still bounds every read).
 */
final class HelloReader {
    private HelloReader() {
    }

    static final int CLIENT_HELLO = 1;
    static final int SERVER_HELLO = 2;
    private static final byte[] HRR_RANDOM = HexFormat.of()
            .parseHex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c");

    /** What the oracle compares. */
    record Hello(int type, String sni, int cipherSuite, int selectedVersion, boolean helloRetryRequest) {
        String handshake() {
            return type == CLIENT_HELLO ? "client_hello" : helloRetryRequest ? "hello_retry_request" : "server_hello";
        }
    }

    /** Reads the first handshake message of {@code b} (from position 0), or null when it is no Hello. */
    static Hello read(ByteBuffer b) {
        try {
            int type = b.get(0) & 0xff;
            int end = 4 + ((b.get(1) & 0xff) << 16 | (b.get(2) & 0xff) << 8 | (b.get(3) & 0xff));
            if (end > b.limit() || (type != CLIENT_HELLO && type != SERVER_HELLO)) {
                return null;
            }
            int p = 4 + 2;
            boolean hrr = type == SERVER_HELLO && ByteBuffer.wrap(HRR_RANDOM).equals(b.slice(p, 32));
            p += 32;
            p += 1 + (b.get(p) & 0xff);
            int cipher = -1;
            if (type == CLIENT_HELLO) {
                p += 2 + u16(b, p);
                p += 1 + (b.get(p) & 0xff);
            } else {
                cipher = u16(b, p);
                p += 3;
            }
            String sni = null;
            int selected = -1;
            if (p < end) {
                int extEnd = p + 2 + u16(b, p);
                p += 2;
                while (p + 4 <= extEnd && extEnd <= end) {
                    int extType = u16(b, p);
                    int extLen = u16(b, p + 2);
                    int body = p + 4;
                    if (extType == 0 && type == CLIENT_HELLO && extLen >= 5) {
                        int nameLen = u16(b, body + 3);
                        byte[] name = new byte[nameLen];
                        b.get(body + 5, name);
                        sni = new String(name, StandardCharsets.US_ASCII);
                    } else if (extType == 0x2b && type == SERVER_HELLO && extLen == 2) {
                        selected = u16(b, body);
                    }
                    p = body + extLen;
                }
            }
            return new Hello(type, sni, cipher, selected, hrr);
        } catch (IndexOutOfBoundsException e) {
            return null;
        }
    }

    private static int u16(ByteBuffer b, int p) {
        return (b.get(p) & 0xff) << 8 | (b.get(p + 1) & 0xff);
    }
}
