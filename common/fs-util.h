/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Durable file-system steps for state that must survive a crash at any point. */

#include <stddef.h>
#include <sys/types.h>

/* mkdir -p; existing directories are fine (a non-directory in the way: -ENOTDIR). */
int mkdir_p(const char *path, mode_t mode);

/* fsync() of a directory, so the names created, renamed or removed in it are durable. */
int fsync_directory(const char *path);

/* Replaces dir/name atomically: a temp file ".#name.XXXXXX" in dir, write, fchmod, fsync,
 * rename over name, fsync of dir. On failure the temp file is removed and name keeps
 * its old content. */
int write_file_atomic(const char *dir, const char *name, const void *data, size_t size, mode_t mode);

/* Removes path and, if it is a directory, everything under it (at most 16 levels deep),
 * never following a symlink. A missing path is fine. */
int rm_rf(const char *path);

/* "a/b", malloc'd; NULL on -ENOMEM. */
char *path_join(const char *a, const char *b);
