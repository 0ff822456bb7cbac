/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/ip-addr.h"

/* DHCP leases, pure over bytes (fuzzable): dnsmasq's lease file ("EXPIRY MAC IP NAME ID"
 * per line, IPv6 lines after a "duid" line carry no MAC and are skipped) and libvirt's
 * <network>.status (a JSON array of {"ip-address", "mac-address", "expiry-time", ...}). */

/* A lease file is read whole; 1 MiB holds ~12,000 dnsmasq lines, more than a /18. */
#define LEASES_FILE_MAX (1024 * 1024)
/* One dnsmasq line: a 255-byte client id and a 63-byte name fit easily. */
#define LEASES_LINE_MAX 512
/* libvirt's JSON is flat: an array of objects of scalars. */
#define LEASES_JSON_DEPTH 4

typedef struct Lease {
        ip_addr address;
        uint64_t expiry;        /* seconds since the epoch; 0 = never expires */
} Lease;

/* Finds the leases of mac, most recent first (the latest expiry; "never" first), and puts
 * up to max of them into ret. Returns how many were found (maybe more than max), or
 * -EBADMSG for a libvirt file that is not the expected JSON. Bad dnsmasq lines are skipped
 * and counted in *ret_bad (may be NULL). */
int leases_find(const char *data, size_t size, const uint8_t mac[static 6], Lease *ret, size_t max,
                size_t *ret_bad);
