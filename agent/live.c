/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>
#include <netlink/route/rtnl.h>

#include "agent/live.h"

live_state *live_state_new(void) {
        return calloc(1, sizeof(live_state));
}

live_state *live_state_free(live_state *s) {
        if (!s)
                return NULL;
        free(s->links);
        free(s->addresses);
        free(s->routes);
        free(s);
        return NULL;
}

static int append(void **array, size_t *n, size_t size, const void *item) {
        if (*n >= LIVE_MAX_OBJECTS)
                return -E2BIG;
        void *p = reallocarray(*array, *n + 1, size);
        if (!p)
                return -ENOMEM;
        memcpy((uint8_t *) p + *n * size, item, size);
        *array = p;
        (*n)++;
        return 0;
}

int live_state_add_link(live_state *s, const live_link *l) {
        return append((void **) &s->links, &s->n_links, sizeof(*l), l);
}

int live_state_add_address(live_state *s, const live_address *a) {
        return append((void **) &s->addresses, &s->n_addresses, sizeof(*a), a);
}

int live_state_add_route(live_state *s, const live_route *r) {
        return append((void **) &s->routes, &s->n_routes, sizeof(*r), r);
}

const live_link *live_state_link_by_index(const live_state *s, int ifindex) {
        for (size_t i = 0; i < s->n_links; i++)
                if (s->links[i].ifindex == ifindex)
                        return &s->links[i];
        return NULL;
}

const live_link *live_state_link_by_name(const live_state *s, const char *name) {
        for (size_t i = 0; i < s->n_links; i++)
                if (strcmp(s->links[i].name, name) == 0)
                        return &s->links[i];
        return NULL;
}

const live_link *live_state_link_by_mac(const live_state *s, const uint8_t mac[6]) {
        const live_link *best = NULL;

        for (size_t i = 0; i < s->n_links; i++)
                if (s->links[i].has_perm_mac && memcmp(s->links[i].perm_mac, mac, 6) == 0 &&
                    (!best || s->links[i].ifindex < best->ifindex))
                        best = &s->links[i];
        if (best)
                return best;
        for (size_t i = 0; i < s->n_links; i++)
                if (s->links[i].has_mac && memcmp(s->links[i].mac, mac, 6) == 0 &&
                    (!best || s->links[i].ifindex < best->ifindex))
                        best = &s->links[i];
        return best;
}

bool live_address_is_dynamic(const live_address *a) {
        return !(a->flags & IFA_F_PERMANENT) && a->valid_lft != UINT32_MAX;
}

bool live_address_is_global(const live_address *a) {
        return a->scope == RT_SCOPE_UNIVERSE && !ip_addr_is_link_local(&a->addr);
}

/* ---- links: a raw RTM_GETLINK dump, because libnl 3.7 does not expose IFLA_PERM_ADDRESS */

static void link_fill_driver(live_link *l) {
        _cleanup_close_ int fd = -EBADF;
        struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
        struct ifreq ifr = {};

        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return;
        memcpy(ifr.ifr_name, l->name, sizeof(ifr.ifr_name) < sizeof(l->name) ? sizeof(ifr.ifr_name) : sizeof(l->name));
        ifr.ifr_name[sizeof(ifr.ifr_name) - 1] = 0;
        ifr.ifr_data = (void *) &info;
        if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
                return;
        info.driver[sizeof(info.driver) - 1] = 0;
        snprintf(l->driver, sizeof(l->driver), "%s", info.driver);
}

struct link_dump {
        live_state *state;
        int error;
};

static int link_valid_cb(struct nl_msg *msg, void *userdata) {
        struct link_dump *d = userdata;
        struct nlmsghdr *h = nlmsg_hdr(msg);
        struct nlattr *tb[IFLA_MAX + 1];
        struct ifinfomsg *ifi;
        live_link l = {};
        int r;

        if (h->nlmsg_type != RTM_NEWLINK)
                return NL_SKIP;
        r = nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL);
        if (r < 0)
                return NL_SKIP;
        ifi = nlmsg_data(h);
        l.ifindex = ifi->ifi_index;
        l.arptype = ifi->ifi_type;
        l.flags = ifi->ifi_flags;
        if (tb[IFLA_IFNAME])
                nla_strlcpy(l.name, tb[IFLA_IFNAME], sizeof(l.name));
        if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6) {
                memcpy(l.mac, nla_data(tb[IFLA_ADDRESS]), 6);
                l.has_mac = true;
        }
        if (tb[IFLA_PERM_ADDRESS] && nla_len(tb[IFLA_PERM_ADDRESS]) == 6) {
                static const uint8_t zero[6];
                memcpy(l.perm_mac, nla_data(tb[IFLA_PERM_ADDRESS]), 6);
                /* veth and other virtual links report all zeros: no permanent address. */
                l.has_perm_mac = memcmp(l.perm_mac, zero, 6) != 0;
        }
        if (tb[IFLA_OPERSTATE])
                l.operstate = nla_get_u8(tb[IFLA_OPERSTATE]);
        if (tb[IFLA_MASTER])
                l.master = (int) nla_get_u32(tb[IFLA_MASTER]);
        if (tb[IFLA_LINKINFO]) {
                struct nlattr *li[IFLA_INFO_MAX + 1];
                if (nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) >= 0 && li[IFLA_INFO_KIND])
                        nla_strlcpy(l.kind, li[IFLA_INFO_KIND], sizeof(l.kind));
        }
        if (l.arptype == ARPHRD_ETHER)
                link_fill_driver(&l);

        r = live_state_add_link(d->state, &l);
        if (r < 0 && d->error == 0)
                d->error = r;
        return NL_OK;
}

static int read_links(struct nl_sock *sk, live_state *s) {
        struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
        struct link_dump d = { .state = s };
        int r;

        r = nl_send_simple(sk, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
        if (r < 0)
                return -EIO;
        r = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, link_valid_cb, &d);
        if (r < 0)
                return -EIO;
        r = nl_recvmsgs_default(sk);
        nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_DEFAULT, NULL, NULL);
        if (r < 0)
                return -EIO;
        return d.error;
}

/* ---- addresses and routes: libnl-route caches */

static int nl_addr_copy(const struct nl_addr *src, int family, unsigned prefixlen, ip_addr *dst) {
        if (nl_addr_get_len(src) != ip_family_size(family))
                return -EINVAL;
        return ip_addr_from_bytes(family, nl_addr_get_binary_addr(src), prefixlen, dst);
}

static void cachep(struct nl_cache **c) {
        if (*c)
                nl_cache_free(*c);
}

static int read_addresses(struct nl_sock *sk, live_state *s) {
        _cleanup_(cachep) struct nl_cache *cache = NULL;
        int r;

        if (rtnl_addr_alloc_cache(sk, &cache) < 0)
                return -EIO;
        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                struct rtnl_addr *a = (struct rtnl_addr *) o;
                struct nl_addr *local = rtnl_addr_get_local(a);
                live_address la = {};

                if (!local || nl_addr_copy(local, rtnl_addr_get_family(a), rtnl_addr_get_prefixlen(a), &la.addr) < 0)
                        continue;
                la.ifindex = rtnl_addr_get_ifindex(a);
                la.scope = rtnl_addr_get_scope(a);
                la.flags = rtnl_addr_get_flags(a);
                la.valid_lft = rtnl_addr_get_valid_lifetime(a);
                la.preferred_lft = rtnl_addr_get_preferred_lifetime(a);
                r = live_state_add_address(s, &la);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int read_routes(struct nl_sock *sk, live_state *s) {
        _cleanup_(cachep) struct nl_cache *cache = NULL;
        int r;

        if (rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &cache) < 0)
                return -EIO;
        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                struct rtnl_route *rt = (struct rtnl_route *) o;
                struct nl_addr *dst = rtnl_route_get_dst(rt);
                int family = rtnl_route_get_family(rt);
                live_route lr = {};

                if (family != AF_INET && family != AF_INET6)
                        continue;
                if (rtnl_route_get_table(rt) != RT_TABLE_MAIN)
                        continue;
                lr.type = rtnl_route_get_type(rt);
                if (lr.type != RTN_UNICAST)
                        continue;
                if (!dst || nl_addr_copy(dst, family, nl_addr_get_prefixlen(dst), &lr.dst) < 0)
                        lr.dst = (ip_addr) { .family = family };
                lr.metric = rtnl_route_get_priority(rt);
                lr.protocol = rtnl_route_get_protocol(rt);
                lr.scope = rtnl_route_get_scope(rt);
                if (rtnl_route_get_nnexthops(rt) > 0) {
                        struct rtnl_nexthop *nh = rtnl_route_nexthop_n(rt, 0);
                        struct nl_addr *gw = rtnl_route_nh_get_gateway(nh);
                        lr.oif = rtnl_route_nh_get_ifindex(nh);
                        if (gw && nl_addr_get_family(gw) == family &&
                            nl_addr_copy(gw, family, ip_family_bits(family), &lr.gateway) == 0)
                                lr.has_gateway = true;
                }
                r = live_state_add_route(s, &lr);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void sockp(struct nl_sock **sk) {
        if (*sk)
                nl_socket_free(*sk);
}

int live_state_read(live_state **ret) {
        _cleanup_(live_state_freep) live_state *s = NULL;
        _cleanup_(sockp) struct nl_sock *sk = NULL;
        int r;

        s = live_state_new();
        sk = nl_socket_alloc();
        if (!s || !sk)
                return -ENOMEM;
        if (nl_connect(sk, NETLINK_ROUTE) < 0)
                return -EPROTONOSUPPORT;

        r = read_links(sk, s);
        if (r < 0)
                return r;
        r = read_addresses(sk, s);
        if (r < 0)
                return r;
        r = read_routes(sk, s);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}
