/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The grammar's machinery: tables of {key, node type, handler, included table, data, first
 * netplan version}, walked over each file's tree the way netplan's parser walks it, so
 * the first error found is the one netplan reports, in its words; and the handlers of
 * plain values that every part of the grammar uses. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "netplan/diag.h"
#include "netplan/grammar.h"
#include "netplan/value.h"

static int errv(np_parser *c, const np_node *n, np_diag_kind kind, const char *ver, const char *fmt, va_list ap) _printf_(5, 0);
static int errv(np_parser *c, const np_node *n, np_diag_kind kind, const char *ver, const char *fmt, va_list ap) {
        _cleanup_free_ char *src = n ? np_file_line(c->f, n->pos.line) : NULL;
        np_pos pos = n ? n->pos : (np_pos) { 0 };
        int r = np_diag_addv(c->diags, NP_SEVERITY_ERROR, kind, pos, src, ver, fmt, ap);
        return r < 0 ? r : -EINVAL;
}

int np_err(np_parser *c, const np_node *n, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = errv(c, n, NP_DIAG_DEFINITION, NULL, fmt, ap);
        va_end(ap);
        return r;
}

int np_err_newer(np_parser *c, const np_node *n, unsigned since, const char *fmt, ...) {
        char ver[32];
        va_list ap;
        snprintf(ver, sizeof ver, "%u.%u", since / 1000, since % 1000);
        va_start(ap, fmt);
        int r = errv(c, n, NP_DIAG_NEWER_NETPLAN, ver, fmt, ap);
        va_end(ap);
        return r;
}

int np_h_bool(np_parser *c, const np_node *n, const void *data) {
        bool b;
        if (!np_parse_bool(S(n), &b))
                return np_err(c, n, "invalid boolean value '%s'", S(n));
        return 0;
}

int np_h_uint(np_parser *c, const np_node *n, const void *data) {
        unsigned long long v;
        if (!np_parse_guint(S(n), &v))
                return np_err(c, n, "invalid unsigned int value '%s'", S(n));
        return 0;
}

int np_h_str(np_parser *c, const np_node *n, const void *data) {
        return 0;
}

int np_h_mac(np_parser *c, const np_node *n, const void *data) {
        if (np_is_mac(S(n), 6) || np_is_mac(S(n), 20))
                return 0;
        static const char *const newer[] = { "permanent", "random", "stable", "preserve", "stable-ssid" };
        for (size_t i = 0; i < ELEMENTSOF(newer); i++)
                if (strcmp(S(n), newer[i]) == 0) {
                        unsigned since = i == 4 ? NP_V(1, 2) : NP_V(0, 107);
                        if (c->s->target < since)
                                return np_err_newer(c, n, since,
                                                 "Invalid MAC address '%s', must be XX:XX:XX:XX:XX:XX or XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX",
                                                 S(n));
                        return 0;
                }
        return np_err(c, n, "Invalid MAC address '%s', must be XX:XX:XX:XX:XX:XX or XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX",
                   S(n));
}

/* a sequence of scalars */
int np_h_strseq(np_parser *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++)
                if (n->values[i]->type != NP_NODE_SCALAR)
                        return np_err(c, n->values[i], "expected scalar");
        return 0;
}

int np_h_flags(np_parser *c, const np_node *n, const void *data) {
        const np_flag_set *set = data;
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_SCALAR)
                        return np_err(c, e, "expected scalar");
                if (!np_in_list(S(e), set->ok, true))
                        return np_err(c, n, "invalid value for %s: '%s'", set->name, S(e));
        }
        return 0;
}

/* a mapping of scalars to scalars (passthrough, external-ids) */
int np_h_datalist(np_parser *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                if (n->keys[i]->type != NP_NODE_SCALAR)
                        return np_err(c, n->keys[i], "expected scalar");
                if (n->values[i]->type != NP_NODE_SCALAR)
                        return np_err(c, n->values[i], "expected scalar");
        }
        return 0;
}

int np_type_error(np_parser *c, const np_node *n, int expected) {
        switch (expected) {
        case NP_NODE_SCALAR:
                return np_err(c, n, "expected scalar");
        case NP_NODE_SEQUENCE:
                return np_err(c, n, "expected sequence");
        case NP_NODE_MAPPING:
                return np_err(c, n, "expected mapping (check indentation)");
        }
        return 0;
}

/* The entry for key in table or in the tables it includes; NULL if there is none. */
static const np_kdef *kdef_find(const np_kdef *table, const char *key) {
        for (const np_kdef *t = table; t->key || t->include; t++) {
                const np_kdef *h = t->key ? NULL : kdef_find(t->include, key);
                if (h)
                        return h;
                if (t->key && strcmp(t->key, key) == 0)
                        return t;
        }
        return NULL;
}

int np_process_mapping(np_parser *c, const np_node *n, const np_kdef *table) {
        if (n->type != NP_NODE_MAPPING)
                return np_type_error(c, n, NP_NODE_MAPPING);
        for (size_t i = 0; i < n->n; i++) {
                const np_node *k = n->keys[i], *v = n->values[i];
                const np_kdef *h = NULL;
                int r;

                if (k->type != NP_NODE_SCALAR)
                        return np_type_error(c, k, NP_NODE_SCALAR);
                h = kdef_find(table, S(k));
                if (!h)
                        return np_err(c, k, "unknown key '%s'", S(k));
                if (h->since > c->s->target)
                        return np_err_newer(c, k, h->since, "unknown key '%s'", S(k));
                if (h->type != NP_ANY_NODE && (int) v->type != h->type)
                        return np_type_error(c, v, h->type);
                r = h->h(c, v, h->data);
                if (r < 0)
                        return r;
        }
        return 0;
}

int np_h_map(np_parser *c, const np_node *n, const void *data) {
        return np_process_mapping(c, n, data);
}

int np_h_id(np_parser *c, const np_node *n, const void *data) {
        const char *s = S(n);
        bool ok = *s != '\0';
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && !ispunct((unsigned char) *s))
                        ok = false;
        if (!ok)
                return np_err(c, n, "Invalid name '%s'", S(n));
        return 0;
}

/* a definition's or an access point's networkmanager: block */
const np_kdef np_nm_keys[] = {
        { "name", NP_NODE_SCALAR, np_h_str },
        { "uuid", NP_NODE_SCALAR, np_h_str },
        { "stable-id", NP_NODE_SCALAR, np_h_str },
        { "device", NP_NODE_SCALAR, np_h_str },
        { "passthrough", NP_NODE_MAPPING, np_h_datalist },
        {}
};
