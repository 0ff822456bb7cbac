/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A thousand unreachable machines: SSH probes in flight never exceed the global cap, and
 * what they cost is printed (CPU time, memory). Runs in a network namespace of its own
 * with a veth pair (192.0.2.1/24 on one end, nothing behind the other), so every probe
 * waits until its deadline (a SYN to an address ARP cannot resolve gets no error); needs
 * root. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/macro.h"
#include "loop.h"

#define MACHINES 1000
#define CAP 64
#define PIN "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINkOgKFL+iAn8O2vjFSoilxi8m2z6CCTCfeazOfyfQRo test"

static char dir[] = "/tmp/test-hostwatch-scale.XXXXXX";

typedef struct Count {
        unsigned in_flight, peak, connecting_entries, removed;
} Count;

static bool holds_slot(HostWatchState s) {
        return s == HOSTWATCH_STATE_CONNECTING || s == HOSTWATCH_STATE_AUTHENTICATING;
}

static void on_state(HostWatch *hw, const char *name, HostWatchState old, HostWatchState new, void *userdata) {
        Count *c = userdata;

        if (holds_slot(old) && !holds_slot(new))
                c->in_flight--;
        if (!holds_slot(old) && holds_slot(new)) {
                c->in_flight++;
                c->connecting_entries++;
        }
        if (c->in_flight > c->peak)
                c->peak = c->in_flight;
        if (new == HOSTWATCH_STATE_REMOVED)
                c->removed++;
}

static double cpu_seconds(void) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void test_thousand_unreachable(void **state) {
        _cleanup_free_ char *leases = NULL;
        const char *const nets[] = { "192.0.2.0/24", NULL };
        /* short probe deadlines, so that slots are handed over several times in 10 s */
        HostWatchConfig cfg = { .max_in_flight = CAP, .min_connect_timeout_usec = 3000000 };
        Count c = {};
        HostWatch *hw;
        FILE *f;
        size_t memory = 0;
        double cpu0, cpu1;
        uint64_t attempts = 0;

        assert_true(asprintf(&leases, "%s/leases", dir) > 0);
        f = fopen(leases, "we");
        assert_non_null(f);
        for (unsigned i = 0; i < MACHINES; i++)
                fprintf(f, "0 52:54:00:00:%02x:%02x 192.0.2.%u m%u *\n", i >> 8, i & 0xff, 2 + i % 250, i);
        fclose(f);

        assert_int_equal(hostwatch_new(&hw, &cfg), 0);
        hostwatch_set_callbacks(hw, on_state, NULL, &c);
        cpu0 = cpu_seconds();
        for (unsigned i = 0; i < MACHINES; i++) {
                char name[16], mac[18];
                const char *const lf[] = { leases, NULL };
                snprintf(name, sizeof name, "vm%u", i);
                snprintf(mac, sizeof mac, "52:54:00:00:%02x:%02x", i >> 8, i & 0xff);
                assert_int_equal(hostwatch_add_machine(hw, &(HostWatchMachineConfig) {
                                         .name = name, .macaddress = mac, .networks = nets, .host_key = PIN,
                                         .leases = lf }),
                                 0);
        }
        loop_run_until(hw, NULL, NULL, 10000);
        cpu1 = cpu_seconds();
        for (unsigned i = 0; i < MACHINES; i++) {
                char name[16];
                HostWatchStats st;
                snprintf(name, sizeof name, "vm%u", i);
                assert_int_equal(hostwatch_get_stats(hw, name, &st), 0);
                memory += st.memory;
                attempts += st.ssh_attempts;
        }
        printf("# %d unreachable machines, cap %d: %u probes started in 10 s, at most %u in flight; "
               "CPU %.2f s (adding them and 10 s of running); %zu bytes held (%zu per machine)\n",
               MACHINES, CAP, c.connecting_entries, c.peak, cpu1 - cpu0, memory, memory / MACHINES);
        assert_true(c.peak <= CAP);
        assert_true(c.peak == CAP);             /* the cap was reached: the probes really waited */
        assert_true(c.connecting_entries >= 2 * CAP);   /* and freed slots went to waiting machines */
        assert_true(attempts >= c.connecting_entries);
        hostwatch_free(hw);
        assert_int_equal(c.removed, MACHINES);
        assert_int_equal(c.in_flight, 0);
}

static int setup(void **state) {
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_thousand_unreachable),
        };

        if (unshare(CLONE_NEWNET) < 0) {
                printf("SKIP: needs root for a network namespace of its own (unshare: %s)\n", strerror(errno));
                return 77;
        }
        /* Inside our own namespace only: nothing answers behind hw-b. */
        if (system("ip link add hw-a type veth peer name hw-b && ip addr add 192.0.2.1/24 dev hw-a && "
                   "ip link set hw-a up && ip link set hw-b up") != 0) {
                printf("SKIP: cannot make a veth pair in the test's namespace\n");
                return 77;
        }
        return cmocka_run_group_tests(tests, setup, teardown);
}
