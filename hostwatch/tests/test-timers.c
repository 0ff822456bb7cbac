/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Timers of many machines on an injected clock: after every hostwatch_process() no
 * machine is left past its state deadline, and hostwatch_get_timeout() is the earliest
 * deadline of all (the timer heap kept in order through thousands of reschedules and the
 * periodic rekey). No address is ever found (no agent, no lease, in a network namespace
 * of its own with an empty neighbour table), so every machine cycles discovering ->
 * backoff with jittered windows. Needs root (the namespace). */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "netguard/hostwatch.h"

#define MACHINES 1000
#define PIN "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINkOgKFL+iAn8O2vjFSoilxi8m2z6CCTCfeazOfyfQRo test"

static uint64_t fake_now = 1000000;

static uint64_t fake_clock(void *userdata) {
        return fake_now;
}

static void test_every_deadline_met(void **state) {
        const char *const nets[] = { "192.0.2.0/24", NULL };
        HostWatchConfig cfg = { .clock = fake_clock, .backoff_max_usec = 5000000 };
        HostWatch *hw;
        unsigned rounds = 0;

        assert_int_equal(hostwatch_new(&hw, &cfg), 0);
        for (unsigned i = 0; i < MACHINES; i++) {
                char name[16], mac[18];
                snprintf(name, sizeof name, "vm%u", i);
                snprintf(mac, sizeof mac, "52:54:00:00:%02x:%02x", i >> 8, i & 0xff);
                assert_int_equal(hostwatch_add_machine(hw, &(HostWatchMachineConfig) {
                                         .name = name, .macaddress = mac, .networks = nets, .host_key = PIN }),
                                 0);
        }
        /* 60 s of clock in steps of 151 ms; remove and re-add some on the way */
        for (unsigned step = 0; step < 400; step++) {
                uint64_t t, earliest = UINT64_MAX;

                fake_now += 151000;
                assert_true(hostwatch_process(hw) >= 0);
                for (unsigned i = 0; i < MACHINES; i++) {
                        char name[16];
                        HostWatchWhere w;
                        snprintf(name, sizeof name, "vm%u", i);
                        assert_int_equal(hostwatch_where(hw, name, &w), 0);
                        if (w.state_deadline_usec <= fake_now)
                                print_error("%s (%s) is past its deadline: %llu <= %llu\n", name,
                                            hostwatch_state_to_string(w.state),
                                            (unsigned long long) w.state_deadline_usec, (unsigned long long) fake_now);
                        assert_true(w.state_deadline_usec > fake_now);
                        if (w.state_deadline_usec < earliest)
                                earliest = w.state_deadline_usec;
                }
                assert_int_equal(hostwatch_get_timeout(hw, &t), 0);
                assert_true(t <= earliest);
                if (step % 25 == 12) {
                        char name[16], mac[18];
                        unsigned i = (step * 7) % MACHINES;
                        snprintf(name, sizeof name, "vm%u", i);
                        snprintf(mac, sizeof mac, "52:54:00:00:%02x:%02x", i >> 8, i & 0xff);
                        assert_int_equal(hostwatch_remove_machine(hw, name), 0);
                        assert_int_equal(hostwatch_where(hw, name, &(HostWatchWhere) {}), -ENOENT);
                        assert_int_equal(hostwatch_add_machine(hw, &(HostWatchMachineConfig) {
                                                 .name = name, .macaddress = mac, .networks = nets, .host_key = PIN }),
                                         0);
                }
                rounds++;
        }
        assert_int_equal(rounds, 400);
        hostwatch_free(hw);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_deadline_met),
        };

        if (unshare(CLONE_NEWNET) < 0) {
                printf("SKIP: needs root for a network namespace of its own (unshare: %s)\n", strerror(errno));
                return 77;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
