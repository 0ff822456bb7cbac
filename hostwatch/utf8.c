/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>

#include "hostwatch/utf8.h"

bool utf8_is_valid(const char *s, size_t n) {
        const uint8_t *p = (const uint8_t *) s;
        size_t i = 0;

        while (i < n) {
                uint8_t c = p[i];
                size_t len;
                uint32_t cp, min;

                if (c < 0x80) {
                        if ((c < 0x20 && c != '\t') || c == 0x7f)
                                return false;
                        i++;
                        continue;
                }
                if ((c & 0xe0) == 0xc0) {
                        len = 2, cp = c & 0x1f, min = 0x80;
                } else if ((c & 0xf0) == 0xe0) {
                        len = 3, cp = c & 0x0f, min = 0x800;
                } else if ((c & 0xf8) == 0xf0) {
                        len = 4, cp = c & 0x07, min = 0x10000;
                } else
                        return false;   /* a continuation byte first, or 0xf8.. */
                if (len > n - i)
                        return false;
                for (size_t k = 1; k < len; k++) {
                        if ((p[i + k] & 0xc0) != 0x80)
                                return false;
                        cp = cp << 6 | (p[i + k] & 0x3f);
                }
                if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                i += len;
        }
        return true;
}
