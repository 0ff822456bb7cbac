#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Confirm by the host's proof (`confirm: host`): the host side is libnetguard-hostwatch
# (hostwatch-follow) on the host end of the port. The candidate moves eth0 to 192.0.2.77;
# the agent reports it and sends TXN pending; the library verifies SSH with the pinned
# key at 192.0.2.77 at once and sends HOST_REACHED naming the transaction; the agent
# commits: /etc/netplan then holds the candidate, byte for byte.
# usage: test-try-confirm-host.sh (env AGENT, NETGUARD, HOSTWATCH_FOLLOW set by meson)
# shellcheck source=tests/lab/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
# shellcheck source=tests/lab/try-lib.sh
. "$(dirname "$0")/try-lib.sh"

try_up "try: { timeout: 60, grace: 10, confirm: host }"
ok "lab up, agent running, guest on DHCP at $dhcp"
follow_start 600
check "the host verified the guest at $dhcp" wait_for "hostwatch verified" 20 follow_has "verified at $dhcp"

cand_eth0 50-lab.yaml 192.0.2.77/24
mkdir -p "$labdir/expect"; cp "$etc"/* "$labdir/expect/"
cp "$cand/50-lab.yaml" "$labdir/expect/50-lab.yaml"
want=$(dir_sum "$labdir/expect")
t0=$(now_ms)
try_start --force "$cand/50-lab.yaml"
check "the candidate went live: 192.0.2.77" wait_for "192.0.2.77" 15 has_addr 192.0.2.77
check "the host proved the transaction: HOST_REACHED naming it at 192.0.2.77" \
        wait_for "HOST_REACHED(txn)" 20 follow_has "verified at 192\.0\.2\.77 .*\[txn [0-9]+: HOST_REACHED sent\]"
check "the journal ends committed" wait_for "committed" 20 txn_committed
t1=$(now_ms)
echo "# try -> committed by the host's proof: $((t1 - t0)) ms"
check "/etc/netplan holds the candidate, byte for byte" wait_for "/etc/netplan = candidate" 5 etc_is "$want"
check "nothing left in /run/netplan" run_clear
check "192.0.2.77 stays" has_addr 192.0.2.77
sleep 2
check "192.0.2.77 still there after the window" has_addr 192.0.2.77
check "SSH with the pinned key at 192.0.2.77" host_ssh 192.0.2.77 true
hs=$(history_state)
check "netguard history --json: the newest transaction confirmed ($hs)" test "$hs" = confirmed -o "$hs" = committed
rc=$(try_rc 20)
echo "# netguard try: exit $rc; $(head -c 300 "$labdir/try.out")"
check "netguard try ended (exit $rc)" test "$rc" != timeout
grep 'txn' "$labdir/host/follow.log" | sed 's/^/# /' | head -n 8
check "the agent still runs" agent_alive
check "agent log has no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$labdir/guest/log/agent.log'"
finish
