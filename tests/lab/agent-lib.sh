# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Sourced by the agent's lab tests after test-lib.sh: a host on the emulated port
# (lab-host), waits on what it received, and the agent as a guest service.
agent=${AGENT:?} netguard=${NETGUARD:?} lab_host=${LAB_HOST:?}
command -v python3 >/dev/null || { echo "SKIP: needs python3 to read --json"; exit 77; }
host_pid=
host_log=

host_stop() {
        if [ -n "$host_pid" ]; then
                kill "$host_pid" 2>/dev/null || true
                wait "$host_pid" 2>/dev/null || true
        fi
        host_pid=
}
agent_teardown() {
        local rc=$?
        host_stop
        lab_teardown "$rc"
}
trap agent_teardown EXIT

# Connects a host to the port; its messages go to $host_log, one line each.
host_start() {
        host_log=$labdir/host/lab-host.$1.log
        shift
        "$lab_host" --socket "$labdir/host/agent.sock" "$@" >"$host_log" 2>&1 &
        host_pid=$!
}

last_snapshot() { grep '^ADDRESSES' "$host_log" | tail -n 1; }
count() { grep -c "^$1" "$host_log" || true; }
# Waits (up to $2 s) until the newest snapshot matches the extended regex $1.
# Waits end as soon as what they wait for happens; their bound only decides when a test
# gives up, so it is generous: a loaded CI machine is many times slower than a desk.
wait_factor=${LAB_WAIT_FACTOR:-4}
wait_snapshot() {
        local i
        for i in $(seq 1 $((${2:-10} * 20 * wait_factor))); do
                last_snapshot | grep -qE -- "$1" && return 0
                sleep 0.05
        done
        echo "# newest snapshot: $(last_snapshot)"
        return 1
}
wait_no_snapshot() {
        local i
        for i in $(seq 1 $((${2:-10} * 20))); do
                if last_snapshot | grep -q '^ADDRESSES' && ! last_snapshot | grep -qE -- "$1"; then return 0; fi
                sleep 0.05
        done
        echo "# newest snapshot: $(last_snapshot)"
        return 1
}
wait_line() {
        local i
        for i in $(seq 1 $((${2:-10} * 20 * wait_factor))); do
                grep -qE -- "$1" "$host_log" && return 0
                sleep 0.05
        done
        echo "# no line matching $1 in $host_log"
        return 1
}
g() { "$lab" guest-exec "$labdir" "$@"; }
agent_pid() { cat "$labdir/pids/svc-agent"; }
agent_alive() { local p; p=$(agent_pid) && kill -0 "$p" 2>/dev/null && [ "$(cat "/proc/$p/comm")" = netguard-agent ]; }

