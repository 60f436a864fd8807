package io.netwatch.aggregator.store;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;

/**
 * What a stored record weighs against the store's byte bound: its encoded bytes, and
 * {@link #PER_ELEMENT} more for each message, repeated value, map entry and unknown field
 * value in it. Encoded bytes alone say little of the heap a parsed record takes: an empty
 * nested message or a small number is one or two bytes on the wire and tens of bytes on the
 * heap (found in review: a flow of 1,000,000 empty tunnels was 3 MB encoded and 50 MB parsed,
 * so the byte bound, counted in encoded bytes, let forged records take four times the heap).
 * With each element weighed as an object, a record weighs at least half what it takes.
 */
final class RecordWeight {
    /** Bytes counted for each element: an object's header, its fields and the reference to it. */
    static final int PER_ELEMENT = 64;

    private RecordWeight() {
    }

    /** A flow's weight; saturates at {@link Integer#MAX_VALUE}. */
    static int of(Flow f) {
        return weight(f.getSerializedSize(), elements(f));
    }

    /** An anomaly's weight; saturates at {@link Integer#MAX_VALUE}. */
    static int of(Anomaly a) {
        return weight(a.getSerializedSize(), elements(a));
    }

    private static int weight(int encoded, long elements) {
        return (int) Math.min(Integer.MAX_VALUE, encoded + PER_ELEMENT * elements);
    }

    /**
     * {@link #elements(Message)} for a flow, read through its own accessors: some 50 times
     * cheaper than through reflection, and checked against it field for field by
     * RecordWeightTest, which fails when the flow gains a field counted here by neither.
     */
    static long elements(Flow f) {
        long n = 1 + unknown(f.getUnknownFields()) + f.getVlanIdsCount();
        n += f.hasSource() ? elements(f.getSource()) : 0;
        n += f.hasDestination() ? elements(f.getDestination()) : 0;
        n += f.hasToServer() ? leaf(f.getToServer()) : 0;
        n += f.hasToClient() ? leaf(f.getToClient()) : 0;
        n += f.hasFirstSeen() ? leaf(f.getFirstSeen()) : 0;
        n += f.hasLastSeen() ? leaf(f.getLastSeen()) : 0;
        n += f.hasTcp() ? leaf(f.getTcp()) : 0;
        n += f.hasUdp() ? leaf(f.getUdp()) : 0;
        n += f.hasIcmp() ? leaf(f.getIcmp()) : 0;
        n += f.hasSctp() ? leaf(f.getSctp()) : 0;
        for (int i = 0; i < f.getTunnelsCount(); i++) {
            n += leaf(f.getTunnels(i));
        }
        for (int i = 0; i < f.getAlertsCount(); i++) {
            n += leaf(f.getAlerts(i));
        }
        if (f.hasPolicy()) {
            n += leaf(f.getPolicy()) + f.getPolicy().getPoliciesCount();
        }
        if (f.hasDns()) {
            n += leaf(f.getDns());
            for (int i = 0; i < f.getDns().getAnswersCount(); i++) {
                n += leaf(f.getDns().getAnswers(i));
            }
        }
        if (f.hasTls()) {
            n += leaf(f.getTls()) + f.getTls().getAlpnCount() + f.getTls().getSupportedVersionsCount();
        }
        n += f.hasHttp() ? leaf(f.getHttp()) : 0;
        n += f.hasSsh() ? leaf(f.getSsh()) : 0;
        return n;
    }

    /** {@link #elements(Flow)} for an anomaly. */
    static long elements(Anomaly a) {
        long n = 1 + unknown(a.getUnknownFields()) + a.getEvidenceFlowIdsCount();
        n += a.hasSource() ? elements(a.getSource()) : 0;
        n += a.hasDestination() ? elements(a.getDestination()) : 0;
        n += a.hasStart() ? leaf(a.getStart()) : 0;
        n += a.hasEnd() ? leaf(a.getEnd()) : 0;
        if (a.hasExplanation()) {
            n += leaf(a.getExplanation());
            for (int i = 0; i < a.getExplanation().getObservationsCount(); i++) {
                n += leaf(a.getExplanation().getObservations(i));
            }
        }
        return n;
    }

    private static long elements(Endpoint e) {
        long n = leaf(e);
        if (e.hasWorkload()) {
            Workload w = e.getWorkload();
            // A map entry is an entry object, its key and its value.
            n += leaf(w) + 3L * w.getLabelsCount() + w.getServicesCount();
        }
        return n;
    }

    /** A message of numbers and texts only: itself and its unknown fields. */
    private static long leaf(Message m) {
        return 1 + unknown(m.getUnknownFields());
    }

    /**
     * The fields of each message type that can hold more than a number or a text: message
     * fields and repeated ones, found once per type (reflection's getAllFields builds a map for
     * every message, some 6 µs a flow).
     */
    private static final java.util.concurrent.ConcurrentMap<Descriptor, FieldDescriptor[]> FIELDS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static FieldDescriptor[] nested(Descriptor type) {
        return FIELDS.computeIfAbsent(type, t -> t.getFields().stream()
                .filter(f -> f.isRepeated() || f.getJavaType() == FieldDescriptor.JavaType.MESSAGE)
                .toArray(FieldDescriptor[]::new));
    }

    /**
     * Messages, repeated values, map entries and unknown field values in {@code m}, itself
     * included, found through reflection: what the flow's and the anomaly's own walks must
     * find (the tests' yardstick for them).
     */
    static long elements(Message m) {
        long n = 1 + unknown(m.getUnknownFields());
        for (FieldDescriptor f : nested(m.getDescriptorForType())) {
            boolean message = f.getJavaType() == FieldDescriptor.JavaType.MESSAGE;
            if (f.isMapField()) {
                // An entry object, its key and its value.
                n += 3L * m.getRepeatedFieldCount(f);
            } else if (f.isRepeated()) {
                int count = m.getRepeatedFieldCount(f);
                if (message) {
                    for (int i = 0; i < count; i++) {
                        n += elements((Message) m.getRepeatedField(f, i));
                    }
                } else {
                    n += count;
                }
            } else if (m.hasField(f)) {
                n += elements((Message) m.getField(f));
            }
        }
        return n;
    }

    private static long unknown(UnknownFieldSet set) {
        long n = 0;
        for (UnknownFieldSet.Field f : set.asMap().values()) {
            n += 1 + f.getVarintList().size() + f.getFixed32List().size() + f.getFixed64List().size()
                    + f.getLengthDelimitedList().size();
            for (UnknownFieldSet g : f.getGroupList()) {
                n += 1 + unknown(g);
            }
        }
        return n;
    }
}
