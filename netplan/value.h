/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: scalar values as netplan's parser reads them (pure, no allocation kept). */

#include <stdbool.h>
#include <stddef.h>

/* true/on/yes/y, false/off/no/n in any case (handle_generic_bool); false if neither. */
bool np_parse_bool(const char *s, bool *ret);
/* g_ascii_strtoull as netplan uses it: *ret is set, the result says "fits a guint". */
bool np_parse_guint(const char *s, unsigned long long *ret);
/* nbytes colon-separated hex pairs (6 for Ethernet, 20 for InfiniBand). */
bool np_is_mac(const char *s, size_t nbytes);
bool np_is_ip4(const char *s);
bool np_is_ip6(const char *s);
bool np_is_hostname(const char *s);
/* AF_INET/AF_INET6 of an address with an optional /prefix, -1 if neither. */
int np_ip_family(const char *s);
/* s in the NULL-terminated list values (case-insensitive when icase). */
bool np_in_list(const char *s, const char *const *values, bool icase);
/* "0.106" -> 106, "1.1" -> 1001. */
int np_version_parse(const char *s, unsigned *ret);

/* A netplan version as np_version_parse() returns it. */
#define NP_V(maj, min) ((maj) * 1000U + (min))
