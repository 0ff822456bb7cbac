/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct Vector {
        char name[64];
        uint8_t *bytes;
        size_t size;
} Vector;

/* Reads the test vectors from PROTOCOL.md: each "<!-- vector: NAME -->" line followed by a
 * ```hex block (hex digits and spaces; '#' starts a comment). 0 or negative errno. */
int vectors_load(const char *path, Vector **ret, size_t *ret_n);
void vectors_free(Vector *v, size_t n);
