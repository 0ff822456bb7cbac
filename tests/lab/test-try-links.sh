#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A candidate that creates a virtual link (bridge, bond or VLAN on eth1, with an address)
# rolled back by `netguard rollback`: the link is removed, /etc/netplan byte-identical to
# the known-good, the rejected candidate kept. The lab kernel (6.18, small VM config) has
# bridges but neither bonds nor 802.1Q VLANs: those skip (exit 77) saying so; a real
# QEMU guest with Debian's kernel has them.
# usage: test-try-links.sh bridge|bond|vlan (env AGENT, NETGUARD set by meson)
kind=${1:?usage: test-try-links.sh bridge|bond|vlan}
# shellcheck source=tests/lab/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
# shellcheck source=tests/lab/try-lib.sh
. "$(dirname "$0")/try-lib.sh"

case $kind in
bridge) link=br0; probe=(type bridge)
        body="  bridges:
    br0:
      interfaces: [eth1]
      addresses: [198.51.100.9/24]" ;;
bond) link=bond0; probe=(type bond)
        body="  bonds:
    bond0:
      interfaces: [eth1]
      addresses: [198.51.100.9/24]" ;;
vlan) link=vlan5; probe=(link eth1 type vlan id 5)
        body="  vlans:
    vlan5:
      id: 5
      link: eth1
      addresses: [198.51.100.9/24]" ;;
*) echo "usage: test-try-links.sh bridge|bond|vlan"; exit 2 ;;
esac

try_up "try: { timeout: 60, grace: 10, confirm: manual }"
ok "lab up, agent running, guest on DHCP at $dhcp"
# Probe the kernel first: a link it cannot make proves nothing (tests/lab/README.md).
if ! err=$(g ip link add ngprobe0 "${probe[@]}" 2>&1); then
        echo "SKIP: this kernel cannot create a $kind link (ip link add ... ${probe[*]}: $err); the QEMU test qemu-try-links (tests/qemu) proves it on Debian's kernel"
        exit 77
fi
g ip link del ngprobe0
ok "the kernel creates $kind links"

printf 'network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    eth1: {}\n%s\n' "$body" >"$cand/60-$kind.yaml"
chmod 600 "$cand/60-$kind.yaml"
try_start --timeout 60 "$cand/60-$kind.yaml"
check "the candidate made $link" wait_for "$link" 15 link_exists "$link"
has_link_addr() { g ip -4 -o addr show dev "$link" | grep -q 198.51.100.9/24; }
check "$link holds 198.51.100.9/24" wait_for "198.51.100.9 on $link" 15 has_link_addr
check "the management address stays ($dhcp)" has_addr "$dhcp"
out=$(g "$netguard" rollback 2>&1) && rrc=0 || rrc=$?
echo "# netguard rollback (exit $rrc): $out"
check "netguard rollback exits 0" test "$rrc" = 0
check "the journal ends rolled-back" wait_for "rolled-back" 20 txn_rolled_back
check "$link removed by the rollback" wait_for "$link gone" 20 link_absent "$link"
check "/etc/netplan byte-identical to the known-good" etc_is_known_good
check "nothing left in /run/netplan" run_clear
check "the rejected candidate kept with its reason" rejected_kept
check "the rejected copy holds the candidate's bytes" cmp -s "$(rejected_dir)/60-$kind.yaml" "$cand/60-$kind.yaml"
check "the management address stays ($dhcp)" has_addr "$dhcp"
check "the agent still runs" agent_alive
check "agent log has no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$labdir/guest/log/agent.log'"
finish
