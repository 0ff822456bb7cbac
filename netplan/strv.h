/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: NULL-terminated string vectors, the loader's lists of ids and keys. */

#include <stdbool.h>
#include <stddef.h>

char **np_strv_free(char **v);
size_t np_strv_length(char *const *v);
int np_strv_push(char ***v, const char *s);
bool np_strv_contains(char *const *v, const char *s);

/* Replaces *dst with a copy of v; *dst is kept on -ENOMEM. */
int np_str_set(char **dst, const char *v);
