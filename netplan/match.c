/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which link a definition applies to, as networkd applies netplan's .network/.link
 * output: [Match] Name= globs, PermanentMACAddress= (netplan >= 0.106), Driver= globs. */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "common/ether-addr.h"
#include "netplan/node.h"

static bool mac_equal(const char *text, const uint8_t *mac) {
        uint8_t want[6];
        if (!mac || ether_addr_from_string(text, want) < 0)
                return false;
        return memcmp(want, mac, 6) == 0;
}

bool np_netdef_matches(const np_netdef *d, const np_link_info *link) {
        if (!d || !link)
                return false;
        if (!d->has_match)
                return link->name && strcmp(d->id, link->name) == 0;
        if (d->match_name && (!link->name || fnmatch(d->match_name, link->name, 0) != 0))
                return false;
        /* netplan 0.106 renders match.macaddress as networkd's PermanentMACAddress=: a
         * link without a permanent address (veth, many virtual links) matches nothing,
         * whatever its current MAC. */
        if (d->match_macaddress && !mac_equal(d->match_macaddress, link->perm_mac))
                return false;
        if (d->match_drivers) {
                bool any = false;
                for (size_t i = 0; d->match_drivers[i] && !any; i++)
                        any = link->driver && fnmatch(d->match_drivers[i], link->driver, 0) == 0;
                if (!any)
                        return false;
        }
        return true;
}
