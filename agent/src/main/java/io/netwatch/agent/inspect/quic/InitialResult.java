package io.netwatch.agent.inspect.quic;

import java.util.List;
import java.util.Objects;

/**
 * What {@link QuicInitial} made of one UDP datagram: the CRYPTO data of its Initial packets, a
 * reason why they could not be opened, or "this is not a QUIC v1/v2 Initial".
 */
public sealed interface InitialResult permits InitialResult.Ok, InitialResult.Malformed, InitialResult.NotQuic {

    /**
     * The datagram's Initial packets were decrypted and their frames read.
     *
     * @param version     the QUIC version of the packets: {@link QuicInitial#VERSION_1} or
     *                    {@link QuicInitial#VERSION_2}
     * @param dcid        Destination Connection ID of the datagram's first packet (for a client's
     *                    first Initial, the ID that derives the connection's Initial keys)
     * @param scid        Source Connection ID of the datagram's first packet
     * @param tokenLength length of the first packet's Token field, bytes (a client's token from a
     *                    Retry or NEW_TOKEN; always 0 from a server)
     * @param packets     Initial packets decrypted in this datagram, 1 to
     *                    {@link QuicInitial#MAX_PACKETS_PER_DATAGRAM}
     * @param largestPacketNumber the largest packet number of this direction's Initial packets
     *                    decrypted so far: the caller's, or this datagram's largest when larger;
     *                    to pass with the direction's next datagram, whose truncated packet numbers
     *                    decode against it (RFC 9000 §17.1)
     * @param fragments   the CRYPTO frames' data, in the order the frames came (offsets may come in
     *                    any order, overlap or repeat; {@link QuicCryptoAssembler} puts them together)
     * @param anomalies   recoverable oddities, stable snake_case names (see {@link QuicInitial})
     */
    record Ok(int version, ConnectionId dcid, ConnectionId scid, int tokenLength, int packets,
              long largestPacketNumber, List<CryptoFragment> fragments, List<String> anomalies)
            implements InitialResult {
        public Ok {
            Objects.requireNonNull(dcid, "dcid");
            if (largestPacketNumber < 0 || largestPacketNumber > QuicInitial.MAX_VARINT) {
                throw new IllegalArgumentException("largest packet number " + largestPacketNumber);
            }
            Objects.requireNonNull(scid, "scid");
            fragments = List.copyOf(fragments);
            anomalies = List.copyOf(anomalies);
        }
    }

    /**
     * The datagram starts like a QUIC v1/v2 Initial packet but its first packet cannot be opened
     * or read.
     *
     * @param reason short stable snake_case reason, e.g. {@code "decrypt_failed"}
     */
    record Malformed(String reason) implements InitialResult {
        public Malformed {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The datagram does not start with a long-header Initial packet of QUIC version 1 or 2 (it may
     * still be QUIC: a short-header, Handshake, Retry or Version Negotiation packet, or another
     * version).
     */
    record NotQuic() implements InitialResult {
        /** The one instance the parser returns. */
        public static final NotQuic INSTANCE = new NotQuic();
    }
}
