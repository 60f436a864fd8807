package io.netwatch.aggregator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Tunnel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RecordWeightTest {
    /**
     * Sets every field of {@code b}, each message and repeated one twice over, with unknown
     * fields on every message: a record with everything a flow or anomaly can hold.
     */
    private static Message populate(Message.Builder b) {
        for (FieldDescriptor f : b.getDescriptorForType().getFields()) {
            for (int copy = 0; copy < (f.isRepeated() ? 2 : 1); copy++) {
                Object value = switch (f.getJavaType()) {
                    case MESSAGE -> f.isMapField() ? mapEntry(b, f, copy) : populate(b.newBuilderForField(f));
                    case ENUM -> f.getEnumType().getValues().getLast();
                    case STRING -> "s" + copy;
                    case BOOLEAN -> true;
                    case INT -> 7;
                    case LONG -> 7L;
                    case FLOAT -> 7f;
                    case DOUBLE -> 7d;
                    case BYTE_STRING -> com.google.protobuf.ByteString.copyFromUtf8("b");
                };
                if (f.isRepeated()) {
                    b.addRepeatedField(f, value);
                } else {
                    b.setField(f, value);
                }
            }
        }
        b.setUnknownFields(UnknownFieldSet.newBuilder().addField(9_999, UnknownFieldSet.Field.newBuilder()
                .addVarint(1).addVarint(2).build()).build());
        return b.build();
    }

    private static Message mapEntry(Message.Builder b, FieldDescriptor map, int copy) {
        Message.Builder e = b.newBuilderForField(map);
        FieldDescriptor key = e.getDescriptorForType().findFieldByName("key");
        FieldDescriptor value = e.getDescriptorForType().findFieldByName("value");
        return e.setField(key, "k" + copy).setField(value, "v").build();
    }

    @Test
    void theFlowsAndTheAnomaliesOwnWalksCountWhatReflectionFindsInEveryField() {
        // Fails when a field is added to a flow or an anomaly (or what they hold) that their
        // own walks do not count: add it to RecordWeight.elements(Flow) or (Anomaly).
        Flow flow = (Flow) populate(Flow.newBuilder());
        assertEquals(RecordWeight.elements((Message) flow), RecordWeight.elements(flow));
        assertTrue(RecordWeight.elements(flow) > 50, "everything was populated: " + RecordWeight.elements(flow));
        // A oneof holds one of its fields at a time (populating set the last): each in turn.
        int variants = 0;
        for (var oneof : Flow.getDescriptor().getOneofs()) {
            for (FieldDescriptor f : oneof.getFields()) {
                Flow.Builder b = flow.toBuilder();
                Flow variant = (Flow) b.setField(f, populate(b.newBuilderForField(f))).build();
                assertEquals(RecordWeight.elements((Message) variant), RecordWeight.elements(variant), f.getFullName());
                variants++;
            }
        }
        assertEquals(8, variants, "the l4 and l7 oneofs' fields");
        Anomaly anomaly = (Anomaly) populate(Anomaly.newBuilder());
        assertTrue(Anomaly.getDescriptor().getOneofs().isEmpty());
        assertEquals(RecordWeight.elements((Message) anomaly), RecordWeight.elements(anomaly));
    }

    @Test
    void aRecordOfManyEmptyMessagesWeighsWhatItTakesNotWhatItIsOnTheWire() {
        // Found in review: weighed by its encoded bytes, a flow of empty tunnels (3 bytes each
        // on the wire, some 50 on the heap once parsed) let the store hold 17 times more heap
        // than its byte bound said.
        Flow.Builder b = Flow.newBuilder().setFlowId(1);
        for (int i = 0; i < 10_000; i++) {
            b.addTunnels(Tunnel.getDefaultInstance());
        }
        Flow forged = b.build();
        assertEquals(30_002, forged.getSerializedSize());
        assertEquals(forged.getSerializedSize() + 10_001L * RecordWeight.PER_ELEMENT, RecordWeight.of(forged));

        FlowStore store = new FlowStore(1_000, 1_000_000, 10, 1_000_000, Duration.ofHours(1));
        for (int i = 0; i < 100; i++) {
            store.addFlow(forged, i);
        }
        // 670 KB each by weight: one fits the bound of 1 MB; by encoded bytes, 33 did.
        assertEquals(1, store.flows().size());
        assertEquals(RecordWeight.of(forged), store.flows().bytes());
    }
}
