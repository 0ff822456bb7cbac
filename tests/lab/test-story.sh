#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The seed failure: the guest boots on DHCP, a naive host caches its address and holds an
# SSH session; a netplan change moves the guest to a static address; networkd moves it;
# the naive host never reconnects while the lease file still names the old address.
. "$(dirname "$0")/test-lib.sh"

naive=${LAB_BUILD_ROOT:-}/bench/naive-host
[ -x "$naive" ] || { echo "FAIL: $naive is not built (LAB_BUILD_ROOT=${LAB_BUILD_ROOT:-unset})"; exit 1; }
STATIC=192.0.2.77
ATTEMPTS=5

"$lab" up "$labdir"
eval "$("$lab" info "$labdir")"
old=$("$lab" guest-addr "$labdir")
echo "# guest on DHCP: $old"
"$lab" guest-exec "$labdir" ip -4 addr show dev eth0 | sed 's/^/#   /'

out=$labdir/naive.out
"$lab" host-exec "$labdir" "$naive" --lease-file "$LEASES" --identity "$SSH_KEY" \
        --host-key "$GUEST_HOST_KEY" --max-attempts "$ATTEMPTS" >"$out" 2>&1 &
naive_pid=$!
for i in $(seq 1 200); do grep -q 'connected' "$out" && break; sleep 0.05; done
check "the naive host connects to the DHCP address" grep -q "attempt 1: ssh root@$old: connected" "$out"

netplan_eth0 "$STATIC/24"
"$lab" apply-netplan "$labdir"
"$lab" wait-addr "$labdir" "$STATIC"
echo "# after the netplan change:"
"$lab" guest-exec "$labdir" ip -4 addr show dev eth0 | sed 's/^/#   /'
check "networkd moved the guest to $STATIC" sh -c "'$lab' guest-addr '$labdir' | grep -qx '$STATIC'"
check "the old address $old is gone from the guest" sh -c "! '$lab' guest-addr '$labdir' | grep -qx '$old'"

naive_rc=0
wait "$naive_pid" || naive_rc=$?
sed 's/^/#   /' "$out"
check "the naive host lost its session" grep -q "SSH session to $old disconnected" "$out"
check "every reconnect went to the cached $old and failed" sh -c \
        "[ \$(grep -c 'attempt [0-9]*: ssh root@$old: failed' '$out') = $((ATTEMPTS - 1)) ]"
check "the naive host never tried $STATIC" sh -c "! grep -q '$STATIC' '$out'"
check "the naive host stopped after $ATTEMPTS attempts (bounded)" grep -q "stopped after $ATTEMPTS attempts" "$out"
check "the naive host exited cleanly (status $naive_rc)" test "$naive_rc" = 0
echo "# lease file: $(cat "$LEASES")"
check "the lease file still names $old" grep -q " $old " "$LEASES"
check "the lease file does not know $STATIC" sh -c "! grep -q ' $STATIC ' '$LEASES'"
check "yet the guest is reachable at $STATIC (same host key)" host_ssh "$STATIC" true
finish
