package io.netwatch.agent;

import static io.netwatch.agent.capture.PcapngBlocks.block;
import static io.netwatch.agent.capture.PcapngBlocks.concat;
import static io.netwatch.agent.capture.PcapngBlocks.epb;
import static io.netwatch.agent.capture.PcapngBlocks.idb;
import static io.netwatch.agent.capture.PcapngBlocks.option;
import static io.netwatch.agent.capture.PcapngBlocks.shb;
import static io.netwatch.agent.capture.PcapngBlocks.u32;
import static io.netwatch.agent.capture.PcapngBlocks.u64;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.capture.LiveCapture;
import io.netwatch.agent.capture.LiveCaptures;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.proto.flow.v1.LossCounter;
import io.netwatch.proto.flow.v1.LossReason;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentHealthReportTest {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    @Test
    void dropsAPcapngFileRecordedAreReportedAsLossPerInterface(@TempDir Path dir) throws Exception {
        // Left undone last session: `netwatch inspect` printed these drops, `netwatch agents` did not.
        byte[] eth0Stats = block(LE, 5, concat(u32(LE, 0), u32(LE, 0), u32(LE, 1),
                option(LE, 5, u64(LE, 300)), option(LE, 7, u64(LE, 12)), u32(LE, 0)));
        byte[] eth1Stats = block(LE, 5, concat(u32(LE, 1), u32(LE, 0), u32(LE, 1), option(LE, 7, u64(LE, 40)),
                u32(LE, 0)));
        Path file = Files.write(dir.resolve("drops.pcapng"), concat(shb(LE),
                idb(LE, LinkType.ETHERNET, 0, option(LE, 2, "eth0".getBytes(StandardCharsets.UTF_8))),
                idb(LE, LinkType.ETHERNET, 0, option(LE, 2, "eth1".getBytes(StandardCharsets.UTF_8))),
                epb(LE, 0, 1, new byte[60], 60), eth0Stats, eth1Stats));

        try (PcapFileSource source = PcapFileSource.open(file)) {
            source.run((frame, linkType, nanos, length, index) -> { });
            List<LossCounter> recorded = new AgentHealthReport(source).lossCounters().stream()
                    .filter(c -> c.getReason() == LossReason.LOSS_REASON_RECORDED_DROP).toList();
            assertEquals(List.of(drop("eth0", 312), drop("eth1", 40)), recorded);
        }
    }

    @Test
    void liveDropsAreReportedCumulativePastLibpcaps32BitWrap() {
        // libpcap's ps_drop and ps_ifdrop are u_int: the loss report went back by 2^32 when they wrapped.
        LiveCapture live = LiveCaptures.unopened(List.of("eth0"));
        LiveCaptures.stats(live, 0, 0, 4_294_967_000L, 4_294_967_290L);
        LiveCaptures.stats(live, 0, 0, 704, 10);
        List<LossCounter> counters = new AgentHealthReport(live).lossCounters();
        assertEquals(List.of(
                LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_KERNEL_DROP).setInterface("eth0")
                        .setCount((1L << 32) + 704).build(),
                LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_INTERFACE_DROP).setInterface("eth0")
                        .setCount((1L << 32) + 10).build()), counters);
    }

    private static LossCounter drop(String iface, long count) {
        return LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_RECORDED_DROP).setInterface(iface)
                .setCount(count).build();
    }
}
