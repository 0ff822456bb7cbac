# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Sourced by the QEMU tests (qemu-agent, qemu-try-links) with BUILD_ROOT SOURCE_ROOT as
# $1 $2: the checks that decide between SKIP (77) and FAIL, the run directory and its
# trap (vm down and check-clean, also on failure), and the payload that installs the
# build's agent with packaging/'s unit, udev rule and bus policy in the guest.
# Sets: build src here vm agent cli host run asan. A test may define qemu_on_exit (run
# first by the trap) and add lines to $run/payload/setup.sh after qemu_payload.
# QEMU_STRICT=1 (set by a test before sourcing): only a non-root run skips; no tap device
# or no image is a FAIL (a proof that must run in CI must not pass by skipping).
set -euo pipefail

build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
here=$src/tests/qemu
vm=$here/vm

if [ "$(id -u)" != 0 ]; then
        echo "SKIP: needs root (network namespace, tap device, debootstrap)"
        exit 77
fi
if [ ! -c /dev/net/tun ]; then
        [ -z "${QEMU_STRICT:-}" ] || { echo "FAIL: no /dev/net/tun (the guest's NIC is a tap in a namespace)"; exit 1; }
        echo "SKIP: no /dev/net/tun (the guest's NIC is a tap in a namespace)"
        exit 77
fi
# Waits for a background build (run-all starts one) or builds the image now.
rc=0
"$here/build-image" || rc=$?
if [ "$rc" = 77 ] && [ -z "${QEMU_STRICT:-}" ]; then
        echo "SKIP: the guest image cannot be built here (see above)"
        exit 77
fi
[ "$rc" = 0 ] || { echo "FAIL: guest image build failed"; exit 1; }

agent=$build/agent/netguard-agent
cli=$build/agent/netguard
host=$build/agent/lab-host
for f in "$agent" "$cli" "$host"; do
        [ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done

run=$(mktemp -d /tmp/netguard-qemu.XXXXXX)
qemu_finish() {
        local rc=$?
        if declare -F qemu_on_exit >/dev/null; then qemu_on_exit || true; fi
        if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -S "$run/qmp.sock" ]; then
                echo "--- the agent's journal (tail)"
                timeout 60 "$vm" ssh "$run" "journalctl -u netguard-agent -o short-monotonic --no-pager | tail -60" 2>&1 || true
        fi
        "$vm" down "$run" || true
        if ! "$vm" check-clean "$run"; then
                echo "FAIL: the run left something behind"
                rc=1
        fi
        if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
                echo "--- console (tail)"; tail -30 "$run/console.log" 2>/dev/null || true
                for f in "$run"/host*.out; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
        fi
        rm -rf "$run"
        exit "$rc"
}
trap qemu_finish EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
gssh() { "$vm" ssh "$run" "$@"; }

# The payload: the agent as the package would install it. A sanitizer build brings its
# runtime's needs: libasan8/libubsan1 are in the image; the unit's MemoryMax would kill
# ASan's shadow memory; reports go to a log the test reads at the end. setup.sh ends by
# replaying the port's add event, so the packaged udev rule starts the agent: a test that
# configures the agent first writes $run/payload/agent.yaml before calling this.
qemu_payload() {
        mkdir -p "$run/payload"
        cp "$agent" "$cli" "$run/payload/"
        cp "$src/packaging/systemd/netguard-agent.service" "$src/packaging/udev/90-netguard-agent.rules" \
                "$src/packaging/dbus/io.netguard.Agent1.conf" "$run/payload/"
        asan=
        # (not ldd | grep -q: grep's early exit fails the pipe under pipefail)
        local libs
        libs=$(ldd "$agent")
        if grep -q libasan <<<"$libs"; then asan=1; fi
        cat >"$run/payload/setup.sh" <<SETUP
set -e
p=/run/ngpayload
install -m 755 \$p/netguard-agent \$p/netguard /usr/sbin/
install -m 644 \$p/netguard-agent.service /etc/systemd/system/
install -m 644 \$p/90-netguard-agent.rules /etc/udev/rules.d/
install -m 644 \$p/io.netguard.Agent1.conf /etc/dbus-1/system.d/
if [ -f \$p/agent.yaml ]; then install -D -m 644 \$p/agent.yaml /etc/netguard/agent.yaml; fi
if [ -n "$asan" ]; then
        install -d /etc/systemd/system/netguard-agent.service.d /var/log/netguard-asan
        printf '[Service]\nMemoryMax=infinity\nReadWritePaths=/var/log/netguard-asan\nEnvironment=ASAN_OPTIONS=detect_leaks=1:log_path=/var/log/netguard-asan/asan UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=/var/log/netguard-asan/ubsan\n' \\
                >/etc/systemd/system/netguard-agent.service.d/asan.conf
fi
systemctl daemon-reload
busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null 2>&1 || true
udevadm control --reload
# The port is already there: replay its add event, so the packaged rule starts the agent.
udevadm trigger --action=add --subsystem-match=virtio-ports
SETUP
}

# Waits until the packaged udev rule has started netguard-agent.service (SECS, default 60).
qemu_agent_active() {
        local t=0 secs=${1:-60}
        until [ "$(gssh systemctl is-active netguard-agent 2>/dev/null)" = active ]; do
                [ $t -lt "$secs" ] || fail "netguard-agent.service not active $secs s after SSH (udev rule)"
                sleep 1
                t=$((t + 1))
        done
}

# Under ASan/UBSan (CI's build): no report from the agent in the guest.
qemu_no_sanitizer_report() {
        [ -n "$asan" ] || return 0
        local reports
        reports=$(gssh 'cat /var/log/netguard-asan/* 2>/dev/null' || true)
        [ -z "$reports" ] || { echo "$reports"; fail "sanitizer reports from the agent in the guest"; }
}
