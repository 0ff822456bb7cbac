/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hostwatch figures, through the public API of the shared library only:
 *
 *   hostwatch-latency [N]          guest address change (an ADDRESSES snapshot written on
 *                                  the channel socket) -> hostwatch_where() gives the new
 *                                  address; N changes (default 1000, one per 25 ms,
 *                                  under the frame budget), p50/p99/max. Runs in a network
 *                                  namespace of its own (the SSH probes it starts reach
 *                                  nothing), so it needs root.
 *   hostwatch-latency --lab [N]    in the lab's host namespace (bench/hostwatch-lab): the
 *                                  change -> SSH verified at the new address with the
 *                                  pinned key, against the lab guest's real sshd.
 *
 * Prints figures; never passes or fails on time. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hostwatch/tests/guest-sim.h"
#include "netguard/hostwatch.h"

/* One change every 25 ms: 40/s, under the channel's frame budget. */
#define PACE_USEC 25000

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

typedef struct Want {
        HostWatch *hw;
        const char *address;
        bool verified;
} Want;

static bool reached(const Want *w) {
        HostWatchWhere where;

        if (hostwatch_where(w->hw, "vm", &where) < 0)
                return false;
        return strcmp(where.address, w->address) == 0 && (!w->verified || where.verified);
}

/* The caller's loop: poll the fd and the timeout, process, ask where(). */
static bool run_until(const Want *w, int timeout_ms) {
        uint64_t end = now_usec() + (uint64_t) timeout_ms * 1000;

        while (!reached(w)) {
                struct pollfd p = { .fd = hostwatch_get_fd(w->hw), .events = POLLIN };
                uint64_t t, n = now_usec();
                int wait = 20;

                if (n >= end)
                        return false;
                if (hostwatch_get_timeout(w->hw, &t) == 0 && t != UINT64_MAX)
                        wait = t <= hostwatch_now(w->hw) ? 0 : 20;
                (void) poll(&p, 1, wait);
                (void) hostwatch_process(w->hw);
        }
        return true;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *v, size_t n) {
        qsort(v, n, sizeof *v, cmp_u64);
        printf("%s: n=%zu p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", what, n, v[n / 2] / 1e3, v[n * 99 / 100] / 1e3,
               v[n - 1] / 1e3);
}

static int bench(const char *sock, const char *const *addrs, size_t n_addrs, const char *host_key, const char *identity,
                 bool verify, size_t rounds) {
        const char *const nets[] = { "192.0.2.0/24", NULL };
        HostWatchMachineConfig c = { .name = "vm", .channel = sock, .macaddress = "52:54:00:12:34:56",
                                     .networks = nets, .host_key = host_key, .ssh_identity = identity };
        uint64_t *where_lat = calloc(rounds, sizeof *where_lat), *verified_lat = calloc(rounds, sizeof *verified_lat);
        GuestSim g = {};
        HostWatch *hw = NULL;
        uint64_t last = 0;
        int r;

        if (!where_lat || !verified_lat)
                return 1;
        if ((r = guest_sim_listen(&g, sock)) < 0 || (r = hostwatch_new(&hw, NULL)) < 0 ||
            (r = hostwatch_add_machine(hw, &c)) < 0 || (r = guest_sim_accept(&g, 2000)) < 0 ||
            (r = guest_sim_hello(&g, "bench")) < 0) {
                fprintf(stderr, "setup: %s\n", strerror(-r));
                return 1;
        }
        for (size_t i = 0; i < rounds + 1; i++) {
                char prefixed[64];
                const char *a = addrs[i % n_addrs];
                const char *one[] = { prefixed, NULL };
                Want w = { .hw = hw, .address = a };
                uint64_t t0;

                snprintf(prefixed, sizeof prefixed, "%s/24", a);
                /* Paced under the channel's frame budget (50/s): faster, the budget and
                 * not the library would be measured. */
                while (now_usec() < last + PACE_USEC)
                        (void) run_until(&(Want) { .hw = hw, .address = "" }, 1);
                t0 = last = now_usec();
                if (guest_sim_addresses(&g, "eth0", one) < 0 || !run_until(&w, 5000)) {
                        fprintf(stderr, "round %zu: where() never gave %s\n", i, a);
                        return 1;
                }
                if (i > 0)      /* the first one connects everything */
                        where_lat[i - 1] = now_usec() - t0;
                if (verify) {
                        w.verified = true;
                        if (!run_until(&w, 30000)) {
                                fprintf(stderr, "round %zu: SSH at %s never verified\n", i, a);
                                return 1;
                        }
                        if (i > 0)
                                verified_lat[i - 1] = now_usec() - t0;
                }
        }
        report("address change -> hostwatch_where() gives the new address", where_lat, rounds);
        if (verify)
                report("address change -> SSH verified at the new address (pinned key, login)", verified_lat, rounds);
        hostwatch_free(hw);
        guest_sim_close(&g, true);
        free(where_lat);
        free(verified_lat);
        return 0;
}

static int read_line(const char *path, char *buf, size_t size) {
        FILE *f = fopen(path, "re");

        if (!f || !fgets(buf, (int) size, f)) {
                if (f)
                        fclose(f);
                return -ENOENT;
        }
        fclose(f);
        buf[strcspn(buf, "\n")] = 0;
        return 0;
}

int main(int argc, char *argv[]) {
        static const char *const two[] = { "192.0.2.58", "192.0.2.59" };
        static const char *const lab_addrs[] = { "192.0.2.58", "192.0.2.60", "192.0.2.61", "192.0.2.62" };
        char dir[] = "/tmp/bench-hostwatch.XXXXXX", sock[128], key[1024];
        bool lab = argc > 1 && strcmp(argv[1], "--lab") == 0;
        size_t n = (size_t) atoi(argc > 1 + lab ? argv[1 + lab] : lab ? "40" : "1000");
        int r;

        if (n == 0 || !mkdtemp(dir))
                return 1;
        snprintf(sock, sizeof sock, "%s/vm.sock", dir);
        if (lab) {
                const char *gk = getenv("GUEST_HOST_KEY"), *id = getenv("SSH_KEY");
                if (!gk || !id || read_line(gk, key, sizeof key) < 0) {
                        fprintf(stderr, "run through bench/hostwatch-lab\n");
                        return 1;
                }
                r = bench(sock, lab_addrs, 4, key, id, true, n);
        } else {
                if (unshare(CLONE_NEWNET) < 0) {
                        fprintf(stderr, "needs root: the run happens in a network namespace of its own (%m)\n");
                        return 77;
                }
                r = bench(sock, two, 2,
                          "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINkOgKFL+iAn8O2vjFSoilxi8m2z6CCTCfeazOfyfQRo bench", NULL,
                          false, n);
        }
        rmdir(dir);
        return r;
}
