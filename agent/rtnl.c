/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/neighbour.h>
#include <net/if.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/rtnl.h"
#include "common/macro.h"

/* The kernel sizes a dump's messages to a page or so; a link with many VFs takes more.
 * On the stack: netlink-watch's reader has already grown it that far. */
#define RTNL_RECV_BUF 32768u

int rtnl_open(void) {
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        int one = 1;

        if (fd < 0)
                return negative_errno();
        /* Errors for requests come back without our request attached: smaller replies. */
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
        return fd;
}

static uint32_t next_seq(void) {
        static uint32_t seq;

        return ++seq;
}

static int send_message(int fd, struct nlmsghdr *h) {
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        ssize_t n;

        do
                n = sendto(fd, h, h->nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof(kernel));
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        return (size_t) n == h->nlmsg_len ? 0 : -EIO;
}

/* Reads replies to seq until DONE (dump) or the ACK/error (request); calls f for each
 * other message of seq when f is set. */
static int receive(int fd, uint32_t seq, rtnl_message_fn f, void *userdata) {
        _Alignas(struct nlmsghdr) uint8_t buf[RTNL_RECV_BUF];
        int result = 0;
        bool interrupted = false;

        for (;;) {
                struct sockaddr_nl from = {};
                struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
                struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1 };
                ssize_t n = recvmsg(fd, &mh, 0);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        return -EPIPE;
                if (mh.msg_flags & MSG_TRUNC)
                        return -EMSGSIZE;
                if (from.nl_pid != 0)
                        continue;       /* not from the kernel */
                for (const struct nlmsghdr *h = (const struct nlmsghdr *) buf; NLMSG_OK(h, (size_t) n);
                     h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_seq != seq)
                                continue;       /* a late answer to an earlier request */
                        if (h->nlmsg_flags & NLM_F_DUMP_INTR)
                                interrupted = true;
                        if (h->nlmsg_type == NLMSG_DONE)
                                return result < 0 ? result : interrupted ? -EAGAIN : 0;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);

                                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
                                        return -EBADMSG;
                                /* error 0 is the ACK of a request */
                                return e->error < 0 ? e->error : result;
                        }
                        if (f && result == 0)
                                result = f(h, userdata);
                }
        }
}

int rtnl_dump(int fd, uint16_t type, const void *hdr, size_t hdr_size, rtnl_message_fn f, void *userdata) {
        struct {
                struct nlmsghdr h;
                _Alignas(NLMSG_ALIGNTO) uint8_t body[64];
        } req = {};
        uint32_t seq = next_seq();
        int r;

        if (fd < 0 || !f || hdr_size > sizeof(req.body))
                return -EINVAL;
        req.h = (struct nlmsghdr) {
                .nlmsg_len = NLMSG_LENGTH(hdr_size),
                .nlmsg_type = type,
                .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                .nlmsg_seq = seq,
        };
        memcpy(req.body, hdr, hdr_size);
        r = send_message(fd, &req.h);
        if (r < 0)
                return r;
        return receive(fd, seq, f, userdata);
}

int rtnl_call(int fd, struct nlmsghdr *req) {
        int r;

        if (fd < 0 || !req)
                return -EINVAL;
        req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
        req->nlmsg_seq = next_seq();
        r = send_message(fd, req);
        if (r < 0)
                return r;
        return receive(fd, req->nlmsg_seq, NULL, NULL);
}

int rtnl_append_attr(struct nlmsghdr *h, size_t buf_size, uint16_t type, const void *data, size_t size) {
        size_t at = NLMSG_ALIGN(h->nlmsg_len);
        struct rtattr *rta;

        if (size > UINT16_MAX - RTA_LENGTH(0) || at + RTA_SPACE(size) > buf_size)
                return -ENOBUFS;
        rta = (struct rtattr *) ((uint8_t *) h + at);
        rta->rta_type = type;
        rta->rta_len = RTA_LENGTH(size);
        if (size > 0)
                memcpy(RTA_DATA(rta), data, size);
        h->nlmsg_len = at + RTA_SPACE(size);
        return 0;
}

void rtnl_parse_attrs(const struct rtattr **tb, unsigned max, const struct rtattr *rta, size_t len) {
        memset(tb, 0, sizeof(*tb) * (max + 1));
        for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
                unsigned type = rta->rta_type & NLA_TYPE_MASK;

                if (type <= max)
                        tb[type] = rta;
        }
}

typedef struct link_request {
        struct nlmsghdr h;
        struct ifinfomsg ifi;
        _Alignas(NLMSG_ALIGNTO) uint8_t attrs[64];
} link_request;

static void link_request_init(link_request *req, uint16_t type, int ifindex) {
        *req = (link_request) {
                .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = type },
                .ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex },
        };
}

int rtnl_link_set_up(int fd, int ifindex, bool up) {
        link_request req;

        if (ifindex <= 0)
                return -EINVAL;
        link_request_init(&req, RTM_NEWLINK, ifindex);
        req.ifi.ifi_change = IFF_UP;
        req.ifi.ifi_flags = up ? IFF_UP : 0;
        return rtnl_call(fd, &req.h);
}

int rtnl_link_set_name(int fd, int ifindex, const char *name) {
        link_request req;
        size_t n = name ? strlen(name) : 0;
        int r;

        if (ifindex <= 0 || n == 0 || n >= IF_NAMESIZE)
                return -EINVAL;
        link_request_init(&req, RTM_NEWLINK, ifindex);
        r = rtnl_append_attr(&req.h, sizeof(req), IFLA_IFNAME, name, n + 1);
        if (r < 0)
                return r;
        return rtnl_call(fd, &req.h);
}

int rtnl_link_delete(int fd, const char *name) {
        link_request req;
        size_t n = name ? strlen(name) : 0;
        int r;

        if (n == 0 || n >= IF_NAMESIZE)
                return -EINVAL;
        link_request_init(&req, RTM_DELLINK, 0);
        r = rtnl_append_attr(&req.h, sizeof(req), IFLA_IFNAME, name, n + 1);
        if (r < 0)
                return r;
        return rtnl_call(fd, &req.h);
}

typedef struct neigh_query {
        int family;
        const void *addr;
        size_t size;
        int ifindex;
        bool found;
        uint16_t state;
} neigh_query;

static int on_neigh(const struct nlmsghdr *h, void *userdata) {
        neigh_query *q = userdata;
        const struct ndmsg *nd = NLMSG_DATA(h);
        const struct rtattr *tb[NDA_MAX + 1];

        if (h->nlmsg_type != RTM_NEWNEIGH || h->nlmsg_len < NLMSG_LENGTH(sizeof(*nd)) || q->found)
                return 0;
        if (nd->ndm_family != q->family || nd->ndm_ifindex != q->ifindex)
                return 0;
        rtnl_parse_attrs(tb, NDA_MAX, (const struct rtattr *) ((const uint8_t *) nd + NLMSG_ALIGN(sizeof(*nd))),
                         h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
        if (!tb[NDA_DST] || RTA_PAYLOAD(tb[NDA_DST]) != q->size || memcmp(RTA_DATA(tb[NDA_DST]), q->addr, q->size) != 0)
                return 0;
        q->found = true;
        q->state = nd->ndm_state;
        return 0;
}

int rtnl_neigh_state(int fd, int family, const void *addr, int ifindex, uint16_t *ret_state) {
        neigh_query q = { .family = family, .addr = addr, .ifindex = ifindex };
        struct ndmsg nd = { .ndm_family = (uint8_t) family };
        int r;

        if (!addr || !ret_state || (family != AF_INET && family != AF_INET6))
                return -EINVAL;
        q.size = family == AF_INET ? 4 : 16;
        r = rtnl_dump(fd, RTM_GETNEIGH, &nd, sizeof(nd), on_neigh, &q);
        if (r < 0)
                return r;
        if (!q.found)
                return -ENOENT;
        *ret_state = q.state;
        return 0;
}
