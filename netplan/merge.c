/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Merging the trees of several files into one, with netplan 0.106's rules per key. */
#include <errno.h>
#include <string.h>

#include "netplan/merge.h"
#include "netplan/netplan-internal.h"

/* Lists whose later value replaces the earlier one instead of being appended. */
static bool seq_replaces(const char *key) {
        static const char *const replace[] = { "link-local", "driver", "port-range", NULL };
        for (size_t i = 0; replace[i]; i++)
                if (strcmp(key, replace[i]) == 0)
                        return true;
        return false;
}

/* Lists netplan 0.106 appends without dropping duplicates (DNS and routing-policy dedup
 * came in 0.107): every parser pass over a file appends them again. */
static bool seq_keeps_duplicates(const char *parent, const char *key) {
        if (strcmp(key, "routing-policy") == 0 || strcmp(key, "search") == 0)
                return true;
        return strcmp(key, "addresses") == 0 && strcmp(parent, "nameservers") == 0;
}

static int merge(np_node **dst, const np_node *src, const char *parent, const char *key, size_t depth, size_t *budget);

/* Appends a merged copy of one element of the sequence under key to d. */
static int append_merged(np_node *d, const np_node *elem, const char *key, size_t depth, size_t *budget) {
        np_node *c = NULL;
        int r = merge(&c, elem, key, "", depth + 1, budget);
        if (r < 0)
                return r;
        if (np_node_append(d, NULL, c) < 0) {
                np_node_free(c);
                return -ENOMEM;
        }
        return 0;
}

static int merge(np_node **dst, const np_node *src, const char *parent, const char *key, size_t depth, size_t *budget) {
        if (depth > NP_MAX_DEPTH)
                return -E2BIG;
        if (src->type == NP_NODE_SCALAR || (*dst && (*dst)->type != src->type) ||
            (src->type == NP_NODE_SEQUENCE && seq_replaces(key))) {
                np_node *c = np_node_copy(src, budget);
                if (!c)
                        return -ENOMEM;
                np_node_free(*dst);
                *dst = c;
                return 0;
        }
        if (!*dst) {
                *dst = np_node_new(src->type, src->pos);
                if (!*dst)
                        return -ENOMEM;
        }
        np_node *d = *dst;
        /* wireguard peers and bond arp-ip-targets: 0.106 skips a list as long as the one
         * it already has (its guard against re-adding on a second parser pass) and
         * appends any other one whole */
        if (src->type == NP_NODE_SEQUENCE && (strcmp(key, "peers") == 0 || strcmp(key, "arp-ip-targets") == 0)) {
                if (d->n == src->n && d->n > 0)
                        return 0;
                for (size_t i = 0; i < src->n; i++) {
                        int r = append_merged(d, src->values[i], key, depth, budget);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        if (src->type == NP_NODE_SEQUENCE) {
                bool keep_dups = seq_keeps_duplicates(parent, key);
                for (size_t i = 0; i < src->n; i++) {
                        bool dup = false;
                        for (size_t j = 0; j < d->n && !dup && !keep_dups; j++)
                                dup = np_node_equiv(d->values[j], src->values[i]);
                        if (dup)
                                continue;
                        int r = append_merged(d, src->values[i], key, depth, budget);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        for (size_t i = 0; i < src->n; i++) {
                const np_node *k = src->keys[i];
                const char *ks = k->type == NP_NODE_SCALAR ? k->scalar : "";
                ssize_t at = k->type == NP_NODE_SCALAR ? np_node_index(d, k->scalar) : -1;
                if (at >= 0) {
                        /* a replaced value points at its new key */
                        if (src->values[i]->type == NP_NODE_SCALAR || src->values[i]->type != d->values[at]->type)
                                d->keys[at]->pos = k->pos;
                        int r = merge(&d->values[at], src->values[i], key, ks, depth + 1, budget);
                        if (r < 0)
                                return r;
                        continue;
                }
                np_node *kc = np_node_copy(k, budget), *vc = NULL;
                if (!kc)
                        return -ENOMEM;
                int r = merge(&vc, src->values[i], key, ks, depth + 1, budget);
                if (r < 0 || np_node_append(d, kc, vc) < 0) {
                        np_node_free(kc);
                        np_node_free(vc);
                        return r < 0 ? r : -ENOMEM;
                }
        }
        return 0;
}

int np_node_merge_into(np_node **dst, const np_node *src, const char *key, size_t depth) {
        size_t budget = NP_MAX_NODES;
        return merge(dst, src, "", key, depth, &budget);
}
