#!/usr/bin/env bash
# usage: test-decode.sh NETGUARD_DECODE CORPUS_DIR
# netguard-decode on the vectors: every frame printed, garbage counted, JSON well formed.
set -euo pipefail
dec=$1 corpus=$2
out=$("$dec" < "$corpus/all-vectors")
[ "$(grep -c '^frame=' <<<"$out")" = 13 ] || { echo "expected 13 frames:"; echo "$out"; exit 1; }
grep -q 'type="TXN" ack_request=true .* id=17 state="pending"' <<<"$out"
grep -q 'mgmt_mac="52:54:00:12:34:56" host_address="192.0.2.1"' <<<"$out"
grep -q 'address="2001:db8::10/64"' <<<"$out"
grep -q 'type=256 .*undecodable="bad-type"' <<<"$out"
grep -q "^# 1293 bytes, 13 frames, 0 bytes skipped" <<<"$out"

out=$( { head -c 1000 /dev/zero; cat "$corpus/garbage-then-frames"; } | "$dec")
grep -q '^# 1862 bytes, 2 frames, 1343 bytes skipped while resynchronising, bad-checksum: 1$' <<<"$out" \
        || { echo "unexpected summary:"; echo "$out"; exit 1; }

out=$("$dec" --json < "$corpus/all-vectors")
[ "$(wc -l <<<"$out")" = 14 ]
python3 -c 'import json,sys
lines=[json.loads(l) for l in sys.stdin]
assert lines[-1]["summary"]["frames"] == 13 and lines[-1]["summary"]["skipped"] == 0
assert lines[1]["type"] == "ADDRESSES" and len(lines[1]["links"]) == 4' <<<"$out"

# Version 2: permanent addresses and default routes are printed.
out=$("$dec" < "$corpus/addresses-v2")
grep -q '^frame=1 seq=9 version=2 type="ADDRESSES"' <<<"$out" || { echo "v2: $out"; exit 1; }
grep -q 'name="enp2s0" .*permanent_hwaddr="52:54:00:65:43:21"' <<<"$out"
grep -q 'destination="0.0.0.0/0" gateway="192.0.2.1" ifindex=2 metric=100 protocol=16' <<<"$out"
grep -q 'destination="::/0" gateway="fe80::1" ifindex=2 metric=1024 protocol=9' <<<"$out"
[ "$(grep -c 'destination=' <<<"$out")" = 3 ]
"$dec" --json < "$corpus/addresses-v2" | python3 -c 'import json,sys
m=json.loads(sys.stdin.readline())
assert len(m["routes"]) == 3 and m["routes"][1] == {"destination": "0.0.0.0/0", "ifindex": 3, "metric": 200, "protocol": 4}, m["routes"]
assert m["links"][1]["permanent_hwaddr"] == "52:54:00:12:34:56" and "permanent_hwaddr" not in m["links"][2]'

# Random bytes: nothing found, everything skipped, exit 0.
out=$(head -c 4194304 /dev/urandom | "$dec")
grep -q '^# 4194304 bytes, 0 frames, 4194304 bytes skipped' <<<"$out" || { echo "random: $out"; exit 1; }

"$dec" --bogus </dev/null >/dev/null 2>&1 && exit 1
echo ok
