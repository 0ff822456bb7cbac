/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Fault injection for crash tests: a named point where the process can be made to die
 * as kill -9 or a power loss would leave it, with no cleanup and no buffered output. */

#include <stddef.h>

#define FAULT_ENV "NETGUARD_FAULT"
#define FAULT_EXIT_STATUS 137

/* If $NETGUARD_FAULT is "name", _exit(137) here. "name:N" dies on the N-th time this
 * point is reached (N from 1). The variable is read once per process; with it unset this
 * is one comparison. */
void fault_point(const char *name);

/* Every point name the tree uses, NULL-terminated, in the order a try reaches them (begin,
 * commit, abort, recover, forced rollback). A module adding a fault_point() call adds its
 * name here; tests walk this table. */
extern const char *const fault_point_names[];

/* Number of entries of fault_point_names (the NULL not counted). */
size_t fault_point_count(void);

/* For tests that run sequences in one process: forget the cached variable and counter. */
void fault_reset(void);
