/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* NULL-terminated vectors of malloc'd strings. A NULL vector is an empty one. */

#include <stdbool.h>
#include <stddef.h>

#include "common/macro.h"

/* Frees each string and the vector; returns NULL. */
char **strv_free(char **v);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *v);
/* Appends a copy of s. 0 or -ENOMEM (v unchanged). */
int strv_push(char ***v, const char *s);
bool strv_contains(char *const *v, const char *s);
