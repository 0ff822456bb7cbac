/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The live network state of the current network namespace, read once through netlink:
 * links, addresses and the routes of the main table. Plain data, so the rules in check.c
 * can be tested on hand-built states. */

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ip-addr.h"
#include "common/macro.h"

/* A guest has a handful of links; a namespace full of containers a few thousand. Beyond
 * this the dump is cut off rather than growing without bound. */
#define LIVE_MAX_OBJECTS 65536U

typedef struct live_link {
        int ifindex;
        char name[IF_NAMESIZE];
        char kind[32];          /* IFLA_INFO_KIND ("veth", "bridge"...), "" for hardware */
        char driver[32];        /* ethtool driver name, "" if unknown */
        unsigned arptype;       /* ARPHRD_* */
        bool has_mac;
        uint8_t mac[6];
        bool has_perm_mac;      /* IFLA_PERM_ADDRESS given and not all zeros */
        uint8_t perm_mac[6];
        uint8_t operstate;      /* IF_OPER_* */
        unsigned flags;         /* IFF_* */
        int master;             /* ifindex of the master, 0 if none */
} live_link;

typedef struct live_address {
        int ifindex;
        ip_addr addr;           /* with the prefix length of the address */
        unsigned scope;         /* RT_SCOPE_* */
        unsigned flags;         /* IFA_F_* */
        uint32_t valid_lft;     /* seconds, UINT32_MAX = forever */
        uint32_t preferred_lft;
} live_address;

typedef struct live_route {
        ip_addr dst;            /* its family is the route's; prefix 0 = default route */
        bool has_gateway;
        ip_addr gateway;
        int oif;                /* 0 if none */
        uint32_t metric;
        unsigned protocol;      /* RTPROT_* */
        unsigned scope;
        unsigned type;          /* RTN_* */
} live_route;

typedef struct live_state {
        live_link *links;
        size_t n_links;
        live_address *addresses;
        size_t n_addresses;
        live_route *routes;
        size_t n_routes;
} live_state;

/* Reads links, addresses and main-table unicast routes. Returns 0 or negative errno. */
int live_state_read(live_state **ret);
live_state *live_state_new(void);
live_state *live_state_free(live_state *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(live_state *, live_state_free);

/* Builders for tests and for read(): append a copy; return 0 or -ENOMEM/-E2BIG. */
int live_state_add_link(live_state *s, const live_link *l);
int live_state_add_address(live_state *s, const live_address *a);
int live_state_add_route(live_state *s, const live_route *r);

const live_link *live_state_link_by_index(const live_state *s, int ifindex);
const live_link *live_state_link_by_name(const live_state *s, const char *name);
/* By permanent MAC first, then by current MAC; lowest ifindex wins among equals. */
const live_link *live_state_link_by_mac(const live_state *s, const uint8_t mac[6]);

/* An address obtained dynamically (DHCP, SLAAC): it has a finite lifetime. */
bool live_address_is_dynamic(const live_address *a);
/* Global scope and not IPv6 link-local: an address a host can be told about. */
bool live_address_is_global(const live_address *a);
