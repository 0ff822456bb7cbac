/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: the grammar of Open vSwitch. */

#include "netplan/grammar.h"

/* a definition's openvswitch: key */
extern const np_kdef np_ovs_netdef_keys[];
/* network.openvswitch */
extern const np_kdef np_ovs_global_keys[];
