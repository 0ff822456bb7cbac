#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The user's SSH session dropped mid-try: `netguard try --force` of the brief's change runs
# through ssh from the host side (as a user would), the change cuts the session's address,
# and the ssh client is killed (kill -9 by its PID) while the try is pending. The agent,
# not the shell, owns the transaction: it goes on and rolls back after grace; the DHCP
# address is back and /etc/netplan is byte-identical to the known-good.
# usage: test-try-ssh-drop.sh (env AGENT, NETGUARD set by meson)
# shellcheck source=tests/lab/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
# shellcheck source=tests/lab/try-lib.sh
. "$(dirname "$0")/try-lib.sh"

grace=5
try_up "try: { timeout: 60, grace: $grace, confirm: manual }"
ok "lab up, agent running, guest on DHCP at $dhcp"
eval "$("$lab" info "$labdir")"
cand_eth0 50-lab.yaml 198.51.100.7/24
# ip netns exec execs ssh: $! is the ssh client itself
ip netns exec "$NS_H" ssh -tt -o BatchMode=yes -o ConnectTimeout=3 -o UserKnownHostsFile="$KNOWN_HOSTS" \
        -o GlobalKnownHostsFile=/dev/null -i "$SSH_KEY" "root@$dhcp" \
        "$netguard try --force $cand/50-lab.yaml; echo try-exit=\$?; sleep 60" \
        </dev/null >"$labdir/ssh.out" 2>&1 &
ssh_pid=$!
check "the change went live through the session: 198.51.100.7" wait_for "198.51.100.7" 20 went_live 198.51.100.7
kill -KILL "$ssh_pid" 2>/dev/null || true
wait "$ssh_pid" 2>/dev/null || true
ok "the user's ssh client killed mid-try (pid $ssh_pid)"
check "the agent goes on: $dhcp back after grace" wait_for "$dhcp" $((grace + 20)) has_addr "$dhcp"
check "the journal ends rolled-back" wait_for "rolled-back" 10 txn_rolled_back
check "198.51.100.7 is gone" wait_for "198.51.100.7 gone" 10 lacks_addr 198.51.100.7
check "/etc/netplan byte-identical to the known-good" etc_is_known_good
check "nothing left in /run/netplan" run_clear
check "the rejected candidate kept with its reason" rejected_kept
check "SSH with the pinned key works at $dhcp again" host_ssh "$dhcp" true
sed 's/^/# session: /' "$labdir/ssh.out" | head -n 5
check "the agent still runs" agent_alive
check "agent log has no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$labdir/guest/log/agent.log'"
finish
