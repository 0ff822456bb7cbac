/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "proto/crc32c.h"

#if defined(__x86_64__)
#  include <nmmintrin.h>
#endif

#define CRC32C_POLY 0x82F63B78u

/* Slicing-by-8 tables, filled once before main() (read-only afterwards, so thread-safe). */
static uint32_t table[8][256];
static uint32_t (*crc32c_impl)(uint32_t crc, const uint8_t *p, size_t n);

static uint32_t crc32c_sw(uint32_t crc, const uint8_t *p, size_t n) {
        while (n > 0 && ((uintptr_t) p & 7) != 0) {
                crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
                n--;
        }
        while (n >= 8) {
                uint32_t lo, hi;

                memcpy(&lo, p, 4);
                memcpy(&hi, p + 4, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
                lo = __builtin_bswap32(lo);
                hi = __builtin_bswap32(hi);
#endif
                lo ^= crc;
                crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^
                      table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
                      table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
                      table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
                p += 8;
                n -= 8;
        }
        while (n > 0) {
                crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
                n--;
        }
        return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc32c_hw(uint32_t crc, const uint8_t *p, size_t n) {
        uint64_t c = crc;

        while (n >= 8) {
                uint64_t v;

                memcpy(&v, p, 8);
                c = _mm_crc32_u64(c, v);
                p += 8;
                n -= 8;
        }
        crc = (uint32_t) c;
        while (n > 0) {
                crc = _mm_crc32_u8(crc, *p++);
                n--;
        }
        return crc;
}
#endif

__attribute__((constructor))
static void crc32c_init(void) {
        for (unsigned i = 0; i < 256; i++) {
                uint32_t c = i;

                for (unsigned k = 0; k < 8; k++)
                        c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
                table[0][i] = c;
        }
        for (unsigned i = 0; i < 256; i++)
                for (unsigned t = 1; t < 8; t++)
                        table[t][i] = table[0][table[t - 1][i] & 0xff] ^ (table[t - 1][i] >> 8);

        crc32c_impl = crc32c_sw;
#if defined(__x86_64__)
        __builtin_cpu_init();
        if (__builtin_cpu_supports("sse4.2"))
                crc32c_impl = crc32c_hw;
#endif
}

uint32_t proto_crc32c_extend_sw(uint32_t crc, const void *data, size_t size) {
        return ~crc32c_sw(~crc, data, size);
}

uint32_t proto_crc32c_extend(uint32_t crc, const void *data, size_t size) {
        return ~crc32c_impl(~crc, data, size);
}

uint32_t proto_crc32c(const void *data, size_t size) {
        return proto_crc32c_extend(0, data, size);
}
