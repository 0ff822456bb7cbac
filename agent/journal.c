/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "agent/journal.h"

/* Not yet: bodies follow. */
int journal_create(const char *dir, uint64_t id, journal **ret) { (void) dir; (void) id; (void) ret; return -EOPNOTSUPP; }
int journal_open(const char *dir, uint64_t id, journal **ret) { (void) dir; (void) id; (void) ret; return -EOPNOTSUPP; }
journal *journal_free(journal *j) { free(j); return NULL; }
int journal_append(journal *j, const char *step, char *const *fields) { (void) j; (void) step; (void) fields; return -EOPNOTSUPP; }
int journal_appendf(journal *j, const char *step, ...) { (void) j; (void) step; return -EOPNOTSUPP; }
int journal_parse(const uint8_t *data, size_t size, uint64_t id, journal_log **ret) { (void) data; (void) size; (void) id; (void) ret; return -EOPNOTSUPP; }
int journal_read(const char *dir, uint64_t id, journal_log **ret) { (void) dir; (void) id; (void) ret; return -EOPNOTSUPP; }
journal_log *journal_log_free(journal_log *l) { free(l); return NULL; }
const char *journal_record_get(const journal_record *r, const char *key) { (void) r; (void) key; return NULL; }
const journal_record *journal_log_last(const journal_log *l) { (void) l; return NULL; }
const journal_record *journal_log_find(const journal_log *l, const char *step) { (void) l; (void) step; return NULL; }
int journal_list(const char *dir, uint64_t **ret_ids, size_t *ret_n) { (void) dir; (void) ret_ids; (void) ret_n; return -EOPNOTSUPP; }
int journal_next_id(const char *dir, uint64_t *ret) { (void) dir; (void) ret; return -EOPNOTSUPP; }
int journal_prune(const char *dir, size_t keep, uint64_t keep_id) { (void) dir; (void) keep; (void) keep_id; return -EOPNOTSUPP; }
const char *journal_end_to_string(journal_end e) { (void) e; return NULL; }
