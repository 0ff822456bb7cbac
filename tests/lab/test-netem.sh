#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# netem loss and delay on the host side. A test of its own so that a kernel without
# sch_netem shows as a skipped test (exit 77), not as a check quietly left out of a pass.
. "$(dirname "$0")/test-lib.sh"

"$lab" up "$labdir"
addr=$("$lab" guest-addr "$labdir")

rc=0
"$lab" fault "$labdir" netem loss 100% 2>"$labdir/netem.err" || rc=$?
if [ "$rc" = 77 ]; then
        echo "SKIP: $(sed 's/^lab: SKIP netem: //' "$labdir/netem.err")"
        exit 77
elif [ "$rc" != 0 ]; then
        fail "netem fault: $(cat "$labdir/netem.err")"
        finish
fi
check "netem loss 100%: the guest does not answer" sh -c "! '$lab' host-exec '$labdir' timeout 2 bash -c 'exec 3<>/dev/tcp/$addr/22' 2>/dev/null"
"$lab" fault "$labdir" netem delay 200ms
check "netem delay: the guest still answers" host_ssh "$addr" true
"$lab" fault "$labdir" netem-clear
check "netem cleared: the guest answers" tcp_open "$addr"
finish
