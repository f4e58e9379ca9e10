#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# netns-topo.sh: three network namespaces for real traffic through dfp.
#
#   client ns NAME-cli            dfp ns NAME-dfp                 server ns NAME-srv
#   cli0 10.0.0.1/24  <-veth->  wan0 (port 0, outside)
#        10.0.0.3/24               lan0 (port 1, inside)  <-veth->  srv0 10.0.0.2/24
#        fd00::1/64                                                   fd00::2/64
#        fd00::3/64
#
# The client has a second address of each family (10.0.0.3, fd00::3) so
# tests can tell remote addresses apart (curl --interface, nc -s, ping -I).
#
# The client faces the appliance's outside port: a connection the client
# opens to the server is INBOUND (DESIGN §1), its local endpoint is the
# server's (10.0.0.2, the server port) and its remote one the client's.
# Traffic the server opens towards the client is OUTBOUND.
#
# The dfp namespace has no addresses and IPv6 off, so its kernel sends
# nothing of its own on wan0/lan0; dfp runs there with two net_af_packet
# ports:
#   --vdev=net_af_packet0,iface=wan0 --vdev=net_af_packet1,iface=lan0
# Checksum offload is off on cli0 and srv0 (`ethtool -K DEV tx off`):
# af_packet forwards frames as they are, so partial checksums would arrive
# unfilled. MACs are fixed: cli0 02:00:00:00:00:01, srv0 02:00:00:00:00:02,
# and each side has a permanent neighbour entry for the other, so the
# traffic needs no ARP/ND (ARP still passes when dfp permits it).
#
# Usage:
#   tools/netns-topo.sh up NAME [--no-v6]   create (fails if NAME exists)
#   tools/netns-topo.sh down NAME           remove: idempotent; ends the
#                                           processes still in the three
#                                           namespaces first
#   tools/netns-topo.sh run NAME cli|srv|dfp CMD [ARG...]
#                                           run CMD in one namespace
#                                           (client/server also accepted)
#   tools/netns-topo.sh status NAME         list the namespaces and links
#   tools/netns-topo.sh gc                  remove leftovers of test runs
#                                           (namespaces dfpn-PID-* whose
#                                           process PID is gone)
#
# Try it (as root; dfp built in build/):
#   tools/netns-topo.sh up demo
#   tools/netns-topo.sh run demo dfp build/app/dfp/dfp --no-huge --no-pci \
#       --no-shconf -m 256 --file-prefix demo -l 0,1 \
#       --vdev=net_af_packet0,iface=wan0 --vdev=net_af_packet1,iface=lan0 \
#       -- -f my.yaml -i
#   tools/netns-topo.sh run demo srv python3 -m http.server 8080 &
#   tools/netns-topo.sh run demo cli curl -o /dev/null http://10.0.0.2:8080/
#   tools/netns-topo.sh down demo
#
# NAME: 1..40 characters of [A-Za-z0-9_.-]. Exit status 0 on success,
# 1 on failure, 2 on bad usage.
set -u

PROG=${0##*/}
CLI_IF=cli0
SRV_IF=srv0
WAN_IF=wan0
LAN_IF=lan0
CLI_MAC=02:00:00:00:00:01
SRV_MAC=02:00:00:00:00:02
CLI_IP4=10.0.0.1
SRV_IP4=10.0.0.2
CLI_IP6=fd00::1
SRV_IP6=fd00::2
CLI_ALT4=10.0.0.3
CLI_ALT6=fd00::3

die() { echo "$PROG: $*" >&2; exit 1; }
usage() { sed -n '/^# Usage:/,/^# NAME:/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

check_name() {
    [[ $1 =~ ^[A-Za-z0-9_.-]{1,40}$ ]] || { echo "$PROG: bad NAME '$1'" >&2; exit 2; }
}

ns_exists() { [ -e "/var/run/netns/$1" ]; }

# Commands run with a bound; ip and ethtool never wait on the network.
q() { timeout 20 "$@"; }
in_ns() { local ns=$1; shift; q ip netns exec "$ns" "$@"; }

# End the processes still inside a namespace: TERM, up to 3 s, then KILL.
end_pids() {
    local ns=$1 pids
    pids=$(ip netns pids "$ns" 2>/dev/null) || return 0
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null
    for _ in $(seq 1 30); do
        pids=$(ip netns pids "$ns" 2>/dev/null)
        [ -n "$pids" ] || return 0
        sleep 0.1
    done
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null
    for _ in $(seq 1 20); do
        [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] || return 0
        sleep 0.1
    done
    echo "$PROG: processes left in $ns: $(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')" >&2
}

do_down() {
    local name=$1 ns rc=0
    for ns in "$name-cli" "$name-srv" "$name-dfp"; do
        ns_exists "$ns" || continue
        end_pids "$ns"
        # The veths go with their namespaces (deleting one end deletes its peer).
        q ip netns del "$ns" 2>/dev/null || { ns_exists "$ns" && { echo "$PROG: cannot remove $ns" >&2; rc=1; }; }
    done
    return $rc
}

do_up() {
    local name=$1 v6=$2 cli=$1-cli dfp=$1-dfp srv=$1-srv ns
    for ns in "$cli" "$dfp" "$srv"; do
        ns_exists "$ns" && die "namespace $ns exists already (down $name first)"
    done
    # From here a failure removes everything this call made.
    trap 'do_down "$name" >/dev/null 2>&1' EXIT
    for ns in "$cli" "$dfp" "$srv"; do
        q ip netns add "$ns" || die "ip netns add $ns failed (root needed)"
        in_ns "$ns" ip link set lo up || die "lo up in $ns"
    done
    # IPv6 off in the appliance's namespace: its kernel stays silent on the ports.
    in_ns "$dfp" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
        || die "cannot turn IPv6 off in $dfp"
    q ip link add "$CLI_IF" netns "$cli" address "$CLI_MAC" type veth peer name "$WAN_IF" netns "$dfp" \
        || die "veth $CLI_IF-$WAN_IF"
    q ip link add "$SRV_IF" netns "$srv" address "$SRV_MAC" type veth peer name "$LAN_IF" netns "$dfp" \
        || die "veth $SRV_IF-$LAN_IF"
    if [ "$v6" = 1 ]; then
        for ns in "$cli" "$srv"; do
            in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
                || die "cannot turn IPv6 on in $ns"
        done
    else
        for ns in "$cli" "$srv"; do
            in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
                || die "cannot turn IPv6 off in $ns"
        done
    fi
    in_ns "$dfp" ip link set "$WAN_IF" up || die "$WAN_IF up"
    in_ns "$dfp" ip link set "$LAN_IF" up || die "$LAN_IF up"
    # Client and server: address, no checksum offload, a fixed neighbour.
    set_end "$cli" "$CLI_IF" "$CLI_IP4" "$CLI_IP6" "$SRV_IP4" "$SRV_IP6" "$SRV_MAC" "$v6"
    set_end "$srv" "$SRV_IF" "$SRV_IP4" "$SRV_IP6" "$CLI_IP4" "$CLI_IP6" "$CLI_MAC" "$v6"
    # The client's second addresses, and the server's neighbour entries for them.
    in_ns "$cli" ip addr add "$CLI_ALT4/24" dev "$CLI_IF" || die "address $CLI_ALT4"
    in_ns "$srv" ip neigh replace "$CLI_ALT4" lladdr "$CLI_MAC" dev "$SRV_IF" nud permanent \
        || die "neighbour $CLI_ALT4"
    if [ "$v6" = 1 ]; then
        # Deprecated (preferred_lft 0): never picked as a source unless bound.
        in_ns "$cli" ip addr add "$CLI_ALT6/64" dev "$CLI_IF" nodad preferred_lft 0 || die "address $CLI_ALT6"
        in_ns "$srv" ip -6 neigh replace "$CLI_ALT6" lladdr "$CLI_MAC" dev "$SRV_IF" nud permanent \
            || die "neighbour $CLI_ALT6"
    fi
    trap - EXIT
    echo "up $name: $cli ($CLI_IF $CLI_IP4) <-> $dfp (wan0 port 0 outside, lan0 port 1 inside) <-> $srv ($SRV_IF $SRV_IP4)"
}

set_end() {
    local ns=$1 dev=$2 ip4=$3 ip6=$4 peer4=$5 peer6=$6 peermac=$7 v6=$8
    in_ns "$ns" ethtool -K "$dev" tx off >/dev/null 2>&1 || die "ethtool -K $dev tx off in $ns"
    in_ns "$ns" ip addr add "$ip4/24" dev "$dev" || die "address $ip4 on $dev"
    if [ "$v6" = 1 ]; then
        in_ns "$ns" ip addr add "$ip6/64" dev "$dev" nodad || die "address $ip6 on $dev"
    fi
    in_ns "$ns" ip link set "$dev" up || die "$dev up"
    in_ns "$ns" ip neigh replace "$peer4" lladdr "$peermac" dev "$dev" nud permanent \
        || die "neighbour $peer4 on $dev"
    if [ "$v6" = 1 ]; then
        in_ns "$ns" ip -6 neigh replace "$peer6" lladdr "$peermac" dev "$dev" nud permanent \
            || die "neighbour $peer6 on $dev"
    fi
}

do_run() {
    local name=$1 which=$2 ns
    shift 2
    case $which in
        cli|client) ns=$name-cli ;;
        srv|server) ns=$name-srv ;;
        dfp) ns=$name-dfp ;;
        *) usage ;;
    esac
    [ $# -gt 0 ] || usage
    ns_exists "$ns" || die "no namespace $ns (up $name first)"
    exec ip netns exec "$ns" "$@"
}

do_status() {
    local name=$1 ns
    for ns in "$name-cli" "$name-dfp" "$name-srv"; do
        if ns_exists "$ns"; then
            echo "== $ns (pids: $(ip netns pids "$ns" 2>/dev/null | tr '\n' ' '))"
            in_ns "$ns" ip -br addr
        else
            echo "== $ns: absent"
        fi
    done
}

# Test runs name their topology dfpn-PID-N: remove those whose PID is gone.
do_gc() {
    local f ns pid base
    for f in /var/run/netns/dfpn-*-cli /var/run/netns/dfpn-*-dfp /var/run/netns/dfpn-*-srv; do
        [ -e "$f" ] || continue
        ns=${f##*/}
        pid=${ns#dfpn-}
        pid=${pid%%-*}
        [[ $pid =~ ^[0-9]+$ ]] || continue
        # Alive (a zombie counts as gone: it was killed and is not reaped yet).
        if kill -0 "$pid" 2>/dev/null && ! grep -q '^[0-9]* (.*) Z' "/proc/$pid/stat" 2>/dev/null; then
            continue
        fi
        base=${ns%-*}
        echo "$PROG: removing leftover $base (process $pid is gone)"
        do_down "$base"
    done
    return 0
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
    up)
        if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
        check_name "$1"
        v6=1
        if [ $# -eq 2 ]; then
            [ "$2" = --no-v6 ] || usage
            v6=0
        fi
        command -v ip >/dev/null || die "ip (iproute2) is not installed"
        command -v ethtool >/dev/null || die "ethtool is not installed"
        do_up "$1" "$v6"
        ;;
    down)
        [ $# -eq 1 ] || usage
        check_name "$1"
        do_down "$1"
        ;;
    run)
        [ $# -ge 3 ] || usage
        check_name "$1"
        do_run "$@"
        ;;
    status)
        [ $# -eq 1 ] || usage
        check_name "$1"
        do_status "$1"
        ;;
    gc)
        [ $# -eq 0 ] || usage
        do_gc
        ;;
    -h|--help|help) usage ;;
    *) usage ;;
esac
