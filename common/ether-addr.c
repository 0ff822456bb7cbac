/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/ether-addr.h"

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int ether_addr_from_string(const char *s, uint8_t ret[static ETHER_ADDR_LEN_BYTES]) {
        uint8_t mac[ETHER_ADDR_LEN_BYTES];

        if (!s || strlen(s) != ETHER_ADDR_STRLEN - 1)
                return -EINVAL;
        for (int i = 0; i < ETHER_ADDR_LEN_BYTES; i++) {
                int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                if (i < ETHER_ADDR_LEN_BYTES - 1 && s[i * 3 + 2] != ':')
                        return -EINVAL;
                mac[i] = (uint8_t) (hi << 4 | lo);
        }
        memcpy(ret, mac, sizeof(mac));
        return 0;
}

char *ether_addr_to_string(const uint8_t mac[static ETHER_ADDR_LEN_BYTES], char buf[static ETHER_ADDR_STRLEN]) {
        snprintf(buf, ETHER_ADDR_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                 mac[5]);
        return buf;
}

bool ether_addr_is_zero(const uint8_t mac[static ETHER_ADDR_LEN_BYTES]) {
        for (int i = 0; i < ETHER_ADDR_LEN_BYTES; i++)
                if (mac[i])
                        return false;
        return true;
}
