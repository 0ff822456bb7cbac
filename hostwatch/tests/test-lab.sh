#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs test-lab (argument 1) inside a fresh lab's host namespace; the lab goes down from
# a trap whatever happens (tests/lab/test-lib.sh).
. "$(dirname "$0")/../../tests/lab/test-lib.sh"

prog=${1:?usage: test-lab.sh TEST-LAB-BINARY}
"$lab" up "$labdir"
eval "$("$lab" info "$labdir")"
"$lab" host-exec "$labdir" env LAB="$lab" LAB_DIR="$labdir" LEASES="$LEASES" SSH_KEY="$SSH_KEY" \
        GUEST_HOST_KEY="$GUEST_HOST_KEY" KNOWN_HOSTS="$KNOWN_HOSTS" HOST_SOCKET="$HOST_SOCKET" "$prog"
