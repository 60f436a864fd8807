package io.netwatch.agent.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netwatch.proto.ingest.v1.IdentityUpdate;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for the agent's side of the identity stream: whatever an aggregator (or
 * something posing as one) sends, applying it never throws and the copy never holds more than
 * its bound. Input layout: the first byte is the copy's bound (1 to 256); then updates, each a
 * two-byte big-endian length and that many bytes of a serialized {@code IdentityUpdate}
 * (bytes that do not parse are skipped, as gRPC would refuse them). Seeds:
 * {@code IdentityUpdatesFuzzTestInputs/appliesAnyUpdateSequence/}.
 */
class IdentityUpdatesFuzzTest {
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void appliesAnyUpdateSequence(byte[] data) {
        if (data.length == 0) {
            return;
        }
        int bound = (data[0] & 0xff) + 1;
        IdentityUpdates updates = new IdentityUpdates(new IdentityCache(bound));
        FlowIdentities labels = new FlowIdentities(updates.cache());
        int at = 1;
        while (at + 2 <= data.length) {
            int length = ((data[at] & 0xff) << 8) | (data[at + 1] & 0xff);
            at += 2;
            byte[] message = Arrays.copyOfRange(data, at, Math.min(data.length, at + length));
            at += length;
            IdentityUpdate u;
            try {
                u = IdentityUpdate.parseFrom(message);
            } catch (InvalidProtocolBufferException e) {
                continue;
            }
            updates.apply(u);
            assertTrue(updates.cache().size() <= bound, "copy of " + updates.cache().size() + " past " + bound);
            for (var e : u.getEntriesList()) {
                String ip = IdentityUpdates.canonical(e.getIp());
                if (ip != null) {
                    // An address the copy holds is held under its canonical form, which is its own.
                    assertEquals(ip, IdentityUpdates.canonical(ip));
                }
            }
        }
        labels.label(io.netwatch.proto.flow.v1.Flow.getDefaultInstance());
    }
}
