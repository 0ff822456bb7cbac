/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: the grammar of tunnels (ip tunnels, wireguard, vxlan). */

#include "netplan/grammar.h"

extern const np_kdef np_tunnel_keys[];
