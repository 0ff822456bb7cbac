/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>
#include <strings.h>

#include "agent/rule.h"

static const rule_info rules[_RULE_ID_MAX] = {
        [RULE_MANAGEMENT_UNMATCHED] = {
                "NG001", "management-unmatched", RULE_SEVERITY_ERROR,
                "no definition will match the management link",
                "No network definition in the configuration applies to the management link (the\n"
                "link the host uses to reach this guest): no `match:` (name glob, MAC address,\n"
                "driver) selects it and no definition is named after it. After the next apply or\n"
                "reboot nothing configures the link, so it loses its addresses and the host loses\n"
                "the guest. netplan 0.106 makes networkd match `macaddress` against the link's\n"
                "permanent MAC address: a link without one (veth, many virtual links) is matched\n"
                "by no `macaddress`, whatever its current MAC.\n"
                "\n"
                "Fix: keep a definition for the management link, e.g. one that matches its MAC\n"
                "address and keeps `dhcp4: true`.\n",
        },
        [RULE_MANAGEMENT_UNADDRESSED] = {
                "NG002", "management-unaddressed", RULE_SEVERITY_ERROR,
                "the management link keeps no address source the host can reach",
                "The definition that applies to the management link keeps no address the host can\n"
                "reach: DHCP in the family the host uses is off, and no static address lies in a\n"
                "subnet the host reaches (the link's current subnet, or one that\n"
                "contains the host peer). This is the classic failure: switching the management\n"
                "interface from DHCP to a static address in another subnet.\n"
                "\n"
                "Fix: keep `dhcp4: true` on the management link and configure an extra interface\n"
                "for the new network; or, if the management link must be static, give it exactly\n"
                "the address it has now (check prints it, e.g. `192.0.2.58/24`).\n",
        },
        [RULE_MANAGEMENT_ADDRESS_MOVES] = {
                "NG003", "management-address-moves", RULE_SEVERITY_WARNING,
                "the management address will change within a subnet the host reaches",
                "The management link stays reachable, in a subnet the host reaches, but its address\n"
                "changes (for instance from the DHCP lease 192.0.2.58 to a static 192.0.2.77). A\n"
                "host that cached the old address loses the guest until the agent reports the new\n"
                "one over its channel. A switch from a static address to DHCP on a link that holds\n"
                "no lease now is reported here too: nothing shows the host side serves DHCP, so the\n"
                "address may move anywhere the DHCP server chooses.\n"
                "\n"
                "Fix: use the current address as the static address, or keep DHCP; when switching\n"
                "to DHCP, keep the current address in `addresses` as well.\n",
        },
        [RULE_MANAGEMENT_DOWN] = {
                "NG004", "management-down", RULE_SEVERITY_ERROR,
                "the management link is disabled",
                "The definition that applies to the management link disables it, e.g. with\n"
                "`activation-mode: off`: the link is brought down and the host loses the guest.\n"
                "\n"
                "Fix: remove `activation-mode: off` from the management link's definition.\n",
        },
        [RULE_MANAGEMENT_ENSLAVED] = {
                "NG005", "management-enslaved", RULE_SEVERITY_ERROR,
                "the management link joins a bond or bridge that gives no reachable address",
                "The management link becomes a member of a bond or bridge. A member carries no\n"
                "addresses of its own, so the host can reach the guest only through the bond's or\n"
                "bridge's address; this bond or bridge has no address source the host can reach\n"
                "(no DHCP in the host's family, no static address in a subnet the host reaches) or\n"
                "is disabled.\n"
                "\n"
                "Fix: give the bond or bridge `dhcp4: true` (or the management link's current\n"
                "address), or leave the management link out of it and use another interface.\n",
        },
        [RULE_HOST_UNREACHABLE] = {
                "NG006", "host-unreachable", RULE_SEVERITY_ERROR,
                "no on-link subnet or route reaches the host peer",
                "After the change no subnet on the management link contains the host peer and no\n"
                "route through the link leads to it, so the guest cannot answer the host. The host\n"
                "peer is `management.host` from the agent config, the host's hint, the default\n"
                "gateway on the management link, or else the link's current subnet.\n"
                "\n"
                "Fix: keep an address in the host's subnet, or add a route to the host through a\n"
                "gateway on the management link (`routes: [{to: default, via: GATEWAY}]`).\n",
        },
        [RULE_MANAGEMENT_RENAMED] = {
                "NG007", "management-renamed", RULE_SEVERITY_WARNING,
                "set-name renames the management link",
                "`set-name` gives the management link a new name. Addresses survive, but whatever\n"
                "refers to the link by name (firewall rules, `management.name` in the agent config,\n"
                "scripts, other definitions) stops matching.\n"
                "\n"
                "Fix: drop `set-name`, or set it to the current name.\n",
        },
        [RULE_DHCP_IDENTITY_CHANGES] = {
                "NG008", "dhcp-identity-changes", RULE_SEVERITY_WARNING,
                "the DHCP client identifier of the management link changes, so the lease may move",
                "The management link gets its address by DHCP, and the client identifier the DHCP\n"
                "server knows it by changes (`dhcp-identifier`: mac or duid). The server may hand\n"
                "out a different address, which the host learns only from the agent's report.\n"
                "\n"
                "Fix: keep the previous `dhcp-identifier`.\n",
        },
        [RULE_MANAGEMENT_MAC_CHANGES] = {
                "NG010", "management-mac-changes", RULE_SEVERITY_ERROR,
                "the management link gets its dynamic address under another MAC",
                "The management link gets its address by DHCP or SLAAC, and the MAC it asks with\n"
                "changes: `macaddress:` sets another one, or the link joins a bond/bridge that asks\n"
                "with its own. The DHCP server files a new lease under the new MAC (networkd's\n"
                "client identity follows it), and a SLAAC address is derived from it: the guest\n"
                "comes up at an address the host has no way to tie to it (the lab's reality test\n"
                "lost the guest in each such case).\n"
                "\n"
                "Fix: remove `macaddress:`, or set it (on the bond/bridge too) to the link's\n"
                "current MAC.\n",
        },
        [RULE_MANAGEMENT_UNRENDERED] = {
                "NG009", "management-unrendered", RULE_SEVERITY_ERROR,
                "the management link is handed to a renderer this guest does not run",
                "netplan hands each definition to a renderer: systemd-networkd or NetworkManager.\n"
                "The definition that applies to the management link (or the bond/bridge it joins)\n"
                "names NetworkManager, which is not installed here: netplan writes no networkd\n"
                "configuration for the link, nothing configures it after the next apply or reboot,\n"
                "and the host loses the guest.\n"
                "\n"
                "Fix: drop `renderer: NetworkManager` (networkd is the default), or install\n"
                "NetworkManager first.\n",
        },
};

const rule_info *rule_get(rule_id id) {
        if (id < 0 || id >= _RULE_ID_MAX)
                return NULL;
        return &rules[id];
}

rule_id rule_from_string(const char *s) {
        if (!s)
                return _RULE_ID_INVALID;
        for (int i = 0; i < _RULE_ID_MAX; i++)
                if (strcasecmp(s, rules[i].code) == 0 || strcasecmp(s, rules[i].name) == 0)
                        return (rule_id) i;
        return _RULE_ID_INVALID;
}

const char *rule_severity_to_string(rule_severity s) {
        switch (s) {
        case RULE_SEVERITY_ERROR:
                return "error";
        case RULE_SEVERITY_WARNING:
                return "warning";
        case _RULE_SEVERITY_MAX:
        case _RULE_SEVERITY_INVALID:
                break;
        }
        return NULL;
}
