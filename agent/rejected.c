/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "agent/rejected.h"

/* Not yet: bodies follow. */
int rejected_save(const char *dir, const char *id, const char *reason, const netplan_set *candidate,
                  const netplan_set *etc_files, const netplan_set *run_files, char **ret_path) {
        (void) dir; (void) id; (void) reason; (void) candidate; (void) etc_files; (void) run_files; (void) ret_path;
        return -EOPNOTSUPP;
}
