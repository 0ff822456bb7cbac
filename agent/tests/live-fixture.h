/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Hand-built live states for the rule and resolution tests. */

#include <stdbool.h>
#include <stdint.h>

#include "agent/live.h"

extern const uint8_t GV_MAC[6];

/* "192.0.2.1" or "2001:db8::1" with the full prefix; fails the test on bad text. */
ip_addr ip(const char *s);
/* "192.0.2.0/24" */
ip_addr prefix(const char *s);

/* mac: current and permanent MAC (a NIC), or NULL */
void add_link(live_state *s, int ifindex, const char *name, unsigned arptype, const uint8_t *mac);
void add_addr(live_state *s, int ifindex, const char *addr_with_prefix, bool dynamic);
/* dst NULL: a default route of gw's family (or IPv4 without gw) */
void add_route(live_state *s, int ifindex, const char *dst_with_prefix, const char *gw, unsigned protocol);

/* The brief's guest: gv holds the DHCP lease 192.0.2.58/24, default route via 192.0.2.1. */
live_state *guest_on_dhcp(void);
/* The same guest with a static address (no lease). */
live_state *guest_static(void);
