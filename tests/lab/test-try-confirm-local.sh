#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Confirm local (`confirm: local`): no host on the port; the agent confirms once the
# management link holds an address the host can reach for its stable window and the host
# peer (192.0.2.1) answers neighbour discovery. /etc/netplan then holds the candidate.
# usage: test-try-confirm-local.sh (env AGENT, NETGUARD set by meson)
# shellcheck source=tests/lab/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
# shellcheck source=tests/lab/try-lib.sh
. "$(dirname "$0")/try-lib.sh"

try_up "try: { timeout: 60, grace: 10, confirm: local }"
ok "lab up, agent running, guest on DHCP at $dhcp"
cand_eth0 50-lab.yaml 192.0.2.77/24
mkdir -p "$labdir/expect"; cp "$etc"/* "$labdir/expect/"; cp "$cand/50-lab.yaml" "$labdir/expect/"
want=$(dir_sum "$labdir/expect")
t0=$(now_ms)
try_start --force "$cand/50-lab.yaml"
check "the candidate went live: 192.0.2.77" wait_for "192.0.2.77" 15 has_addr 192.0.2.77
check "the journal ends committed (local confirmation)" wait_for "committed" 40 txn_committed
t1=$(now_ms)
echo "# try -> committed by local confirmation: $((t1 - t0)) ms"
check "/etc/netplan holds the candidate, byte for byte" wait_for "/etc/netplan = candidate" 5 etc_is "$want"
check "nothing left in /run/netplan" run_clear
check "192.0.2.77 stays" has_addr 192.0.2.77
check "the host peer is in the guest's neighbour table" bash -c "'$lab' guest-exec '$labdir' ip neigh show 192.0.2.1 | grep -q lladdr"
rc=$(try_rc 20)
echo "# netguard try: exit $rc; $(head -c 300 "$labdir/try.out")"
check "the agent still runs" agent_alive
check "agent log has no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$labdir/guest/log/agent.log'"
finish
