/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The per-transaction journal STATE/transactions/<id>.journal: append-only records, each
 *   magic "NGJ1" (4 bytes) | payload length (u32 LE) | CRC-32 of the payload (u32 LE,
 *   IEEE 802.3, as zlib) | payload
 * payload = "STEP\n" then "key=value\n" lines (a value's '\\' and newline are written
 * "\\\\" and "\\n"). Each record is one write() followed by fdatasync(), so a power loss
 * leaves the journal ending at a record boundary or inside the last record; the reader
 * keeps every whole record before a torn or corrupt one and says what it found. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/macro.h"

#define JOURNAL_MAGIC "NGJ1"
#define JOURNAL_HEADER_SIZE 12
/* A record carries a step and a few short fields (a file list of NETPLAN_SET_MAX_FILES
 * names with checksums at most): bounded so a corrupt length cannot make us allocate. */
#define JOURNAL_RECORD_MAX (128 * 1024)
/* A journal holds a few dozen records; the reader stops at this size. */
#define JOURNAL_FILE_MAX (4 * 1024 * 1024)
/* How many journals are kept (the oldest are removed). */
#define JOURNAL_KEEP 100

typedef struct journal journal;

typedef struct journal_record {
        char *step;
        char **fields;                  /* "key=value", unescaped, NULL-terminated */
        uint64_t offset;                /* of the record's header in the file */
} journal_record;

typedef enum journal_end {
        JOURNAL_END_CLEAN,              /* ends at a record boundary */
        JOURNAL_END_MISSING,            /* no file */
        JOURNAL_END_TORN,               /* the last record is incomplete */
        JOURNAL_END_CORRUPT,            /* a record's magic, length or CRC is wrong */
        _JOURNAL_END_MAX,
        _JOURNAL_END_INVALID = -EINVAL,
} journal_end;

typedef struct journal_log {
        uint64_t id;
        journal_record *records;
        size_t n_records;
        journal_end end;
        uint64_t size;                  /* bytes in the file */
        uint64_t valid_size;            /* bytes of whole, valid records */
        /* What was found, e.g. "5 records, ends cleanly after step 'committed'",
         * "ends mid-record at byte 812 after step 'staged'", "corrupt record at byte
         * 640 (CRC mismatch) after step 'begun'", "no journal". */
        char *description;
} journal_log;

/* Creates <dir>/<id>.journal (O_EXCL: an id is used once) and opens it for appending;
 * dir is created if missing; the directory is fsynced so the file survives a crash. */
int journal_create(const char *dir, uint64_t id, journal **ret);
/* Opens an existing journal for appending (after a restart). A torn or corrupt tail is
 * cut off first (ftruncate to valid_size) so new records follow the last whole one. */
int journal_open(const char *dir, uint64_t id, journal **ret);
journal *journal_free(journal *j);
DEFINE_TRIVIAL_CLEANUP_FUNC(journal *, journal_free);

/* Appends one record: step (no '\n', not empty) and fields ("key=value" strings,
 * NULL-terminated, may be NULL); one write(), then fdatasync(). -E2BIG over
 * JOURNAL_RECORD_MAX. */
int journal_append(journal *j, const char *step, char *const *fields);
/* The same with fields given as key, value pairs ending with NULL. */
int journal_appendf(journal *j, const char *step, ...);

/* Parses a journal image (pure: no I/O). Never fails on bad content (that is what
 * end/description say); only -ENOMEM. */
int journal_parse(const uint8_t *data, size_t size, uint64_t id, journal_log **ret);
/* Reads <dir>/<id>.journal: a missing file gives end = JOURNAL_END_MISSING, 0 records. */
int journal_read(const char *dir, uint64_t id, journal_log **ret);
journal_log *journal_log_free(journal_log *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(journal_log *, journal_log_free);

/* The value of key in a record, or NULL. */
const char *journal_record_get(const journal_record *r, const char *key);
/* The last record, or NULL. */
const journal_record *journal_log_last(const journal_log *l);
/* The last record with this step, or NULL. */
const journal_record *journal_log_find(const journal_log *l, const char *step);

/* Ids of the journals in dir, ascending (a missing dir: none). */
int journal_list(const char *dir, uint64_t **ret_ids, size_t *ret_n);
/* The highest id on disk + 1 (1 when none). Ids of transaction directories count too. */
int journal_next_id(const char *dir, uint64_t *ret);
/* Removes the oldest journals (and their <id>/ directories) beyond keep, never the one
 * with id keep_id. Returns the number removed. */
int journal_prune(const char *dir, size_t keep, uint64_t keep_id);

const char *journal_end_to_string(journal_end e);
