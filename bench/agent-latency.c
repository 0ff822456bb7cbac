/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* agent-latency: figures for netguard-agent, from one run in a network namespace of its
 * own (unshare(CLONE_NEWNET): it vanishes with this process), on the lab's emulated port
 * (vserial), with the agent's default agent.yaml settings:
 *   - netlink change -> ADDRESSES frame read by the host: p50/p90/p99/max over N changes
 *     (an address added, then removed, on a veth; each timed from just before the
 *     netlink request until the host has read the snapshot that shows it);
 *   - frames per change;
 *   - idle RSS, and wakeups (voluntary context switches of the agent: each return from
 *     epoll_wait after sleeping is one) per 30 s with a host connected and
 *     reading, and with no host: right after it left (the reopen backoff ramping up) and
 *     in the steady state.
 * Prints figures; never passes or fails on time. Needs root (exit 77 otherwise).
 *
 *   agent-latency --agent PATH --vserial PATH [--changes N] [--idle SEC] [--settle SEC]
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "common/macro.h"
#include "proto/message.h"
#include "proto/reader.h"

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* stderr_path: where the child's stderr goes (NULL: ours). */
static pid_t spawn(char *const argv[], const char *stderr_path) {
        pid_t pid = fork();

        if (pid == 0) {
                int null = open("/dev/null", O_RDWR);

                if (stderr_path) {
                        int e = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                        if (e >= 0)
                                dup2(e, STDERR_FILENO);
                }
                /* Our children end with us, whatever happens to us. */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (null >= 0) {
                        dup2(null, STDIN_FILENO);
                        if (!getenv("BENCH_VERBOSE"))
                                dup2(null, STDOUT_FILENO);
                }
                execv(argv[0], argv);
                _exit(127);
        }
        return pid;
}

static void stop(pid_t pid) {
        if (pid <= 0)
                return;
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
}

static uint64_t rss_anon_kib, rss_file_kib;

/* Voluntary context switches (each is one sleep in epoll_wait, so one wakeup; the
 * involuntary ones are preemptions by other load, not wakeups), and VmRSS in KiB (RssAnon
 * and RssFile into the globals above). */
static int proc_figures(pid_t pid, uint64_t *switches, uint64_t *rss_kib) {
        char path[64], line[256];
        _cleanup_fclose_ FILE *f = NULL;
        uint64_t v;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        *switches = 0;
        *rss_kib = 0;
        while (fgets(line, sizeof(line), f)) {
                if (sscanf(line, "voluntary_ctxt_switches: %" SCNu64, &v) == 1)
                        *switches = v;
                else if (sscanf(line, "VmRSS: %" SCNu64, &v) == 1)
                        *rss_kib = v;
                else if (sscanf(line, "RssAnon: %" SCNu64, &v) == 1)
                        rss_anon_kib = v;
                else if (sscanf(line, "RssFile: %" SCNu64, &v) == 1)
                        rss_file_kib = v;
        }
        return 0;
}

typedef struct host {
        int fd;
        ProtoReader *reader;
        uint64_t frames, addresses;
} host;

static int host_connect(host *h, const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        h->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (h->fd < 0 || connect(h->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        proto_reader_reset(h->reader);
        return 0;
}

/* Does the snapshot hold addr (an IPv4 /32) on any link? */
static bool holds(const ProtoAddresses *a, const ip_addr *addr) {
        for (size_t i = 0; i < a->n_links; i++)
                for (size_t j = 0; j < a->links[i].n_addresses; j++)
                        if (ip_addr_equal(&a->links[i].addresses[j].address, addr))
                                return true;
        return false;
}

/* Reads frames until a snapshot with (want=true) or without addr arrives, or timeout. */
static int host_wait(host *h, const ip_addr *addr, bool want, double timeout) {
        double end = now() + timeout;
        bool found = false;

        while (now() < end) {
                struct pollfd p = { .fd = h->fd, .events = POLLIN };
                uint8_t buf[65536];
                ssize_t n;

                if (poll(&p, 1, 100) <= 0)
                        continue;
                n = read(h->fd, buf, sizeof(buf));
                if (n <= 0)
                        return -EPIPE;
                for (size_t off = 0; off < (size_t) n;) {
                        off += proto_reader_feed(h->reader, buf + off, (size_t) n - off);
                        for (;;) {
                                const ProtoFrame *f = NULL;
                                ProtoMessage m = {};
                                int r = proto_reader_next(h->reader, &f);

                                if (r > 0)
                                        continue;
                                if (r < 0 || !f)
                                        break;
                                h->frames++;
                                if (proto_message_decode(f, &m) != 0)
                                        continue;
                                if (m.type == PROTO_TYPE_ADDRESSES) {
                                        h->addresses++;
                                        if (addr && holds(&m.addresses, addr) == want)
                                                found = true;
                                }
                                proto_message_done(&m);
                        }
                }
                if (found)
                        return 0;
        }
        return -ETIMEDOUT;
}

/* The figures depend on what else runs: say how busy the machine was. */
static void print_load(const char *when) {
        _cleanup_fclose_ FILE *f = fopen("/proc/loadavg", "re");
        double l1 = 0, l5 = 0;

        if (f && fscanf(f, "%lf %lf", &l1, &l5) == 2)
                printf("load average at %s: %.2f (1 min), %.2f (5 min) on %ld CPUs\n", when, l1, l5,
                       sysconf(_SC_NPROCESSORS_ONLN));
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
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

static void measure_idle(const char *what, pid_t agent, host *h, int seconds) {
        uint64_t s0, s1, rss;
        double t0 = now();

        proc_figures(agent, &s0, &rss);
        while (now() - t0 < seconds) {
                if (h && h->fd >= 0)
                        (void) host_wait(h, NULL, true, seconds - (now() - t0));
                else
                        sleep(1);
        }
        proc_figures(agent, &s1, &rss);
        printf("wakeups %-26s %6.1f per 30 s (%" PRIu64 " in %d s); RSS %" PRIu64 " KiB (anon %" PRIu64
               ", file %" PRIu64 ")\n", what, (double) (s1 - s0) * 30.0 / seconds, s1 - s0, seconds, rss,
               rss_anon_kib, rss_file_kib);
        fflush(stdout);
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "agent", required_argument, NULL, 'a' },
                { "vserial", required_argument, NULL, 'v' },
                { "changes", required_argument, NULL, 'n' },
                { "idle", required_argument, NULL, 'i' },
                { "settle", required_argument, NULL, 's' },
                {},
        };
        const char *agent_path = NULL, *vserial_path = getenv("LAB_VSERIAL");
        int changes = 1000, idle = 30, settle = 105, c, ifindex;
        char dir[] = "/tmp/agent-latency.XXXXXX", sock[256], port[256], cfg[256], hint[256], agent_log[256];
        struct nl_sock *sk = NULL;
        struct rtnl_link *link = NULL;
        struct nl_cache *cache = NULL;
        pid_t vs = -1, agent = -1;
        host h = { .fd = -1 };
        double *lat;
        int rc = 1;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'a': agent_path = optarg; break;
                case 'v': vserial_path = optarg; break;
                case 'n': changes = atoi(optarg); break;
                case 'i': idle = atoi(optarg); break;
                case 's': settle = atoi(optarg); break;
                default: return 2;
                }
        if (!agent_path || !vserial_path || changes < 2 || idle < 1 || settle < 0) {
                fprintf(stderr, "usage: agent-latency --agent PATH --vserial PATH [--changes N>=2] [--idle SEC] [--settle SEC]\n");
                return 2;
        }
        if (geteuid() != 0) {
                printf("SKIP: needs root (a network namespace of its own)\n");
                return 77;
        }
        if (unshare(CLONE_NEWNET) < 0) {
                perror("unshare(CLONE_NEWNET)");
                return 77;
        }
        lat = calloc((size_t) changes, sizeof(double));
        if (!lat || !mkdtemp(dir) || proto_reader_new(&h.reader) < 0)
                return 1;
        snprintf(sock, sizeof(sock), "%s/sock", dir);
        snprintf(port, sizeof(port), "%s/port", dir);
        snprintf(cfg, sizeof(cfg), "%s/agent.yaml", dir);
        snprintf(hint, sizeof(hint), "%s/hint.yaml", dir);
        snprintf(agent_log, sizeof(agent_log), "%s/agent.log", dir);

        /* A link to change: a veth pair inside our namespace only. */
        if (system("ip link set lo up && ip link add bench0 type veth peer name bench1 && ip link set bench0 up") != 0)
                goto out;
        sk = nl_socket_alloc();
        if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0 || rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0)
                goto out;
        link = rtnl_link_get_by_name(cache, "bench0");
        if (!link)
                goto out;
        ifindex = rtnl_link_get_ifindex(link);

        {
                char *vargv[] = { (char *) vserial_path, "--socket", sock, "--link", port, NULL };
                vs = spawn(vargv, NULL);
        }
        for (int i = 0; i < 200 && access(port, F_OK) < 0; i++)
                usleep(10000);
        {
                FILE *f = fopen(cfg, "we");
                if (!f)
                        goto out;
                fputs("# defaults: heartbeat 30 s, reopen at most every 60 s\n", f);
                fclose(f);
        }
        {
                char *aargv[] = { (char *) agent_path, "--config", cfg, "--hint-file", hint, "--port", port,
                                  "--no-bus", NULL };
                agent = spawn(aargv, agent_log);
        }
        usleep(300000);
        if (host_connect(&h, sock) < 0) {
                perror("connect");
                goto out;
        }
        /* The agent reopens the port after its backoff; then HELLO and the first snapshot. */
        if (host_wait(&h, &(ip_addr) { .family = AF_INET, .bytes = { 127, 0, 0, 1 } }, true, 10) < 0) {
                fprintf(stderr, "no first snapshot from the agent\n");
                goto out;
        }
        printf("netguard-agent %s, %d changes, idle windows %d s, settle %d s\n", agent_path, changes, idle, settle);
        print_load("start");

        {
                uint64_t frames0 = h.addresses;
                for (int i = 0; i < changes; i++) {
                        char text[32];
                        ip_addr a = { .family = AF_INET, .bytes = { 198, 51, 100, (uint8_t) (i / 2 % 250 + 1) } };
                        bool add = i % 2 == 0;
                        double t0;

                        snprintf(text, sizeof(text), "198.51.100.%d/32", i / 2 % 250 + 1);
                        t0 = now();
                        if (change(sk, ifindex, text, add) < 0 || host_wait(&h, &a, add, 5) < 0) {
                                fprintf(stderr, "change %d (%s %s) not reported\n", i, add ? "add" : "del", text);
                                goto out;
                        }
                        lat[i] = (now() - t0) * 1e3;
                }
                qsort(lat, (size_t) changes, sizeof(double), cmp_double);
                printf("latency netlink change -> frame read by the host: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms (%d changes)\n",
                       lat[changes / 2], lat[changes * 9 / 10], lat[changes * 99 / 100], lat[changes - 1], changes);
                printf("frames: %" PRIu64 " ADDRESSES for %d changes\n", h.addresses - frames0, changes);
                fflush(stdout);
        }

        sleep(1);
        measure_idle("with a host reading", agent, &h, idle);
        close(h.fd);
        h.fd = -1;
        measure_idle("no host, first window", agent, NULL, idle);
        if (settle > idle)
                sleep((unsigned) (settle - idle));
        measure_idle("no host, steady state", agent, NULL, 2 * idle);
        print_load("end");
        rc = 0;
out:
        if (rc != 0)
                fprintf(stderr, "agent-latency: failed\n");
        if (h.fd >= 0)
                close(h.fd);
        stop(agent);
        stop(vs);
        {
                /* The agent's own figure, logged when it stops: message read -> frame written. */
                _cleanup_fclose_ FILE *f = fopen(agent_log, "re");
                char line[512];

                while (f && fgets(line, sizeof(line), f))
                        if (strstr(line, "snapshot written") || (rc != 0 && getenv("BENCH_VERBOSE")))
                                printf("agent: %s", line);
        }
        unlink(agent_log);
        proto_reader_free(h.reader);
        rtnl_link_put(link);
        nl_cache_free(cache);
        nl_socket_free(sk);
        unlink(cfg);
        unlink(hint);
        rmdir(dir);
        free(lat);
        return rc;
}
