/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The known-good configuration: the netplan files under which the host last proved it
 * reached the guest, in STATE/known-good/ (STATE = root/var/lib/netguard):
 *   known-good/gen-NNNNNNNNNN/  the files and a MANIFEST
 *   known-good/current          symlink to the generation in force
 * A new generation is written and fsynced whole, then `current` is switched by a rename
 * (atomic), then generations older than the previous one are removed. The previous
 * generation is kept, so a corrupt current one can fall back to it.
 *
 * MANIFEST: netplan_set_manifest()'s lines ("NAME SIZE SHA256"), then one last line
 *   "set SHA256 TIME_USEC SOURCE"
 * with the set's digest, CLOCK_REALTIME of the proof in µs, and its source (one line). */

#include <stdbool.h>
#include <stdint.h>

#include "agent/netplan-set.h"
#include "common/macro.h"

/* A MANIFEST lists at most NETPLAN_SET_MAX_FILES lines of bounded length. */
#define KNOWN_GOOD_MANIFEST_MAX (64 * 1024)
/* The source of a proof, e.g. "first start", "confirmed try 12", "HOST_REACHED". */
#define KNOWN_GOOD_SOURCE_MAX 256

typedef struct known_good {
        netplan_set *set;
        uint8_t digest[SHA256_DIGEST_SIZE];
        uint64_t time_usec;
        char *source;
        uint64_t generation;
        /* The current generation was unreadable and this is the previous one; warning
         * says what was wrong with the current one. */
        bool from_previous;
        char *warning;
} known_good;

known_good *known_good_free(known_good *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(known_good *, known_good_free);

/* Writes set as a new generation and switches `current` to it. dir is
 * STATE/known-good (created if missing). source must be one line. */
int known_good_save(const char *dir, const netplan_set *set, uint64_t time_usec, const char *source);

/* Loads `current`, verifying every checksum. Returns 0 (maybe from_previous, with a
 * warning), -ENOENT when none was ever saved, -EBADMSG when the current generation is
 * corrupt and no previous one is readable, another negative errno on I/O errors.
 * ret_error (may be NULL) gets a message naming the file and what is wrong on failure,
 * e.g. "known-good/gen-0000000003/10-a.yaml: sha256 abc… differs from the MANIFEST's
 * def… (the file was changed after it was proven)". */
int known_good_load(const char *dir, known_good **ret, char **ret_error);

/* True if a `current` link exists (whether or not it is readable). */
bool known_good_exists(const char *dir);
