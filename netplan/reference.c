/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* References to ids not defined (yet), kept as netplan keeps them, so that the one named
 * in "interface '...' is not defined" is the one netplan names. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/string-util.h"
#include "netplan/reference.h"
#include "common/strv.h"

/* GLib's primes per table size (ghash.c: prime_mod) */
static const unsigned prime_mod[] = { 1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381,
                                      32749, 65521, 131071, 262139, 524287, 1048573 };

static uint32_t g_str_hash_(const char *v) {
        uint32_t h = 5381;
        for (const signed char *p = (const signed char *) v; *p; p++)
                h = (h << 5) + h + (uint32_t) (int32_t) *p;
        return h < 2 ? 2 : h;
}

static void gh_clear(np_refs *refs) {
        free(refs->gh_hash);
        free(refs->gh_slot);
        refs->gh_hash = NULL;
        refs->gh_slot = NULL;
        refs->gh_size = refs->gh_nnodes = refs->gh_noccupied = 0;
}

/* finds the slot holding id, or where it would go; *found says which */
static size_t gh_lookup(np_refs *refs, const char *id, uint32_t h, bool *found) {
        size_t mask = refs->gh_size - 1, idx = (size_t) ((uint32_t) (h * 11U) % refs->gh_mod), step = 0;
        size_t tomb = SIZE_MAX;
        *found = false;
        while (refs->gh_hash[idx] != 0) {
                if (refs->gh_hash[idx] == h && strcmp(refs->missing_ids[refs->gh_slot[idx]], id) == 0) {
                        *found = true;
                        return idx;
                }
                if (refs->gh_hash[idx] == 1 && tomb == SIZE_MAX)
                        tomb = idx;
                step++;
                idx = (idx + step) & mask;
        }
        return tomb != SIZE_MAX ? tomb : idx;
}

static int gh_resize(np_refs *refs, size_t want) {
        unsigned shift = 0;
        for (size_t n = want; n; n >>= 1)
                shift++;
        if (shift < 3)
                shift = 3;
        if (shift >= ELEMENTSOF(prime_mod))
                return -E2BIG;
        size_t size = (size_t) 1 << shift;
        uint32_t *oh = refs->gh_hash;
        size_t *os = refs->gh_slot, osize = refs->gh_size;
        refs->gh_hash = calloc(size, sizeof(uint32_t));
        refs->gh_slot = calloc(size, sizeof(size_t));
        if (!refs->gh_hash || !refs->gh_slot) {
                free(oh);
                free(os);
                return -ENOMEM;
        }
        refs->gh_size = size;
        refs->gh_mod = prime_mod[shift];
        refs->gh_noccupied = refs->gh_nnodes;
        for (size_t i = 0; i < osize; i++)
                if (oh[i] >= 2) {
                        size_t mask = size - 1, idx = (size_t) ((uint32_t) (oh[i] * 11U) % refs->gh_mod), step = 0;
                        while (refs->gh_hash[idx] != 0) {
                                step++;
                                idx = (idx + step) & mask;
                        }
                        refs->gh_hash[idx] = oh[i];
                        refs->gh_slot[idx] = os[i];
                }
        free(oh);
        free(os);
        return 0;
}

static int gh_maybe_resize(np_refs *refs) {
        size_t noc = refs->gh_noccupied, size = refs->gh_size;
        if ((size > refs->gh_nnodes * 4 && size > 8) || size <= noc + noc / 16)
                return gh_resize(refs, refs->gh_nnodes * 4 / 3);
        return 0;
}

int np_refs_note_missing(np_refs *refs, const np_node *n, const char *owner) {
        if (refs->gh_size == 0) {
                int r = gh_resize(refs, 0);
                if (r < 0)
                        return r;
        }
        uint32_t h = g_str_hash_(n->scalar);
        bool found;
        size_t idx = gh_lookup(refs, n->scalar, h, &found);
        if (found) {
                /* g_hash_table_insert keeps the key, replaces the value */
                size_t e = refs->gh_slot[idx];
                refs->missing_nodes[e] = n;
                return free_and_strdup(&refs->missing_owners[e], owner);
        }
        const np_node **nn = reallocarray(refs->missing_nodes, refs->n_missing + 1, sizeof(np_node *));
        if (!nn)
                return -ENOMEM;
        refs->missing_nodes = nn;
        if (strv_push(&refs->missing_ids, n->scalar) < 0 || strv_push(&refs->missing_owners, owner) < 0)
                return -ENOMEM;
        refs->missing_nodes[refs->n_missing] = n;
        bool was_unused = refs->gh_hash[idx] == 0;
        refs->gh_hash[idx] = h;
        refs->gh_slot[idx] = refs->n_missing++;
        refs->gh_nnodes++;
        if (was_unused)
                refs->gh_noccupied++;
        return gh_maybe_resize(refs);
}

int np_refs_resolve(np_refs *refs, const char *id) {
        if (refs->gh_size == 0)
                return 0;
        bool found;
        size_t idx = gh_lookup(refs, id, g_str_hash_(id), &found);
        if (!found)
                return 0;
        refs->gh_hash[idx] = 1; /* tombstone; the entry's strings stay until np_refs_done() */
        refs->gh_nnodes--;
        refs->found++;
        return gh_maybe_resize(refs);
}

/* The entry netplan's iterator yields first; SIZE_MAX when nothing is missing. */
size_t np_refs_first_missing(const np_refs *refs) {
        for (size_t i = 0; i < refs->gh_size; i++)
                if (refs->gh_hash[i] >= 2)
                        return refs->gh_slot[i];
        return SIZE_MAX;
}

void np_refs_done(np_refs *refs) {
        strv_free(refs->missing_ids);
        strv_free(refs->missing_owners);
        free(refs->missing_nodes);
        gh_clear(refs);
        *refs = (np_refs) {};
}
