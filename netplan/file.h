/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: one netplan file: its bytes, its YAML tree (libyaml events -> np_node) and
 * its source lines for diagnostics. */

#include <stddef.h>

#include "netplan/node.h"

/* One loaded file: its name and its bytes, kept to quote source lines in diagnostics. */
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
