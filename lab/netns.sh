#!/usr/bin/env bash
# lab/netns.sh -- tiny sourceable library for throw-away network-namespace labs.
#
# Everything created goes into namespaces named "$NW_PREFIX-<name>", where
# NW_PREFIX is "nw-<pid><random>", so parallel runs never collide. veth pairs are
# created directly inside those namespaces (never in the host namespace), so
# interface names can be short and fixed (eth0, p-client, ...).
#
# Usage:
#   source lab/netns.sh
#   nw_init                               # pick a prefix, set trap-friendly state
#   trap nw_cleanup EXIT
#   nw_bridge lan                         # namespace "lan" holding bridge br0
#   nw_node client                        # plain namespace with lo up
#   nw_attach client lan 10.99.0.10/24 fd99::10/64   # veth client:eth0 <-> lan:br0
#   nw_link a b 10.0.0.1/30 10.0.0.2/30   # or: direct veth a:eth-b <-> b:eth-a
#   nw_bg client /tmp/log cmd args...     # background process inside a namespace
#   nw_exec client cmd args...            # foreground command inside a namespace
#   nw_cleanup                            # kill our processes, delete our namespaces
#
# Needs root and iproute2. ethtool is used (if present) to switch off offloads
# so captured frames are MTU-sized and carry real checksums.

NW_PREFIX=${NW_PREFIX:-}
NW_NAMESPACES=()     # full namespace names we created
NW_PIDS=()           # background processes we started
NW_TMPDIRS=()        # temp dirs to remove on cleanup

nw_log() { echo "[netns] $*" >&2; }

# nw_init [PREFIX]  -- choose the namespace prefix (default nw-<pid><rand>).
nw_init() {
    NW_PREFIX=${1:-nw-$$$(printf '%04x' $((RANDOM)))}
    NW_NAMESPACES=() NW_PIDS=() NW_TMPDIRS=()
}

# nw_ns NAME -> prints the full namespace name for a short node name.
nw_ns() { printf '%s-%s' "$NW_PREFIX" "$1"; }

# nw_exists NAME  -- true if our namespace NAME exists.
nw_exists() { [[ -e /run/netns/$(nw_ns "$1") ]]; }

# nw_node NAME  -- create a namespace with loopback up and IPv6 DAD/RS quiet.
nw_node() {
    local ns; ns=$(nw_ns "$1")
    [[ -n $NW_PREFIX ]] || { nw_log "call nw_init first"; return 1; }
    ip netns add "$ns"
    NW_NAMESPACES+=("$ns")
    ip -n "$ns" link set lo up
    # keep link-local IPv6 chatter (router solicitations, DAD) to a minimum
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.router_solicitations=0 \
        net.ipv6.conf.default.router_solicitations=0 \
        net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
        >/dev/null 2>&1 || true
}

# nw_bridge NAME  -- namespace containing a bridge "br0" (a virtual switch).
nw_bridge() {
    local ns; nw_node "$1"; ns=$(nw_ns "$1")
    ip -n "$ns" link add br0 type bridge
    ip -n "$ns" link set br0 type bridge stp_state 0 forward_delay 0 2>/dev/null || true
    # the switch itself needs no IP stack
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
    ip -n "$ns" link set br0 up
}

# nw_offloads_off NAME IFACE  -- disable TSO/GSO/GRO and checksum offload.
nw_offloads_off() {
    local ns; ns=$(nw_ns "$1")
    if command -v ethtool >/dev/null 2>&1 || [[ -x /usr/sbin/ethtool ]]; then
        ip netns exec "$ns" ethtool -K "$2" tso off gso off gro off tx off rx off \
            >/dev/null 2>&1 || nw_log "warning: ethtool -K $2 in $ns failed"
    else
        nw_log "warning: ethtool missing, offloads left on for $2 in $ns"
    fi
}

# _nw_addrs NS IFACE ADDR...  -- add IPv4/IPv6 addresses (IPv6 with nodad).
_nw_addrs() {
    local ns=$1 ifc=$2 a; shift 2
    for a in "$@"; do
        [[ -z $a ]] && continue
        if [[ $a == *:* ]]; then
            ip -n "$ns" -6 addr add "$a" dev "$ifc" nodad
        else
            ip -n "$ns" addr add "$a" dev "$ifc"
        fi
    done
}

# nw_attach NODE BRIDGE ADDR... -- veth NODE:eth0 <-> BRIDGE:p-NODE (in br0).
# NODE is created if it does not exist yet. Optional IFACE via NW_IFACE=...
nw_attach() {
    local node=$1 br=$2; shift 2
    local nsn nsb ifc=${NW_IFACE:-eth0} port="p-${node:0:13}"
    nsn=$(nw_ns "$node"); nsb=$(nw_ns "$br")
    nw_exists "$node" || nw_node "$node"
    ip -n "$nsn" link add "$ifc" type veth peer name "$port" netns "$nsb"
    ip -n "$nsb" link set "$port" master br0
    nw_offloads_off "$node" "$ifc"
    nw_offloads_off "$br" "$port"
    _nw_addrs "$nsn" "$ifc" "$@"
    ip -n "$nsb" link set "$port" up
    ip -n "$nsn" link set "$ifc" up
}

# nw_link A B ADDR_A ADDR_B  -- direct veth pair A:eth-B <-> B:eth-A.
nw_link() {
    local a=$1 b=$2 aa=${3:-} ab=${4:-} nsa nsb ia ib
    nsa=$(nw_ns "$a"); nsb=$(nw_ns "$b")
    ia="eth-${b:0:11}"; ib="eth-${a:0:11}"
    nw_exists "$a" || nw_node "$a"
    nw_exists "$b" || nw_node "$b"
    ip -n "$nsa" link add "$ia" type veth peer name "$ib" netns "$nsb"
    nw_offloads_off "$a" "$ia"; nw_offloads_off "$b" "$ib"
    _nw_addrs "$nsa" "$ia" "$aa"; _nw_addrs "$nsb" "$ib" "$ab"
    ip -n "$nsa" link set "$ia" up; ip -n "$nsb" link set "$ib" up
}

# nw_exec NAME CMD...  -- run a command inside a namespace (foreground).
nw_exec() { local ns; ns=$(nw_ns "$1"); shift; ip netns exec "$ns" "$@"; }

# nw_bg NAME LOGFILE CMD...  -- start CMD in the background inside a namespace;
# its pid is remembered in NW_PIDS and left in NW_LAST_PID.
nw_bg() {
    local ns log=$2; ns=$(nw_ns "$1"); shift 2
    ip netns exec "$ns" "$@" </dev/null >"$log" 2>&1 &
    NW_LAST_PID=$!
    NW_PIDS+=("$NW_LAST_PID")
}

# nw_tmpdir -> prints a new temp dir that nw_cleanup removes.
# (call it directly, not in $(...), so the registration survives: it sets NW_TMP)
nw_tmpdir() {
    NW_TMP=$(mktemp -d "${TMPDIR:-/tmp}/${NW_PREFIX:-nw}.XXXXXX")
    NW_TMPDIRS+=("$NW_TMP")
}

# nw_wait_listen NAME PROTO PORT [TIMEOUT_S]  -- wait until a socket listens
# (checked with `ss` inside the namespace, so it sends no packets).
nw_wait_listen() {
    local node=$1 proto=$2 port=$3 t=${4:-10} i flag=-Hltn
    [[ $proto == udp ]] && flag=-Hlun
    for ((i = 0; i < t * 10; i++)); do
        [[ -n $(nw_exec "$node" ss $flag "sport = :$port" 2>/dev/null) ]] && return 0
        sleep 0.1
    done
    nw_log "timeout waiting for $proto/$port in $node"; return 1
}

# nw_stop PID [SIGNAL]  -- signal one of our processes and wait for it.
nw_stop() {
    local pid=$1 sig=${2:-TERM} i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -s "$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}

# nw_cleanup  -- stop our processes, delete our namespaces and temp dirs.
# Idempotent; safe to use as an EXIT trap.
nw_cleanup() {
    local pid ns d
    for pid in "${NW_PIDS[@]}"; do nw_stop "$pid" TERM; done
    NW_PIDS=()
    for ns in "${NW_NAMESPACES[@]}"; do
        # anything still running inside one of *our* namespaces was started by us
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null || true
        done
        ip netns del "$ns" 2>/dev/null || true
    done
    NW_NAMESPACES=()
    for d in "${NW_TMPDIRS[@]}"; do
        [[ -n $d && -d $d ]] && rm -rf -- "$d"
    done
    NW_TMPDIRS=()
}
