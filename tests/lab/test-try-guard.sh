#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Guard mode (`guard: {restore-after: 10}`): outside any transaction the user applies a bad
# config the plain way (`lab apply-netplan`, what `netplan apply` is here) moving eth0 to
# 198.51.100.7/24. The host (hostwatch-follow) loses the guest and says HOST_LOST; after
# restore-after the agent restores the known-good: the DHCP address is back, /etc/netplan
# byte-identical to the known-good, the user's file kept as a rejected candidate.
# usage: test-try-guard.sh (env AGENT, NETGUARD, HOSTWATCH_FOLLOW set by meson)
# shellcheck source=tests/lab/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
# shellcheck source=tests/lab/try-lib.sh
. "$(dirname "$0")/try-lib.sh"

try_up "try: { timeout: 60, grace: 10, confirm: host }" "guard: { restore-after: 10 }"
ok "lab up, agent running, guest on DHCP at $dhcp"
follow_start 600
check "the host verified the guest at $dhcp" wait_for "hostwatch verified" 20 follow_has "verified at $dhcp"
# The precondition: the agent heard the proof before the user edits (a HOST_REACHED that
# arrives later, e.g. resent after the agent's HELLO, is taken as proof of what is on
# disk then: see the report of issue 11).
agent_heard() { grep -q "the host reached us at $dhcp" "$labdir/guest/log/agent.log"; }
check "the agent heard HOST_REACHED at $dhcp" wait_for "HOST_REACHED in the agent" 20 agent_heard

netplan_eth0 198.51.100.7/24
cp "$etc/50-lab.yaml" "$labdir/user-edit.yaml"
t0=$(now_ms)
"$lab" apply-netplan "$labdir" >/dev/null
check "the plain apply went live: 198.51.100.7" wait_for "198.51.100.7" 10 has_addr 198.51.100.7
check "the host lost the guest" wait_for "hostwatch lost" 20 follow_has "-> (backoff|key-mismatch)"
check "guard restored the known-good: $dhcp back" wait_for "$dhcp" 40 has_addr "$dhcp"
t1=$(now_ms)
echo "# plain apply -> $dhcp back by guard: $((t1 - t0)) ms (restore-after 10 s, host connect timeout 3 s)"
check "198.51.100.7 is gone" wait_for "198.51.100.7 gone" 10 lacks_addr 198.51.100.7
check "/etc/netplan byte-identical to the known-good" wait_for "/etc = known-good" 10 etc_is_known_good
kept() { grep -rlq '198.51.100.7/24' "$state/rejected" 2>/dev/null; }
check "the user's file kept as a rejected candidate" kept
f=$(grep -rl '198.51.100.7/24' "$state/rejected" 2>/dev/null | head -n 1)
check "the kept copy is the user's bytes" cmp -s "$f" "$labdir/user-edit.yaml"
check "the host verified the guest at $dhcp again" wait_for "hostwatch verified again" 30 bash -c \
        "tail -n 5 '$labdir/host/follow.log' | grep -q 'verified at $dhcp'"
check "the agent still runs" agent_alive
check "agent log has no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$labdir/guest/log/agent.log'"
finish
