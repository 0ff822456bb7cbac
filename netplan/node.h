/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: the YAML tree every module reads, with the position of every node. The
 * read-only accessors are in netplan.h. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "netplan/netplan.h"

struct np_node {
        np_node_type type;
        np_pos pos;
        /* scalar */
        char *scalar;
        bool quoted;            /* written with quotes (never a null/bool in YAML terms) */
        /* sequence: values; mapping: keys[i] -> values[i] (keys may be non-scalars) */
        np_node **keys;
        np_node **values;
        size_t n, cap;
};

np_node *np_node_new(np_node_type type, np_pos pos);
np_node *np_node_new_scalar(const char *text, np_pos pos, bool quoted);
np_node *np_node_free(np_node *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(np_node *, np_node_free);
/* A deep copy; each node costs one from *budget, NULL when it runs out or on OOM. */
np_node *np_node_copy(const np_node *n, size_t *budget);
int np_node_append(np_node *parent, np_node *key, np_node *value);
/* Mutable lookup: the last entry with that scalar key. */
np_node *np_node_get_mut(np_node *map, const char *key);
ssize_t np_node_index(const np_node *map, const char *key);
bool np_node_equal(const np_node *a, const np_node *b);
bool np_node_equiv(const np_node *a, const np_node *b);
