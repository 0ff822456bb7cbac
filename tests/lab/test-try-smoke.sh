#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Smoke test of `netguard try` in the lab (issue 11; try-lab has the full matrix): the
# agent owns the transaction on the guest's own bus, applies with `apply: networkd`
# (real netplan generate, networkd Reload + ReconfigureLink), confirm: local.
#  1. static 192.0.2.77/24 on eth0 (same subnet, the host stays reachable): confirmed
#     locally, committed to /etc/netplan byte for byte;
#  2. 198.51.100.7/24 (check refuses it; --force): the management address is gone longer
#     than try.grace, rolled back: /etc/netplan is the known-good again, .77 is back, the
#     rejected candidate is kept.
# usage: test-try-smoke.sh (env AGENT, NETGUARD, LAB_HOST set by meson)
# shellcheck source=tests/lab/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
# shellcheck source=tests/lab/agent-lib.sh
. "$(dirname "$0")/agent-lib.sh"

LAB_QUIET=1 "$lab" up "$labdir"
ok "lab up"
printf 'heartbeat: 2\nreopen: 1\ntry: { timeout: 60, grace: 3, confirm: local }\n' \
        >>"$labdir/guest/etc-netguard/agent.yaml"
cp "$(dirname "$0")/../../packaging/dbus/io.netguard.Agent1.conf" "$labdir/guest/dbus-system.d/"
kill -HUP "$(cat "$labdir/pids/dbus")"
"$lab" service-add "$labdir" agent "$agent"
"$lab" service-start "$labdir" agent
host_start 1 --hello

# The agent answers on the bus (Status) once it owns its name.
agent_on_bus() {
        local rc
        for _ in $(seq 1 100); do
                rc=0
                g "$netguard" status >/dev/null 2>&1 || rc=$?
                [ "$rc" != 3 ] && return 0
                sleep 0.1
        done
        return 1
}
check "agent on the guest's bus" agent_on_bus

status_field() { g "$netguard" status --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }
wait_state() {
        local want=$1 secs=$2 s=
        for _ in $(seq 1 $((secs * 5))); do
                s=$(status_field TransactionState) || true
                [ "$s" = "$want" ] && return 0
                sleep 0.2
        done
        echo "# transaction state: '$s', wanted '$want'; reason: $(status_field TransactionReason)"
        return 1
}

mkdir -p "$labdir/cand1" "$labdir/cand2"
printf 'network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    eth0:\n      addresses: [192.0.2.77/24]\n' \
        >"$labdir/cand1/50-lab.yaml"
printf 'network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    eth0:\n      addresses: [198.51.100.7/24]\n' \
        >"$labdir/cand2/50-lab.yaml"

# --- 1. a move within the subnet, confirmed locally
rc=0
out=$(g "$netguard" try --json "$labdir/cand1/50-lab.yaml" 2>"$labdir/try1.err") || rc=$?
check "try of 192.0.2.77/24: exit 0 (applied, awaiting confirmation)" test "$rc" = 0
check "try --json says awaiting-confirm (or confirmed), confirm local, check safe" python3 -c '
import json, sys
t = json.loads(sys.argv[1])
assert t["state"] in ("awaiting-confirm", "confirmed"), t
assert t["confirm"] == "local" and t["check"] == "safe" and t["id"] > 0, t
' "$out"
check "confirmed locally (address held, host answers neighbour discovery)" wait_state confirmed 30
check "192.0.2.77 on eth0" "$lab" wait-addr "$labdir" 192.0.2.77 5
check "/etc/netplan holds the candidate byte for byte" cmp "$labdir/cand1/50-lab.yaml" "$labdir/guest/etc-netplan/50-lab.yaml"
check "/run/netplan holds no staging any more" g sh -c '! ls /run/netplan/*.yaml >/dev/null 2>&1'
check "the host heard of the transaction (TXN frames)" wait_line '^TXN' 10

# --- 2. a move out of the host's subnet: refused by check, forced, rolled back after grace
rc=0
g "$netguard" try "$labdir/cand2/50-lab.yaml" >/dev/null 2>&1 || rc=$?
check "try of 198.51.100.7/24 without --force: refused (exit 1)" test "$rc" = 1
check "nothing started" test "$(status_field TransactionState)" = confirmed
rc=0
g "$netguard" try --force "$labdir/cand2/50-lab.yaml" >"$labdir/try2.out" 2>&1 || rc=$?
check "try --force: started (exit 0 or 1 if already rolled back)" test "$rc" -le 1
check "rolled back (management address missing longer than grace)" wait_state rolled-back 60
reason=$(status_field TransactionReason)
has_reason() { case $reason in *"management address"*) return 0 ;; esac; return 1; }
check "the reason names the management address: '$reason'" has_reason
check "/etc/netplan is the known-good again, byte for byte" cmp "$labdir/cand1/50-lab.yaml" "$labdir/guest/etc-netplan/50-lab.yaml"
check "192.0.2.77 is back on eth0" "$lab" wait-addr "$labdir" 192.0.2.77 10
check "198.51.100.7 is gone" sh -c "! '$lab' guest-addr '$labdir' | grep -q 198.51.100.7"
check "the rejected candidate is kept" sh -c "grep -rlq 198.51.100.7 '$labdir/guest/var-lib-netguard/rejected/'"
hist=$(g "$netguard" history --json 2>/dev/null) || true
check "history: both transactions, newest first" python3 -c '
import json, sys
h = json.loads(sys.argv[1])
assert len(h) >= 2, h
assert h[0]["state"] == "rolled-back" and h[1]["state"] == "committed", h
' "$hist"
check "agent still runs" agent_alive
finish
