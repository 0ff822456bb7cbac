#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `confirm: manual`: a try nobody confirms rolls back at its timeout, even though the new
# address works (192.0.2.77, reachable): /etc/netplan byte-identical to the known-good,
# the rejected candidate kept. Then the same try confirmed with `netguard confirm`:
# committed, /etc/netplan holds the candidate.
# usage: test-try-timeout.sh (env AGENT, NETGUARD set by meson)
# shellcheck source=tests/lab/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
# shellcheck source=tests/lab/try-lib.sh
. "$(dirname "$0")/try-lib.sh"

timeout=5
try_up "try: { timeout: 60, grace: 10, confirm: manual }"
ok "lab up, agent running, guest on DHCP at $dhcp"

# --- nobody confirms: rolled back at the timeout
cand_eth0 50-lab.yaml 192.0.2.77/24
t0=$(now_ms)
try_start --force --timeout "$timeout" "$cand/50-lab.yaml"
check "the candidate went live: 192.0.2.77" wait_for "192.0.2.77" 15 has_addr 192.0.2.77
check "still pending before the timeout (journal not final)" bash -c "! grep -aq 'rolled-back\|committed' \"\$(find '$state/transactions' -name '*.journal' | head -n 1)\""
check "rolled back after the ${timeout} s timeout: $dhcp back" wait_for "$dhcp" $((timeout + 20)) has_addr "$dhcp"
t1=$(now_ms)
echo "# try -> $dhcp back without a confirm: $((t1 - t0)) ms (timeout $timeout s)"
check "the rollback did not come before the timeout" test $((t1 - t0)) -ge $((timeout * 1000))
check "the journal ends rolled-back" wait_for "rolled-back" 10 txn_rolled_back
check "192.0.2.77 is gone" wait_for "192.0.2.77 gone" 10 lacks_addr 192.0.2.77
check "/etc/netplan byte-identical to the known-good" etc_is_known_good
check "nothing left in /run/netplan" run_clear
check "the rejected candidate kept with its reason" rejected_kept
echo "# reason: $(head -c 200 "$(rejected_dir)/REASON" 2>/dev/null)"
rc=$(try_rc 20)
echo "# netguard try: exit $rc; $(head -c 300 "$labdir/try.out")"
first=$(txn_id)

# --- `netguard confirm` within the window: committed
mkdir -p "$labdir/expect"; cp "$etc"/* "$labdir/expect/"; cp "$cand/50-lab.yaml" "$labdir/expect/"
want=$(dir_sum "$labdir/expect")
try_start --force --timeout 60 "$cand/50-lab.yaml"
newer() { [ "$(txn_id)" != "$first" ]; }
check "a second transaction began" wait_for "a new journal" 10 newer
check "the candidate went live again: 192.0.2.77" wait_for "192.0.2.77" 15 has_addr 192.0.2.77
sleep 1
out=$(g "$netguard" confirm 2>&1) && crc=0 || crc=$?
echo "# netguard confirm (exit $crc): $out"
check "netguard confirm exits 0" test "$crc" = 0
check "the journal ends committed" wait_for "committed" 15 txn_committed
check "/etc/netplan holds the candidate, byte for byte" wait_for "/etc/netplan = candidate" 5 etc_is "$want"
check "192.0.2.77 stays" has_addr 192.0.2.77
check "the agent still runs" agent_alive
check "agent log has no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$labdir/guest/log/agent.log'"
finish
