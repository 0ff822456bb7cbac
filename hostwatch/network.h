/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/ip-addr.h"

/* The networks a machine may be reached on. A management network or two, and their IPv6
 * twins: 16 is plenty, and bounds the work per address a guest reports. */
#define NETWORKS_MAX 16

typedef struct Networks {
        size_t n;
        ip_addr net[NETWORKS_MAX];
} Networks;

/* From "192.0.2.0/24" strings (NULL-terminated; a prefix length is required). -EINVAL
 * for bad text, -E2BIG past NETWORKS_MAX, -ENOENT for none. *ret untouched on failure. */
int networks_parse(const char *const *v, Networks *ret);

/* Only these addresses are ever used: inside one of the networks, and not IPv6 link-local
 * (it needs an interface scope an address alone does not carry). */
bool networks_contain(const Networks *n, const ip_addr *a);
