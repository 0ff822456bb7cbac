# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Sourced by the lab's tests: skip without root, one lab dir per test, teardown and a
# cleanliness check from a trap whatever happens.
set -euo pipefail

lab=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lab

if [ "$(id -u)" != 0 ]; then
        echo "SKIP: the lab needs root (network and mount namespaces); run as root to test it"
        exit 77
fi
for t in ip nsenter unshare dnsmasq /usr/sbin/sshd dbus-daemon /lib/systemd/systemd-networkd /usr/lib/netplan/generate; do
        command -v "$t" >/dev/null || { echo "SKIP: $t is missing (run tests/deps)"; exit 77; }
done

labdir=$(mktemp -d /tmp/netguard-lab.XXXXXX)
failures=0
failed_checks=

# From a trap, or from another teardown with its exit status as $1 (a `(exit "$rc")` to
# pass it would end the trap itself under set -e, before the lab is down).
lab_teardown() {
        local rc=${1:-$?}
        trap - EXIT INT TERM
        "$lab" down "$labdir" || rc=1
        if [ -f "$labdir/state.down" ] && ! "$lab" check-clean "$labdir"; then
                echo "FAIL: the lab left something behind"
                rc=1
        fi
        if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
                for f in "$labdir"/host/*.log "$labdir"/guest/log/*.log; do
                        [ -s "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
                done
                # Last, so that a log cut to its tail still names what failed.
                [ -z "$failed_checks" ] || printf 'failed:%s\n' "$failed_checks"
        fi
        rm -rf "$labdir"
        exit "$rc"
}
trap lab_teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ok() { echo "ok - $*"; }
fail() {
        echo "not ok - $*"
        failures=$((failures + 1))
        failed_checks+=$'\n'"  not ok - $*"
}
check() {
        local what=$1
        shift
        if "$@"; then ok "$what"; else fail "$what"; fi
}
finish() {
        [ "$failures" = 0 ] || { echo "$failures check(s) failed"; exit 1; }
}

# Writes the guest's netplan file for eth0 (dhcp, or a static address/prefix).
netplan_eth0() {
        local body
        if [ "$1" = dhcp ]; then body="      dhcp4: true"; else body="      addresses: [$1]"; fi
        printf 'network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    eth0:\n%s\n' "$body" \
                >"$labdir/guest/etc-netplan/50-lab.yaml"
        chmod 600 "$labdir/guest/etc-netplan/50-lab.yaml"
}

# ssh from the host namespace to the guest with the lab's key, pinned host key.
host_ssh() {
        local addr=$1
        shift
        "$lab" host-exec "$labdir" ssh -n -o BatchMode=yes -o ConnectTimeout=3 \
                -o UserKnownHostsFile="$labdir/host/known_hosts" -o GlobalKnownHostsFile=/dev/null \
                -i "$labdir/host/id_ed25519" "root@$addr" "$@"
}

tcp_open() {
        "$lab" host-exec "$labdir" timeout 3 bash -c "exec 3<>/dev/tcp/$1/${2:-22}" 2>/dev/null
}

now_ms() { date +%s%3N; }
