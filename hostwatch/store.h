/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the daemon keeps across a restart (/var/lib/netguard-hostwatch): per machine, the
 * address SSH last verified, when, and on what evidence, and the host key learned on first
 * use (host-key: tofu). One small JSON file per machine
 * (machines/NAME.json), written atomically: a temp file, fsync, rename, fsync of the
 * directory, so a kill -9 at any point leaves the old record or the new one, never half
 * of one. Torn temp files are ignored on read and swept at open. */

#include <stdbool.h>
#include <stdint.h>

#include "common/macro.h"

/* A record is a few hundred bytes; anything bigger was not written by us. */
#define STORE_RECORD_MAX 4096
/* "TYPE BASE64" of an RSA key of 8192 bits is ~1.4 KB. */
#define STORE_HOST_KEY_MAX 2048

typedef struct Store Store;

typedef struct StoreRecord {
        char address[46];               /* "" when none */
        char evidence[16];              /* hostwatch_evidence_to_string() */
        uint64_t verified_realtime_usec;/* CLOCK_REALTIME of the proof */
        char host_key[STORE_HOST_KEY_MAX];      /* learned on first use, "TYPE BASE64"; "" none */
        char host_key_fingerprint[64];          /* "SHA256:..." */
        uint64_t host_key_learned_realtime_usec;
} StoreRecord;

/* Creates dir and dir/machines (0700) as needed and removes stale temp files. */
int store_open(const char *dir, Store **ret);
Store *store_free(Store *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(Store *, store_free);

/* "TYPE BASE64" of characters a key line has, one space; nothing else. */
bool store_host_key_valid(const char *s);
/* -ENOENT: nothing kept; -EBADMSG: a record we cannot read (left for a human, not used). */
int store_load(Store *s, const char *name, StoreRecord *ret);
int store_save(Store *s, const char *name, const StoreRecord *rec);
int store_remove(Store *s, const char *name);
/* Pure, for the tests: the record as JSON and back. */
int store_record_to_json(const StoreRecord *rec, char **ret);
int store_record_from_json(const char *data, size_t size, StoreRecord *ret);
