/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: the grammar's machinery. Each part of netplan's grammar (grammar-*.c) is a
 * table of keys with a handler each; np_process_mapping() walks a mapping of one file's
 * tree against a table, and the first error found is the one netplan reports. */

#include <stdbool.h>

#include "netplan/parse-state.h"
#include "netplan/reference.h"
#include "netplan/file.h"

typedef struct np_parser np_parser;
typedef int (*np_handler)(np_parser *c, const np_node *n, const void *data);

typedef struct np_kdef {
        const char *key;                /* NULL ends the table, unless include is set */
        int type;                       /* np_node_type, or NP_ANY_NODE: handler checks */
        np_handler h;
        const struct np_kdef *include;  /* with key NULL: this table's keys belong here too */
        const void *data;               /* handed to h (np_h_map: the sub-table) */
        unsigned since;                 /* first netplan version knowing the key; 0: all */
} np_kdef;

#define NP_ANY_NODE (-1)

/* The walk over one file. */
struct np_parser {
        np_state *s;
        const np_file *f;
        np_diag_list *diags;
        np_sdef *cur;                   /* definition being parsed */
        int cur_backend;                /* per-section renderer, NP_BACKEND_NONE if unset */
        np_refs refs;                   /* ids referenced before they were defined */
        /* the route or routing-policy rule being parsed (grammar-ip.c) */
        unsigned route_family;
        bool has_from, has_to, has_via;
        const char *route_type, *route_scope;
        bool rule_from, rule_to;
};

/* A definition error at n (NULL: no position) in netplan's words; returns -EINVAL, or
 * -ENOMEM when the diagnostic could not be added. */
int np_err(np_parser *c, const np_node *n, const char *fmt, ...) _printf_(3, 4);
/* The same for what only netplan `since` and later know (NP_DIAG_NEWER_NETPLAN). */
int np_err_newer(np_parser *c, const np_node *n, unsigned since, const char *fmt, ...) _printf_(4, 5);
/* "expected scalar" / "expected sequence" / "expected mapping (check indentation)" */
int np_type_error(np_parser *c, const np_node *n, int expected);
/* Walks mapping n against table: unknown keys, keys of newer netplan, node types. */
int np_process_mapping(np_parser *c, const np_node *n, const np_kdef *table);

/* The text of a scalar the walk already checked to be one. */
static inline const char *S(const np_node *n) {
        return n->scalar;
}

/* Handlers of plain values, shared by every part of the grammar. */
int np_h_map(np_parser *c, const np_node *n, const void *data);      /* data: sub-table */
int np_h_bool(np_parser *c, const np_node *n, const void *data);
int np_h_uint(np_parser *c, const np_node *n, const void *data);
int np_h_str(np_parser *c, const np_node *n, const void *data);
int np_h_mac(np_parser *c, const np_node *n, const void *data);
int np_h_strseq(np_parser *c, const np_node *n, const void *data);   /* sequence of scalars */
int np_h_datalist(np_parser *c, const np_node *n, const void *data); /* scalar -> scalar map */
int np_h_id(np_parser *c, const np_node *n, const void *data);       /* a definition id */

/* A sequence of flags from a fixed set, compared ignoring case (link-local,
 * optional-addresses, vxlan's notifications, checksums, extensions). */
typedef struct np_flag_set {
        const char *name;               /* the key, as netplan names it in its error */
        const char *const *ok;          /* NULL-terminated */
} np_flag_set;
int np_h_flags(np_parser *c, const np_node *n, const void *data);  /* data: np_flag_set */

extern const np_kdef np_nm_keys[];
