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

#include "agent/live.h"
#include "agent/rtnl.h"

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

/* ---- the kernel's tables, dumped over rtnetlink */

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

static size_t attr_len(const struct rtattr *a) {
        return RTA_PAYLOAD(a);
}

static void attr_string(const struct rtattr *a, char *buf, size_t size) {
        size_t n = attr_len(a);

        if (n >= size)
                n = size - 1;
        memcpy(buf, RTA_DATA(a), n);
        buf[n] = 0;
        buf[strnlen(buf, n)] = 0;
}

static bool attr_u32(const struct rtattr *a, uint32_t *ret) {
        if (!a || attr_len(a) != sizeof(uint32_t))
                return false;
        memcpy(ret, RTA_DATA(a), sizeof(uint32_t));
        return true;
}

static int attr_addr(const struct rtattr *a, int family, unsigned prefixlen, ip_addr *ret) {
        if (!a || attr_len(a) != ip_family_size(family))
                return -EINVAL;
        return ip_addr_from_bytes(family, RTA_DATA(a), prefixlen, ret);
}

static int on_link(const struct nlmsghdr *h, void *userdata) {
        live_state *s = userdata;
        const struct ifinfomsg *ifi = NLMSG_DATA(h);
        const struct rtattr *tb[IFLA_MAX + 1];
        live_link l = {};
        uint32_t u;

        if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
                return 0;
        rtnl_parse_attrs(tb, IFLA_MAX, IFLA_RTA(ifi), IFLA_PAYLOAD(h));
        l.ifindex = ifi->ifi_index;
        l.arptype = ifi->ifi_type;
        l.flags = ifi->ifi_flags;
        if (tb[IFLA_IFNAME])
                attr_string(tb[IFLA_IFNAME], l.name, sizeof(l.name));
        if (tb[IFLA_ADDRESS] && attr_len(tb[IFLA_ADDRESS]) == 6) {
                memcpy(l.mac, RTA_DATA(tb[IFLA_ADDRESS]), 6);
                l.has_mac = true;
        }
        if (tb[IFLA_PERM_ADDRESS] && attr_len(tb[IFLA_PERM_ADDRESS]) == 6) {
                static const uint8_t zero[6];
                memcpy(l.perm_mac, RTA_DATA(tb[IFLA_PERM_ADDRESS]), 6);
                /* veth and other virtual links report all zeros: no permanent address. */
                l.has_perm_mac = memcmp(l.perm_mac, zero, 6) != 0;
        }
        if (tb[IFLA_OPERSTATE] && attr_len(tb[IFLA_OPERSTATE]) == 1)
                l.operstate = *(const uint8_t *) RTA_DATA(tb[IFLA_OPERSTATE]);
        if (attr_u32(tb[IFLA_MASTER], &u))
                l.master = (int) u;
        if (tb[IFLA_LINKINFO]) {
                const struct rtattr *li[IFLA_INFO_MAX + 1];

                rtnl_parse_attrs(li, IFLA_INFO_MAX, RTA_DATA(tb[IFLA_LINKINFO]), attr_len(tb[IFLA_LINKINFO]));
                if (li[IFLA_INFO_KIND])
                        attr_string(li[IFLA_INFO_KIND], l.kind, sizeof(l.kind));
        }
        if (l.arptype == ARPHRD_ETHER)
                link_fill_driver(&l);
        return live_state_add_link(s, &l);
}

static int on_address(const struct nlmsghdr *h, void *userdata) {
        live_state *s = userdata;
        const struct ifaddrmsg *ifa = NLMSG_DATA(h);
        const struct rtattr *tb[IFA_MAX + 1];
        live_address a = {};
        uint32_t flags;

        if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
                return 0;
        rtnl_parse_attrs(tb, IFA_MAX, IFA_RTA(ifa), IFA_PAYLOAD(h));
        /* IFA_LOCAL is the address of a point-to-point link's own end (IFA_ADDRESS its
         * peer); without it, IFA_ADDRESS is ours. */
        if (attr_addr(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS], ifa->ifa_family, ifa->ifa_prefixlen,
                      &a.addr) < 0)
                return 0;
        a.ifindex = (int) ifa->ifa_index;
        a.scope = ifa->ifa_scope;
        a.flags = attr_u32(tb[IFA_FLAGS], &flags) ? flags : ifa->ifa_flags;
        if (tb[IFA_CACHEINFO] && attr_len(tb[IFA_CACHEINFO]) == sizeof(struct ifa_cacheinfo)) {
                struct ifa_cacheinfo ci;

                memcpy(&ci, RTA_DATA(tb[IFA_CACHEINFO]), sizeof(ci));
                a.valid_lft = ci.ifa_valid;
                a.preferred_lft = ci.ifa_prefered;
        }
        return live_state_add_address(s, &a);
}

static int on_route(const struct nlmsghdr *h, void *userdata) {
        live_state *s = userdata;
        const struct rtmsg *rtm = NLMSG_DATA(h);
        const struct rtattr *tb[RTA_MAX + 1];
        live_route r = {};
        uint32_t table, u;
        int family;

        if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
                return 0;
        family = rtm->rtm_family;
        if ((family != AF_INET && family != AF_INET6) || rtm->rtm_type != RTN_UNICAST)
                return 0;
        rtnl_parse_attrs(tb, RTA_MAX, RTM_RTA(rtm), RTM_PAYLOAD(h));
        if (!attr_u32(tb[RTA_TABLE], &table))
                table = rtm->rtm_table;
        if (table != RT_TABLE_MAIN)
                return 0;
        r.type = rtm->rtm_type;
        if (attr_addr(tb[RTA_DST], family, rtm->rtm_dst_len, &r.dst) < 0)
                r.dst = (ip_addr) { .family = family };
        if (attr_u32(tb[RTA_PRIORITY], &u))
                r.metric = u;
        r.protocol = rtm->rtm_protocol;
        r.scope = rtm->rtm_scope;
        if (tb[RTA_MULTIPATH] && attr_len(tb[RTA_MULTIPATH]) >= sizeof(struct rtnexthop)) {
                /* the first next hop, as for a single-path route */
                const struct rtnexthop *nh = RTA_DATA(tb[RTA_MULTIPATH]);
                const struct rtattr *nt[RTA_MAX + 1];

                if (nh->rtnh_len >= sizeof(*nh) && nh->rtnh_len <= attr_len(tb[RTA_MULTIPATH])) {
                        r.oif = nh->rtnh_ifindex;
                        rtnl_parse_attrs(nt, RTA_MAX, RTNH_DATA(nh), nh->rtnh_len - RTNH_LENGTH(0));
                        r.has_gateway = attr_addr(nt[RTA_GATEWAY], family, ip_family_bits(family), &r.gateway) == 0;
                }
        } else {
                if (attr_u32(tb[RTA_OIF], &u))
                        r.oif = (int) u;
                r.has_gateway = attr_addr(tb[RTA_GATEWAY], family, ip_family_bits(family), &r.gateway) == 0;
        }
        return live_state_add_route(s, &r);
}

static int read_once(int fd, live_state *s) {
        struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
        struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
        struct rtmsg rtm = { .rtm_family = AF_UNSPEC };
        int r;

        r = rtnl_dump(fd, RTM_GETLINK, &ifi, sizeof(ifi), on_link, s);
        if (r >= 0)
                r = rtnl_dump(fd, RTM_GETADDR, &ifa, sizeof(ifa), on_address, s);
        if (r >= 0)
                r = rtnl_dump(fd, RTM_GETROUTE, &rtm, sizeof(rtm), on_route, s);
        return r;
}

/* A dump the kernel says a change interrupted is read again, a few times at most. */
#define LIVE_READ_ATTEMPTS 5

int live_state_read(live_state **ret) {
        _cleanup_close_ int fd = -EBADF;
        int r = -EAGAIN;

        fd = rtnl_open();
        if (fd < 0)
                return fd;
        for (unsigned i = 0; i < LIVE_READ_ATTEMPTS && r == -EAGAIN; i++) {
                _cleanup_(live_state_freep) live_state *s = live_state_new();

                if (!s)
                        return -ENOMEM;
                r = read_once(fd, s);
                if (r >= 0) {
                        *ret = TAKE_PTR(s);
                        return 0;
                }
        }
        return r;
}
