#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Guest reboot and power loss: every guest process goes, /run starts empty, networkd
# applies what is on disk (not what was applied before), sshd and named services return.
. "$(dirname "$0")/test-lib.sh"

"$lab" up "$labdir"
"$lab" service-add "$labdir" waiter sleep infinity
"$lab" service-start "$labdir" waiter

# True when none of the PIDs runs (a zombie waiting for its reaper counts as gone).
gone() {
        local p
        for p in "$@"; do
                [ "$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)" = Z ] || ! [ -e "/proc/$p" ] || return 1
        done
}


for mode in reboot power-loss; do
        case $mode in reboot) addr=192.0.2.78 ;; power-loss) addr=192.0.2.79 ;; esac
        "$lab" guest-exec "$labdir" sh -c 'mkdir -p /run/netguard && echo pending > /run/netguard/marker'
        # On disk only, not applied: the boot must pick it up.
        netplan_eth0 "$addr/24"
        check "$mode: before, the guest does not have $addr yet" sh -c "! '$lab' guest-addr '$labdir' | grep -qx $addr"
        before_networkd=$(cat "$labdir/pids/networkd")
        before_waiter=$(cat "$labdir/pids/svc-waiter")
        "$lab" "$mode" "$labdir" waiter
        check "$mode: the old networkd and service are gone" gone "$before_networkd" "$before_waiter"
        check "$mode: /run starts empty (no marker)" "$lab" guest-exec "$labdir" test ! -e /run/netguard/marker
        check "$mode: networkd re-applies the config on disk ($addr)" "$lab" wait-addr "$labdir" "$addr"
        # "routable", not "configured": networkd waits ~10 s for IPv6 router discovery
        # to time out before it says "configured" (there is no router on the lab link).
        check "$mode: networkd reports eth0 routable" sh -c "for i in \$(seq 1 100); do '$lab' guest-exec '$labdir' networkctl list eth0 | grep -q ' routable ' && exit 0; sleep 0.1; done; exit 1"
        check "$mode: the named service runs again" sh -c "kill -0 \$(cat '$labdir/pids/svc-waiter') && [ \$(cat '$labdir/pids/svc-waiter') != $before_waiter ]"
        check "$mode: sshd answers at $addr" host_ssh "$addr" true
done

# Renames and new links: apply-netplan renames eth0 as `netplan apply` does for set-name
# (no udev here), networkd sets the MAC and makes the bridge; a boot gives the links back
# as a new kernel has them.
printf 'network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    e0:\n      match: {name: eth0}\n      set-name: mgmt0\n      macaddress: "52:54:00:aa:bb:cc"\n      addresses: [192.0.2.80/24]\n    eth1: {}\n  bridges:\n    br9:\n      interfaces: [eth1]\n' \
        >"$labdir/guest/etc-netplan/50-lab.yaml"
"$lab" apply-netplan "$labdir"
in_guest_within() { local _; for _ in $(seq 1 100); do "$lab" guest-exec "$labdir" sh -c "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
check "apply-netplan renames eth0 to mgmt0 and networkd configures it" in_guest_within 'ip -o addr show dev mgmt0 | grep -q 192.0.2.80/24'
check "networkd set the new MAC on mgmt0" in_guest_within 'ip -o link show mgmt0 | grep -q 52:54:00:aa:bb:cc'
check "networkd made the bridge br9 with eth1 in it" in_guest_within 'ip -o link show eth1 | grep -q "master br9"'

# A DHCP boot after a static one: back on DHCP with the lease the host keeps.
netplan_eth0 dhcp
"$lab" reboot "$labdir"
check "boot: eth0 is back under its name with its first MAC" "$lab" guest-exec "$labdir" sh -c 'ip -o link show eth0 | grep -q 52:54:00:12:34:56'
check "boot: no mgmt0 and no br9 any more" "$lab" guest-exec "$labdir" sh -c '! ip link show mgmt0 2>/dev/null && ! ip link show br9 2>/dev/null'
check "reboot back to DHCP gets a lease address" sh -c "for i in \$(seq 1 100); do a=\$('$lab' guest-addr '$labdir'); case \$a in 192.0.2.[5-9][0-9]) exit 0;; esac; sleep 0.1; done; exit 1"
finish
