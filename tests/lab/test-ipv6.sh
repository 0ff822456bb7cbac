#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# IPv6 in the lab (LAB_IPV6): none keeps the guest IPv4-only as before; ra gives it a
# SLAAC address from dnsmasq's router advertisements; dhcpv6 a stateful DHCPv6 lease.
# In each, SSH to the guest's IPv6 address from the host works with the pinned key.
. "$(dirname "$0")/test-lib.sh"

# One lab per mode, each in a directory of its own under $labdir.
teardown_all() {
        local rc=$? d
        trap - EXIT INT TERM
        for d in "$labdir"/*/; do
                d=${d%/}
                [ -f "$d/state" ] || [ -f "$d/state.down" ] || continue
                "$lab" down "$d" || rc=1
                if ! "$lab" check-clean "$d"; then
                        echo "FAIL: the lab in $d left something behind"
                        rc=1
                fi
        done
        if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
                for f in "$labdir"/*/host/dnsmasq.log "$labdir"/*/guest/log/networkd.log; do
                        [ -s "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
                done
        fi
        rm -rf "$labdir"
        exit "$rc"
}
trap teardown_all EXIT

EUI64=2001:db8:0:1:5054:ff:fe12:3456

v6_ssh() {
        local d=$1 addr=$2
        "$lab" host-exec "$d" ssh -n -o BatchMode=yes -o ConnectTimeout=3 -o StrictHostKeyChecking=yes \
                -o UserKnownHostsFile="$d/host/known_hosts" -o GlobalKnownHostsFile=/dev/null \
                -i "$d/host/id_ed25519" "root@$addr" true
}

# A bounded wait for a command to succeed (never a judgement of speed).
within() {
        local secs=$1 _
        shift
        for _ in $(seq 1 $((secs * 10))); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.1
        done
        return 1
}

# --- none: the default, IPv4 exactly as before
d=$labdir/none
"$lab" up "$d"
check "none: the guest has its DHCPv4 address" sh -c "'$lab' guest-addr '$d' | grep -q '^192\.0\.2\.'"
check "none: the host's hv0 holds 2001:db8:0:1::1/64" sh -c "'$lab' host-exec '$d' ip -6 -o addr show dev hv0 | grep -q '2001:db8:0:1::1/64'"
check "lab info names the mode" sh -c "'$lab' info '$d' | grep -qx 'LAB_IPV6=none'"
# No router advertisement comes: after the time one would take (ra below: ~1-2 s), still
# only the link-local address.
sleep 3
check "none: no global IPv6 address on the guest" sh -c "[ -z \"\$('$lab' guest-addr '$d' -6)\" ]"
"$lab" down "$d"

# --- ra: SLAAC from dnsmasq's router advertisements
d=$labdir/ra
LAB_IPV6=ra "$lab" up "$d"
check "ra: the guest gets its EUI-64 SLAAC address $EUI64" "$lab" wait-addr "$d" "$EUI64" 20
check "ra: a default route from the RA (proto ra, via a link-local router)" \
        sh -c "'$lab' guest-exec '$d' ip -6 route show default | grep -q 'via fe80::.* proto ra'"
check "ra: ssh to $EUI64 with the pinned host key" v6_ssh "$d" "$EUI64"
check "ra: IPv4 DHCP unchanged" sh -c "'$lab' guest-addr '$d' | grep -q '^192\.0\.2\.'"
check "ra: no DHCPv6 lease (ra-only)" sh -c "! awk '\$3 ~ /:/' '$d/host/leases' | grep -q ."
"$lab" down "$d"

# --- dhcpv6: a stateful lease, RA with the managed flag
d=$labdir/dhcpv6
LAB_IPV6=dhcpv6 "$lab" up "$d"
printf 'network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    eth0:\n      dhcp4: true\n      dhcp6: true\n' \
        >"$d/guest/etc-netplan/50-lab.yaml"
"$lab" apply-netplan "$d"
lease6() { awk '$3 ~ /^2001:db8:0:1::1[0-9a-f][0-9a-f]$/ { print $3 }' "$d/host/leases" | tail -n1; }
check "dhcpv6: the host's lease file gets a DHCPv6 lease in 2001:db8:0:1::100-1ff" within 20 sh -c "[ -n \"\$(awk '\$3 ~ /^2001:db8:0:1::1[0-9a-f][0-9a-f]\$/' '$d/host/leases')\" ]"
a6=$(lease6)
check "dhcpv6: the guest holds the leased $a6" "$lab" wait-addr "$d" "${a6:-none}" 20
check "dhcpv6: no SLAAC address (no autonomous prefix)" sh -c "! '$lab' guest-addr '$d' -6 | grep -qx '$EUI64'"
check "dhcpv6: ssh to $a6 with the pinned host key" v6_ssh "$d" "${a6:-none}"
"$lab" down "$d"

# --- a mode the lab does not know: refused before anything is made
d=$labdir/bogus
rc=0
out=$(LAB_IPV6=bogus "$lab" up "$d" 2>&1) || rc=$?
check "LAB_IPV6=bogus: lab up fails and says which modes exist" sh -c "[ $rc != 0 ] && echo '$out' | grep -q 'none, ra or dhcpv6'"
finish
