package io.netwatch.agent.inspect.signature;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configured rule variables: merged over Suricata's defaults, and refused at load, by name, when wrong. */
class RuleVariablesTest {
    @TempDir
    Path dir;

    /** 100.64.1.2 as the decoder holds it: IPv4 mapped into IPv6. */
    private static final long V4_HI = 0;
    private static final long POD = 0xFFFF_0000_0000L | (100L << 24) | (64L << 16) | (1 << 8) | 2;

    private static String refusal(RuleVariables base, Map<String, String> addresses, Map<String, String> ports) {
        return assertThrows(IllegalArgumentException.class, () -> base.with(addresses, ports)).getMessage();
    }

    private static String refusal(Map<String, String> addresses) {
        return refusal(RuleVariables.defaults(), addresses, Map.of());
    }

    @Test
    void aGroupSetReplacesItsDefaultAndKeepsTheOthers() {
        RuleVariables v = RuleVariables.defaults().with(Map.of("HOME_NET", "[10.0.0.0/8,100.64.0.0/10]",
                "DMZ_NET", "192.0.2.0/24"), Map.of("HTTP_PORTS", "[80,8080]"));
        assertEquals("[10.0.0.0/8,100.64.0.0/10]", v.addresses().get("HOME_NET"));
        assertEquals("192.0.2.0/24", v.addresses().get("DMZ_NET"));
        assertEquals("!$HOME_NET", v.addresses().get("EXTERNAL_NET"));
        assertEquals(RuleVariables.defaults().addresses().size() + 1, v.addresses().size());
        assertEquals("[80,8080]", v.ports().get("HTTP_PORTS"));
        assertEquals(RuleVariables.defaults().ports().get("SSH_PORTS"), v.ports().get("SSH_PORTS"));
        // Read where used: the defaults that use $HOME_NET and $HTTP_PORTS follow the new values.
        assertTrue(AddressSet.parse("$HOME_NET", v).matches(V4_HI, POD));
        assertFalse(AddressSet.parse("$EXTERNAL_NET", v).matches(V4_HI, POD));
        assertTrue(AddressSet.parse("$HTTP_SERVERS", v).matches(V4_HI, POD));
        assertFalse(AddressSet.parse("$HOME_NET", RuleVariables.defaults()).matches(V4_HI, POD));
        assertTrue(PortSet.parse("$FILE_DATA_PORTS", v).matches(8080));
        assertEquals(v, v.with(Map.of(), Map.of()), "nothing set, nothing changed");
    }

    @Test
    void aValueThatIsNotAnAddressOrPortIsRefusedNamingTheGroup() {
        assertEquals("address group HOME_NET \"[10.0.0.0/8,100.64.0.0/100]\": prefix length out of range in "
                + "'100.64.0.0/100'", refusal(Map.of("HOME_NET", "[10.0.0.0/8,100.64.0.0/100]")));
        assertEquals("address group HOME_NET \"\": empty address", refusal(Map.of("HOME_NET", " ")));
        assertEquals("port group HTTP_PORTS \"[80,http]\": 'http' is not a port (0-65535), a range, a list, a "
                + "variable or any", refusal(RuleVariables.defaults(), Map.of(), Map.of("HTTP_PORTS", "[80,http]")));
        // A default that only fails through the group just set says which one, and what to set.
        assertEquals("address group EXTERNAL_NET \"!$HOME_NET\" (not set here; it uses HOME_NET; set EXTERNAL_NET "
                + "too): '!any' matches no address", refusal(Map.of("HOME_NET", "any")));
        RuleVariables everywhere = RuleVariables.defaults().with(Map.of("HOME_NET", "any", "EXTERNAL_NET", "any"),
                Map.of());
        assertTrue(AddressSet.parse("$EXTERNAL_NET", everywhere).isAny());
    }

    @Test
    void namesAreUpperCaseIdentifiers() {
        for (String name : List.of("home_net", "HOME-NET", "1NET", "", "$HOME_NET", "HOME NET", "N".repeat(65))) {
            String m = refusal(Map.of(name, "10.0.0.0/8"));
            assertEquals("address group name \"" + name + "\" must be upper-case letters, digits and _, starting "
                    + "with a letter, at most 64 characters (as HOME_NET)", m);
        }
        assertTrue(refusal(RuleVariables.defaults(), Map.of(), Map.of("web_ports", "80")).startsWith(
                "port group name \"web_ports\""));
        // A port group given as an address group is named as such.
        assertEquals("HTTP_PORTS is a port group, not an address group: set it with the port groups",
                refusal(Map.of("HTTP_PORTS", "8080")));
        assertEquals("HOME_NET is an address group, not a port group: set it with the address groups",
                refusal(RuleVariables.defaults(), Map.of(), Map.of("HOME_NET", "80")));
    }

    @Test
    void aVariableThatIsNotDefinedIsRefusedNamingBoth() {
        String m = refusal(Map.of("HOME_NET", "[$POD_NET,$SERVICE_NET]", "POD_NET", "100.64.0.0/10"));
        assertTrue(m.startsWith("address group HOME_NET uses $SERVICE_NET, which is not defined; define it too, or use "
                + "one of: AIM_SERVERS, DC_SERVERS"), m);
        assertTrue(m.contains("POD_NET"), m);
        assertEquals("address group WEB_NET uses $HTTP_PORTS, which is a port group; an address group can use only "
                + "address groups", refusal(Map.of("WEB_NET", "$HTTP_PORTS")));
        assertEquals("port group WEB_PORTS uses $HOME_NET, which is an address group; a port group can use only port "
                + "groups", refusal(RuleVariables.defaults(), Map.of(), Map.of("WEB_PORTS", "[$HOME_NET]")));
        // Defined in the same call, in any order: fine.
        Map<String, String> chain = new LinkedHashMap<>();
        chain.put("HOME_NET", "[$POD_NET,$SERVICE_NET]");
        chain.put("SERVICE_NET", "100.96.0.0/12");
        chain.put("POD_NET", "100.64.0.0/11");
        assertTrue(AddressSet.parse("$HOME_NET", RuleVariables.defaults().with(chain, Map.of())).matches(V4_HI, POD));
    }

    @Test
    void aCycleIsRefusedNamingEveryVariableInIt() {
        // Through a default: EXTERNAL_NET is !$HOME_NET.
        assertEquals("address group HOME_NET uses itself: $HOME_NET -> $EXTERNAL_NET -> $HOME_NET; write one of them "
                + "out without the other variables", refusal(Map.of("HOME_NET", "[10.0.0.0/8,!$EXTERNAL_NET]")));
        Map<String, String> ab = new LinkedHashMap<>();
        ab.put("A", "[10.0.0.0/8,$B]");
        ab.put("B", "!$A");
        assertTrue(refusal(ab).startsWith("address group A uses itself: $A -> $B -> $A;"), refusal(ab));
        assertTrue(refusal(Map.of("A", "$A")).startsWith("address group A uses itself: $A -> $A;"));
        Map<String, String> pq = new LinkedHashMap<>();
        pq.put("P", "[80,$Q]");
        pq.put("Q", "[$R]");
        pq.put("R", "!$P");
        String m = refusal(RuleVariables.defaults(), Map.of(), pq);
        assertTrue(m.startsWith("port group P uses itself: $P -> $Q -> $R -> $P;"), m);
        // The record itself takes any maps (the parser bounds them by nesting); validate() refuses them.
        RuleVariables raw = new RuleVariables(Map.of("A", "[$B]", "B", "[$A]"), Map.of());
        assertTrue(assertThrows(IllegalArgumentException.class, raw::validate).getMessage()
                .startsWith("address group A uses itself: $A -> $B -> $A;"));
    }

    @Test
    void longChainsAndFanOutsAreRefusedBeforeTheyCostAnything() {
        // Each of 12 groups uses the one before it ten times: 10^12 uses, were they expanded.
        Map<String, String> fan = new LinkedHashMap<>();
        fan.put("G0", "10.0.0.0/8");
        for (int i = 1; i < 12; i++) {
            fan.put("G" + i, "[" + String.join(",", java.util.Collections.nCopies(10, "$G" + (i - 1))) + "]");
        }
        String m = refusal(fan);
        assertTrue(m.matches("address group G\\d+ expands to more than 1024 uses of variables; write the shared part "
                + "once"), m);
        // A chain longer than the parsers nest: refused by name, not by the stack.
        Map<String, String> chain = new LinkedHashMap<>();
        for (int i = 0; i < 5000; i++) {
            chain.put("C" + i, "$C" + (i + 1));
        }
        chain.put("C5000", "10.0.0.0/8");
        m = refusal(chain);
        assertTrue(m.startsWith("address group C0 nests variables more than 16 deep: $C0 -> $C1 -> "), m);
    }

    @Test
    void rulesConfigRefusesVariablesThatAreNotValidAndReloadsWithThoseThatAre() throws Exception {
        RuleVariables bad = new RuleVariables(Map.of("HOME_NET", "[10.0.0.0/8"), Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RulesConfig(List.of(), true,
                Duration.ZERO, Signatures.DEFAULT_PAYLOAD_DEPTH, bad));
        assertEquals("address group HOME_NET \"[10.0.0.0/8\": address list '[10.0.0.0/8' has no closing ']'",
                e.getMessage());

        // A group of the user's own, used by a rule file that changes while the agent runs.
        Path f = dir.resolve("dmz.rules");
        Files.writeString(f, "alert tcp any any -> $DMZ_NET any (msg:\"v1\"; content:\"a\"; sid:1;)\n");
        RuleVariables dmz = RuleVariables.defaults().with(Map.of("DMZ_NET", "100.64.1.0/24"), Map.of());
        Signatures s = new RulesConfig(List.of(f), false, Duration.ofSeconds(10), Signatures.DEFAULT_PAYLOAD_DEPTH, dmz)
                .load();
        assertEquals(List.of(), s.lastLoad().errors());
        try (RuleWatcher w = s.watch(Duration.ofHours(1), r -> { })) {
            Files.writeString(f, """
                    alert tcp any any -> $DMZ_NET any (msg:"v2"; content:"a"; sid:1; rev:2;)
                    alert tcp $HOME_NET any -> any $HTTP_PORTS (msg:"home"; content:"b"; sid:2;)
                    """);
            assertTrue(w.checkNow());
        }
        assertEquals(List.of(), s.lastLoad().errors(), "the reload read $DMZ_NET too");
        assertEquals(List.of("v2", "home"), s.current().rules().stream().map(Rule::msg).toList());
        assertTrue(s.current().rules().getFirst().destination().matches(V4_HI, POD));
    }
}
