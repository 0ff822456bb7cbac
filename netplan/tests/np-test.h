/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Helpers for the netplan unit tests: scratch root directories with netplan files. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "netplan/netplan.h"

/* mkdtemp under $TMPDIR; returns a malloc'd path */
char *np_test_root(void);
/* writes ROOT/REL (creating directories) with mode 0600 */
void np_test_write(const char *root, const char *rel, const char *content);
void np_test_rmrf(const char *root);
/* loads ROOT; returns np_config_load's result; *ret may be NULL */
int np_test_load(const char *root, const char *version, np_config **ret, np_diag_list *diags);
/* first error diagnostic formatted, first line only, with "ROOT/" stripped (static buffer) */
const char *np_test_first_error(const char *root, const np_diag_list *diags);
