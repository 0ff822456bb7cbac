/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <string.h>

#include "netplan/node.h"

np_node *np_node_new(np_node_type type, np_pos pos) {
        np_node *n = calloc(1, sizeof(*n));
        if (!n)
                return NULL;
        n->type = type;
        n->pos = pos;
        return n;
}

np_node *np_node_new_scalar(const char *text, np_pos pos, bool quoted) {
        np_node *n = np_node_new(NP_NODE_SCALAR, pos);
        if (!n)
                return NULL;
        n->scalar = strdup(text ?: "");
        if (!n->scalar)
                return np_node_free(n);
        n->quoted = quoted;
        return n;
}

np_node *np_node_free(np_node *n) {
        if (!n)
                return NULL;
        for (size_t i = 0; i < n->n; i++) {
                if (n->keys)
                        np_node_free(n->keys[i]);
                np_node_free(n->values[i]);
        }
        free(n->keys);
        free(n->values);
        free(n->scalar);
        free(n);
        return NULL;
}

np_node *np_node_copy(const np_node *n, size_t *budget) {
        if (*budget == 0)
                return NULL;
        (*budget)--;
        _cleanup_(np_node_freep) np_node *c = NULL;
        if (n->type == NP_NODE_SCALAR)
                return np_node_new_scalar(n->scalar, n->pos, n->quoted);
        c = np_node_new(n->type, n->pos);
        if (!c)
                return NULL;
        for (size_t i = 0; i < n->n; i++) {
                _cleanup_(np_node_freep) np_node *k = NULL, *v = NULL;
                if (n->keys) {
                        k = np_node_copy(n->keys[i], budget);
                        if (!k)
                                return NULL;
                }
                v = np_node_copy(n->values[i], budget);
                if (!v)
                        return NULL;
                if (np_node_append(c, k, v) < 0)
                        return NULL;
                k = v = NULL;
        }
        return TAKE_PTR(c);
}

/* Takes ownership of key and value on success. */
int np_node_append(np_node *parent, np_node *key, np_node *value) {
        if (parent->n == parent->cap) {
                size_t ncap = parent->cap ? parent->cap * 2 : 4;
                np_node **nv = reallocarray(parent->values, ncap, sizeof(np_node *));
                if (!nv)
                        return -ENOMEM;
                parent->values = nv;
                if (parent->type == NP_NODE_MAPPING) {
                        np_node **nk = reallocarray(parent->keys, ncap, sizeof(np_node *));
                        if (!nk)
                                return -ENOMEM;
                        parent->keys = nk;
                }
                parent->cap = ncap;
        }
        if (parent->type == NP_NODE_MAPPING)
                parent->keys[parent->n] = key;
        parent->values[parent->n++] = value;
        return 0;
}

ssize_t np_node_index(const np_node *map, const char *key) {
        if (!map || map->type != NP_NODE_MAPPING)
                return -1;
        for (size_t i = map->n; i > 0; i--) {
                const np_node *k = map->keys[i - 1];
                if (k->type == NP_NODE_SCALAR && strcmp(k->scalar, key) == 0)
                        return (ssize_t) (i - 1);
        }
        return -1;
}

np_node *np_node_get_mut(np_node *map, const char *key) {
        ssize_t i = np_node_index(map, key);
        return i < 0 ? NULL : map->values[i];
}

bool np_node_equal(const np_node *a, const np_node *b) {
        if (a->type != b->type || a->n != b->n)
                return false;
        if (a->type == NP_NODE_SCALAR)
                return strcmp(a->scalar, b->scalar) == 0;
        for (size_t i = 0; i < a->n; i++) {
                if (a->type == NP_NODE_MAPPING && !np_node_equal(a->keys[i], b->keys[i]))
                        return false;
                if (!np_node_equal(a->values[i], b->values[i]))
                        return false;
        }
        return true;
}

/* Equal as a parser reading them sees them: a mapping by its effective (last) value of
 * each key, so duplicate keys do not make two entries differ. */
bool np_node_equiv(const np_node *a, const np_node *b) {
        if (a->type != b->type)
                return false;
        if (a->type == NP_NODE_SCALAR)
                return strcmp(a->scalar, b->scalar) == 0;
        if (a->type == NP_NODE_SEQUENCE) {
                if (a->n != b->n)
                        return false;
                for (size_t i = 0; i < a->n; i++)
                        if (!np_node_equiv(a->values[i], b->values[i]))
                                return false;
                return true;
        }
        size_t distinct_a = 0, distinct_b = 0;
        for (size_t i = 0; i < a->n; i++) {
                const char *k = np_node_scalar(a->keys[i]);
                if (!k)
                        return false;
                if (np_node_index(a, k) != (ssize_t) i)
                        continue;
                distinct_a++;
                const np_node *bv = np_node_get(b, k);
                if (!bv || !np_node_equiv(a->values[i], bv))
                        return false;
        }
        for (size_t i = 0; i < b->n; i++) {
                const char *k = np_node_scalar(b->keys[i]);
                if (!k)
                        return false;
                if (np_node_index(b, k) == (ssize_t) i)
                        distinct_b++;
        }
        return distinct_a == distinct_b;
}

/* ---- public accessors ---- */

np_node_type np_node_get_type(const np_node *n) {
        return n ? n->type : _NP_NODE_TYPE_INVALID;
}

np_pos np_node_get_pos(const np_node *n) {
        if (!n)
                return (np_pos) { 0 };
        return n->pos;
}

const char *np_node_scalar(const np_node *n) {
        return n && n->type == NP_NODE_SCALAR ? n->scalar : NULL;
}

const np_node *np_node_get(const np_node *map, const char *key) {
        ssize_t i = np_node_index(map, key);
        return i < 0 ? NULL : map->values[i];
}

np_pos np_node_key_pos(const np_node *map, const char *key) {
        ssize_t i = np_node_index(map, key);
        if (i < 0)
                return (np_pos) { 0 };
        return map->keys[i]->pos;
}

size_t np_node_count(const np_node *n) {
        return n && n->type != NP_NODE_SCALAR ? n->n : 0;
}

const char *np_node_key_at(const np_node *map, size_t i) {
        if (!map || map->type != NP_NODE_MAPPING || i >= map->n)
                return NULL;
        return np_node_scalar(map->keys[i]);
}

const np_node *np_node_at(const np_node *n, size_t i) {
        if (!n || n->type == NP_NODE_SCALAR || i >= n->n)
                return NULL;
        return n->values[i];
}
