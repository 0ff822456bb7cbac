/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/neighbour.h>
#include <netlink/netlink.h>
#include <netlink/route/neighbour.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hostwatch/neighbour.h"

struct NeighbourTable {
        struct nl_sock *sock;
        int udp_fd;
        struct nl_cache *cache;         /* the last dump, shared by the lookups of its second */
        uint64_t cache_usec;
};

int neighbour_table_new(NeighbourTable **ret) {
        _cleanup_free_ NeighbourTable *t = calloc(1, sizeof *t);

        if (!t)
                return -ENOMEM;
        t->udp_fd = -EBADF;
        t->sock = nl_socket_alloc();
        if (!t->sock)
                return -ENOMEM;
        if (nl_connect(t->sock, NETLINK_ROUTE) < 0) {
                nl_socket_free(t->sock);
                return -EIO;
        }
        *ret = TAKE_PTR(t);
        return 0;
}

NeighbourTable *neighbour_table_free(NeighbourTable *t) {
        if (!t)
                return NULL;
        if (t->cache)
                nl_cache_free(t->cache);
        nl_socket_free(t->sock);
        if (t->udp_fd >= 0)
                close(t->udp_fd);
        return mfree(t);
}

typedef struct Search {
        const uint8_t *mac;
        ip_addr *ret;
        size_t max, found, seen;
        int rank[2];    /* pass: 0 = reachable, 1 = other usable states */
        int pass;
} Search;

static int rank_of(int state) {
        if (state & NUD_REACHABLE)
                return 0;
        if (state & (NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP))
                return 1;
        return -1;      /* failed, incomplete, none: the kernel could not reach it */
}

static void visit(struct nl_object *o, void *userdata) {
        Search *s = userdata;
        struct rtnl_neigh *n = (struct rtnl_neigh *) o;
        struct nl_addr *ll = rtnl_neigh_get_lladdr(n), *dst = rtnl_neigh_get_dst(n);
        ip_addr a;

        if (++s->seen > NEIGHBOUR_DUMP_MAX)
                return;
        if (!ll || !dst || nl_addr_get_len(ll) != 6 || memcmp(nl_addr_get_binary_addr(ll), s->mac, 6) != 0)
                return;
        if (rank_of(rtnl_neigh_get_state(n)) != s->pass)
                return;
        if (ip_addr_from_bytes(nl_addr_get_family(dst), nl_addr_get_binary_addr(dst),
                               ip_family_bits(nl_addr_get_family(dst)), &a) < 0 ||
            nl_addr_get_len(dst) != ip_family_size(a.family))
                return;
        if (s->found < s->max)
                s->ret[s->found] = a;
        s->found++;
}

int neighbour_table_find(NeighbourTable *t, const uint8_t mac[static 6], uint64_t now_usec, ip_addr *ret,
                         size_t max) {
        Search s = { .mac = mac, .ret = ret, .max = max };

        /* Thousands of machines in discovery look the table up many times a second; one
         * dump serves all of them for a while (an entry newer than that waits one round). */
        if (!t->cache || now_usec < t->cache_usec || now_usec - t->cache_usec >= NEIGHBOUR_CACHE_USEC) {
                struct nl_cache *cache = NULL;

                if (rtnl_neigh_alloc_cache(t->sock, &cache) < 0)
                        return -EIO;
                if (t->cache)
                        nl_cache_free(t->cache);
                t->cache = cache;
                t->cache_usec = now_usec;
        }
        for (s.pass = 0; s.pass < 2; s.pass++) {
                s.seen = 0;
                nl_cache_foreach(t->cache, visit, &s);
        }
        return (int) (s.found > INT32_MAX ? INT32_MAX : s.found);
}

int neighbour_table_probe(NeighbourTable *t, const ip_addr *subnet) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9) };
        uint32_t base, count;
        int sent = 0;

        if (subnet->family != AF_INET)
                return -EAFNOSUPPORT;
        if (subnet->prefixlen > 30)
                return 0;
        count = UINT32_C(1) << (32 - subnet->prefixlen);
        if (count > NEIGHBOUR_PROBE_MAX)
                return -E2BIG;
        if (t->udp_fd < 0) {
                t->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (t->udp_fd < 0)
                        return -errno;
        }
        base = ntohl(subnet->in.s_addr) & ~(count - 1);
        /* every host address: not the network's, not the broadcast */
        for (uint32_t i = 1; i + 1 < count; i++) {
                sa.sin_addr.s_addr = htonl(base + i);
                if (sendto(t->udp_fd, "", 0, MSG_DONTWAIT, (struct sockaddr *) &sa, sizeof sa) >= 0)
                        sent++;
        }
        return sent;
}
