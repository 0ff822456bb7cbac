#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# netguard-agent on the emulated port in vserial's `stop` mode: with no host a write gets
# EAGAIN (as on QEMU) instead of a hangup. The agent must not block, must keep only the
# newest snapshot while nobody reads, and must not pile up heartbeats; the host that
# comes gets HELLO and that newest snapshot.
# usage: test-agent-stop.sh (env AGENT, NETGUARD, LAB_HOST set by meson)
# shellcheck source=tests/lab/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
# shellcheck source=tests/lab/agent-lib.sh
. "$(dirname "$0")/agent-lib.sh"

LAB_VSERIAL_NO_HOST=stop LAB_QUIET=1 "$lab" up "$labdir"
ok "lab up (vserial --no-host=stop)"
printf 'heartbeat: 1\nreopen: 1\n' >>"$labdir/guest/etc-netguard/agent.yaml"
"$lab" service-add "$labdir" agent "$agent" --no-bus
"$lab" service-start "$labdir" agent
sleep 1
# Changes while no host reads: each makes a snapshot, all but the newest are replaced.
for i in 1 2 3 4 5; do
        g ip addr add "198.51.100.4$i/32" dev eth1
        sleep 0.3
done
g ip addr del 198.51.100.45/32 dev eth1
sleep 2.5       # heartbeats due meanwhile: none may pile up behind the blocked write
check "agent alive while its writes get EAGAIN" agent_alive
host_start 1
check "host: HELLO" wait_line '^HELLO reply=0' 5
check "host: the newest snapshot" wait_snapshot '\| eth1 [^|]* 198\.51\.100\.41/32 198\.51\.100\.42/32 198\.51\.100\.43/32 198\.51\.100\.44/32 \|' 5
sleep 1.5
check "host: one snapshot, none of the replaced ones ($(count ADDRESSES))" test "$(count ADDRESSES)" = 1
stale=$(grep -c '^HEARTBEAT snapshot=0 ' "$host_log" || true)
check "host: at most one heartbeat from before it came ($stale)" test "$stale" -le 1
check "host: heartbeats go on" wait_line '^HEARTBEAT snapshot=[1-9]' 5
host_stop
check "agent log has no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$labdir/guest/log/agent.log'"
finish
