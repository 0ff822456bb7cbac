#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fault points (issue 11's acceptance): for every point `netguard-agent
# --list-fault-points` names, a try is started with the agent under NETGUARD_FAULT=<point>
# (it dies there with 137, as kill -9 would leave it), along a try that is confirmed and
# one that is rolled back, or `netguard rollback --force` (whichever reaches the point).
# Then, per MODE:
#   kill        the agent is started again (as a service would be)
#   reboot      the guest reboots (/run wiped, links reset, networkd applies /etc)
#   power-loss  every guest process SIGKILLed, then the same boot
# and after the agent's recovery: /etc/netplan byte-identical to the known-good or to the
# candidate (never a mix); the live network matches it (192.0.2.77 for the candidate, the
# DHCP address for the known-good); a rolled-back candidate kept under rejected/.
# One lab for all points: between points the agent stops, /etc/netplan and
# /var/lib/netguard are reset and the known-good applied again (a first start).
# Prints a table point x mode -> outcome and the counts.
# usage: test-try-faults.sh [MODE...] (default: kill reboot power-loss; env AGENT, NETGUARD;
#        TRY_FAULTS_ONLY=REGEX limits the points)
# shellcheck source=tests/lab/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
# shellcheck source=tests/lab/try-lib.sh
. "$(dirname "$0")/try-lib.sh"

modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(kill reboot power-loss)
for m in "${modes[@]}"; do
        case $m in kill|reboot|power-loss) ;; *) echo "usage: test-try-faults.sh [kill|reboot|power-loss]..."; exit 2 ;; esac
done
mapfile -t points < <("$agent" --list-fault-points 2>/dev/null | awk 'NF { print $1 }')
if [ ${#points[@]} -eq 0 ]; then
        echo "not ok - netguard-agent --list-fault-points lists no point"
        exit 1
fi
if [ -n "${TRY_FAULTS_ONLY:-}" ]; then
        mapfile -t points < <(printf '%s\n' "${points[@]}" | grep -E -- "$TRY_FAULTS_ONLY")
fi
echo "# ${#points[@]} fault points: ${points[*]}"

suite_t0=$(now_ms)
try_up "try: { timeout: 60, grace: 30, confirm: manual }"
ok "lab up, agent running, guest on DHCP at $dhcp"
mkdir -p "$labdir/orig"
cp -p "$etc"/* "$labdir/orig/"
cand_eth0 50-lab.yaml 192.0.2.77/24
mkdir -p "$labdir/expect"
cp "$etc"/* "$labdir/expect/"
cp "$cand/50-lab.yaml" "$labdir/expect/"
cand_sum=$(dir_sum "$labdir/expect")
kg_sum=$known_good
fpid=

agent_stop() {
        local p
        if p=$(agent_pid) && agent_alive; then
                kill -TERM "$p" 2>/dev/null || true
                for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        fi
        if [ -n "$fpid" ]; then
                kill -TERM "$fpid" 2>/dev/null || true
                wait "$fpid" 2>/dev/null || true
                fpid=
        fi
}

# Back to the state of a first start: known-good = the DHCP config, live, nothing pending.
restore() {
        agent_stop
        rm -f "$etc"/*
        cp -p "$labdir/orig"/* "$etc/"
        rm -rf "${state:?}"/*
        g sh -c 'rm -f /run/netplan/* /run/netguard/reapply-pending' 2>/dev/null || true
        # the known-good applied again, unless it is what is live already
        if ! has_addr "$dhcp" || has_addr 192.0.2.77; then
                "$lab" apply-netplan "$labdir" >/dev/null 2>&1
                wait_for "$dhcp after restore" 20 has_addr "$dhcp" >/dev/null || return 1
                wait_for "192.0.2.77 gone after restore" 10 lacks_addr 192.0.2.77 >/dev/null || return 1
        fi
        # (the next agent's first start takes /etc/netplan as the known-good)
        [ "$(etc_sum)" = "$kg_sum" ]
}

fault_agent_start() {
        agent_stop
        # nsenter execs env, env execs the agent: $! is the agent, `wait` gives its status
        nsenter -t "$(cat "$labdir/pids/holder")" -m -n -- env NETGUARD_FAULT="$1" "$agent" \
                </dev/null >>"$labdir/guest/log/agent.log" 2>&1 &
        fpid=$!
        wait_for "the faulting agent on the bus" 10 agent_on_bus
}
fault_alive() { [ -n "$fpid" ] && kill -0 "$fpid" 2>/dev/null; }
fault_dead() { ! fault_alive; }
settled() { ! journal_newest >/dev/null 2>&1 || [ -z "$(journal_newest)" ] || txn_rolled_back || txn_committed; }

applied_or_dead() { fault_dead || has_addr 192.0.2.77; }

# Runs POINT along PATH (confirm|rollback|force) and MODE; prints the outcome word.
# not-reached: the point is not on this path (the agent did not die).
run_point() {
        local point=$1 path=$2 mode=$3 st s
        restore || { echo "restore-failed"; return; }
        fault_agent_start "$point" || true
        if fault_alive; then
                case $point in
                # Steps that put the known-good back in /etc: only when the candidate is
                # the user's edits there (`netguard try` without FILE).
                begin:etc-file|begin:etc-restored|abort:etc-file)
                        cp "$cand/50-lab.yaml" "$etc/50-lab.yaml"
                        try_start --force --timeout 60 ;;
                *)      try_start --force --timeout 60 "$cand/50-lab.yaml" ;;
                esac
                wait_for "applied or dead" 20 applied_or_dead >/dev/null || true
                if fault_alive; then
                        # abort rewrites /etc only where it differs from the known-good: a
                        # user's edit there while the try is pending (kept under rejected/)
                        # (the forced path rewrites it for the same reason)
                        case $point in
                        abort:etc-file|force:etc-file)
                                printf '# edited while a try was pending\n' >>"$etc/50-lab.yaml" ;;
                        esac
                        case $path in
                        confirm) g "$netguard" confirm >/dev/null 2>&1 || true ;;
                        rollback) g "$netguard" rollback >/dev/null 2>&1 || true ;;
                        force) g env NETGUARD_FAULT="$point" "$netguard" rollback --force >/dev/null 2>&1 || true ;;
                        esac
                        wait_for "the agent to die at $point" 15 fault_dead >/dev/null || true
                fi
        fi
        if fault_alive; then
                wait_for "settled" 20 settled >/dev/null || true
                agent_stop
                echo "not-reached"
                return
        fi
        st=0
        wait "$fpid" 2>/dev/null || st=$?
        fpid=
        [ "$st" = 137 ] || { echo "exit-$st"; return; }
        case $mode in
        kill) "$lab" service-start "$labdir" agent ;;
        reboot|power-loss) "$lab" "$mode" "$labdir" agent >/dev/null 2>&1 ;;
        esac
        wait_for "the agent back on the bus" 15 agent_on_bus || { echo "agent-not-back"; return; }
        wait_for "recovery to settle" 30 settled >/dev/null || { echo "not-settled"; return; }
        s=$(etc_sum)
        if [ "$s" = "$kg_sum" ]; then
                wait_for "$dhcp live" 30 has_addr "$dhcp" >/dev/null || { echo "known-good-but-not-live"; return; }
                wait_for ".77 gone" 10 lacks_addr 192.0.2.77 >/dev/null || { echo "known-good-but-candidate-live"; return; }
                if journal_has 'candidate-saved' && ! rejected_kept; then echo "known-good-no-rejected"; return; fi
                run_clear || { echo "known-good-run-left"; return; }
                echo "known-good"
        elif [ "$s" = "$cand_sum" ]; then
                wait_for ".77 live" 30 has_addr 192.0.2.77 >/dev/null || { echo "candidate-but-not-live"; return; }
                run_clear || { echo "candidate-run-left"; return; }
                echo "candidate"
        else
                echo "MIX"
        fi
}

declare -A result
pass=0 bad=0 unreached=0
for point in "${points[@]}"; do
        # The commit steps come only on the way to confirmed, the forced ones only with
        # `netguard rollback --force`; everything else is tried on the way to rolled back first.
        case $point in
        commit:*|engine:confirm-received|engine:committed) paths=(confirm rollback force) ;;
        force:*) paths=(force rollback confirm) ;;
        *) paths=(rollback confirm force) ;;
        esac
        for mode in "${modes[@]}"; do
                t=$(now_ms)
                out=not-reached
                for path in "${paths[@]}"; do
                        out=$(run_point "$point" "$path" "$mode" | tail -n 1)
                        [ "$out" = not-reached ] || break
                done
                result[$point,$mode]="$out${path:+ ($path)}"
                case $out in
                known-good|candidate) pass=$((pass + 1)); ok "$point, $mode: $out after recovery ($path path, $(( $(now_ms) - t )) ms)" ;;
                not-reached) unreached=$((unreached + 1)); fail "$point, $mode: never reached on a confirmed, rolled-back or forced try" ;;
                *) bad=$((bad + 1)); fail "$point, $mode: $out ($path path)" ;;
                esac
        done
done
agent_stop

echo "#"
printf '# %-26s' "fault point"
for mode in "${modes[@]}"; do printf ' | %-28s' "$mode"; done
echo
for point in "${points[@]}"; do
        printf '# %-26s' "$point"
        for mode in "${modes[@]}"; do printf ' | %-28s' "${result[$point,$mode]}"; done
        echo
done
echo "# ${#points[@]} fault points x ${#modes[@]} modes: $pass recovered to the known-good or the candidate, $bad wrong, $unreached not reached"
echo "# suite time: $(( ($(now_ms) - suite_t0) / 1000 )) s"
check "agent log has no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$labdir/guest/log/agent.log'"
finish
