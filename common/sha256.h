/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* SHA-256 (FIPS 180-4), for checksums of netplan files: no library dependency for it. */

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE (2 * SHA256_DIGEST_SIZE + 1)

typedef struct sha256_ctx {
        uint32_t state[8];
        uint64_t length;        /* bytes hashed so far */
        uint8_t buf[64];
        size_t buf_len;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t size);
void sha256_final(sha256_ctx *c, uint8_t ret[SHA256_DIGEST_SIZE]);

/* One call over a whole buffer. */
void sha256(const void *data, size_t size, uint8_t ret[SHA256_DIGEST_SIZE]);

/* Lower-case hex, NUL-terminated. */
void sha256_to_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char ret[SHA256_HEX_SIZE]);
/* Parses exactly 64 hex digits (either case); -EINVAL otherwise. */
int sha256_from_hex(const char *hex, uint8_t ret[SHA256_DIGEST_SIZE]);
