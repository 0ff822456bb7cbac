/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "agent/management.h"
#include "agent/snapshot.h"

static int cmp_link_index(const void *a, const void *b) {
        const live_link *x = *(const live_link *const *) a, *y = *(const live_link *const *) b;

        return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

void snapshot_done(ProtoAddresses *a) {
        if (!a)
                return;
        for (size_t i = 0; i < a->n_links; i++)
                free(a->links[i].addresses);
        a->links = mfree(a->links);
        a->n_links = 0;
        a->routes = mfree(a->routes);
        a->n_routes = 0;
}

static void fill_link(ProtoLink *p, const live_link *l) {
        size_t n = strnlen(l->name, sizeof(l->name));

        if (n > PROTO_IFNAME_MAX)
                n = PROTO_IFNAME_MAX;
        memcpy(p->name, l->name, n);
        p->name[n] = 0;
        p->index = (uint32_t) l->ifindex;
        if (l->has_mac) {
                memcpy(p->hwaddr, l->mac, sizeof(l->mac));
                p->hwaddr_len = sizeof(l->mac);
        }
        /* Sent even when equal to hwaddr: absent then means only "the kernel has none". */
        if (l->has_perm_mac) {
                memcpy(p->permanent_hwaddr, l->perm_mac, sizeof(l->perm_mac));
                p->permanent_hwaddr_len = sizeof(l->perm_mac);
        }
        p->operstate = l->operstate < _PROTO_OPER_MAX ? l->operstate : PROTO_OPER_UNKNOWN;
        p->master = l->master > 0 ? (uint32_t) l->master : 0;
}

/* A default route the protocol can carry: 0.0.0.0/0 or ::/0 leaving on a link, with no
 * gateway or one of its own family. */
static bool route_is_default(const live_route *r) {
        return (r->dst.family == AF_INET || r->dst.family == AF_INET6) && r->dst.prefixlen == 0 && r->oif > 0 &&
               (!r->has_gateway || r->gateway.family == r->dst.family);
}

static int cmp_route(const void *a, const void *b) {
        const ProtoRoute *x = a, *y = b;
        int c;

        if (x->family != y->family)
                return x->family < y->family ? -1 : 1;
        if (x->metric != y->metric)
                return x->metric < y->metric ? -1 : 1;
        if (x->ifindex != y->ifindex)
                return x->ifindex < y->ifindex ? -1 : 1;
        c = memcmp(x->gateway.bytes, y->gateway.bytes, sizeof(x->gateway.bytes));
        if (c != 0)
                return c;
        return (x->gateway.family > y->gateway.family) - (x->gateway.family < y->gateway.family);
}

/* The default routes, ordered (family, metric, ifindex, gateway) so that the same routes
 * compare equal whatever order the kernel dumped them in. */
static int fill_routes(ProtoAddresses *s, const live_state *live, size_t *dropped) {
        size_t n = 0;

        for (size_t i = 0; i < live->n_routes; i++)
                if (route_is_default(&live->routes[i]))
                        n++;
        if (n == 0)
                return 0;
        if (n > PROTO_ROUTES_MAX) {
                *dropped += n - PROTO_ROUTES_MAX;
                n = PROTO_ROUTES_MAX;
        }
        s->routes = calloc(n, sizeof(ProtoRoute));
        if (!s->routes)
                return -ENOMEM;
        for (size_t i = 0; i < live->n_routes && s->n_routes < n; i++) {
                const live_route *r = &live->routes[i];

                if (!route_is_default(r))
                        continue;
                s->routes[s->n_routes++] = (ProtoRoute) {
                        .family = r->dst.family == AF_INET ? PROTO_FAMILY_IPV4 : PROTO_FAMILY_IPV6,
                        .gateway = r->has_gateway ? r->gateway : (ip_addr) {},
                        .ifindex = (uint32_t) r->oif,
                        .metric = r->metric,
                        .protocol = r->protocol <= UINT8_MAX ? (uint8_t) r->protocol : 0,
                };
                if (r->has_gateway)
                        s->routes[s->n_routes - 1].gateway.prefixlen = (uint8_t) ip_family_bits(r->dst.family);
        }
        qsort(s->routes, s->n_routes, sizeof(ProtoRoute), cmp_route);
        return 0;
}

int snapshot_build(const live_state *live, const agent_config *cfg, const agent_config *hint, ProtoAddresses *ret,
                   size_t *ret_dropped) {
        _cleanup_free_ const live_link **order = NULL;
        _cleanup_free_ char *error = NULL;
        ProtoAddresses s = {};
        const live_link *mgmt = NULL;
        mgmt_source source;
        size_t n_links, dropped = 0, total = 0;

        if (!live || !ret)
                return -EINVAL;

        /* No management link is an answer too (a guest without network yet). */
        if (management_resolve_link(live, NULL, cfg, hint, &mgmt, &source, &error) < 0)
                mgmt = NULL;

        n_links = live->n_links;
        if (n_links > 0) {
                order = calloc(n_links, sizeof(*order));
                if (!order)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n_links; i++)
                order[i] = &live->links[i];
        if (n_links > 1)
                qsort(order, n_links, sizeof(*order), cmp_link_index);
        for (size_t i = 0; i < n_links; i++)
                if (order[i]->ifindex <= 0)
                        order[i] = NULL;
        if (n_links > PROTO_LINKS_MAX) {
                dropped += n_links - PROTO_LINKS_MAX;
                n_links = PROTO_LINKS_MAX;
        }

        if (n_links > 0) {
                s.links = calloc(n_links, sizeof(ProtoLink));
                if (!s.links)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n_links; i++) {
                const live_link *l = order[i];
                ProtoLink *p;
                size_t n = 0;

                if (!l)
                        continue;
                p = &s.links[s.n_links++];
                fill_link(p, l);
                if (l == mgmt)
                        p->flags |= PROTO_LINK_MANAGEMENT;

                for (size_t j = 0; j < live->n_addresses; j++)
                        if (live->addresses[j].ifindex == l->ifindex)
                                n++;
                if (n == 0)
                        continue;
                p->addresses = calloc(n < PROTO_LINK_ADDRESSES_MAX ? n : PROTO_LINK_ADDRESSES_MAX,
                                      sizeof(ProtoAddress));
                if (!p->addresses) {
                        snapshot_done(&s);
                        return -ENOMEM;
                }
                for (size_t j = 0; j < live->n_addresses; j++) {
                        const live_address *a = &live->addresses[j];

                        if (a->ifindex != l->ifindex)
                                continue;
                        if (p->n_addresses >= PROTO_LINK_ADDRESSES_MAX || total >= PROTO_ADDRESSES_MAX ||
                            (a->addr.family != AF_INET && a->addr.family != AF_INET6)) {
                                dropped++;
                                continue;
                        }
                        p->addresses[p->n_addresses++] = (ProtoAddress) {
                                .address = a->addr,
                                .scope = a->scope <= UINT8_MAX ? (uint8_t) a->scope : 0,
                                .flags = a->flags,
                                .valid_lft = a->valid_lft,
                                .preferred_lft = a->preferred_lft,
                        };
                        total++;
                }
        }

        if (fill_routes(&s, live, &dropped) < 0) {
                snapshot_done(&s);
                return -ENOMEM;
        }

        if (ret_dropped)
                *ret_dropped = dropped;
        *ret = s;
        return 0;
}

/* 0, finite or forever: what a host can act on, and what does not change with time. */
static int lifetime_class(uint32_t lft) {
        return lft == 0 ? 0 : lft == UINT32_MAX ? 2 : 1;
}

static bool address_equal(const ProtoAddress *a, const ProtoAddress *b) {
        return ip_addr_equal(&a->address, &b->address) && a->address.prefixlen == b->address.prefixlen &&
               a->scope == b->scope && a->flags == b->flags &&
               lifetime_class(a->valid_lft) == lifetime_class(b->valid_lft) &&
               lifetime_class(a->preferred_lft) == lifetime_class(b->preferred_lft);
}

static bool link_equal(const ProtoLink *a, const ProtoLink *b) {
        if (strcmp(a->name, b->name) != 0 || a->index != b->index || a->hwaddr_len != b->hwaddr_len ||
            memcmp(a->hwaddr, b->hwaddr, a->hwaddr_len) != 0 || a->operstate != b->operstate ||
            a->master != b->master || a->flags != b->flags || a->n_addresses != b->n_addresses ||
            a->permanent_hwaddr_len != b->permanent_hwaddr_len ||
            memcmp(a->permanent_hwaddr, b->permanent_hwaddr, a->permanent_hwaddr_len) != 0)
                return false;
        for (size_t i = 0; i < a->n_addresses; i++)
                if (!address_equal(&a->addresses[i], &b->addresses[i]))
                        return false;
        return true;
}

static bool route_equal(const ProtoRoute *a, const ProtoRoute *b) {
        return a->family == b->family && a->gateway.family == b->gateway.family &&
               (a->gateway.family == AF_UNSPEC || ip_addr_equal(&a->gateway, &b->gateway)) &&
               a->ifindex == b->ifindex && a->metric == b->metric && a->protocol == b->protocol;
}

bool snapshot_equal(const ProtoAddresses *a, const ProtoAddresses *b) {
        if (!a || !b || a->n_links != b->n_links || a->n_routes != b->n_routes)
                return false;
        for (size_t i = 0; i < a->n_routes; i++)
                if (!route_equal(&a->routes[i], &b->routes[i]))
                        return false;
        for (size_t i = 0; i < a->n_links; i++)
                if (!link_equal(&a->links[i], &b->links[i]))
                        return false;
        return true;
}
