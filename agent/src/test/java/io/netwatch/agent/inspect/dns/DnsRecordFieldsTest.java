package io.netwatch.agent.inspect.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.agent.inspect.RecordFieldsConversation;
import io.netwatch.proto.flow.v1.DNS;
import io.netwatch.proto.flow.v1.Flow;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A DNS flow's records carry its summary: the first query until a response comes, then the
 * first response for good. An interim record made before the response must not leave its
 * query behind in the later records.
 */
class DnsRecordFieldsTest {
    private static final long SECOND = RecordFieldsConversation.SECOND;
    private final RecordFieldsConversation dns = new RecordFieldsConversation(40000, 53);

    private void datagram(boolean fromClient, byte[] message) {
        dns.datagram(fromClient, message);
    }

    private static byte[] response(int id, String name, int... lastOctets) {
        Messages m = Messages.header(id, 0x8180, 1, lastOctets.length, 0, 0).question(name, 1, 1);
        for (int octet : lastOctets) {
            m.pointer(12).recordAfterOwner(1, 1, 300, new byte[] {(byte) 192, 0, 2, (byte) octet});
        }
        return m.bytes();
    }

    private List<DNS> summaries() {
        return dns.flows.stream().filter(Flow::hasDns).map(Flow::getDns).toList();
    }

    @Test
    void theResponseReplacesTheQueryInRecordsAfterAnInterimOne() {
        datagram(true, Messages.query(7, "api.example.org", 1));
        // The stub resolver retries after 1.5 s: past the active timeout, so the flow reports.
        dns.pass(3 * SECOND / 2);
        datagram(true, Messages.query(7, "api.example.org", 1));
        List<DNS> interim = summaries();
        assertEquals(1, interim.size(), "one interim record after the active timeout: " + dns.flows);
        assertFalse(interim.getFirst().getResponse());
        assertEquals("api.example.org", interim.getFirst().getQuery());
        assertEquals(0, interim.getFirst().getAnswersCount());

        dns.pass(SECOND / 10);
        datagram(false, response(7, "api.example.org", 10, 11));
        // A later query on the same ports (glibc asks for A and AAAA from one socket) does not
        // replace the response.
        dns.pass(SECOND / 10);
        datagram(true, Messages.query(8, "api.example.org", 28));
        dns.finish();

        DNS last = summaries().getLast();
        assertEquals(2, summaries().size(), "the interim record and the final one: " + dns.flows);
        assertTrue(last.getResponse(), "the last record keeps the response: " + last);
        assertEquals(7, last.getId());
        assertEquals("api.example.org", last.getQuery());
        assertEquals(List.of("192.0.2.10", "192.0.2.11"), last.getAnswersList().stream().map(a -> a.getData()).toList());
        assertEquals(List.of("api.example.org", "api.example.org"),
                last.getAnswersList().stream().map(a -> a.getName()).toList());
    }

    @Test
    void aFlowOfQueriesOnlyKeepsItsFirstQuery() {
        datagram(true, Messages.query(1, "first.example.org", 1));
        dns.pass(SECOND / 10);
        datagram(true, Messages.query(2, "second.example.org", 1));
        dns.finish();
        DNS last = summaries().getLast();
        assertFalse(last.getResponse());
        assertEquals(1, last.getId());
        assertEquals("first.example.org", last.getQuery());
    }

    @Test
    void everyRecordAfterTheResponseHasItsAnswers() {
        // The response's fields are built for the interim record; the ones after it are that
        // same field, whatever the flow keeps of the response in between.
        datagram(true, Messages.query(9, "db.example.org", 1));
        dns.pass(SECOND / 10);
        datagram(false, response(9, "db.example.org", 20, 21, 22));
        dns.pass(3 * SECOND / 2);
        datagram(true, Messages.query(10, "db.example.org", 28));
        dns.pass(3 * SECOND / 2);
        datagram(true, Messages.query(11, "db.example.org", 28));
        dns.finish();
        List<DNS> records = summaries();
        assertTrue(records.size() >= 2, "interim records and the final one: " + dns.flows);
        for (DNS r : records) {
            assertTrue(r.getResponse(), r.toString());
            assertEquals(List.of("192.0.2.20", "192.0.2.21", "192.0.2.22"),
                    r.getAnswersList().stream().map(a -> a.getData()).toList());
        }
    }

    @Test
    void theRecordSaysWhichEndAnswered() {
        // Found in review: the aggregator names addresses by the answers in flow records, and
        // must check who gave them; a response sent by the flow's initiator (an answer sent
        // unasked toward a resolver) was recorded as if the resolver had answered.
        datagram(true, Messages.query(3, "api.example.org", 1));
        dns.pass(SECOND / 10);
        datagram(false, response(3, "api.example.org", 10));
        dns.finish();
        DNS answered = summaries().getLast();
        assertTrue(answered.getResponse());
        assertFalse(answered.getResponseFromSource(), "the destination, the resolver, answered: " + answered);

        RecordFieldsConversation forged = new RecordFieldsConversation(40001, 53);
        forged.datagram(true, response(4, "api.example.org", 66));
        forged.finish();
        Flow f = forged.flows.getLast();
        assertTrue(f.getDns().getResponse());
        assertEquals(40001, (f.getDns().getResponseFromSource() ? f.getSource() : f.getDestination()).getPort(),
                "the sender of the response is the end that answered: " + f);
    }
}
