package io.netwatch.agent.inspect.tls;

import java.util.List;
import java.util.Objects;

/** What {@link TlsRecordReader#read} found at the start of one direction of a stream. */
public sealed interface TlsRecordResult {

    /** Why the reader stopped walking records. */
    enum Stop {
        /** The given prefix ended; more stream bytes may hold more messages ({@link Ok#needAtLeast()}). */
        PREFIX_END,
        /** A ChangeCipherSpec record: what follows is encrypted (except a TLS 1.3 compatibility-mode retry). */
        CHANGE_CIPHER_SPEC,
        /** An application-data record: the handshake is encrypted from here (TLS 1.3) or over. */
        APPLICATION_DATA,
        /** An alert record. */
        ALERT,
        /** Another record type (heartbeat, or an SSLv2 record after the first): not inspected. */
        OTHER_RECORD,
        /** A damaged record or message after good ones; the reason is the last anomaly. */
        MALFORMED,
        /** A named limit ({@link TlsRecordReader#MAX_RECORDS}, {@link TlsRecordReader#MAX_MESSAGES} or
         *  {@link TlsRecordReader#MAX_MESSAGE_LENGTH}) was reached; the reason is the last anomaly. */
        LIMIT
    }

    /**
     * Complete handshake messages, in stream order.
     *
     * @param messages    the complete messages found, at most {@link TlsRecordReader#MAX_MESSAGES}; may be
     *                    empty when the records stopped before any message (e.g. an alert first)
     * @param stop        why the walk ended
     * @param needAtLeast with {@link Stop#PREFIX_END}: at least this many more stream bytes are needed to
     *                    complete the next message or record; 0 for the other stops
     * @param anomalies   recoverable oddities, stable snake_case strings (e.g. {@code empty_record})
     * @param betweenRecords with {@link Stop#PREFIX_END}: the prefix ended right after a whole record
     *                    that completed every message begun, so the bytes that follow start a new
     *                    record and can be read on their own; false for the other stops
     * @param ciphertextAt with {@link Stop#CHANGE_CIPHER_SPEC} and {@link Stop#APPLICATION_DATA}: the
     *                    buffer index of the record the walk stopped at, where the stream is
     *                    encrypted from; -1 for the other stops
     */
    record Ok(List<HandshakeMessage> messages, Stop stop, int needAtLeast, List<String> anomalies,
              boolean betweenRecords, int ciphertextAt) implements TlsRecordResult {
        public Ok {
            messages = List.copyOf(messages);
            Objects.requireNonNull(stop, "stop");
            anomalies = List.copyOf(anomalies);
        }
    }

    /** The stream looks like TLS but no complete message is there yet: feed at least this many more bytes. */
    record Incomplete(int needAtLeast) implements TlsRecordResult {
    }

    /** The stream started as TLS but its first message cannot be read; a stable snake_case reason. */
    record Malformed(String reason) implements TlsRecordResult {
        public Malformed {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The first bytes are neither a TLS handshake record nor an SSLv2 hello. */
    record NotTls() implements TlsRecordResult {
    }
}
