/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: the grammar of addressing and routing. */

#include "netplan/grammar.h"

/* addresses, gateway4/6, link-local, nameservers, optional-addresses, routes,
 * routing-policy */
extern const np_kdef np_ip_keys[];
/* routes and routing-policy (all a VRF has of the above) */
extern const np_kdef np_routing_keys[];

/* A sequence of addresses with /prefix (mappings with options allowed); check_zero:
 * a prefix length of 0 is an error. */
int np_check_addresses(np_parser *c, const np_node *n, bool check_zero);
