#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Without root every lab test skips cleanly: exit 77 and a reason. As root, this runs each
# of them as user nobody and checks exactly that.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vserial=${LAB_VSERIAL:-}

if [ "$(id -u)" != 0 ]; then
        echo "SKIP: checks the non-root skip by dropping root, so it needs root itself"
        exit 77
fi
command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) is missing"; exit 77; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
if ! as_nobody test -r "$here/test-lib.sh"; then
        echo "SKIP: user nobody cannot read $here"
        exit 77
fi

tv=${LAB_TEST_VSERIAL:-}
failures=0
# A check that cannot run is not a pass.
if [ -n "$tv" ] && ! as_nobody test -x "$tv"; then
        echo "not ok - user nobody cannot run $tv, so its skip is not checked (make the build dir readable)"
        failures=$((failures + 1))
        tv=
fi
for t in "$here"/test-updown.sh "$here"/test-story.sh "$here"/test-reboot.sh "$here"/test-faults.sh "$here"/test-netem.sh "$here"/test-ipv6.sh \
         ${tv:+"$tv"}; do
        args=()
        [ "$t" = "$tv" ] && args=("$vserial")
        rc=0
        out=$(as_nobody "$t" "${args[@]}" 2>&1) || rc=$?
        if [ "$rc" = 77 ] && echo "$out" | grep -q '^SKIP: .*root'; then
                echo "ok - $(basename "$t") as nobody: exit 77, \"$out\""
        else
                echo "not ok - $(basename "$t") as nobody: exit $rc, \"$out\""
                failures=$((failures + 1))
        fi
done
rc=0
out=$(as_nobody "$here/lab" up /tmp/netguard-lab-never 2>&1) || rc=$?
if [ "$rc" != 0 ] && echo "$out" | grep -q 'needs root'; then
        echo "ok - lab up as nobody refuses: \"$out\""
else
        echo "not ok - lab up as nobody: exit $rc, \"$out\""
        failures=$((failures + 1))
fi
[ "$failures" = 0 ]
