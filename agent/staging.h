/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The candidate of a pending try in root/run/netplan: netplan reads /run/netplan after
 * /etc/netplan and a file there shadows the /etc file of the same name, and a reboot
 * wipes /run. One file per candidate file; for a file of the base (what /etc holds) that
 * the candidate removes, an empty shadow STAGING_EMPTY_SHADOW. */

#include "agent/netplan-set.h"

#define STAGING_EMPTY_SHADOW "network: {version: 2}\n"

/* What staging_write() will write for candidate over base: the candidate's files, and an
 * empty shadow for each base file the candidate lacks. Pure. */
int staging_plan(const netplan_set *candidate, const netplan_set *base, netplan_set **ret);

/* Writes plan (from staging_plan) into rundir, each file atomically, dir fsynced.
 * Refuses with -EEXIST, before writing anything, if rundir already holds a file of a
 * planned name (someone else's shadow: overwriting it would lose it); ret_error (may be
 * NULL) names it. On a failure midway the files already written stay: the caller's
 * record of the plan lets staging_clear() remove them. */
int staging_write(const char *rundir, const netplan_set *plan, char **ret_error);

/* Removes the plan's files from rundir, each only if its bytes still match the plan's.
 * A planned name whose file differs (someone changed it) is not removed but put into
 * *ret_foreign (created only if there are some; the caller copies them into the rejected
 * directory, then calls staging_remove_foreign()). Missing files are fine. Returns the
 * number of files removed. */
int staging_clear(const char *rundir, const netplan_set *plan, netplan_set **ret_foreign);

/* Removes the files of foreign from rundir once they are copied elsewhere, each only if
 * it still holds exactly those bytes. */
int staging_remove_foreign(const char *rundir, const netplan_set *foreign);
