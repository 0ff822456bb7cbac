/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF, and
 * no NUL or other C0 control but tab (a guest's text ends up in logs and on D-Bus). */
bool utf8_is_valid(const char *s, size_t n);
