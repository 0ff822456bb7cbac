#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The brief's change as a transaction: `netguard try --force` of a config moving the
# management link to 198.51.100.7/24. The management address is lost, so after `grace`
# the agent rolls back on its own: the DHCP address is back, /etc/netplan byte-identical
# to the known-good, nothing left in /run/netplan, the rejected candidate kept with its
# reason, the journal ends rolled-back.
# usage: test-try-rollback.sh (env AGENT, NETGUARD set by meson)
# shellcheck source=tests/lab/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
# shellcheck source=tests/lab/try-lib.sh
. "$(dirname "$0")/try-lib.sh"

grace=5
try_up "try: { timeout: 60, grace: $grace, confirm: manual }"
ok "lab up, agent running, guest on DHCP at $dhcp"

cand_eth0 50-lab.yaml 198.51.100.7/24
t0=$(now_ms)
try_start --force "$cand/50-lab.yaml"
check "the candidate went live: 198.51.100.7 on eth0" wait_for "198.51.100.7" 20 went_live 198.51.100.7
check "/etc/netplan untouched while pending" etc_is_known_good
check "the management address is back ($dhcp) after grace" wait_for "$dhcp" $((grace + 20)) has_addr "$dhcp"
t1=$(now_ms)
echo "# try -> $dhcp back: $((t1 - t0)) ms (grace ${grace} s)"
check "198.51.100.7 is gone" wait_for "198.51.100.7 gone" 10 lacks_addr 198.51.100.7
rc=$(try_rc 30)
echo "# netguard try --force: exit $rc; $(head -c 300 "$labdir/try.out")"
check "netguard try --force ended (exit $rc)" test "$rc" != timeout
check "the journal ends rolled-back" wait_for "rolled-back" 10 txn_rolled_back
check "/etc/netplan byte-identical to the known-good" etc_is_known_good
check "nothing of the candidate left in /run/netplan" run_clear
check "the rejected candidate kept with its reason" rejected_kept
d=$(rejected_dir)
check "the rejected copy holds the candidate's bytes" cmp -s "$d/50-lab.yaml" "$cand/50-lab.yaml"
echo "# reason: $(head -c 200 "$d/REASON" 2>/dev/null)"
check "SSH with the pinned key works at $dhcp again" host_ssh "$dhcp" true
hs=$(history_state)
check "netguard history --json: the newest transaction rolled back ($hs)" test "$hs" = rolled-back
check "the agent still runs" agent_alive
check "agent log has no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$labdir/guest/log/agent.log'"
finish
