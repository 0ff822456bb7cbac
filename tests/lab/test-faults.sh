#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Faults the lab can inject: link down/up (host or guest side), sshd stopped. netem loss
# and delay are test-netem.sh, which skips (exit 77) where the kernel has no sch_netem.
. "$(dirname "$0")/test-lib.sh"

"$lab" up "$labdir"
addr=$("$lab" guest-addr "$labdir")

check "the guest answers on $addr:22" tcp_open "$addr"
"$lab" fault "$labdir" link-down host
check "host link down: the guest loses carrier" sh -c "'$lab' guest-exec '$labdir' ip link show eth0 | grep -q NO-CARRIER"
check "host link down: the guest does not answer" sh -c "! '$lab' host-exec '$labdir' timeout 2 bash -c 'exec 3<>/dev/tcp/$addr/22' 2>/dev/null"
"$lab" fault "$labdir" link-up host
check "host link up: the guest answers again" sh -c "for i in \$(seq 1 50); do '$lab' host-exec '$labdir' timeout 2 bash -c 'exec 3<>/dev/tcp/$addr/22' 2>/dev/null && exit 0; sleep 0.1; done; exit 1"

"$lab" fault "$labdir" link-down guest
check "guest link down: the guest does not answer" sh -c "! '$lab' host-exec '$labdir' timeout 2 bash -c 'exec 3<>/dev/tcp/$addr/22' 2>/dev/null"
"$lab" fault "$labdir" link-up guest
check "guest link up: networkd restores the address, the guest answers" sh -c "'$lab' wait-addr '$labdir' '$addr' && for i in \$(seq 1 50); do '$lab' host-exec '$labdir' timeout 2 bash -c 'exec 3<>/dev/tcp/$addr/22' 2>/dev/null && exit 0; sleep 0.1; done; exit 1"

"$lab" fault "$labdir" sshd-stop
check "sshd stopped: connection refused" sh -c "! '$lab' host-exec '$labdir' timeout 2 bash -c 'exec 3<>/dev/tcp/$addr/22' 2>/dev/null"
"$lab" fault "$labdir" sshd-start
check "sshd started again: ssh works" host_ssh "$addr" true

finish
