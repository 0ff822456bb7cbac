/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "agent/staging.h"

/* Not yet: bodies follow. */
int staging_plan(const netplan_set *candidate, const netplan_set *base, netplan_set **ret) { (void) candidate; (void) base; (void) ret; return -EOPNOTSUPP; }
int staging_write(const char *rundir, const netplan_set *plan, char **ret_error) { (void) rundir; (void) plan; (void) ret_error; return -EOPNOTSUPP; }
int staging_clear(const char *rundir, const netplan_set *plan, netplan_set **ret_foreign) { (void) rundir; (void) plan; (void) ret_foreign; return -EOPNOTSUPP; }
int staging_remove_foreign(const char *rundir, const netplan_set *foreign) { (void) rundir; (void) foreign; return -EOPNOTSUPP; }
