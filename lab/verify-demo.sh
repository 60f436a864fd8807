#!/usr/bin/env bash
# lab/verify-demo.sh [PCAP] -- check that a demo capture (default
# samples/demo.pcap) contains what lab/record-demo.sh is meant to record:
# classic pcap / Ethernet, HTTP GET + responses, DNS over UDP and TCP
# (incl. an NXDOMAIN), TLS ClientHellos carrying SNI, an nmap SYN scan with
# RST replies, some IPv6, and no address outside 10.99.0.0/24 / fd99::/64.
# Uses only tcpdump + coreutils; no root needed. Exits non-zero on failure.
set -euo pipefail

LAB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
F=${1:-$LAB_DIR/../samples/demo.pcap}
[[ -r $F ]] || { echo "verify: cannot read $F" >&2; exit 2; }

fail=0
td() { tcpdump -nn -r "$F" "$@" 2>/dev/null; }
n() { td "$@" | wc -l; }
check() {   # check LABEL VALUE MIN
    if (($2 >= $3)); then printf '  ok    %-46s %6d\n' "$1" "$2"
    else printf '  FAIL  %-46s %6d (want >= %d)\n' "$1" "$2" "$3"; fail=1; fi
}
check_zero() {
    if (($2 == 0)); then printf '  ok    %-46s %6d\n' "$1" "$2"
    else printf '  FAIL  %-46s %6d (want 0)\n' "$1" "$2"; fail=1; fi
}

echo "verify $F"
magic=$(od -An -tx1 -N4 "$F" | tr -d ' \n')
linktype=$(od -An -tu4 -j20 -N4 "$F" | tr -d ' \n')
if [[ $magic == d4c3b2a1 || $magic == a1b2c3d4 ]]; then
    printf '  ok    %-46s %6s\n' "classic pcap (magic $magic)" "-"
else
    printf '  FAIL  %-46s\n' "not classic pcap (magic $magic)"; fail=1
fi
# little-endian file written on this host: linktype 1 = Ethernet (EN10MB)
if [[ $linktype == 1 ]]; then printf '  ok    %-46s %6s\n' "link type Ethernet" "1"
else printf '  FAIL  %-46s %6s\n' "link type not Ethernet" "$linktype"; fail=1; fi

check "packets total" "$(n)" 100
check "HTTP GET requests (tcp/80)" "$(td 'tcp port 80' | grep -c 'HTTP: GET /' || true)" 1
check "HTTP responses (tcp/80)" "$(td 'tcp port 80' | grep -c 'HTTP: HTTP/1\.[01] [0-9]' || true)" 1
check "DNS over UDP queries" "$(td 'udp dst port 53' | grep -c '? ' || true)" 4
check "DNS over UDP answers" "$(td 'udp src port 53' | grep -cE '[0-9]+\*? [0-9]+/[0-9]+/[0-9]+|NXDomain' || true)" 4
check "DNS NXDOMAIN answers" "$(td 'udp src port 53' | grep -c 'NXDomain' || true)" 1
check "DNS over TCP query+answer segments" "$(td 'tcp port 53' | grep -cE 'A\? | A [0-9]' || true)" 2
# TLS handshake record (0x16) whose first handshake message is ClientHello (0x01)
HELLO='tcp dst port 443 and (tcp[((tcp[12:1] & 0xf0) >> 2):1] = 0x16) and (tcp[((tcp[12:1] & 0xf0) >> 2) + 5:1] = 0x01)'
check "TLS ClientHello (tcp/443)" "$(n "$HELLO")" 1
check "ClientHellos with SNI *.demo.netwatch.test" "$(td -A "$HELLO" | grep -c 'demo\.netwatch\.test' || true)" 1
SYN='src host 10.99.0.10 and dst host 10.99.0.20 and tcp[tcpflags] == tcp-syn'
check "SYNs client->web, distinct dst ports" "$(td "$SYN" | sed -E 's/.*\.([0-9]+): Flags.*/\1/' | sort -u | wc -l)" 150
check "RST replies from scanned host" "$(n 'src host 10.99.0.20 and tcp[tcpflags] & tcp-rst != 0')" 150
check "IPv6 packets (fd99::/64)" "$(n 'ip6')" 1
check "ICMP echo request/reply" "$(n 'icmp[icmptype] == icmp-echo or icmp[icmptype] == icmp-echoreply')" 2
check_zero "packets outside 10.99.0.0/24 and fd99::/64" "$(n 'not ((ip and src net 10.99.0.0/24 and dst net 10.99.0.0/24) or (ip6 and src net fd99::/64 and dst net fd99::/64))')"
check_zero "non-IP frames (ARP etc.)" "$(n 'not (ip or ip6)')"

if ((fail)); then echo "verify: FAILED"; exit 1; fi
echo "verify: all checks passed"
