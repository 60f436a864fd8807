package io.netwatch.agent.inspect.signature;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code $NAME} variables rules may use in addresses and ports, as Suricata's
 * {@code vars} section defines them. Values are written in rule syntax and may use other
 * variables ({@code EXTERNAL_NET} is {@code !$HOME_NET}).
 *
 * @param addresses address groups by name, without the {@code $}
 * @param ports     port groups by name, without the {@code $}
 */
public record RuleVariables(Map<String, String> addresses, Map<String, String> ports) {
    public RuleVariables {
        addresses = Map.copyOf(addresses);
        ports = Map.copyOf(ports);
    }

    /**
     * Suricata's defaults, with the IPv6 unique-local range added to {@code HOME_NET}: pod and
     * service networks are private ranges in nearly every cluster.
     */
    public static RuleVariables defaults() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("HOME_NET", "[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7]");
        a.put("EXTERNAL_NET", "!$HOME_NET");
        for (String s : new String[] {"HTTP_SERVERS", "SMTP_SERVERS", "SQL_SERVERS", "DNS_SERVERS", "TELNET_SERVERS",
            "AIM_SERVERS", "DC_SERVERS", "DNP3_SERVER", "DNP3_CLIENT", "MODBUS_CLIENT", "MODBUS_SERVER",
            "ENIP_CLIENT", "ENIP_SERVER"}) {
            a.put(s, "$HOME_NET");
        }
        Map<String, String> p = new LinkedHashMap<>();
        p.put("HTTP_PORTS", "80");
        p.put("SHELLCODE_PORTS", "!80");
        p.put("ORACLE_PORTS", "1521");
        p.put("SSH_PORTS", "22");
        p.put("DNP3_PORTS", "20000");
        p.put("MODBUS_PORTS", "502");
        p.put("FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]");
        p.put("FTP_PORTS", "21");
        p.put("GENEVE_PORTS", "6081");
        p.put("VXLAN_PORTS", "4789");
        p.put("TEREDO_PORTS", "3544");
        return new RuleVariables(a, p);
    }
}
