/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one IP address type of the tree: family, bytes and a prefix length. A host address
 * carries the full length (32 or 128); a subnet or an interface address its own. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" and its NUL */
#define IP_PREFIX_STRLEN (INET6_ADDRSTRLEN + 4)

typedef struct ip_addr {
        int family;             /* AF_INET or AF_INET6; AF_UNSPEC: no address */
        union {
                struct in_addr in;
                struct in6_addr in6;
                uint8_t bytes[16];
        };
        uint8_t prefixlen;
} ip_addr;

/* 4, 16, or 0 for anything else. */
size_t ip_family_size(int family);
/* 32, 128, or 0. */
unsigned ip_family_bits(int family);

/* From raw bytes (ip_family_size(family) of them). -EAFNOSUPPORT for another family,
 * -ERANGE for a prefix longer than the family's. */
int ip_addr_from_bytes(int family, const void *bytes, unsigned prefixlen, ip_addr *ret);

/* "192.0.2.1", "2001:db8::1": a host address (full prefix). family AF_UNSPEC takes
 * either. -EINVAL for anything else (a "/len" included). */
int ip_addr_from_string(const char *s, int family, ip_addr *ret);
/* "192.0.2.7/24": an address with its prefix. Without "/len" the full length is taken
 * unless prefix_required. -EINVAL for bad text, -ERANGE for a too-long prefix. */
int ip_prefix_from_string(const char *s, int family, bool prefix_required, ip_addr *ret);

/* The address alone, or "ADDR/LEN". Return 0 or -ENOSPC / -EAFNOSUPPORT. */
int ip_addr_to_string(const ip_addr *a, char *buf, size_t size);
int ip_prefix_to_string(const ip_addr *a, char *buf, size_t size);

/* Same family and bytes (prefix lengths are not compared). */
bool ip_addr_equal(const ip_addr *a, const ip_addr *b);
/* Does the subnet net/net->prefixlen hold a's address? False across families. */
bool ip_prefix_contains(const ip_addr *net, const ip_addr *a);
/* The subnet of a: bytes past the prefix cleared. */
ip_addr ip_addr_subnet(const ip_addr *a);
bool ip_addr_is_set(const ip_addr *a);
/* fe80::/10 */
bool ip_addr_is_link_local(const ip_addr *a);
