/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "agent/management.h"
#include "common/ether-addr.h"

static const char *const mgmt_source_table[_MGMT_SOURCE_MAX] = {
        [MGMT_SOURCE_OPTION] = "option",
        [MGMT_SOURCE_AGENT_CONFIG] = "agent-config",
        [MGMT_SOURCE_HOST_HINT] = "host-hint",
        [MGMT_SOURCE_DEFAULT_ROUTE4] = "ipv4-default-route",
        [MGMT_SOURCE_DEFAULT_ROUTE6] = "ipv6-default-route",
        [MGMT_SOURCE_GLOBAL_ADDRESS] = "first-global-address",
};

static const char *const host_source_table[_HOST_SOURCE_MAX] = {
        [HOST_SOURCE_AGENT_CONFIG] = "agent-config",
        [HOST_SOURCE_HOST_HINT] = "host-hint",
        [HOST_SOURCE_GATEWAY] = "default-gateway",
        [HOST_SOURCE_SUBNET] = "current-subnet",
};

const char *mgmt_source_to_string(mgmt_source s) {
        return s >= 0 && s < _MGMT_SOURCE_MAX ? mgmt_source_table[s] : NULL;
}

const char *host_source_to_string(host_source s) {
        return s >= 0 && s < _HOST_SOURCE_MAX ? host_source_table[s] : NULL;
}

bool host_peer_is_specific(const host_peer *h) {
        return h && h->source != HOST_SOURCE_SUBNET;
}

/* The lowest-metric default route of the family; NULL if none. oif > 0 only when
 * on_link is NULL; otherwise the route must leave through that link. */
static const live_route *default_route(const live_state *live, int family, const live_link *on_link) {
        const live_route *best = NULL;

        for (size_t i = 0; i < live->n_routes; i++) {
                const live_route *r = &live->routes[i];

                if (r->dst.family != family || r->dst.prefixlen != 0 || r->oif <= 0)
                        continue;
                if (on_link && (r->oif != on_link->ifindex || !r->has_gateway))
                        continue;
                if (!best || r->metric < best->metric)
                        best = r;
        }
        return best;
}

static const live_link *lookup_config(const live_state *live, const agent_config *c) {
        if (c->has_mgmt_mac)
                return live_state_link_by_mac(live, c->mgmt_mac);
        return live_state_link_by_name(live, c->mgmt_name);
}

static bool names_link(const agent_config *c) {
        return c && (c->has_mgmt_mac || c->mgmt_name);
}

static const live_link *first_global_ethernet(const live_state *live) {
        const live_link *best = NULL;

        for (size_t i = 0; i < live->n_addresses; i++) {
                const live_address *a = &live->addresses[i];
                const live_link *l;

                if (!live_address_is_global(a))
                        continue;
                l = live_state_link_by_index(live, a->ifindex);
                if (!l || l->arptype != ARPHRD_ETHER)
                        continue;
                if (!best || l->ifindex < best->ifindex)
                        best = l;
        }
        return best;
}

int management_resolve_link(const live_state *live, const char *option, const agent_config *cfg,
                            const agent_config *hint, const live_link **ret, mgmt_source *ret_source,
                            char **ret_error) {
        const live_route *route;
        const live_link *l;
        uint8_t mac[ETHER_ADDR_LEN_BYTES];

        if (option) {
                l = ether_addr_from_string(option, mac) == 0 ? live_state_link_by_mac(live, mac)
                                                             : live_state_link_by_name(live, option);
                if (!l) {
                        if (ret_error && asprintf(ret_error, "--mgmt %s: no such link", option) < 0)
                                return -ENOMEM;
                        return -ENODEV;
                }
                *ret = l;
                *ret_source = MGMT_SOURCE_OPTION;
                return 0;
        }
        if (names_link(cfg)) {
                l = lookup_config(live, cfg);
                if (!l) {
                        const agent_config_pos p = cfg->has_mgmt_mac ? cfg->mgmt_mac_pos : cfg->mgmt_name_pos;
                        if (ret_error &&
                            asprintf(ret_error, "%s:%u:%u: management.%s %s: no such link", cfg->path, p.line, p.column,
                                     cfg->has_mgmt_mac ? "macaddress" : "name",
                                     cfg->has_mgmt_mac ? cfg->mgmt_mac_text : cfg->mgmt_name) < 0)
                                return -ENOMEM;
                        return -ENODEV;
                }
                *ret = l;
                *ret_source = MGMT_SOURCE_AGENT_CONFIG;
                return 0;
        }
        /* The hint is volatile and may be stale: if its link is gone, fall through. */
        if (names_link(hint)) {
                l = lookup_config(live, hint);
                if (l) {
                        *ret = l;
                        *ret_source = MGMT_SOURCE_HOST_HINT;
                        return 0;
                }
        }
        for (int pass = 0; pass < 2; pass++) {
                route = default_route(live, pass == 0 ? AF_INET : AF_INET6, NULL);
                l = route ? live_state_link_by_index(live, route->oif) : NULL;
                if (l) {
                        *ret = l;
                        *ret_source = pass == 0 ? MGMT_SOURCE_DEFAULT_ROUTE4 : MGMT_SOURCE_DEFAULT_ROUTE6;
                        return 0;
                }
        }
        l = first_global_ethernet(live);
        if (l) {
                *ret = l;
                *ret_source = MGMT_SOURCE_GLOBAL_ADDRESS;
                return 0;
        }
        if (ret_error && asprintf(ret_error, "cannot tell which link is the management link: no --mgmt, no "
                                             "management: in the agent config, no default route and no Ethernet "
                                             "link with a global address") < 0)
                return -ENOMEM;
        return -ENXIO;
}

int management_resolve_host(const live_state *live, const live_link *mgmt, const agent_config *cfg,
                            const agent_config *hint, host_peer *ret) {
        if (cfg && ip_addr_is_set(&cfg->mgmt_host)) {
                *ret = (host_peer) { .source = HOST_SOURCE_AGENT_CONFIG, .addr = cfg->mgmt_host };
                return 0;
        }
        if (hint && ip_addr_is_set(&hint->mgmt_host)) {
                *ret = (host_peer) { .source = HOST_SOURCE_HOST_HINT, .addr = hint->mgmt_host };
                return 0;
        }
        for (int pass = 0; pass < 2; pass++) {
                const live_route *r = default_route(live, pass == 0 ? AF_INET : AF_INET6, mgmt);
                if (r) {
                        *ret = (host_peer) { .source = HOST_SOURCE_GATEWAY, .addr = r->gateway };
                        return 0;
                }
        }
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < live->n_addresses; i++) {
                        const live_address *a = &live->addresses[i];
                        if (a->ifindex == mgmt->ifindex && a->addr.family == (pass == 0 ? AF_INET : AF_INET6) &&
                            live_address_is_global(a)) {
                                *ret = (host_peer) { .source = HOST_SOURCE_SUBNET, .addr = ip_addr_subnet(&a->addr) };
                                return 0;
                        }
                }
        return -ENXIO;
}

static int put(char *buf, size_t size, int r) {
        return r < 0 || (size_t) r >= size ? -ENOBUFS : 0;
}

int mgmt_source_describe(mgmt_source s, const agent_config *cfg, const agent_config *hint, char *buf, size_t size) {
        switch (s) {
        case MGMT_SOURCE_OPTION:
                return put(buf, size, snprintf(buf, size, "--mgmt"));
        case MGMT_SOURCE_AGENT_CONFIG:
                return put(buf, size, snprintf(buf, size, "management.%s in %s",
                                               cfg->has_mgmt_mac ? "macaddress" : "name", cfg->path));
        case MGMT_SOURCE_HOST_HINT:
                return put(buf, size, snprintf(buf, size, "the host's hint %s", hint->path));
        case MGMT_SOURCE_DEFAULT_ROUTE4:
                return put(buf, size, snprintf(buf, size, "the link holding the IPv4 default route"));
        case MGMT_SOURCE_DEFAULT_ROUTE6:
                return put(buf, size, snprintf(buf, size, "the link holding the IPv6 default route"));
        case MGMT_SOURCE_GLOBAL_ADDRESS:
                return put(buf, size, snprintf(buf, size, "the lowest-ifindex Ethernet link with a global address"));
        case _MGMT_SOURCE_MAX:
        case _MGMT_SOURCE_INVALID:
                break;
        }
        return -EINVAL;
}

int host_source_describe(const host_peer *h, const live_link *mgmt, const agent_config *cfg,
                         const agent_config *hint, char *buf, size_t size) {
        switch (h->source) {
        case HOST_SOURCE_AGENT_CONFIG:
                return put(buf, size, snprintf(buf, size, "management.host in %s", cfg->path));
        case HOST_SOURCE_HOST_HINT:
                return put(buf, size, snprintf(buf, size, "the host's hint %s", hint->path));
        case HOST_SOURCE_GATEWAY:
                return put(buf, size, snprintf(buf, size, "the default gateway on %s", mgmt->name));
        case HOST_SOURCE_SUBNET:
                return put(buf, size, snprintf(buf, size,
                                               "no host address known, taken to be on-link in %s's current subnet",
                                               mgmt->name));
        case _HOST_SOURCE_MAX:
        case _HOST_SOURCE_INVALID:
                break;
        }
        return -EINVAL;
}
