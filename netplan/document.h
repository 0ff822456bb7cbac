/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: one file's document checked against the grammar. */

#include "netplan/parse-state.h"
#include "netplan/file.h"

/* Validates f's tree the way netplan's parser does (as many passes as its references
 * need), updating the running state s of definitions. Returns 0, -EINVAL (diag added),
 * -ENOMEM. */
int np_document_check(np_state *s, const np_file *f, np_diag_list *diags);
