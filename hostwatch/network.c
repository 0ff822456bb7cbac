/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "hostwatch/network.h"

int networks_parse(const char *const *v, Networks *ret) {
        Networks n = {};

        for (size_t i = 0; v && v[i]; i++) {
                ip_addr a;
                if (n.n >= NETWORKS_MAX)
                        return -E2BIG;
                if (ip_prefix_from_string(v[i], AF_UNSPEC, true, &a) < 0)
                        return -EINVAL;
                n.net[n.n++] = ip_addr_subnet(&a);
        }
        if (n.n == 0)
                return -ENOENT;
        *ret = n;
        return 0;
}

bool networks_contain(const Networks *n, const ip_addr *a) {
        if (!ip_addr_is_set(a) || ip_addr_is_link_local(a))
                return false;
        for (size_t i = 0; i < n->n; i++)
                if (ip_prefix_contains(&n->net[i], a))
                        return true;
        return false;
}
