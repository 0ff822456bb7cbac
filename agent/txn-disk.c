/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "agent/txn-disk.h"

/* Not yet: bodies follow. */
struct txn_disk {
        char *root;
};

int txn_disk_open(const char *root, txn_disk **ret) { (void) root; (void) ret; return -EOPNOTSUPP; }
txn_disk *txn_disk_free(txn_disk *d) { if (d) free(d->root); free(d); return NULL; }
const char *txn_disk_last_error(txn_disk *d) { (void) d; return "not yet implemented"; }
int txn_disk_begin(txn_disk *d, const netplan_set *candidate, const char *origin, uint64_t *ret_id) { (void) d; (void) candidate; (void) origin; (void) ret_id; return -EOPNOTSUPP; }
int txn_disk_step(txn_disk *d, uint64_t id, const char *step, const char *detail) { (void) d; (void) id; (void) step; (void) detail; return -EOPNOTSUPP; }
int txn_disk_commit(txn_disk *d, uint64_t id) { (void) d; (void) id; return -EOPNOTSUPP; }
int txn_disk_abort(txn_disk *d, uint64_t id, const char *reason, char **ret_rejected_path) { (void) d; (void) id; (void) reason; (void) ret_rejected_path; return -EOPNOTSUPP; }
int txn_disk_recover(txn_disk *d, txn_recovery *ret) { (void) d; (void) ret; return -EOPNOTSUPP; }
void txn_recovery_done(txn_recovery *r) { (void) r; }
int txn_disk_force_rollback(txn_disk *d, const char *reason, char **ret_rejected_path) { (void) d; (void) reason; (void) ret_rejected_path; return -EOPNOTSUPP; }
int txn_disk_mark_known_good(txn_disk *d, const char *proof) { (void) d; (void) proof; return -EOPNOTSUPP; }
int txn_disk_pending(txn_disk *d, uint64_t *ret_id) { (void) d; (void) ret_id; return -EOPNOTSUPP; }
const known_good *txn_disk_known_good(txn_disk *d) { (void) d; return NULL; }
const netplan_set *txn_disk_candidate(txn_disk *d) { (void) d; return NULL; }
int txn_disk_history(txn_disk *d, txn_history **ret) { (void) d; (void) ret; return -EOPNOTSUPP; }
txn_history *txn_history_free(txn_history *h) { free(h); return NULL; }
const char *txn_recovery_action_to_string(txn_recovery_action a) { (void) a; return NULL; }
