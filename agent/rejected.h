/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Rejected candidates, kept forever in STATE/rejected/<id>/ (STATE = root/var/lib/netguard):
 *   the candidate's files, REASON (text), MANIFEST (netplan_set_manifest lines of the
 *   candidate, then "set SHA256"), and optionally etc/ and run/ with files found in
 *   root/etc/netplan and root/run/netplan that differed and were about to be replaced.
 * Written whole into a temp directory, fsynced, then renamed into place without
 * replacing: an id already taken gets <id>.2, <id>.3, ... Nothing is ever overwritten.
 * The caller removes what the copy protects only after rejected_save() returned 0. */

#include "agent/netplan-set.h"

/* A REASON is one paragraph written by netguard or a user (`netguard rollback` reason). */
#define REJECTED_REASON_MAX 4096
/* <id>.2 … <id>.999: then -EEXIST. */
#define REJECTED_MAX_SUFFIX 999

/* dir = STATE/rejected (created if missing); id: [A-Za-z0-9._-]{1,64}. candidate may be
 * NULL (empty); etc_files, run_files may be NULL (no subdirectory). ret_path (may be
 * NULL) gets the directory written. */
int rejected_save(const char *dir, const char *id, const char *reason, const netplan_set *candidate,
                  const netplan_set *etc_files, const netplan_set *run_files, char **ret_path);
