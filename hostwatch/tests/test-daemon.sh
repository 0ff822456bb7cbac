#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# netguard-hostwatch against real parts: its own dbus-daemon (with the policy file of
# packaging/), a real sshd, and hostwatch-sim's guests on unix sockets, all in a network
# and mount namespace of this test (unshare), on 2001:db8:1::/64 only.
#   - status --json against hostwatch/status.schema.json
#   - SIGHUP reload under load: removed machines go, added ones come, a changed one is
#     redone, every other keeps its connection (no reconnect at the guest) and state
#   - a bad config on reload: the daemon stays on the old one and names FILE:LINE:COL
#   - D-Bus: AddMachine/RemoveMachine refused to nobody by the policy, and by the daemon's
#     own uid check when the policy lets the call through; reads allowed
#   - kill -9 and restart: every machine resumes from the state directory (stored
#     address first, verified again by SSH without its agent), no stale lock, torn temp
#     files ignored
#   - host-key: tofu: two machines learn sshd's key after a login with their identity
#     (a log line with the SHA256 fingerprint), keep it on disk across kill -9 (learned
#     once, never again), show it in status --json; once sshd's key is swapped they go
#     key-mismatch and keep the old pin
#   - metrics.socket: curl --unix-socket scrapes it (every line a comment or a sample),
#     a plain reader gets the text, clients that never finish their request fill the
#     connection cap without stalling the loop (where answers; a scrape works again
#     after the per-connection timeout)
# usage: test-daemon.sh BUILD_ROOT SOURCE_ROOT
set -euo pipefail

BUILD=$(realpath "$1")
SRC=$(realpath "$2")
if [ "$(id -u)" != 0 ]; then
        echo "SKIP: needs root (network and mount namespaces, sshd, setpriv)"
        exit 77
fi
for t in /usr/sbin/sshd dbus-daemon setpriv busctl ssh-keygen python3 curl socat; do
        command -v "$t" >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
if [ -z "${HW_TEST_IN_NS:-}" ]; then
        # The namespaces die with the last process in them: nothing to delete by hand.
        exec unshare -n -m --propagation private env HW_TEST_IN_NS=1 "$0" "$@"
fi

HW=$BUILD/hostwatch/netguard-hostwatch
SIM=$BUILD/hostwatch/tests/hostwatch-sim
SCHEMA_CHECK=$SRC/hostwatch/tests/json-schema-check.py
N=40            # machines in the first config
EXTRA=5         # guests that a reload adds
TOFU=2          # host-key: tofu machines, on the guests after those
ALL=$((N + TOFU))
T=$(mktemp -d /tmp/test-hostwatch-daemon.XXXXXX)
chmod 755 "$T"    # nobody connects to the bus socket in it
PIDS=()
cleanup() {
        for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
        umount /run 2>/dev/null || true
        rm -rf "$T"
}
trap cleanup EXIT
fail() {
        echo "FAIL: $*" >&2
        echo "--- daemon log (tail)" >&2
        tail -n 30 "$T/daemon.log" >&2 || true
        exit 1
}
wait_until() {     # SECONDS WHAT CMD...
        local end=$((SECONDS + $1)) what=$2
        shift 2
        until "$@" >/dev/null 2>&1; do
                [ $SECONDS -lt $end ] || fail "timed out waiting for $what"
                sleep 0.2
        done
}

# ---- the namespace: lo with the guests' addresses, /run of our own for sshd
mount -t tmpfs tmpfs /run
mkdir -p -m 755 /run/sshd
ip link set lo up
for i in $(seq 1 $((N + EXTRA + TOFU))); do
        ip -6 addr add "$(printf '2001:db8:1::%x/128' "$i")" dev lo
done

# ---- a system bus of our own, with the packaged policy and one extra for the test
cat >"$T/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$T/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <include>$SRC/packaging/dbus/io.netguard.HostWatch1.conf</include>
</busconfig>
EOF
dbus-daemon --config-file="$T/bus.conf" --nofork --nopidfile >"$T/bus.log" 2>&1 &
PIDS+=($!)
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/bus.sock
wait_until 10 "the bus" test -S "$T/bus.sock"

# ---- sshd: one server, one key, reachable at every guest address
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey"
KEY=$(cut -d' ' -f1,2 "$T/hostkey.pub")
FINGERPRINT=$(ssh-keygen -l -f "$T/hostkey.pub" | cut -d' ' -f2)
# the identity the tofu machines log in with: a key is learned only after a login
ssh-keygen -q -t ed25519 -N '' -f "$T/id"
cp "$T/id.pub" "$T/authorized_keys"
cat >"$T/sshd_config" <<EOF
ListenAddress ::
Port 22
HostKey $T/hostkey
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
PidFile none
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
MaxStartups 200
EOF
/usr/sbin/sshd -D -e -f "$T/sshd_config" >"$T/sshd.log" 2>&1 &
SSHD=$!
PIDS+=($SSHD)
wait_until 10 "sshd" bash -c "ss -Hltn | grep -q ':22 '"

# ---- guests, and the config for the first N of them
mkdir -p "$T/ch"
"$SIM" --config "$T/hw.yaml" --config-count $N --key "$KEY" --heartbeat 1000 "$T/ch" $((N + EXTRA + TOFU)) \
        >"$T/sim.log" 2>&1 &
SIM_PID=$!
PIDS+=($SIM_PID)
wait_until 10 "the guests" grep -q ready "$T/sim.log"
# the tofu machines (on the last guests), and the metrics socket
for i in $(seq $((N + EXTRA)) $((N + EXTRA + TOFU - 1))); do
        printf '  - name: tofu%d\n    channel: %s/vm%d.sock\n    macaddress: "52:54:00:00:00:%02x"\n    networks: ["2001:db8:1::/64"]\n    host-key: tofu\n    ssh: { identity: %s/id }\n' \
                $((i - N - EXTRA)) "$T/ch" $i $i "$T" >>"$T/hw.yaml"
done
sed -i "s|^machines:\$|metrics: { socket: $T/metrics.sock }\nmachines:|" "$T/hw.yaml"

start_daemon() {
        "$HW" run --config "$T/hw.yaml" --state-dir "$T/state" >>"$T/daemon.log" 2>&1 &
        DAEMON=$!
        PIDS+=($DAEMON)
        wait_until 20 "the daemon on the bus" "$HW" status
}
verified_count() {
        "$HW" status --json | python3 -c 'import json,sys; print(sum(m["verified"] for m in json.load(sys.stdin)["machines"]))'
}
all_verified() {    # COUNT
        [ "$(verified_count)" = "$1" ]
}
accepts() {         # NAME: connections the guest has seen
        grep -c "^accept $1 " "$T/sim.log" || true
}

start_daemon
wait_until 90 "$ALL machines verified" all_verified $ALL
echo "ok: $ALL machines verified by SSH (real sshd, pinned key; $TOFU learned on first use)"

# ---- status --json against the schema; where's exit codes and --json
"$HW" status --json >"$T/status.json"
python3 "$SCHEMA_CHECK" "$SRC/hostwatch/status.schema.json" "$T/status.json" || fail "status --json does not match the schema"
[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["count"])' "$T/status.json")" = $ALL ] || fail "count"
echo "ok: status --json valid against hostwatch/status.schema.json"
[ "$("$HW" where vm3)" = "2001:db8:1::4" ] || fail "where vm3 printed $("$HW" where vm3)"
"$HW" where --json vm3 | python3 -c '
import json, sys
w = json.load(sys.stdin)
assert set(w) == {"name", "address", "state", "verified", "evidence", "age_ms"}, w
assert w["name"] == "vm3" and w["address"] == "2001:db8:1::4" and w["verified"] is True, w' || fail "where --json"
rc=0; "$HW" where nosuch 2>/dev/null || rc=$?
[ $rc = 2 ] || fail "where of an unknown machine exited $rc, not 2"
echo "ok: where: address, --json fields, exit 0 verified, 2 unknown"

# ---- reload under load: remove vm0..vm4, add vm40..vm44, change vm5, keep the rest
before_other=$(accepts vm20)
before_changed=$(accepts vm5)
python3 - "$T/hw.yaml" "$T/ch" "$KEY" $N $EXTRA <<'EOF'
import sys
path, ch, key, n, extra = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
text = open(path).read()
head, machines = text.split("machines:\n")
blocks = ["  - name:" + b for b in machines.split("  - name:") if b.strip()]
keep = [b for b in blocks if b.split()[2] not in {f"vm{i}" for i in range(5)}]
keep = [b.replace('networks: ["2001:db8:1::/64"]', 'networks: ["2001:db8:1::/64", "2001:db8:99::/64"]')
        if b.split()[2] == "vm5" else b for b in keep]
for i in range(n, n + extra):
    keep.append(f'  - name: vm{i}\n    channel: {ch}/vm{i}.sock\n    macaddress: "52:54:00:00:00:{i:02x}"\n'
                f'    networks: ["2001:db8:1::/64"]\n    host-key: "{key}"\n')
open(path, "w").write(head + "machines:\n" + "".join(keep))
EOF
kill -HUP $DAEMON
wait_until 30 "the reload" grep -q "reloaded: 5 added, 5 removed, 1 changed" "$T/daemon.log"
wait_until 90 "$ALL machines verified after the reload" all_verified $ALL
for i in 0 1 2 3 4; do
        rc=0; "$HW" where vm$i >/dev/null 2>&1 || rc=$?
        [ $rc = 2 ] || fail "vm$i was removed from the config but where exits $rc"
done
for i in $(seq $N $((N + EXTRA - 1))); do
        "$HW" where vm$i >/dev/null || fail "vm$i was added but is not verified"
done
[ "$(accepts vm5)" -gt "$before_changed" ] || fail "vm5 changed but was not redone"
[ "$(accepts vm20)" = "$before_other" ] || fail "vm20 did not change but its channel was reconnected"
for i in $(seq 6 $((N - 1))); do
        [ "$(accepts vm$i)" = 1 ] || fail "vm$i did not change but its guest saw $(accepts vm$i) connections"
done
for i in $(seq 0 $((TOFU - 1))); do
        [ "$(accepts vm$((N + EXTRA + i)))" = 1 ] || fail "tofu$i did not change but its guest saw more connections"
done
echo "ok: reload: 5 removed, 5 added, 1 changed redone, the other 34 (and $TOFU tofu) kept their connection and state"

# ---- a bad config on reload: the old one stays
cp "$T/hw.yaml" "$T/hw.yaml.good"
printf 'defaults:\n  max-in-flight: 4\n  bogus: 1\nmachines: []\n' >"$T/hw.yaml"
kill -HUP $DAEMON
wait_until 20 "the refusal" grep -q "reload refused" "$T/daemon.log"
grep -q "hw.yaml:3:3: unknown key 'defaults.bogus'" "$T/daemon.log" || fail "the bad config's error does not name file:line:column"
kill -0 $DAEMON || fail "the daemon died on a bad config"
[ "$("$HW" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')" = $ALL ] \
        || fail "the daemon did not keep the old config"
"$HW" where vm20 >/dev/null || fail "vm20 not verified after a refused reload"
cp "$T/hw.yaml.good" "$T/hw.yaml"
echo "ok: a bad config on reload is refused with FILE:LINE:COLUMN, the old one stays"

# ---- D-Bus access: reads for all, changes for root only (policy and the daemon's check)
as_nobody() { setpriv --reuid nobody --regid nogroup --clear-groups -- "$@"; }
as_nobody "$HW" where vm20 >/dev/null || fail "nobody cannot read where"
as_nobody "$HW" status --json >/dev/null || fail "nobody cannot read status"
out=$(as_nobody busctl --system call io.netguard.HostWatch1 /io/netguard/HostWatch1 io.netguard.HostWatch1 \
        RemoveMachine s vm20 2>&1) && fail "nobody removed a machine"
grep -qi "denied\|AccessDenied" <<<"$out" || fail "nobody's RemoveMachine failed, but not as access denied: $out"
out=$(as_nobody busctl --system call io.netguard.HostWatch1 /io/netguard/HostWatch1 io.netguard.HostWatch1 \
        AddMachine sssass x "" 52:54:00:00:00:99 1 2001:db8:1::/64 "$KEY" 2>&1) && fail "nobody added a machine"
"$HW" where vm20 >/dev/null || fail "vm20 went away after nobody's RemoveMachine"
# A bus whose policy lets every call through: the daemon's own uid check must refuse.
sed -e "s|$T/bus.sock|$T/bus2.sock|" -e '/<include>/d' -e 's|<deny own="\*"/>|<allow own="*"/>|' \
        -e 's|<deny send_type="method_call"/>|<allow send_type="method_call"/>|' "$T/bus.conf" >"$T/bus2.conf"
dbus-daemon --config-file="$T/bus2.conf" --nofork --nopidfile >"$T/bus2.log" 2>&1 &
PIDS+=($!)
wait_until 10 "the open bus" test -S "$T/bus2.sock"
printf 'machines:\n' >"$T/empty.yaml"
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/bus2.sock "$HW" run --config "$T/empty.yaml" --state-dir "$T/state2" \
        >"$T/daemon2.log" 2>&1 &
PIDS+=($!)
B2="--address=unix:path=$T/bus2.sock"
wait_until 20 "the second daemon" busctl "$B2" get-property io.netguard.HostWatch1 /io/netguard/HostWatch1 \
        io.netguard.HostWatch1 MachineCount
# (dbus-send: busctl prints only the error's name, not the daemon's text)
out=$(as_nobody dbus-send --bus="unix:path=$T/bus2.sock" --print-reply --dest=io.netguard.HostWatch1 \
        /io/netguard/HostWatch1 io.netguard.HostWatch1.AddMachine string:x string: string:52:54:00:00:00:99 \
        array:string:2001:db8:1::/64 "string:$KEY" 2>&1) && fail "nobody added a machine past the open policy"
grep -q "only root may add or remove machines" <<<"$out" || fail "the daemon's own check did not answer: $out"
busctl "$B2" call io.netguard.HostWatch1 /io/netguard/HostWatch1 io.netguard.HostWatch1 \
        AddMachine sssass x "" 52:54:00:00:00:99 1 2001:db8:1::/64 "$KEY" || fail "root cannot add a machine"
busctl "$B2" call io.netguard.HostWatch1 /io/netguard/HostWatch1 io.netguard.HostWatch1 RemoveMachine s x \
        || fail "root cannot remove a machine"
echo "ok: D-Bus: nobody reads, but AddMachine/RemoveMachine are denied by the policy and by the daemon's uid check; root may"

# ---- kill -9, and a restart without the guests: the stored addresses carry it
"$HW" status --json >"$T/before.json"
kill $SIM_PID
wait $SIM_PID 2>/dev/null || true
kill -9 $DAEMON
wait $DAEMON 2>/dev/null || true
ls "$T/state/machines" | grep -q '^vm20.json$' || fail "no record for vm20"
printf '{"address":"2001:db8:1::' >"$T/state/machines/.vm21.tmp999"     # a write cut short
start_daemon
"$HW" status --json >"$T/after.json"
python3 - "$T/before.json" "$T/after.json" <<'EOF' || fail "a machine did not resume from disk"
import json, sys
before = {m["name"]: m for m in json.load(open(sys.argv[1]))["machines"]}
after = {m["name"]: m for m in json.load(open(sys.argv[2]))["machines"]}
assert set(before) == set(after), (set(before) ^ set(after))
for name, m in after.items():
    assert m["address"] == before[name]["address"], (name, m, before[name])
    assert m["evidence"] in ("stored",) or m["verified"], (name, m)
EOF
[ ! -e "$T/state/machines/.vm21.tmp999" ] || fail "the torn temp file was not swept"
wait_until 90 "$ALL machines verified again from their stored addresses alone" all_verified $ALL
echo "ok: kill -9 and restart: all $ALL machines came back at their stored address at once, verified again by SSH without an agent"
# The guests come back: every channel is taken again (a stale lock would say EBUSY).
"$SIM" --heartbeat 1000 "$T/ch" $((N + EXTRA + TOFU)) >"$T/sim2.log" 2>&1 &
PIDS+=($!)
connected() {
        [ "$("$HW" status --json | python3 -c 'import json,sys; print(sum(m["agent_connected"] for m in json.load(sys.stdin)["machines"]))')" = "$ALL" ]
}
wait_until 60 "every channel connected again" connected
grep -q "holds this channel" "$T/daemon.log" && fail "a stale channel lock"
echo "ok: every channel connected again after kill -9 (no stale lock)"

# ---- host-key: tofu: learned once (before the kill -9), kept on disk, shown in status
t0=$SECONDS
tofu_status() {     # FILE: every tofu machine pinned to KEY and learned; vm20's key the configured one
        python3 - "$1" "$KEY" "$TOFU" <<'EOF'
import json, sys
machines = {m["name"]: m for m in json.load(open(sys.argv[1]))["machines"]}
key, tofu = sys.argv[2], int(sys.argv[3])
for i in range(tofu):
    m = machines[f"tofu{i}"]
    assert m["host_key"] == key and m["host_key_learned"] is True, m
assert machines["vm20"]["host_key"] == key and machines["vm20"]["host_key_learned"] is False, machines["vm20"]
EOF
}
"$HW" status --json >"$T/tofu.json"
python3 "$SCHEMA_CHECK" "$SRC/hostwatch/status.schema.json" "$T/tofu.json" || fail "status --json with pins does not match the schema"
tofu_status "$T/tofu.json" || fail "status --json does not show the learned pins"
as_nobody "$HW" status --json >"$T/tofu-nobody.json" || fail "nobody cannot read status"
tofu_status "$T/tofu-nobody.json" || fail "nobody does not see the pins"
for i in $(seq 0 $((TOFU - 1))); do
        python3 -c 'import json,sys; r = json.load(open(sys.argv[1])); assert r["host_key"] == sys.argv[2], r' \
                "$T/state/machines/tofu$i.json" "$KEY" || fail "tofu$i: no pin in its state file"
        n=$(grep -c "tofu$i: host key pinned on first use: $FINGERPRINT $KEY MACHINE=tofu$i" "$T/daemon.log" || true)
        [ "$n" = 1 ] || fail "tofu$i: 'pinned on first use' with $FINGERPRINT logged $n times (once, before kill -9)"
done
echo "ok: tofu: $TOFU machines pinned sshd's key ($FINGERPRINT) after a login, once; kept across kill -9; in status --json and on disk"

# ---- metrics.socket: scraped with curl and by a plain reader; stuck clients cost slots, not the loop
check_exposition() {  # FILE
        python3 - "$1" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) > 20, len(lines)
sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\})? [-+]?([0-9.eE+-]+|Inf|NaN)$')
for l in lines:
    assert l.startswith("# HELP ") or l.startswith("# TYPE ") or sample.match(l), l
assert any(l.startswith('netguard_hostwatch_machines{state="verified"}') for l in lines)
EOF
}
[ "$(stat -c %a "$T/metrics.sock")" = 660 ] || fail "metrics.sock has mode $(stat -c %a "$T/metrics.sock"), not 660"
curl -sf --unix-socket "$T/metrics.sock" -D "$T/metrics.head" -o "$T/metrics.txt" http://x/metrics || fail "curl cannot scrape"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$T/metrics.head" || fail "no Content-Type 0.0.4: $(cat "$T/metrics.head")"
check_exposition "$T/metrics.txt" || fail "the exposition from the socket does not parse"
socat -u "UNIX-CONNECT:$T/metrics.sock" - >"$T/metrics.plain" </dev/null || fail "a plain reader cannot scrape"
check_exposition "$T/metrics.plain" || fail "the plain exposition does not parse"
# Twenty clients that send half a request and never read: the cap (16) fills, the loop does not stall.
python3 - "$T/metrics.sock" "$T/stuck.ready" <<'EOF' &
import socket, sys, time
socks = []
for _ in range(20):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sys.argv[1])
        s.send(b"GET /metrics HTTP/1.0\r\n")
    except OSError:
        pass            # past the cap: closed at once
    socks.append(s)
open(sys.argv[2], "w").close()
time.sleep(30)
EOF
STUCK=$!
PIDS+=($STUCK)
wait_until 10 "the stuck clients" test -e "$T/stuck.ready"
for i in $(seq 1 20); do
        "$HW" where vm20 >/dev/null || fail "where vm20 failed while stuck clients hold the metrics socket"
done
wait_until 30 "a scrape after the stuck clients time out" curl -sf --max-time 2 --unix-socket "$T/metrics.sock" -o /dev/null http://x/metrics
kill $STUCK 2>/dev/null || true
echo "ok: metrics.socket: curl (HTTP/1.0, version=0.0.4) and a plain reader scrape; 20 stuck clients never stall where"

# ---- sshd's key swapped: the tofu machines do not verify, and keep their old pin
kill $SSHD
wait $SSHD 2>/dev/null || true
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey2"
sed -i "s|^HostKey .*|HostKey $T/hostkey2|" "$T/sshd_config"
/usr/sbin/sshd -D -e -f "$T/sshd_config" >"$T/sshd2.log" 2>&1 &
PIDS+=($!)
wait_until 10 "sshd with another key" bash -c "ss -Hltn | grep -q ':22 '"
kill -9 $DAEMON
wait $DAEMON 2>/dev/null || true
LOG_MARK=$(wc -l <"$T/daemon.log")
start_daemon
tofu_mismatch() {   # each tofu machine met the new key since the restart (then it waits: backoff, discovering)
        for i in $(seq 0 $((TOFU - 1))); do
                tail -n +$((LOG_MARK + 1)) "$T/daemon.log" | grep -q "tofu$i: connecting -> key-mismatch" || return 1
        done
}
wait_until 60 "the tofu machines in key-mismatch" tofu_mismatch
"$HW" status --json >"$T/swapped.json"
tofu_status "$T/swapped.json" || fail "a tofu machine took the new key: it must keep the old pin"
for i in $(seq 0 $((TOFU - 1))); do
        rc=0; "$HW" where tofu$i >/dev/null 2>&1 || rc=$?
        [ $rc != 0 ] || fail "tofu$i is verified against another key"
        python3 -c 'import json,sys; r = json.load(open(sys.argv[1])); assert r["host_key"] == sys.argv[2], r' \
                "$T/state/machines/tofu$i.json" "$KEY" || fail "tofu$i: its pin on disk changed"
        n=$(grep -c "tofu$i: host key pinned on first use" "$T/daemon.log" || true)
        [ "$n" = 1 ] || fail "tofu$i pinned a key $n times"
done
echo "ok: tofu: sshd's key swapped: key-mismatch, the old pin kept (status, disk), nothing learned again"

# ---- an explicit host-key in the config overrides the learned pin (and forgets it)
KEY2=$(cut -d' ' -f1,2 "$T/hostkey2.pub")
python3 - "$T/hw.yaml" "$KEY2" <<'EOF'
import sys
path, key = sys.argv[1], sys.argv[2]
text = open(path).read()
head, tail = text.split("  - name: tofu0\n", 1)
block, rest = (tail.split("  - name:", 1) + [""])[:2]
block = block.replace("host-key: tofu", f'host-key: "{key}"')
open(path, "w").write(head + "  - name: tofu0\n" + block + ("  - name:" + rest if rest else ""))
EOF
kill -HUP $DAEMON
wait_until 30 "tofu0 verified with the key the config gives" "$HW" where tofu0
"$HW" status --json | python3 -c '
import json, sys
m = {m["name"]: m for m in json.load(sys.stdin)["machines"]}["tofu0"]
assert m["host_key"] == sys.argv[1] and m["host_key_learned"] is False, m' "$KEY2" || fail "tofu0: status does not show the configured key"
python3 -c 'import json,sys; r = json.load(open(sys.argv[1])); assert "host_key" not in r, r' \
        "$T/state/machines/tofu0.json" || fail "tofu0: the learned pin was not forgotten"
grep -q "tofu0: the config gives the host key now; forgetting the one learned on first use" "$T/daemon.log" \
        || fail "tofu0: forgetting the learned pin was not logged"
echo "ok: tofu: an explicit host-key on reload overrides the learned pin, which is forgotten (the tofu and metrics parts took $((SECONDS - t0)) s)"
echo "PASS"
