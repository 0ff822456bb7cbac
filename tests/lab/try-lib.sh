# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Sourced by the `netguard try` lab tests (test-try-*.sh) after test-lib.sh: the real
# agent as a guest service on the emulated port, candidates, the host side
# (hostwatch-follow: libnetguard-hostwatch on the host end of the port), and what must
# hold after a transaction, read from the guest's own disk and kernel.
agent=${AGENT:?} netguard=${NETGUARD:?}
follow_bin=${HOSTWATCH_FOLLOW:-}
command -v python3 >/dev/null || { echo "SKIP: needs python3 to read --json"; exit 77; }
follow_pid=
cand=$labdir/cand
etc=$labdir/guest/etc-netplan
state=$labdir/guest/var-lib-netguard

# A command in the guest: straight into the mount and network namespaces of the lab's
# holder process (what `lab guest-exec` does, without a bash and the state file per call).
g() { nsenter -t "$(cat "$labdir/pids/holder")" -m -n -- "$@"; }
agent_pid() { cat "$labdir/pids/svc-agent" 2>/dev/null; }
agent_alive() { local p; p=$(agent_pid) && kill -0 "$p" 2>/dev/null && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = netguard-agent ]; }

follow_stop() {
        if [ -n "$follow_pid" ]; then
                kill "$follow_pid" 2>/dev/null || true
                wait "$follow_pid" 2>/dev/null || true
        fi
        follow_pid=
}
try_teardown() {
        local rc=${1:-$?}
        follow_stop
        if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -f "$labdir/guest/log/agent.log" ]; then
                echo "--- agent log (last 40 lines)"
                tail -n 40 "$labdir/guest/log/agent.log"
        fi
        lab_teardown "$rc"
}
trap try_teardown EXIT

# One digest for the whole of the guest's /etc/netplan: names and bytes.
etc_sum() { (cd "$etc" && find . -type f | LC_ALL=C sort | xargs -r sha256sum) | sha256sum | cut -d' ' -f1; }
# The same for a directory of candidate files, as /etc/netplan would hold them.
dir_sum() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs -r sha256sum) | sha256sum | cut -d' ' -f1; }

# try_up [AGENT.YAML LINES...]: a lab, the agent configured with the lines, its bus
# policy, started; records the DHCP address and the known-good digest.
try_up() {
        LAB_QUIET=1 "$lab" up "$labdir"
        dhcp=$("$lab" guest-addr "$labdir" | head -n 1)
        local l
        for l in "$@"; do printf '%s\n' "$l" >>"$labdir/guest/etc-netguard/agent.yaml"; done
        cp "$(dirname "${BASH_SOURCE[0]}")/../../packaging/dbus/io.netguard.Agent1.conf" "$labdir/guest/dbus-system.d/"
        kill -HUP "$(cat "$labdir/pids/dbus")"
        "$lab" service-add "$labdir" agent "$agent"
        "$lab" service-start "$labdir" agent
        wait_for "the agent on the guest's bus" 10 agent_on_bus
        known_good=$(etc_sum)
        mkdir -p "$cand"
}

# Polls CMD... every 0.1 s for up to SECS of wall time (a loaded machine makes each poll
# slow: counting polls would stretch the wait); the first argument is what it waits for.
# A bound, not a measure: what the tests assert is that it happens, and a machine running
# other suites beside this one (CI runs two at once) stretches networkd's and dnsmasq's
# steps, so every bound is TRY_WAIT_SCALE (default 2) times what an idle machine needs.
wait_for() {
        local what=$1 secs=$(( $2 * ${TRY_WAIT_SCALE:-2} )) end
        shift 2
        end=$(( $(now_ms) + secs * 1000 ))
        while :; do
                "$@" >/dev/null 2>&1 && return 0
                [ "$(now_ms)" -lt "$end" ] || break
                sleep 0.1
        done
        echo "# timed out after ${secs}s waiting for $what"
        return 1
}
# The agent answers on the guest's bus (status exits 3 only when it cannot be reached).
agent_on_bus() { local rc=0; g "$netguard" status >/dev/null 2>&1 || rc=$?; [ "$rc" != 3 ]; }

# Writes candidate FILE (in $cand) moving eth0 to ADDR/LEN, or to dhcp.
cand_eth0() {
        local file=$cand/$1 body
        if [ "$2" = dhcp ]; then body="      dhcp4: true"; else body="      addresses: [$2]"; fi
        printf 'network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    eth0:\n%s\n' "$body" >"$file"
        chmod 600 "$file"
}

# The guest's IPv4 addresses on eth0, one line, sorted.
eth0_v4() { g ip -4 -o addr show dev eth0 | awk '{ print $4 }' | cut -d/ -f1 | sort | tr '\n' ' '; }
has_addr() { g ip -4 -o addr show dev eth0 | awk '{ print $4 }' | cut -d/ -f1 | grep -qx "$1"; }
lacks_addr() { ! has_addr "$1"; }
link_exists() { g ip link show "$1" >/dev/null 2>&1; }
link_absent() { ! link_exists "$1"; }

# The newest transaction journal's last whole step (the disk's word, whatever the CLI
# prints): e.g. rolled-back, committed, staged.
journal_newest() { find "$state/transactions" -maxdepth 1 -name '*.journal' -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -n 1 | cut -d' ' -f2-; }
journal_has() { local j; j=$(journal_newest) && [ -n "$j" ] && grep -aq "$1" "$j"; }
# The candidate was applied and the transaction waits for its confirmation (the engine's
# step): evidence that outlives a candidate live for only a few seconds on a loaded machine.
txn_awaited() { journal_has 'confirm-wait'; }
# The candidate's address is on eth0, or was (the journal says it was applied and waited).
went_live() { has_addr "$1" || txn_awaited; }
# Final steps as txn-disk.h writes them.
txn_rolled_back() { journal_has 'rolled-back'; }
txn_committed() { journal_has 'committed'; }
# The id of the newest transaction (its journal's name).
txn_id() { basename "$(journal_newest)" .journal; }
# A rejected candidate kept for the newest transaction, with its REASON.
rejected_dir() { find "$state/rejected" -mindepth 1 -maxdepth 1 -type d -name "$(txn_id)*" 2>/dev/null | head -n 1; }
rejected_kept() { local d; d=$(rejected_dir) && [ -n "$d" ] && [ -s "$d/REASON" ]; }
etc_is_known_good() { [ "$(etc_sum)" = "$known_good" ]; }
etc_is() { [ "$(etc_sum)" = "$1" ]; }
# Nothing of ours shadows /etc/netplan any more.
run_clear() { [ -z "$(g find /run/netplan -type f 2>/dev/null)" ]; }

# `netguard history --json`, newest first: the newest entry's state ("" if unreadable).
history_state() {
        g "$netguard" history --json 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(0)
if isinstance(d, dict):
    for v in d.values():
        if isinstance(v, list):
            d = v
            break
if isinstance(d, list) and d and isinstance(d[0], dict):
    e = {k.lower(): v for k, v in d[0].items()}
    print(e.get("state", ""))
'
}

# libnetguard-hostwatch on the host end of the port, verifying SSH with the pinned key:
# the host's proof (HOST_REACHED naming the transaction) and its loss (HOST_LOST).
follow_start() {
        [ -n "$follow_bin" ] && [ -x "$follow_bin" ] || { echo "SKIP: hostwatch-follow is not built"; exit 77; }
        "$lab" host-exec "$labdir" "$follow_bin" --channel "$labdir/host/agent.sock" --mac 52:54:00:12:34:56 \
                --network 192.0.2.0/24 --host-key "$labdir/host/guest_host_key.pub" \
                --identity "$labdir/host/id_ed25519" --lease "$labdir/host/leases" --connect-timeout 3 \
                --seconds "${1:-600}" >"$labdir/host/follow.log" 2>&1 &
        follow_pid=$!
}
follow_has() { grep -qE -- "$1" "$labdir/host/follow.log"; }

stamp() { date +%H:%M:%S.%3N; }

# `netguard try ARGS...` in the guest, in the background (it may wait for the outcome or
# return once applied: the tests judge the disk and the kernel, not the CLI's timing);
# its output goes to $labdir/try.out, its exit status to $labdir/try.rc.
try_start() {
        rm -f "$labdir/try.rc"
        ( g "$netguard" try "$@" >"$labdir/try.out" 2>&1; echo $? >"$labdir/try.rc" ) </dev/null >/dev/null 2>&1 &
        try_bg=$!
}
# Waits up to SECS for the background try to end; prints its exit status.
try_rc() {
        wait_for "netguard try to end" "${1:-30}" test -s "$labdir/try.rc" >/dev/null || { echo timeout; return; }
        cat "$labdir/try.rc"
}
