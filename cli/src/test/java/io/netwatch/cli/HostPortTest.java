package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HostPortTest {
    @Test
    void theFormsUsersTypeParse() {
        assertEquals(50051, HostPort.parse(":50051", "listen").getPort());
        java.net.InetAddress v6 = HostPort.parse("[::1]:50051", "listen").getAddress();
        assertEquals(true, v6 instanceof java.net.Inet6Address && v6.isLoopbackAddress(), String.valueOf(v6));
        assertEquals("127.0.0.1", HostPort.parse("127.0.0.1:9", "listen").getHostString());
    }

    @Test
    void anUnclosedBracketIsRefusedHereNotAtBind() {
        // Found in review: "[::1:50051" passed validation and failed later as "cannot bind".
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HostPort.parse("[::1:50051", "listen"));
        assertEquals("listen must be HOST:PORT, with an IPv6 address in brackets ([::1]:50051), got '[::1:50051'",
                e.getMessage());
    }
}
