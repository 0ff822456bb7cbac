#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A candidate that renames a link (set-name: eth1 -> lan1, `apply: networkd`, whose
# backend renames as `netplan apply` does) and an agent killed right after the rename is
# journalled (NETGUARD_FAULT=engine:applied: the agent dies with 137 after the
# `links-renamed` step, as kill -9 would leave it). The agent started again finds the
# transaction pending, reads the renames back from the journal and names lan1 back to
# eth1 in its rollback: eth1 exists again (same ifindex), lan1 is gone, /etc/netplan is
# the known-good, the rejected candidate is kept. Without the journal's renames the link
# would stay lan1 (the engine's memory of them died with the process).
# usage: test-try-rename.sh (env AGENT, NETGUARD set by meson)
# shellcheck source=tests/lab/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
# shellcheck source=tests/lab/try-lib.sh
. "$(dirname "$0")/try-lib.sh"

try_up "try: { timeout: 60, grace: 10, confirm: manual }"
ok "lab up, agent running, guest on DHCP at $dhcp"
idx=$(g cat /sys/class/net/eth1/ifindex)

# The agent again, under the fault point after the renames' journal step.
fpid=
rename_teardown() {
        local rc=$?
        if [ -n "$fpid" ]; then kill -9 "$fpid" 2>/dev/null || true; fi
        try_teardown "$rc"
}
trap rename_teardown EXIT
p=$(agent_pid) && kill -TERM "$p" && wait_for "the service agent to stop" 5 bash -c "! kill -0 $p"
nsenter -t "$(cat "$labdir/pids/holder")" -m -n -- env NETGUARD_FAULT=engine:applied "$agent" \
        </dev/null >>"$labdir/guest/log/agent.log" 2>&1 &
fpid=$!
check "the faulting agent on the bus" wait_for "the faulting agent on the bus" 10 agent_on_bus

printf 'network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    lan1:\n      match:\n        macaddress: "52:54:00:12:34:57"\n      set-name: lan1\n      addresses: [198.51.100.9/24]\n' \
        >"$cand/60-rename.yaml"
chmod 600 "$cand/60-rename.yaml"
try_start --force --timeout 60 "$cand/60-rename.yaml"
fault_dead() { ! kill -0 "$fpid" 2>/dev/null; }
check "the agent died at engine:applied" wait_for "the agent to die" 30 fault_dead
st=0
wait "$fpid" 2>/dev/null || st=$?
fpid=
check "it died as kill -9 leaves it (137, got $st)" test "$st" = 137
check "the journal holds links-renamed eth1>lan1" bash -c "grep -aA1 'links-renamed\$' '$(journal_newest)' | grep -aq '^detail=.*eth1>lan1'"
check "the candidate renamed eth1 to lan1 (ifindex $idx)" test "$(g cat /sys/class/net/lan1/ifindex 2>/dev/null)" = "$idx"

"$lab" service-start "$labdir" agent
check "the agent back on the bus" wait_for "the agent back on the bus" 10 agent_on_bus
check "recovery rolled the transaction back" wait_for "rolled-back" 30 txn_rolled_back
check "lan1 named back to eth1 (ifindex $idx)" wait_for "eth1 back" 30 bash -c \
        "[ \"\$(nsenter -t $(cat "$labdir/pids/holder") -m -n -- cat /sys/class/net/eth1/ifindex 2>/dev/null)\" = $idx ]"
check "no link called lan1" link_absent lan1
check "the agent says it named it back from the journal" grep -q 'lan1 was eth1 before the candidate (journal)' "$labdir/guest/log/agent.log"
check "/etc/netplan byte-identical to the known-good" etc_is_known_good
check "nothing left in /run/netplan" run_clear
check "the rejected candidate kept with its reason" rejected_kept
check "the management address stays ($dhcp)" wait_for "$dhcp" 20 has_addr "$dhcp"
check "the agent still runs" agent_alive
check "agent log has no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$labdir/guest/log/agent.log'"
finish
