/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: the grammar of what every kind of link has. */

#include "netplan/grammar.h"

/* the keys every link has (addressing, DHCP, RA, MTU, renderer, ...) */
extern const np_kdef np_link_keys[];
/* renderer, networkmanager, openvswitch: the keys that choose or configure a backend */
extern const np_kdef np_link_backend_keys[];
extern const np_kdef np_dummy_keys[];
extern const np_kdef np_veth_keys[];

/* "networkd" / "NetworkManager" -> NP_BACKEND_*, else netplan's "unknown renderer". */
int np_parse_backend(np_parser *c, const np_node *n, int *ret);
