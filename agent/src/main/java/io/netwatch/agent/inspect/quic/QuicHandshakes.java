package io.netwatch.agent.inspect.quic;

import java.nio.ByteBuffer;

/**
 * The QUIC connections whose Initials one UDP flow carries, each with the start of its two
 * CRYPTO streams, up to their first message (the client's ClientHello, the server's
 * ServerHello), which the caller reads as TLS. After a HelloRetryRequest, which the caller
 * reports ({@link #helloRetryRequest()}), each side reads one message more where its first
 * ended: the client's second ClientHello, the server's ServerHello. The Initial keys stay the
 * connection's: they derive from the client's first DCID, which a HelloRetryRequest does not
 * change (a Retry does: the client starts again with the Retry's ID, a new connection here).
 *
 * <p>One 5-tuple can carry several connections: a client that starts again after a Retry, one
 * that opens several from one socket (one after another, or at once), or a sender whose first
 * Initial is a decoy (its own Destination Connection ID, opening fine, carrying no hello or a
 * harmless one) ahead of the real one. Each connection is known by the DCID of its client's
 * first Initial, from which both directions' Initial keys derive (RFC 9001 §5.2). Keys locked to
 * the flow's first DCID left every later connection's Initials unopened, its SNI unread. So a
 * client Initial goes to the connection its DCID names: that first DCID (the client sends every
 * Initial to it until it hears from the server, RFC 9000 §7.2), or the server's Source
 * Connection ID once the server's Initial was opened (the client's DCID from then on; its keys
 * stay those of the first DCID). An Initial with any other DCID is another connection, opened
 * under its own DCID's keys, as tshark does. A server Initial goes to the connection whose
 * client chose its DCID as its own Source Connection ID.
 *
 * <p>Bounded: at most {@link #MAX_CONNECTIONS} connections at once. A fresh DCID that opens
 * takes the place of one whose messages were read, or of one stalled ({@link #STALL_INITIALS},
 * counted in {@link #stalledConnectionsTaken()}); with none such it is not opened ({@link
 * Step#TOO_MANY_CONNECTIONS}). At most one decryption per client datagram, and per server
 * datagram one per connection followed whose client chose the DCID it is sent to (one in
 * practice); none for an Initial of a connection whose messages in that direction were read.
 * At most {@link #MAX_MESSAGES} messages a connection and direction. Each CRYPTO stream keeps
 * {@link QuicCryptoAssembler#DEFAULT_MAX_BYTES} from where its message starts and goes once the
 * message is read. The caller bounds the datagrams it hands over.
 *
 * <p>Keys are derived once per connection and direction (and version), on the first datagram
 * opened there, and kept until that direction's message is read or the direction ends (after a
 * HelloRetryRequest, once more for the second message): derived for each datagram, a server
 * datagram sent to a client ID that four decoy connections share (a zero-length one, say) cost
 * four derivations, 64 over 16 datagrams. A client
 * datagram that names no connection yet derives its keys from its own DCID, kept when it opens
 * (the connection it starts). Kept keys are {@link InitialKeys#BYTES} a direction and version,
 * counted in {@link #keptBytes()}; JCE ciphers are made per datagram as before, not kept (their
 * GCM tables and AES schedules are a kilobyte or more each).
 *
 * <p>Hostile bytes never throw. Mutable and single-threaded: owned by the flow's inspection
 * state.
 */
public final class QuicHandshakes {
    /**
     * Connections followed at once per flow. A client starting again after a Retry makes two;
     * more on one 5-tuple at once are rare, and each costs a sender nothing to make (Initial keys
     * are public). A place is taken again by a new connection once its connection is read, or
     * stalled ({@link #STALL_INITIALS}).
     */
    public static final int MAX_CONNECTIONS = 4;
    /**
     * Client Initials on the flow, of any connection, after which a connection whose client's
     * CRYPTO stream has not grown since (nor since it opened) is stalled: a new connection may
     * take its place. As many as the places: a sender that fills them all with connections that
     * carry no hello (or never finish one) is passed over by the next one. Counted per flow
     * rather than per connection, since a decoy that sends one Initial and falls silent never
     * reaches any count of its own.
     */
    public static final int STALL_INITIALS = MAX_CONNECTIONS;
    /**
     * Messages read per connection and direction: the hello, and after a HelloRetryRequest the
     * next one (the second ClientHello, the real ServerHello; a client aborts at a second
     * HelloRetryRequest, RFC 8446 §4.1.4).
     */
    public static final int MAX_MESSAGES = 2;

    /** What one datagram gave. */
    public enum Step {
        /** The datagram does not start with a QUIC v1/v2 Initial packet: nothing was read. */
        NOT_INITIAL,
        /** A server Initial while no client Initial was opened: no keys to open it with. */
        NO_CONNECTION,
        /** An Initial that cannot be opened or read (damaged, forged, or keyed by no DCID seen). */
        MALFORMED,
        /** An Initial of a connection whose messages in this direction were read: not opened. */
        ALREADY_READ,
        /** Opened; the connection's next message in this direction is not complete yet. */
        OPENED,
        /** Opened, and the connection's next message in this direction is complete: {@link #message()}. */
        MESSAGE,
        /** Opened, and the connection's next message is announced longer than the bytes kept: never read. */
        MESSAGE_TOO_LONG,
        /**
         * A client Initial with a fresh DCID while {@link #MAX_CONNECTIONS} are followed, none read
         * or stalled: not opened.
         */
        TOO_MANY_CONNECTIONS
    }

    /** One connection: the IDs that tell its Initials, and where each direction's CRYPTO stream is. */
    private final class Connection {
        /** DCID of the client's first Initial: both directions' keys. */
        final ConnectionId dcid;
        /** The client's Source Connection ID: the DCID of the server's packets. */
        final ConnectionId clientScid;
        /** The server's Source Connection ID, from its first Initial opened; null before. */
        ConnectionId serverScid;
        final Side client;
        final Side server = new Side();
        /** The server's first message was a HelloRetryRequest: each side reads one more. */
        boolean retried;
        /** {@link #clientInitials} when the client's CRYPTO stream last grew, or the side (re)opened. */
        long grewAt;

        /** {@code client}: the side that opened the connection's first Initial, its keys kept. */
        Connection(ConnectionId dcid, ConnectionId clientScid, Side client) {
            this.dcid = dcid;
            this.clientScid = clientScid;
            this.client = client;
            this.grewAt = clientInitials;
        }

        /** The client's hello is not read and its stream has not grown over {@link #STALL_INITIALS} client Initials. */
        boolean stalled() {
            return !client.over && clientInitials - grewAt >= STALL_INITIALS;
        }

        /**
         * How readily a new connection takes this one's place, lowest first; -1: it does not.
         * Read in both directions, then stalled, then read by the client only (the server's
         * answer, which may yet come, goes unread: a one-sided capture never shows it).
         */
        int yieldRank() {
            if (client.over && server.over) {
                return 0;
            }
            if (stalled()) {
                return 1;
            }
            return client.over ? 2 : -1;
        }
    }

    /**
     * One direction of one connection, and the keys of its Initials: always asked for those of
     * its connection's {@link Connection#dcid} (a fresh client side's first datagram's DCID is
     * the one the connection is made with), so the version alone tells them apart.
     */
    private final class Side implements QuicInitial.KeySource {
        /** Largest packet number opened in this direction's Initial space, for the next one's truncated number. */
        long largest = QuicInitial.NO_PACKET_NUMBER;
        /** The CRYPTO stream from {@link #next} so far; null before its first bytes and while {@link #over}. */
        QuicCryptoAssembler crypto;
        /** The messages it is to read were read, or never can be: nothing more to read here for now. */
        boolean over;
        /** Over for good: the direction ended, or a message can never be read. Never opened again. */
        boolean closed;
        /** Messages read; and how many are to be: 1, or {@link #MAX_MESSAGES} after a HelloRetryRequest. */
        int read;
        int want = 1;
        /** Stream offset where the next message starts, bytes: the end of those read. */
        long next;
        /** This direction's version 1 and version 2 Initial keys; null before first use and while {@link #over}. */
        InitialKeys v1Keys;
        InitialKeys v2Keys;

        @Override
        public InitialKeys keys(int version, ConnectionId clientDcid, boolean fromServer) {
            // Both versions kept: a sender alternating them would otherwise cost a derivation each.
            boolean v2 = version == QuicInitial.VERSION_2;
            InitialKeys k = v2 ? v2Keys : v1Keys;
            if (k == null) {
                k = InitialKeys.derive(version, clientDcid.unsafeBytes(), fromServer);
                keyDerivations++;
                if (v2) {
                    v2Keys = k;
                } else {
                    v1Keys = k;
                }
            }
            return k;
        }

        /** Nothing more is read here for now: the stream and the keys go. */
        void end() {
            over = true;
            crypto = null;
            v1Keys = null;
            v2Keys = null;
        }

        /** Nothing more is ever read here. */
        void close() {
            end();
            closed = true;
        }

        /**
         * Read again, for the message after those read: true when it was over for having read
         * them (not closed, and not still reading). Its keys are derived again at its next datagram.
         */
        boolean reopen() {
            if (!over || closed || read >= want) {
                return false;
            }
            over = false;
            return true;
        }

        int keptBytes() {
            return (crypto == null ? 0 : crypto.keptBytes()) + (v1Keys == null ? 0 : InitialKeys.BYTES)
                    + (v2Keys == null ? 0 : InitialKeys.BYTES);
        }
    }

    /** The connections followed, oldest first. */
    private final Connection[] connections = new Connection[MAX_CONNECTIONS];
    private int count;
    /** Client datagrams that started like an Initial so far: the clock {@link #STALL_INITIALS} is counted on. */
    private long clientInitials;
    /**
     * The message just read, over its stream's array: held until {@link #messageRead()} or the
     * next datagram, and counted in {@link #keptBytes()} while it is.
     */
    private ByteBuffer message;
    private int messageLength;
    /** Bytes of the arrays {@link #message} holds on to: 0 while none is held. */
    private int messageKept;
    /** The connection whose server sent {@link #message}; null when none is held or it is the client's. */
    private Connection messageFromServer;
    /** Connections whose place a new connection took while they were stalled: their hello unread. */
    private int stalledTaken;
    /** Client Initials of fresh connections not opened for want of a place ({@link Step#TOO_MANY_CONNECTIONS}). */
    private int refused;
    /** Initial keys derived so far, for every side, kept or not: tests count them. */
    private int keyDerivations;
    /** Connections opened so far, those whose place another took included: tests count them. */
    private int opened;

    /** Reads one client-to-server datagram. */
    public Step client(ByteBuffer buf, int off, int len) {
        messageRead();
        if (!QuicInitial.startsLikeInitial(buf, off, len)) {
            return Step.NOT_INITIAL;
        }
        clientInitials++;
        Connection c = clientConnection(buf, off, len);
        if (c != null) {
            if (c.client.over) {
                // A retransmission, or the client's acknowledgements: nothing left to read there.
                return Step.ALREADY_READ;
            }
            return read(c, false, QuicInitial.decrypt(buf, off, len, false, c.dcid, c.client.largest, c.client));
        }
        int place = count < MAX_CONNECTIONS ? count : yieldingPlace();
        if (place < 0) {
            refused++;
            return Step.TOO_MANY_CONNECTIONS;
        }
        // Keyed by the datagram's own DCID: kept if it opens, as the new connection's client side.
        // Only one that opens takes a place: junk Initials make no connection leave.
        Side fresh = new Side();
        InitialResult r = QuicInitial.decrypt(buf, off, len, false, null, QuicInitial.NO_PACKET_NUMBER, fresh);
        if (!(r instanceof InitialResult.Ok ok)) {
            return failure(r);
        }
        if (place < count) {
            if (connections[place].stalled()) {
                stalledTaken++;
            }
            // The connections stay oldest first: the server's Initials are matched newest first.
            System.arraycopy(connections, place + 1, connections, place, count - place - 1);
            count--;
        }
        c = new Connection(ok.dcid(), ok.scid(), fresh);
        connections[count++] = c;
        opened++;
        return read(c, false, ok);
    }

    /** The place a new connection may take when all are held, or -1 (see {@link Connection#yieldRank()}). */
    private int yieldingPlace() {
        int best = -1;
        int bestRank = Integer.MAX_VALUE;
        for (int i = 0; i < count; i++) {
            Connection c = connections[i];
            int rank = c.yieldRank();
            // Ties go to the one whose client's stream stopped growing first.
            if (rank >= 0 && (rank < bestRank || rank == bestRank && c.grewAt < connections[best].grewAt)) {
                best = i;
                bestRank = rank;
            }
        }
        return best;
    }

    /** The connection a client Initial's DCID names, or null: one not seen, a new connection. */
    private Connection clientConnection(ByteBuffer buf, int off, int len) {
        for (int i = 0; i < count; i++) {
            Connection c = connections[i];
            if (QuicInitial.addressedTo(buf, off, len, c.dcid)
                    || c.serverScid != null && QuicInitial.addressedTo(buf, off, len, c.serverScid)) {
                return c;
            }
        }
        return null;
    }

    /** Reads one server-to-client datagram. */
    public Step server(ByteBuffer buf, int off, int len) {
        messageRead();
        if (!QuicInitial.startsLikeInitial(buf, off, len)) {
            return Step.NOT_INITIAL;
        }
        if (count == 0) {
            return Step.NO_CONNECTION;
        }
        boolean addressed = false;
        InitialResult failed = null;
        // Newest first: after a Retry the client keeps its Source Connection ID, and the server
        // answers the connection that followed the Retry.
        for (int i = count - 1; i >= 0; i--) {
            Connection c = connections[i];
            if (!QuicInitial.addressedTo(buf, off, len, c.clientScid)) {
                continue;
            }
            addressed = true;
            if (c.server.over) {
                continue;
            }
            InitialResult r = QuicInitial.decrypt(buf, off, len, true, c.dcid, c.server.largest, c.server);
            if (r instanceof InitialResult.Ok ok) {
                return answered(c, ok);
            }
            failed = r;
        }
        if (failed != null) {
            return failure(failed);
        }
        if (addressed) {
            return Step.ALREADY_READ;
        }
        // Sent to no client's ID, against RFC 9000 §7.2: opened, as before connections were
        // told apart, with the keys of the newest connection still waiting for its server.
        for (int i = count - 1; i >= 0; i--) {
            Connection c = connections[i];
            if (!c.server.over) {
                InitialResult r = QuicInitial.decrypt(buf, off, len, true, c.dcid, c.server.largest, c.server);
                return r instanceof InitialResult.Ok ok ? answered(c, ok) : failure(r);
            }
        }
        return Step.ALREADY_READ;
    }

    /** A server Initial of {@code c} opened: the client's later Initials are sent to the server's ID. */
    private Step answered(Connection c, InitialResult.Ok ok) {
        if (c.serverScid == null) {
            c.serverScid = ok.scid();
        }
        return read(c, true, ok);
    }

    private static Step failure(InitialResult r) {
        return r instanceof InitialResult.Malformed ? Step.MALFORMED : Step.NOT_INITIAL;
    }

    /** Adds an opened datagram's CRYPTO data to the stream of {@code c}'s server or client side. */
    private Step read(Connection c, boolean fromServer, InitialResult r) {
        if (!(r instanceof InitialResult.Ok ok)) {
            return failure(r);
        }
        Side s = fromServer ? c.server : c.client;
        s.largest = ok.largestPacketNumber();
        if (ok.fragments().isEmpty() && s.crypto == null) {
            return Step.OPENED;
        }
        if (s.crypto == null) {
            s.crypto = new QuicCryptoAssembler(QuicCryptoAssembler.DEFAULT_MAX_BYTES, s.next);
        }
        if (s.crypto.addAll(ok.fragments()) > 0 && !fromServer) {
            c.grewAt = clientInitials;
        }
        return complete(c, fromServer);
    }

    /** Whether the side's stream now holds its next message whole, and if so, hands it over. */
    private Step complete(Connection c, boolean fromServer) {
        Side s = fromServer ? c.server : c.client;
        int length = s.crypto.firstMessageLength();
        if (length < 0) {
            // Bytes dropped past the cap are no reason to stop: a hello from the start still fits.
            if (s.crypto.firstMessageTooLong()) {
                s.close();
                return Step.MESSAGE_TOO_LONG;
            }
            return Step.OPENED;
        }
        message = s.crypto.contiguous();
        messageLength = length;
        messageKept = s.crypto.keptBytes();
        messageFromServer = fromServer ? c : null;
        s.read++;
        s.next += length;
        if (s.read < s.want) {
            // A HelloRetryRequest came before this side's first message was whole: the next one
            // starts where it ends, with the bytes already past it (read at the side's next datagram).
            QuicCryptoAssembler rest = new QuicCryptoAssembler(QuicCryptoAssembler.DEFAULT_MAX_BYTES, s.next);
            rest.add(s.next, message.slice(length, message.limit() - length));
            s.crypto = rest;
        } else {
            s.end();
        }
        return Step.MESSAGE;
    }

    /**
     * After {@link Step#MESSAGE} from a server datagram, before {@link #messageRead()}: the
     * message is a HelloRetryRequest (which the caller, parsing it, knows). The connection keeps
     * its Initial keys (they derive from the client's first DCID, RFC 9001 §5.2), and each side
     * reads one message more from where its first ended: the client's second ClientHello, the
     * server's ServerHello. The client's keys, gone with its first message, are derived again.
     *
     * @return {@link Step#MESSAGE} when the bytes after the HelloRetryRequest, already here, hold
     *         the server's next message whole ({@link #message()} is then that one);
     *         {@link Step#OPENED} when they do not (the HelloRetryRequest's arrays went, as at
     *         {@link #messageRead()}); {@link Step#ALREADY_READ} when nothing more is read, and
     *         nothing changed: the connection had a HelloRetryRequest before, or the message was
     *         no server's
     */
    public Step helloRetryRequest() {
        Connection c = messageFromServer;
        if (c == null || c.retried) {
            return Step.ALREADY_READ;
        }
        c.retried = true;
        c.client.want = MAX_MESSAGES;
        c.server.want = MAX_MESSAGES;
        if (c.client.reopen()) {
            c.grewAt = clientInitials;
        }
        if (!c.server.reopen()) {
            return Step.ALREADY_READ;
        }
        ByteBuffer rest = message.slice(messageLength, message.limit() - messageLength);
        messageRead();
        if (!rest.hasRemaining()) {
            return Step.OPENED;
        }
        c.server.crypto = new QuicCryptoAssembler(QuicCryptoAssembler.DEFAULT_MAX_BYTES, c.server.next);
        c.server.crypto.add(c.server.next, rest);
        return complete(c, true);
    }

    /**
     * After {@link Step#MESSAGE}, until {@link #messageRead()} or the next datagram: the CRYPTO
     * stream from where the message starts, the message (its 4-byte handshake header included)
     * at its start. Read-only.
     */
    public ByteBuffer message() {
        return message;
    }

    /**
     * The caller is done with {@link #message()}: its stream's arrays go now. Held until the
     * next datagram, they stayed as long as the flow did once its datagrams stopped, up to 18 KiB
     * a flow that no budget counted (a hello at offset 0 and one byte near the 16 KiB kept).
     */
    public void messageRead() {
        message = null;
        messageKept = 0;
        messageFromServer = null;
    }

    /** After {@link Step#MESSAGE}: the message's length, bytes, header included. */
    public int messageLength() {
        return messageLength;
    }

    /** Connections followed now. */
    public int connections() {
        return count;
    }

    /**
     * Connections whose place a new one took while stalled ({@link #STALL_INITIALS}), their
     * client's hello unread, on this flow so far.
     */
    public int stalledConnectionsTaken() {
        return stalledTaken;
    }

    /**
     * Client Initials of fresh connections not opened on this flow so far, every place held by
     * a connection neither read nor stalled ({@link Step#TOO_MANY_CONNECTIONS}): their hellos unread.
     */
    public int connectionsRefused() {
        return refused;
    }

    /** A direction is no longer read: its CRYPTO streams and keys go (the connections stay, for the other). */
    public void endSide(boolean client) {
        for (int i = 0; i < count; i++) {
            (client ? connections[i].client : connections[i].server).close();
        }
    }

    /**
     * Bytes of the CRYPTO streams and Initial keys kept, and of a message not yet
     * {@linkplain #messageRead() read}, for the inspection budget.
     */
    public int keptBytes() {
        int n = messageKept;
        for (int i = 0; i < count; i++) {
            Connection c = connections[i];
            n += c.client.keptBytes() + c.server.keptBytes();
        }
        return n;
    }

    /** Initial keys derived so far on this flow, kept or not (a derivation is five HMAC-SHA256 runs). */
    int keyDerivations() {
        return keyDerivations;
    }

    /** Connections opened so far on this flow, those no longer followed included. */
    int connectionsOpened() {
        return opened;
    }
}
