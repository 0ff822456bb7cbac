/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/ip-addr.h"
#include "common/macro.h"

/* The host's neighbour table (RTM_GETNEIGH through libnl-route), searched by MAC. */
typedef struct NeighbourTable NeighbourTable;

/* The kernel keeps at most gc_thresh3 (1024 by default) entries per family; we look at no
 * more than this many whatever it holds. */
#define NEIGHBOUR_DUMP_MAX 65536

/* Networks larger than this many addresses are not probed: a /22 is 1022 datagrams. */
#define NEIGHBOUR_PROBE_MAX 1024

int neighbour_table_new(NeighbourTable **ret);
NeighbourTable *neighbour_table_free(NeighbourTable *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(NeighbourTable *, neighbour_table_free);

/* How long one dump of the table answers lookups. */
#define NEIGHBOUR_CACHE_USEC (1000u * 1000u)

/* Dumps the table (the kernel answers a dump at once; a dump younger than
 * NEIGHBOUR_CACHE_USEC at now_usec, CLOCK_MONOTONIC, is used again) and returns how many
 * entries have this link-layer address, usable ones first (reachable, then
 * stale/delay/probe/permanent; failed and incomplete entries are left out); up to max go
 * into ret. */
int neighbour_table_find(NeighbourTable *t, const uint8_t mac[static 6], uint64_t now_usec, ip_addr *ret,
                         size_t max);

/* Makes the kernel resolve every host address of an IPv4 subnet (one empty UDP datagram
 * to the discard port each, never waiting), so that a guest that has said nothing since
 * it moved appears in the table by the next lookup. -E2BIG for a subnet larger than
 * NEIGHBOUR_PROBE_MAX, -EAFNOSUPPORT for IPv6 (it cannot be enumerated). Returns the
 * number of datagrams handed to the kernel. */
int neighbour_table_probe(NeighbourTable *t, const ip_addr *subnet);
