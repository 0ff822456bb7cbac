#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A lab comes up with every part in place and goes away leaving nothing behind; a failed
# "up" cleans up after itself; "down" is idempotent.
. "$(dirname "$0")/test-lib.sh"

netns_before=$(ip netns list | sort)

t0=$(now_ms)
"$lab" up "$labdir"
t1=$(now_ms)
eval "$("$lab" info "$labdir")"

check "both namespaces exist" sh -c "ip netns list | grep -qw $NS_H && ip netns list | grep -qw $NS_G"
check "guest eth0 has the fixed MAC" sh -c "'$lab' guest-exec '$labdir' cat /sys/class/net/eth0/address | grep -qx 52:54:00:12:34:56"
check "guest has a second NIC eth1" "$lab" guest-exec "$labdir" test -e /sys/class/net/eth1
check "guest sysfs is read-only" sh -c "'$lab' guest-exec '$labdir' grep -q ' /sys sysfs ro' /proc/self/mounts"
check "guest /run is private" sh -c "'$lab' guest-exec '$labdir' touch /run/lab-private && [ ! -e /run/lab-private ]"
check "guest /etc/netplan is the lab's" "$lab" guest-exec "$labdir" test -f /etc/netplan/50-lab.yaml
check "guest /etc/netguard and /var/lib/netguard are the lab's" sh -c \
        "'$lab' guest-exec '$labdir' sh -c 'touch /var/lib/netguard/x /etc/netguard/y' && [ -e '$labdir/guest/var-lib-netguard/x' ] && [ -e '$labdir/guest/etc-netguard/y' ] && [ ! -e /etc/netguard/y ]"
check "networkd answers on the guest's own bus" "$lab" guest-exec "$labdir" networkctl list
addr=$("$lab" guest-addr "$labdir")
check "guest got a DHCP address from the host ($addr)" sh -c "[ -n '$addr' ] && grep -q ' $addr ' '$LEASES'"
check "ssh to the guest with the lab key and pinned host key" host_ssh "$addr" true
check "virtio-serial: guest port and host socket exist" sh -c "[ -c \"\$(readlink -f '$GUEST_PORT')\" ] && [ -S '$HOST_SOCKET' ]"
check "virtio-serial: the guest has it at $GUEST_PORT_IN_GUEST" "$lab" guest-exec "$labdir" sh -c "[ -c \"\$(readlink -f $GUEST_PORT_IN_GUEST)\" ]"
check "guest /dev still has what programs need" "$lab" guest-exec "$labdir" sh -c '[ -c /dev/null ] && [ -c /dev/urandom ] && [ -c /dev/ptmx ] && [ -d /dev/pts ]'
# bytes from the guest's port reach a host connected to the socket
socat -u "UNIX-CONNECT:$HOST_SOCKET" "OPEN:$labdir/from-guest,creat" &
socat_pid=$!
for i in $(seq 1 100); do grep -q "host connected" "$labdir/host/vserial.log" && break; sleep 0.05; done
"$lab" guest-exec "$labdir" sh -c "printf hello-host > $GUEST_PORT_IN_GUEST"
for i in $(seq 1 100); do grep -q hello-host "$labdir/from-guest" 2>/dev/null && break; sleep 0.05; done
check "virtio-serial: guest bytes reach the host socket" grep -q hello-host "$labdir/from-guest"
kill "$socat_pid" 2>/dev/null || true
wait "$socat_pid" 2>/dev/null || true

# Processes a test starts in the lab without telling it are stopped by down as well.
"$lab" host-exec "$labdir" sleep 1000 </dev/null >/dev/null 2>&1 &
"$lab" guest-exec "$labdir" sh -c 'sleep 1000 & sleep 1000' </dev/null >/dev/null 2>&1 &
sleep 0.2

t2=$(now_ms)
"$lab" down "$labdir"
t3=$(now_ms)
check "nothing left after down" "$lab" check-clean "$labdir"
check "down again is a no-op" "$lab" down "$labdir"
# None of this lab's namespaces is left, and every namespace from before that is not
# another lab's is still there (other labs, of parallel tests or other checkouts, come
# and go on their own while this one runs).
netns_after=$(ip netns list | awk '{print $1}' | sort)
netns_before=$(awk '{print $1}' <<<"$netns_before" | grep -v -E '^ng-[hg]-[0-9a-f]+$' | sort || true)
check "ip netns list: nothing of ours, nothing of others removed" bash -c \
        "! echo '$netns_after' | grep -qw -e '$NS_H' -e '$NS_G' && [ -z \"\$(comm -23 <(echo '$netns_before') <(echo '$netns_after') 2>/dev/null)\" ]"
echo "# lab up $((t1 - t0)) ms, down $((t3 - t2)) ms, cycle $((t1 - t0 + t3 - t2)) ms (figure, not a check)"

# A failing "up" (here: a vserial that exits at once) tears down what it made.
bad=$(mktemp -d /tmp/netguard-lab.XXXXXX)
if LAB_QUIET=1 LAB_VSERIAL=/bin/false "$lab" up "$bad" 2>/dev/null; then
        fail "up with a broken vserial fails"
else
        ok "up with a broken vserial fails"
fi
check "a failed up leaves nothing behind" "$lab" check-clean "$bad"
rm -rf "$bad"

# An interrupted "up" leaves nothing behind once its caller's trap runs down.
intr=$(mktemp -d /tmp/netguard-lab.XXXXXX)
LAB_QUIET=1 "$lab" up "$intr" 2>/dev/null &
up_pid=$!
for i in $(seq 1 100); do [ -f "$intr/pids/holder" ] && break; sleep 0.01; done
kill -TERM "$up_pid" 2>/dev/null || true
wait "$up_pid" 2>/dev/null || true
"$lab" down "$intr"
check "an interrupted up, then down, leaves nothing behind" "$lab" check-clean "$intr"
rm -rf "$intr"

finish
