/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading a whole small file that someone else may control: bounded, never blocking on
 * a FIFO or a device, never following a symlink unless asked to. */

#include <stddef.h>
#include <sys/stat.h>

typedef enum read_file_flags {
        READ_FILE_FOLLOW = 1 << 0,      /* follow a final symlink (netplan does) */
} read_file_flags;

/* Reads path into a NUL-terminated buffer of at most max bytes (the NUL not counted).
 * Returns 0, or:
 *   -ELOOP   path is a symlink and READ_FILE_FOLLOW is not set (or a symlink loop);
 *   -EISDIR  a directory;
 *   -EBADFD  neither a regular file nor a directory (FIFO, device, socket);
 *   -EFBIG   larger than max;
 *   -EAGAIN  the file grew while being read;
 *   another negative errno from open/read, or -ENOMEM.
 * ret_st (may be NULL) gets the file's fstat. Nothing is written on failure. */
int read_file_bounded(const char *path, size_t max, read_file_flags flags, char **ret, size_t *ret_size,
                      struct stat *ret_st);
