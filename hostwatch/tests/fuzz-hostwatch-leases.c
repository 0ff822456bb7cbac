/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The lease parsers on arbitrary bytes: the first 6 bytes are the MAC looked for, the rest
 * a lease file (dnsmasq or libvirt JSON, by its first character). Whatever is returned
 * must be sorted as promised and within the slots given. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hostwatch/leases.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const uint8_t fallback[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
        const uint8_t *mac = size >= 6 ? data : fallback;
        Lease l[4];
        size_t bad = 0;
        int n;

        if (size >= 6) {
                data += 6;
                size -= 6;
        }
        if (size > LEASES_FILE_MAX)
                return 0;
        n = leases_find((const char *) data, size, mac, l, 4, &bad);
        if (n < 0) {
                if (n != -EBADMSG && n != -ENOMEM)
                        abort();
                return 0;
        }
        for (int i = 1; i < n && i < 4; i++) {
                uint64_t a = l[i - 1].expiry, b = l[i].expiry;
                if (a != 0 && (b == 0 || b > a))
                        abort();
        }
        return 0;
}
