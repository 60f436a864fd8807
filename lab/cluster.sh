#!/usr/bin/env bash
# lab/cluster.sh -- sourceable: a two-node "cluster" out of network namespaces.
#
#   node1 (routed pod networking, as Calico does)        node2 (bridged, as flannel's cni0)
#   pods: eth0 10.244.1.X/32, default via 169.254.1.1    pods: eth0 10.244.2.X/24, default via
#   node: caliPOD, proxy ARP, route 10.244.1.X/32        10.244.2.1; node: cni0 10.244.2.1/24
#         dev caliPOD                                          with a vethPOD port per pod
#
#   node1 eth-node2 172.31.0.1/30 <------ underlay ------> node2 eth-node1 172.31.0.2/30
#   node1 eth-ext 198.51.100.1/24 <--> ext 198.51.100.10, .53 (the "internet": TEST-NET-2)
#
# Pod namespaces are named after the pod (n1-client, n2-web, ...); each node routes the
# other node's pod CIDR over the underlay and everything else to ext. Nothing leaves the
# namespaces: no host interface is touched. Requires netns.sh sourced and nw_init called.
#
#   lab_cluster_up                 the nodes, the underlay and ext
#   lab_pod_routed NAME IP         a Calico-style pod on node1
#   lab_pod_bridged NAME IP        a flannel-style pod on node2

LAB_NODE1_UNDERLAY=172.31.0.1
LAB_NODE2_UNDERLAY=172.31.0.2
LAB_EXT=198.51.100.10
LAB_EXT_DNS=198.51.100.53

_lab_sysctl() {
    nw_exec "$1" sysctl -qw "${@:2}" >/dev/null
}

lab_cluster_up() {
    nw_node node1
    nw_node node2
    nw_node ext
    local n
    for n in node1 node2; do
        _lab_sysctl "$n" net.ipv4.ip_forward=1
        # A cluster without anti-spoofing: spoofed sources reach their targets, so the
        # detectors (and the blocking guardrails) have to cope with them.
        _lab_sysctl "$n" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
    done
    nw_link node1 node2 "$LAB_NODE1_UNDERLAY/30" "$LAB_NODE2_UNDERLAY/30"
    nw_link node1 ext 198.51.100.1/24 "$LAB_EXT/24"
    nw_exec ext ip addr add "$LAB_EXT_DNS/24" dev eth-node1
    nw_exec ext ip route add 10.244.0.0/16 via 198.51.100.1
    nw_exec ext ip route add 172.31.0.0/30 via 198.51.100.1
    nw_exec node1 ip route add 10.244.2.0/24 via "$LAB_NODE2_UNDERLAY"
    nw_exec node2 ip route add 10.244.1.0/24 via "$LAB_NODE1_UNDERLAY"
    # Default routes: node1 to ext, node2 through node1. Calico's proxy ARP answers a pod's
    # ARP for 169.254.1.1 only when the node has a route to that address, as real nodes do.
    nw_exec node1 ip route add default via "$LAB_EXT"
    nw_exec node2 ip route add default via "$LAB_NODE1_UNDERLAY"
    # node2's pod bridge
    nw_exec node2 ip link add cni0 type bridge
    nw_exec node2 ip link set cni0 type bridge stp_state 0 forward_delay 0
    nw_exec node2 ip addr add 10.244.2.1/24 dev cni0
    nw_exec node2 ip link set cni0 up
}

# lab_pod_routed NAME IP -- pod namespace NAME on node1, veth eth0 <-> cali<NAME>.
lab_pod_routed() {
    local pod=$1 ip=$2 host="cali${1#n1-}"
    host=${host:0:15}
    nw_node "$pod"
    ip -n "$(nw_ns "$pod")" link add eth0 type veth peer name "$host" netns "$(nw_ns node1)"
    nw_offloads_off "$pod" eth0
    nw_offloads_off node1 "$host"
    nw_exec "$pod" ip addr add "$ip/32" dev eth0
    nw_exec "$pod" ip link set eth0 up
    nw_exec node1 ip link set "$host" up
    _lab_sysctl node1 "net.ipv4.conf.$host.proxy_arp=1" "net.ipv4.conf.$host.rp_filter=0"
    nw_exec node1 ip route add "$ip/32" dev "$host"
    nw_exec "$pod" ip route add 169.254.1.1 dev eth0 scope link
    nw_exec "$pod" ip route add default via 169.254.1.1 dev eth0
}

# lab_pod_bridged NAME IP -- pod namespace NAME on node2, veth eth0 <-> veth<NAME> in cni0.
lab_pod_bridged() {
    local pod=$1 ip=$2 host="veth${1#n2-}"
    host=${host:0:15}
    nw_node "$pod"
    ip -n "$(nw_ns "$pod")" link add eth0 type veth peer name "$host" netns "$(nw_ns node2)"
    nw_offloads_off "$pod" eth0
    nw_offloads_off node2 "$host"
    nw_exec node2 ip link set "$host" master cni0
    nw_exec node2 ip link set "$host" up
    nw_exec "$pod" ip addr add "$ip/24" dev eth0
    nw_exec "$pod" ip link set eth0 up
    nw_exec "$pod" ip route add default via 10.244.2.1
}
