/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "common/sha256.h"

static const uint32_t K[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, unsigned n) {
        return (x >> n) | (x << (32 - n));
}

static void block(sha256_ctx *c, const uint8_t *p) {
        uint32_t w[64], a, b, cc, d, e, f, g, h;

        for (unsigned i = 0; i < 16; i++)
                w[i] = (uint32_t) p[4 * i] << 24 | (uint32_t) p[4 * i + 1] << 16 | (uint32_t) p[4 * i + 2] << 8 |
                       (uint32_t) p[4 * i + 3];
        for (unsigned i = 16; i < 64; i++) {
                uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
                uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
                w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        a = c->state[0], b = c->state[1], cc = c->state[2], d = c->state[3];
        e = c->state[4], f = c->state[5], g = c->state[6], h = c->state[7];
        for (unsigned i = 0; i < 64; i++) {
                uint32_t s1 = ror(e, 6) ^ ror(e, 11) ^ ror(e, 25);
                uint32_t ch = (e & f) ^ (~e & g);
                uint32_t t1 = h + s1 + ch + K[i] + w[i];
                uint32_t s0 = ror(a, 2) ^ ror(a, 13) ^ ror(a, 22);
                uint32_t maj = (a & b) ^ (a & cc) ^ (b & cc);
                uint32_t t2 = s0 + maj;

                h = g, g = f, f = e, e = d + t1, d = cc, cc = b, b = a, a = t1 + t2;
        }
        c->state[0] += a, c->state[1] += b, c->state[2] += cc, c->state[3] += d;
        c->state[4] += e, c->state[5] += f, c->state[6] += g, c->state[7] += h;
}

void sha256_init(sha256_ctx *c) {
        static const uint32_t H0[8] = {
                0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
        };

        memcpy(c->state, H0, sizeof H0);
        c->length = 0;
        c->buf_len = 0;
}

void sha256_update(sha256_ctx *c, const void *data, size_t size) {
        const uint8_t *p = data;

        c->length += size;
        if (c->buf_len > 0) {
                size_t k = 64 - c->buf_len < size ? 64 - c->buf_len : size;

                memcpy(c->buf + c->buf_len, p, k);
                c->buf_len += k, p += k, size -= k;
                if (c->buf_len < 64)
                        return;
                block(c, c->buf);
                c->buf_len = 0;
        }
        for (; size >= 64; p += 64, size -= 64)
                block(c, p);
        if (size > 0) {
                memcpy(c->buf, p, size);
                c->buf_len = size;
        }
}

void sha256_final(sha256_ctx *c, uint8_t ret[SHA256_DIGEST_SIZE]) {
        uint64_t bits = c->length * 8;
        uint8_t pad[72] = { 0x80 };
        size_t n = (c->buf_len < 56 ? 56 : 120) - c->buf_len;

        for (unsigned i = 0; i < 8; i++)
                pad[n + i] = (uint8_t) (bits >> (56 - 8 * i));
        sha256_update(c, pad, n + 8);
        for (unsigned i = 0; i < 8; i++) {
                ret[4 * i] = (uint8_t) (c->state[i] >> 24);
                ret[4 * i + 1] = (uint8_t) (c->state[i] >> 16);
                ret[4 * i + 2] = (uint8_t) (c->state[i] >> 8);
                ret[4 * i + 3] = (uint8_t) c->state[i];
        }
}

void sha256(const void *data, size_t size, uint8_t ret[SHA256_DIGEST_SIZE]) {
        sha256_ctx c;

        sha256_init(&c);
        sha256_update(&c, data, size);
        sha256_final(&c, ret);
}

void sha256_to_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char ret[SHA256_HEX_SIZE]) {
        static const char hex[] = "0123456789abcdef";

        for (unsigned i = 0; i < SHA256_DIGEST_SIZE; i++) {
                ret[2 * i] = hex[digest[i] >> 4];
                ret[2 * i + 1] = hex[digest[i] & 15];
        }
        ret[2 * SHA256_DIGEST_SIZE] = 0;
}

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int sha256_from_hex(const char *hex, uint8_t ret[SHA256_DIGEST_SIZE]) {
        uint8_t d[SHA256_DIGEST_SIZE];

        if (strlen(hex) != 2 * SHA256_DIGEST_SIZE)
                return -EINVAL;
        for (unsigned i = 0; i < SHA256_DIGEST_SIZE; i++) {
                int hi = unhex(hex[2 * i]), lo = unhex(hex[2 * i + 1]);

                if (hi < 0 || lo < 0)
                        return -EINVAL;
                d[i] = (uint8_t) (hi << 4 | lo);
        }
        memcpy(ret, d, sizeof d);
        return 0;
}
