/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internals shared by the modules of libnetguard-netplan. Not part of the API. */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "netplan/netplan.h"

/* netplan configs are a few KiB; 1 MiB leaves room for generated configs with thousands
 * of definitions while keeping a hostile file from pinning memory. */
#define NP_MAX_FILE_SIZE (1024U * 1024U)
/* netplan's deepest legal nesting is about 8 levels (network.wifis.X.access-points.Y.
 * auth.key-management); 64 keeps pathological "[[[[..." input from costing stack. */
#define NP_MAX_DEPTH 64U
/* Beyond NP_MAX_DEPTH levels are parsed but dropped (netplan reports some grammar error
 * above them); beyond this the parse stops: libyaml's cost per token grows with depth. */
#define NP_MAX_PARSE_DEPTH 256U
/* Bounds the tree built from one file, including alias expansion ("billion laughs"). */
#define NP_MAX_NODES 200000U
/* Files read from {lib,etc,run}/netplan together; netplan has no limit, but a directory
 * with more files than this is not a configuration anyone wrote by hand. */
#define NP_MAX_FILES 1024U

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
np_node *np_node_copy(const np_node *n, size_t *budget);
int np_node_append(np_node *parent, np_node *key, np_node *value);
/* Mutable lookup: the last entry with that scalar key. */
np_node *np_node_get_mut(np_node *map, const char *key);
ssize_t np_node_index(const np_node *map, const char *key);
bool np_node_equal(const np_node *a, const np_node *b);
bool np_node_equiv(const np_node *a, const np_node *b);

/* One loaded file: its name (owned by the config's string table) and its bytes, kept to
 * quote source lines in diagnostics. */
typedef struct np_file {
        char *path;             /* as printed in diagnostics */
        char *data;
        size_t size;
        np_node *root;          /* the document's root, NULL for an empty file */
        /* problems netplan would only hit after its grammar checks (line 0: none) */
        np_pos too_deep;        /* first collection nested beyond NP_MAX_DEPTH (dropped) */
        np_pos recursive_alias; /* first alias to one of its own ancestors */
} np_file;

np_file *np_file_free(np_file *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(np_file *, np_file_free);

/* Parses f->data into f->root. Returns 0, -EINVAL with a YAML diag, -EFBIG/-ENOMEM. */
int np_yaml_parse(np_file *f, np_diag_list *diags);

/* Source line number line (1-based) of f, as netplan quotes it; malloc'd. */
char *np_file_line(const np_file *f, unsigned line);

/* Diagnostics */
int np_diag_add(np_diag_list *l, np_severity sev, np_diag_kind kind, np_pos pos,
                const char *source_line, const char *newer_version, const char *fmt, ...)
                _printf_(7, 8);
int np_diag_addv(np_diag_list *l, np_severity sev, np_diag_kind kind, np_pos pos,
                 const char *source_line, const char *newer_version, const char *fmt, va_list ap)
                 _printf_(7, 0);

/* Version helpers: "0.106" -> 106, "1.1" -> 1001. */
int np_version_parse(const char *s, unsigned *ret);

/* Schema (schema.c): validates one file's tree the way netplan's parser does, updating
 * the running state of definitions. Returns 0, -EINVAL (diag added), -ENOMEM. */
typedef struct np_state np_state;
np_state *np_state_new(unsigned target_version);
np_state *np_state_free(np_state *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(np_state *, np_state_free);
int np_schema_check_file(np_state *s, const np_file *f, np_diag_list *diags);
/* Checks that need every file (netplan's late validation). */
int np_schema_check_final(np_state *s, np_diag_list *diags);

/* Merge (config.c) */
int np_node_merge_into(np_node **dst, const np_node *src, const char *path, size_t depth);

struct np_config {
        np_file **files;
        size_t n_files;
        np_node *root;          /* merged "network" mapping */
        char *renderer;         /* global renderer, NULL if never set */
        np_netdef *netdefs;
        size_t n_netdefs;
        unsigned target_version;
};

int np_netdefs_build(np_config *c, np_state *s);
void np_netdef_done(np_netdef *d);

char **np_strv_free(char **v);
size_t np_strv_length(char *const *v);
int np_strv_push(char ***v, const char *s);
bool np_strv_contains(char *const *v, const char *s);
