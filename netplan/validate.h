/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: checks on whole definitions, as netplan makes them once a definition is
 * parsed and once every file is. */

#include "netplan/grammar.h"

/* netplan's validate_netdef_grammar() for c->cur, parsed at at; skipped (0) while
 * references are missing, as netplan completes it on a later pass. */
int np_validate_netdef(np_parser *c, const np_node *at);

/* The checks that need every file: validate_backend_rules(), default-route consistency,
 * and what the generators refuse. Returns 0, -EINVAL (diag added), -ENOMEM. */
int np_validate_final(np_state *s, np_diag_list *diags);
