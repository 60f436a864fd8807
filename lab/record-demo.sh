#!/usr/bin/env bash
# lab/record-demo.sh [OUT] -- record Netwatch's bundled demo capture.
#
# Builds a tiny isolated LAN out of Linux network namespaces, runs real
# services and real client tools across it, and captures the client's
# traffic with tcpdump into OUT (default: samples/demo.pcap in the repo).
#
#   lan    : namespace holding bridge br0 (the "switch"), no addresses
#   client : 10.99.0.10  fd99::10   curl, dig, openssl s_client, nmap, ping
#   web    : 10.99.0.20  fd99::20   HTTP :80 (python3 http.server),
#                                   TLS  :443 (openssl s_server, self-signed)
#   dns    : 10.99.0.53  fd99::53   DNS :53 udp+tcp (dnsmasq, zone demo.netwatch.test)
#
# All traffic stays between namespaces created here; nothing touches the host
# network or the internet. Namespaces are named nw-<pid><rand>-<node> and are
# removed (with every process started in them) on exit, including on error.
#
# The capture is classic pcap (not pcapng), link type Ethernet (EN10MB),
# snaplen 262144, filtered to IPv4 plus IPv6 between fd99::/64 addresses
# (no ARP, no neighbour discovery, no link-local noise). Offloads are off on
# every veth, so frames are MTU-sized and checksums are filled in.
#
# Needs root. Missing tools are installed from Debian apt (see lab/require.sh).
set -euo pipefail

LAB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd -- "$LAB_DIR/.." && pwd)
OUT=${1:-$REPO_DIR/samples/demo.pcap}

# shellcheck source=lab/require.sh
source "$LAB_DIR/require.sh"
# shellcheck source=lab/netns.sh
source "$LAB_DIR/netns.sh"

say() { echo "[record-demo] $*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
    say "must run as root (network namespaces, raw sockets): sudo $0 ${1:-}"
    exit 1
fi

# ---- tools ---------------------------------------------------------------
nw_require ip iproute2
nw_require ss iproute2
nw_require tcpdump tcpdump
nw_require nmap nmap
nw_require dig dnsutils
nw_require dnsmasq dnsmasq-base
nw_require openssl openssl
nw_require curl curl
nw_require ping iputils-ping
nw_require ethtool ethtool
if [[ -x /usr/bin/python3 ]]; then PY=/usr/bin/python3; else nw_require python3 python3; PY=$(command -v python3); fi

# ---- address plan / names ------------------------------------------------
ZONE=demo.netwatch.test
CLIENT4=10.99.0.10 CLIENT6=fd99::10
WEB4=10.99.0.20    WEB6=fd99::20
DNS4=10.99.0.53    DNS6=fd99::53
UA="netwatch-demo/1.0 (curl)"

# ---- topology ------------------------------------------------------------
# shellcheck disable=SC2119
nw_init
trap nw_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
say "namespace prefix: $NW_PREFIX"

nw_tmpdir; WORK=$NW_TMP
nw_bridge lan
nw_attach client lan "$CLIENT4/24" "$CLIENT6/64"
nw_attach web    lan "$WEB4/24"    "$WEB6/64"
nw_attach dns    lan "$DNS4/24"    "$DNS6/64"

# ---- services ------------------------------------------------------------
# web content
mkdir -p "$WORK/www/api"
cat >"$WORK/www/index.html" <<'EOF'
<!doctype html>
<html><head><title>Netwatch demo</title></head>
<body><h1>Netwatch demo web server</h1><p>Hello from 10.99.0.20.</p></body></html>
EOF
printf '{"service":"demo","status":"ok","version":"1.0"}\n' >"$WORK/www/api/status.json"
printf 'User-agent: *\nDisallow: /private/\n' >"$WORK/www/robots.txt"

# HTTP on :80, dual stack (binding :: also accepts IPv4 in http.server)
nw_bg web "$WORK/http.log" "$PY" -m http.server 80 --bind :: --directory "$WORK/www"

# throwaway self-signed cert for the TLS server
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 2 -subj "/CN=www.$ZONE" \
    -addext "subjectAltName=DNS:www.$ZONE,DNS:api.$ZONE" \
    -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
nw_bg web "$WORK/tls.log" openssl s_server -quiet -www -accept 443 \
    -cert "$WORK/tls.crt" -key "$WORK/tls.key"

# authoritative-only DNS for the made-up zone; unknown names -> NXDOMAIN
nw_bg dns "$WORK/dns.log" dnsmasq --keep-in-foreground --conf-file=/dev/null \
    --no-resolv --no-hosts --no-poll --pid-file= --user=root \
    --bind-interfaces --listen-address="$DNS4" --listen-address="$DNS6" \
    --except-interface=lo \
    --log-queries --log-facility=- \
    --local="/$ZONE/" \
    --host-record="www.$ZONE,$WEB4,$WEB6" \
    --host-record="api.$ZONE,$WEB4" \
    --host-record="ns.$ZONE,$DNS4,$DNS6" \
    --address="/files.$ZONE/$WEB4" \
    --cname="cdn.$ZONE,www.$ZONE" \
    --txt-record="$ZONE,v=netwatch-demo1 purpose=test" \
    --txt-record="_info.$ZONE,recorded by lab/record-demo.sh"

nw_wait_listen web tcp 80
nw_wait_listen web tcp 443
nw_wait_listen dns udp 53
nw_wait_listen dns tcp 53

# ---- capture -------------------------------------------------------------
FILTER="(ip and src net 10.99.0.0/24 and dst net 10.99.0.0/24) or (ip6 and src net fd99::/64 and dst net fd99::/64 and not icmp6)"
nw_bg client "$WORK/tcpdump.log" tcpdump -i eth0 -nn -U -Z root -s 262144 \
    -w "$WORK/demo.pcap" "$FILTER"
TCPDUMP_PID=$NW_LAST_PID
for ((i = 0; i < 100; i++)); do
    grep -q 'listening on' "$WORK/tcpdump.log" 2>/dev/null && break
    kill -0 "$TCPDUMP_PID" 2>/dev/null || { cat "$WORK/tcpdump.log" >&2; exit 1; }
    sleep 0.1
done
sleep 0.3

c() { nw_exec client "$@"; }
step() { say "-> $*"; }
DIG=(dig +tries=1 +time=3)

# ---- traffic -------------------------------------------------------------
step "ping web (ICMP echo x3)"
c ping -n -c 3 -i 0.2 "$WEB4" >/dev/null

step "DNS over UDP: A, AAAA, TXT, CNAME, NXDOMAIN"
c "${DIG[@]}" @"$DNS4" "www.$ZONE" A    +short
c "${DIG[@]}" @"$DNS4" "www.$ZONE" AAAA +short
c "${DIG[@]}" @"$DNS4" "$ZONE" TXT      +short
c "${DIG[@]}" @"$DNS4" "cdn.$ZONE" A    +short
c "${DIG[@]}" @"$DNS4" "nosuchhost.$ZONE" A | grep -o 'status: [A-Z]*'
step "DNS over TCP"
c "${DIG[@]}" +tcp @"$DNS4" "api.$ZONE" A +short
step "DNS over IPv6/UDP"
c "${DIG[@]}" @"$DNS6" "ns.$ZONE" AAAA +short
sleep 0.2

step "HTTP fetches"
CURL=(curl -sS --max-time 5 -A "$UA" --resolve "www.$ZONE:80:$WEB4")
c "${CURL[@]}" -o /dev/null -w '%{http_code} %{url_effective}\n' "http://www.$ZONE/"
c "${CURL[@]}" -o /dev/null -w '%{http_code} %{url_effective}\n' "http://www.$ZONE/api/status.json"
c "${CURL[@]}" -o /dev/null -w '%{http_code} %{url_effective}\n' "http://www.$ZONE/robots.txt"
c "${CURL[@]}" -o /dev/null -w '%{http_code} %{url_effective}\n' "http://www.$ZONE/admin/login.php" || true
step "HTTP over IPv6"
c curl -sS --max-time 5 -6 -g -A "$UA" -o /dev/null -w '%{http_code} %{url_effective}\n' \
    "http://[$WEB6]/index.html"
sleep 0.2

step "TLS: curl (SNI www.$ZONE), openssl s_client TLS1.2 (SNI api.$ZONE)"
c curl -sS -k --max-time 5 -A "$UA" --resolve "www.$ZONE:443:$WEB4" \
    -o /dev/null -w '%{http_code} %{url_effective}\n' "https://www.$ZONE/"
printf 'GET / HTTP/1.0\r\nHost: api.%s\r\n\r\n' "$ZONE" |
    c timeout 10 openssl s_client -quiet -tls1_2 -connect "$WEB4:443" \
        -servername "api.$ZONE" >/dev/null 2>&1 || say "warning: s_client exited non-zero"
sleep 0.2

step "nmap SYN scan of $WEB4 ports 1-200"
c nmap -sS -n -Pn -e eth0 -p 1-200 --max-rate 400 --max-retries 1 "$WEB4" |
    grep -E '^(PORT|[0-9]+/|Not shown|Nmap done)' || true
sleep 1

# ---- stop capture, flush, publish ----------------------------------------
nw_stop "$TCPDUMP_PID" INT
grep -E 'packets (captured|received|dropped)' "$WORK/tcpdump.log" >&2 || true

mkdir -p "$(dirname -- "$OUT")"
cp -- "$WORK/demo.pcap" "$OUT.tmp.$$"
chmod 0644 "$OUT.tmp.$$"
mv -f -- "$OUT.tmp.$$" "$OUT"

# ---- summary -------------------------------------------------------------
# (sed, not head: head would SIGPIPE tcpdump and trip pipefail)
COUNT=$(tcpdump -r "$OUT" -nn 2>/dev/null | wc -l)
SIZE=$(stat -c %s "$OUT")
echo
echo "wrote $OUT: $SIZE bytes, $COUNT packets"
echo "first packets:"
tcpdump -r "$OUT" -nn 2>/dev/null | sed -n '1,15p'
echo "..."
echo
"$LAB_DIR/verify-demo.sh" "$OUT"
