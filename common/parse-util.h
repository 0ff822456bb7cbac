/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Whole-string decimal parsers: no sign, no whitespace, no trailing bytes, no overflow.
 * Return 0 or -EINVAL / -ERANGE; *ret is untouched on failure. */
int parse_u64(const char *s, uint64_t *ret);
int parse_u32(const char *s, uint32_t *ret);
int parse_range_u32(const char *s, uint32_t min, uint32_t max, uint32_t *ret);

