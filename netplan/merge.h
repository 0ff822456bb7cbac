/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: merging one YAML tree over another the way netplan 0.106 merges files. */

#include <stddef.h>

#include "netplan/node.h"

/* Merges src over *dst (allocated when NULL); key names the mapping key src stands
 * under, which decides how lists merge. Returns 0, -E2BIG (too deep or too many nodes),
 * -ENOMEM. */
int np_node_merge_into(np_node **dst, const np_node *src, const char *key, size_t depth);
