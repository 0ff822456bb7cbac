/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A set of netplan files: basename → bytes, sorted by name as netplan orders them, with a
 * SHA-256 per file and for the whole set. Read from and written to a directory. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/macro.h"
#include "common/sha256.h"

/* netplan reads every *.yaml of a directory: a bound keeps a hostile directory from
 * making us allocate without limit (256 MiB at worst). */
#define NETPLAN_SET_MAX_FILES 256
/* Real netplan files are a few KiB; netguard check uses the same bound. */
#define NETPLAN_SET_MAX_FILE_SIZE (1024 * 1024)
/* A basename, as NAME_MAX allows. */
#define NETPLAN_SET_MAX_NAME 255

typedef struct netplan_file {
        char *name;                             /* basename, ends in ".yaml" */
        uint8_t *data;                          /* NUL-terminated (not counted in size) */
        size_t size;
        uint8_t sha256[SHA256_DIGEST_SIZE];
} netplan_file;

typedef struct netplan_set {
        netplan_file *files;                    /* sorted by name (strcmp, as netplan) */
        size_t n_files;
} netplan_set;

int netplan_set_new(netplan_set **ret);
netplan_set *netplan_set_free(netplan_set *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(netplan_set *, netplan_set_free);

/* A name netguard accepts: a basename ending in ".yaml", not starting with '.', no '/',
 * no control characters or spaces (MANIFEST lines are space-separated), at most
 * NETPLAN_SET_MAX_NAME bytes. */
bool netplan_name_valid(const char *name);

/* Adds a copy of data under name, replacing a file of the same name. -EINVAL bad name,
 * -EFBIG too large, -E2BIG the set would hold more than NETPLAN_SET_MAX_FILES. */
int netplan_set_put(netplan_set *s, const char *name, const void *data, size_t size);
/* Reads a file by path (a candidate given on the command line: a final symlink is
 * followed, the file must be regular and bounded) and puts it under its basename. */
int netplan_set_put_path(netplan_set *s, const char *path);
/* -ENOENT when absent. */
int netplan_set_remove(netplan_set *s, const char *name);
const netplan_file *netplan_set_find(const netplan_set *s, const char *name);

int netplan_set_copy(const netplan_set *s, netplan_set **ret);

/* Reads every "*.yaml" entry of dir (other names ignored, as netplan does). A missing dir
 * is an empty set. Symlinks are not followed (-ELOOP names the file in *ret_error); a
 * non-regular file, a file over the bound or more than NETPLAN_SET_MAX_FILES files are
 * errors. ret_error (may be NULL) gets "DIR/NAME: what is wrong" on failure. */
int netplan_set_read_dir(const char *dir, netplan_set **ret, char **ret_error);

/* Writes one file atomically: a temp file in dir, fsync, rename over name, fsync of dir.
 * Creates dir (mode 0755) if missing. */
int netplan_file_write_atomic(const char *dir, const char *name, const void *data, size_t size, unsigned mode);
/* Writes every file of s into dir, each atomically (files not in s are left alone).
 * Files are created with mode 0600 (netplan warns about world-readable files). */
int netplan_set_write_dir(const netplan_set *s, const char *dir);

/* Byte-for-byte equality of names and contents. */
bool netplan_set_equal(const netplan_set *a, const netplan_set *b);
bool netplan_file_equal(const netplan_file *a, const netplan_file *b);

/* The MANIFEST body: one line "NAME SIZE SHA256HEX\n" per file, in set order. */
int netplan_set_manifest(const netplan_set *s, char **ret);
/* The set's checksum: SHA-256 of its MANIFEST body, so an empty set has one too. */
void netplan_set_digest(const netplan_set *s, uint8_t ret[SHA256_DIGEST_SIZE]);
void netplan_set_digest_hex(const netplan_set *s, char ret[SHA256_HEX_SIZE]);
