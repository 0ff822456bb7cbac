/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Replaces *dst with a copy of s; *dst is kept on -ENOMEM. Returns 0 or -ENOMEM. */
int free_and_strdup(char **dst, const char *s);
