/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: building the typed view (np_netdef, in netplan.h) of each definition. */

#include <stddef.h>

#include "netplan/parse-state.h"

/* One np_netdef per definition of s, in definition order, read from the merged tree root
 * (the "network" mapping). On failure nothing is returned and all is freed. */
int np_netdefs_build(const np_node *root, const np_state *s, np_netdef **ret, size_t *ret_n);
void np_netdef_done(np_netdef *d);
