/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* agent-qemu-guest: the guest half of bench/agent-qemu's latency figure, run inside the
 * QEMU guest next to netguard-agent. Makes N address changes (198.51.100.x/32 added, then
 * removed, on a dummy link) through netlink, and after each waits until the host
 * (agent-qemu-host, on the io.netguard.bench.0 port) says it has read an ADDRESSES frame
 * from the agent that shows it. Prints, over the N changes:
 *   - change -> frame read by the host, one way: the host's read time minus the change's
 *     time, the host clock mapped onto the guest's by an NTP-like exchange on the bench
 *     port before and after (the offset of the least-delayed of 200 exchanges; its error
 *     is at most half that round trip, printed);
 *   - change -> host's answer back in the guest: one clock, an upper bound that adds the
 *     bench port's way back.
 * No SSH round trip is in either. Prints figures; never judges them.
 *
 *   agent-qemu-guest --port PATH [--link NAME] [--changes N]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/macro.h"

/* Replies from the host are short lines. */
#define LINE_MAX_LEN 128
#define SYNC_ROUNDS 200
#define REPLY_TIMEOUT_SEC 10

static int64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct port {
        int fd;
        char buf[LINE_MAX_LEN];
        size_t len;
} port;

static int port_write(port *p, const char *line) {
        size_t n = strlen(line);
        return write(p->fd, line, n) == (ssize_t) n ? 0 : -EIO;
}

/* Reads one line (without '\n') into out; -ETIMEDOUT after REPLY_TIMEOUT_SEC. */
static int port_line(port *p, char *out, size_t size) {
        int64_t end = now_ns() + (int64_t) REPLY_TIMEOUT_SEC * 1000000000;

        for (;;) {
                char *nl = memchr(p->buf, '\n', p->len);
                ssize_t n;

                if (nl) {
                        size_t l = (size_t) (nl - p->buf);
                        if (l >= size)
                                return -EINVAL;
                        memcpy(out, p->buf, l);
                        out[l] = '\0';
                        memmove(p->buf, nl + 1, p->len - l - 1);
                        p->len -= l + 1;
                        return 0;
                }
                if (p->len >= sizeof(p->buf))
                        return -EINVAL;
                if (now_ns() > end)
                        return -ETIMEDOUT;
                n = read(p->fd, p->buf + p->len, sizeof(p->buf) - p->len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0) {
                        /* No host on the port (virtio-serial reads 0): wait for it. */
                        usleep(10000);
                        continue;
                }
                p->len += (size_t) n;
        }
}

/* host clock - guest clock, from the exchange with the shortest round trip. */
static int clock_sync(port *p, int64_t *offset, int64_t *rtt_min) {
        char line[LINE_MAX_LEN];

        *rtt_min = INT64_MAX;
        for (long i = 0; i < SYNC_ROUNDS; i++) {
                int64_t t0, t1, th;
                long k;
                int r;

                snprintf(line, sizeof(line), "S %ld\n", i);
                t0 = now_ns();
                if (port_write(p, line) < 0)
                        return -EIO;
                r = port_line(p, line, sizeof(line));
                t1 = now_ns();
                if (r < 0)
                        return r;
                if (sscanf(line, "T %ld %" SCNd64, &k, &th) != 2 || k != i)
                        return -EBADMSG;
                if (t1 - t0 < *rtt_min) {
                        *rtt_min = t1 - t0;
                        *offset = th - (t0 + (t1 - t0) / 2);
                }
        }
        return 0;
}

static int change(struct nl_sock *sk, int ifindex, const char *text, bool add) {
        struct rtnl_addr *a = rtnl_addr_alloc();
        struct nl_addr *local = NULL;
        int r;

        if (!a || nl_addr_parse(text, AF_INET, &local) < 0) {
                rtnl_addr_put(a);
                return -EINVAL;
        }
        rtnl_addr_set_ifindex(a, ifindex);
        rtnl_addr_set_local(a, local);
        r = add ? rtnl_addr_add(sk, a, 0) : rtnl_addr_delete(sk, a, 0);
        nl_addr_put(local);
        rtnl_addr_put(a);
        return r < 0 ? -EIO : 0;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

static void print_dist(const char *what, double *v, int n) {
        qsort(v, (size_t) n, sizeof(double), cmp_double);
        printf("%s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, min %.2f ms (%d changes)\n", what,
               v[n / 2], v[n * 9 / 10], v[n * 99 / 100], v[n - 1], v[0], n);
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "port", required_argument, NULL, 'p' },
                { "link", required_argument, NULL, 'l' },
                { "changes", required_argument, NULL, 'n' },
                {},
        };
        const char *port_path = NULL, *link_name = "bench0";
        int changes = 1000, c, ifindex, rc = 1;
        struct nl_sock *sk = NULL;
        struct nl_cache *cache = NULL;
        struct rtnl_link *link = NULL;
        int64_t off0 = 0, off1 = 0, rtt0 = 0, rtt1 = 0, *t_change = NULL, *t_host = NULL, *t_back = NULL;
        double *oneway = NULL, *rt = NULL;
        port p = { .fd = -1 };
        char line[LINE_MAX_LEN];

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'p': port_path = optarg; break;
                case 'l': link_name = optarg; break;
                case 'n': changes = atoi(optarg); break;
                default: return 2;
                }
        if (!port_path || changes < 2 || changes > 1000000) {
                fprintf(stderr, "usage: agent-qemu-guest --port PATH [--link NAME] [--changes N>=2]\n");
                return 2;
        }
        t_change = calloc((size_t) changes, sizeof(int64_t));
        t_host = calloc((size_t) changes, sizeof(int64_t));
        t_back = calloc((size_t) changes, sizeof(int64_t));
        oneway = calloc((size_t) changes, sizeof(double));
        rt = calloc((size_t) changes, sizeof(double));
        if (!t_change || !t_host || !t_back || !oneway || !rt)
                goto out;
        p.fd = open(port_path, O_RDWR | O_CLOEXEC);
        if (p.fd < 0) {
                fprintf(stderr, "agent-qemu-guest: open %s: %m\n", port_path);
                goto out;
        }
        sk = nl_socket_alloc();
        if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0 || rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0)
                goto out;
        link = rtnl_link_get_by_name(cache, link_name);
        if (!link) {
                fprintf(stderr, "agent-qemu-guest: no link %s\n", link_name);
                goto out;
        }
        ifindex = rtnl_link_get_ifindex(link);

        if (clock_sync(&p, &off0, &rtt0) < 0) {
                fprintf(stderr, "agent-qemu-guest: clock sync failed\n");
                goto out;
        }
        for (int i = 0; i < changes; i++) {
                char text[32], addr[24];
                bool add = i % 2 == 0;
                long k;
                int r;

                snprintf(addr, sizeof(addr), "198.51.100.%d", i / 2 % 250 + 1);
                snprintf(text, sizeof(text), "%s/32", addr);
                snprintf(line, sizeof(line), "W %d %s %d\n", i, addr, add);
                if (port_write(&p, line) < 0)
                        goto out;
                t_change[i] = now_ns();
                if (change(sk, ifindex, text, add) < 0) {
                        fprintf(stderr, "agent-qemu-guest: change %d (%s %s) failed\n", i, add ? "add" : "del", text);
                        goto out;
                }
                r = port_line(&p, line, sizeof(line));
                t_back[i] = now_ns();
                if (r < 0 || sscanf(line, "A %ld %" SCNd64, &k, &t_host[i]) != 2 || k != i) {
                        fprintf(stderr, "agent-qemu-guest: change %d (%s %s) not reported: %s\n", i,
                                add ? "add" : "del", text, r < 0 ? strerror(-r) : line);
                        goto out;
                }
        }
        if (clock_sync(&p, &off1, &rtt1) < 0) {
                fprintf(stderr, "agent-qemu-guest: clock sync failed\n");
                goto out;
        }
        (void) port_write(&p, "Q\n");

        /* The offset drifts a little over the run: interpolate between the two syncs. */
        for (int i = 0; i < changes; i++) {
                double f = (double) i / (changes - 1);
                double off = (double) off0 + f * (double) (off1 - off0);

                oneway[i] = ((double) t_host[i] - off - (double) t_change[i]) / 1e6;
                rt[i] = (double) (t_back[i] - t_change[i]) / 1e6;
        }
        printf("clock: host - guest %+.3f ms before, %+.3f ms after (drift %.3f ms); sync round trip %.3f / %.3f ms "
               "(one-way error <= half of it)\n",
               off0 / 1e6, off1 / 1e6, (off1 - off0) / 1e6, rtt0 / 1e6, rtt1 / 1e6);
        print_dist("latency netlink change -> frame read by the host (one way, clocks synced)", oneway, changes);
        print_dist("latency netlink change -> host's answer back in the guest (one clock, upper bound)", rt, changes);
        rc = 0;
out:
        if (p.fd >= 0)
                close(p.fd);
        rtnl_link_put(link);
        nl_cache_free(cache);
        nl_socket_free(sk);
        free(t_change);
        free(t_host);
        free(t_back);
        free(oneway);
        free(rt);
        return rc;
}
