/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: references to ids not defined (yet) while one file is parsed.
 *
 * netplan keeps missing ids in a GHashTable and reports the first one its iterator
 * yields, so which undefined reference is named depends on GLib's layout: this emulates
 * it (open addressing over 2^shift slots, index (g_str_hash(key) * 11) % prime,
 * quadratic probing, tombstones on removal, resize at 15/16 occupancy; GLib 2.74). */

#include <stddef.h>
#include <stdint.h>

#include "netplan/node.h"

typedef struct np_refs {
        /* one entry per id ever missing, remembering the last referencing node and the
         * definition it stands in (strings are kept until np_refs_done()) */
        char **missing_ids, **missing_owners;
        const np_node **missing_nodes;
        size_t n_missing;
        unsigned found;                 /* missing ids defined later (reset per pass) */
        uint32_t *gh_hash;              /* GHashTable layout: 0 unused, 1 tombstone */
        size_t *gh_slot;
        size_t gh_size, gh_mod, gh_nnodes, gh_noccupied;
} np_refs;

/* n (a scalar) names an id not defined yet, referenced from definition owner. */
int np_refs_note_missing(np_refs *refs, const np_node *n, const char *owner);
/* id is defined now: drops it from the missing ids. */
int np_refs_resolve(np_refs *refs, const char *id);
/* How many ids are missing now. */
static inline size_t np_refs_n_missing(const np_refs *refs) {
        return refs->gh_nnodes;
}
/* The entry netplan's iterator yields first (an index into missing_*); SIZE_MAX when
 * nothing is missing. */
size_t np_refs_first_missing(const np_refs *refs);
void np_refs_done(np_refs *refs);
