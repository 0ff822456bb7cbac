/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "common/parse-util.h"

int parse_u64(const char *s, uint64_t *ret) {
        uint64_t v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                unsigned d = (unsigned) (*p - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

int parse_u32(const char *s, uint32_t *ret) {
        return parse_range_u32(s, 0, UINT32_MAX, ret);
}

int parse_range_u32(const char *s, uint32_t min, uint32_t max, uint32_t *ret) {
        uint64_t v;
        int r = parse_u64(s, &v);

        if (r < 0)
                return r;
        if (v < min || v > max)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int parse_ether_addr(const char *s, uint8_t ret[6]) {
        uint8_t mac[6];

        if (!s || strlen(s) != 17)
                return -EINVAL;
        for (int i = 0; i < 6; i++) {
                int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                if (i < 5 && s[i * 3 + 2] != ':')
                        return -EINVAL;
                mac[i] = (uint8_t) (hi << 4 | lo);
        }
        memcpy(ret, mac, 6);
        return 0;
}
