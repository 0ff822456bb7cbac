/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: the grammar of bonds, bridges, VRFs and VLANs. */

#include "netplan/grammar.h"

extern const np_kdef np_bond_keys[];
extern const np_kdef np_bridge_keys[];
extern const np_kdef np_vrf_keys[];
extern const np_kdef np_vlan_keys[];

/* link: a reference to another definition (vlans, vxlan, SR-IOV ethernets) */
int np_h_link_ref(np_parser *c, const np_node *n, const void *data);
/* id: of a vlan or vxlan */
int np_h_vlan_id(np_parser *c, const np_node *n, const void *data);
