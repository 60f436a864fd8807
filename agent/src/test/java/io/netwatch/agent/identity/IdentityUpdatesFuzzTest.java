package io.netwatch.agent.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netwatch.proto.flow.v1.Workload;
import io.netwatch.proto.ingest.v1.IdentityUpdate;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for the agent's side of the identity stream: whatever an aggregator (or
 * something posing as one) sends, applying it never throws, the copy never holds more than
 * its bound, and the entries applied are held under their canonical address. Input layout:
 * the first byte is the copy's bound (1 to 256); then updates, each a two-byte big-endian
 * length and that many bytes of a serialized {@code IdentityUpdate} (bytes that do not parse
 * are skipped, as gRPC would refuse them). Seeds:
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
            IdentityCache cache = updates.cache();
            long deltas = updates.deltas();
            long snapshots = updates.snapshots();
            long refused = cache.refused();
            updates.apply(u);
            assertTrue(cache.size() <= bound, "copy of " + cache.size() + " past " + bound);
            // The usable entries sent, by canonical address, each with the workload sent last for it, in the
            // order they were last sent.
            Map<String, Workload> sent = new LinkedHashMap<>();
            for (var e : u.getEntriesList()) {
                String ip = IdentityUpdates.canonical(e.getIp());
                if (ip == null) {
                    continue;
                }
                // The copy holds addresses under their canonical form only, never as sent.
                if (!ip.equals(e.getIp())) {
                    assertNull(cache.lookup(e.getIp()), e.getIp() + " held as sent, not as " + ip);
                }
                Workload w = e.getWorkload();
                if (e.hasWorkload() && w.getSerializedSize() <= IdentityUpdates.MAX_WORKLOAD_BYTES
                        && !w.equals(Workload.getDefaultInstance())) {
                    sent.remove(ip);
                    sent.put(ip, w);
                }
            }
            Set<String> removed = new HashSet<>();
            for (String text : u.getRemovedIpsList()) {
                removed.add(IdentityUpdates.canonical(text));
            }
            // Which of them the copy must now hold under their canonical form: after a change, the last `bound`
            // (what an upsert evicts was used less recently than all of them) that it did not also remove; after
            // the last part of a snapshot that left nothing out, every one.
            int skip;
            if (updates.deltas() > deltas) {
                skip = Math.max(0, sent.size() - bound);
            } else if (updates.snapshots() > snapshots && cache.refused() == refused) {
                skip = 0;
                removed.clear();
            } else {
                continue;
            }
            for (var e : sent.entrySet()) {
                if (skip-- > 0 || removed.contains(e.getKey())) {
                    continue;
                }
                assertEquals(e.getValue(), cache.lookup(e.getKey()), e.getKey() + " not held under its canonical form");
            }
        }
        labels.label(io.netwatch.proto.flow.v1.Flow.getDefaultInstance());
    }
}
