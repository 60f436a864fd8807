package io.netwatch.aggregator.response;

import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.query.v1.Block;
import io.netwatch.proto.query.v1.BlockAuditRecord;
import io.netwatch.proto.query.v1.NodeBlockState;

/** The API's view of blocks and audit records. */
final class BlockViews {
    private BlockViews() {
    }

    static Block block(LiveBlock b) {
        Block.Builder v = Block.newBuilder().setId(b.id).setIp(b.ip()).setAction(b.action.word())
                .setActor(b.offense.actor()).setOffenseId(b.offense.id())
                .addAllAnomalyTypes(b.offense.types().stream().sorted().toList())
                .setCreated(Timestamps.fromMillis(b.createdMillis)).setExpires(Timestamps.fromMillis(b.expiresMillis))
                .setState(b.state()).setDryRun(b.dryRun).setEndReason(b.endReason);
        b.nodes.forEach((node, s) -> v.addNodes(NodeBlockState.newBuilder().setNodeName(node)
                .setState(b.ended != null && s.state != io.netwatch.proto.query.v1.BlockState.BLOCK_STATE_FAILED
                        ? b.ended : s.state)
                .setError(s.error).setCommandId(s.commandId)));
        return v.build();
    }

    static BlockAuditRecord audit(AuditRecord r) {
        return BlockAuditRecord.newBuilder().setAt(Timestamps.fromMillis(r.atMillis())).setOutcome(r.outcome())
                .setReason(r.reason()).setIp(r.ip()).setAction(r.action()).setBlockId(r.blockId())
                .setOffenseId(r.offenseId()).setDetail(r.detail()).build();
    }
}
