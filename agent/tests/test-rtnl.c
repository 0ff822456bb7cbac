/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnl's requests against the kernel, in a network namespace of the test's own (root
 * only; it goes with the process). */
#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/live.h"
#include "agent/rtnl.h"

static int setup(void **state) {
        (void) state;
        if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
                return 0;
        return system("set -e; exec >/dev/null 2>&1; ip link set lo up;"
                      "ip link add r0 type veth peer name r1; ip link set r0 up; ip link set r1 up;"
                      "ip addr add 192.0.2.10/24 dev r0; ip -6 addr add 2001:db8::10/64 dev r0 nodad") == 0
                       ? 0
                       : -1;
}

static bool up(const char *name) {
        _cleanup_(live_state_freep) live_state *s = NULL;
        const live_link *l;

        assert_int_equal(live_state_read(&s), 0);
        l = live_state_link_by_name(s, name);
        assert_non_null(l);
        return l->flags & IFF_UP;
}

static void test_rename(void **state) {
        _cleanup_close_ int fd = -EBADF;
        int ifindex = (int) if_nametoindex("r1");

        (void) state;
        if (geteuid() != 0)
                skip();
        fd = rtnl_open();
        assert_true(fd >= 0);
        assert_true(ifindex > 0);
        assert_true(up("r1"));
        assert_int_equal(rtnl_link_set_up(fd, ifindex, false), 0);
        assert_false(up("r1"));
        assert_int_equal(rtnl_link_set_name(fd, ifindex, "mgmt0"), 0);
        assert_int_equal((int) if_nametoindex("mgmt0"), ifindex);
        assert_int_equal(if_nametoindex("r1"), 0);
        assert_int_equal(rtnl_link_set_up(fd, ifindex, true), 0);
        assert_true(up("mgmt0"));
        assert_int_equal(rtnl_link_set_name(fd, ifindex, ""), -EINVAL);
        assert_int_equal(rtnl_link_set_name(fd, ifindex, "a-name-too-long-for-linux"), -EINVAL);
        assert_int_equal(rtnl_link_set_up(fd, 999999, true), -ENODEV);
}

static void test_delete(void **state) {
        _cleanup_close_ int fd = -EBADF;

        (void) state;
        if (geteuid() != 0)
                skip();
        fd = rtnl_open();
        assert_true(fd >= 0);
        assert_int_equal(system("ip link add br9 type bridge"), 0);
        assert_true(if_nametoindex("br9") > 0);
        assert_int_equal(rtnl_link_delete(fd, "br9"), 0);
        assert_int_equal(if_nametoindex("br9"), 0);
        assert_int_equal(rtnl_link_delete(fd, "br9"), -ENODEV);
}

static void test_neighbour(void **state) {
        _cleanup_close_ int fd = -EBADF;
        struct in_addr a4;
        struct in6_addr a6;
        uint16_t nud = 0;
        int ifindex = (int) if_nametoindex("r0");

        (void) state;
        if (geteuid() != 0)
                skip();
        fd = rtnl_open();
        assert_true(fd >= 0);
        /* here: a carrier change (test_rename's) flushes the table */
        assert_int_equal(system("ip neigh replace 192.0.2.1 lladdr 02:00:00:00:00:01 dev r0 nud permanent &&"
                                "ip neigh replace 2001:db8::1 lladdr 02:00:00:00:00:01 dev r0 nud stale"),
                         0);
        assert_int_equal(inet_pton(AF_INET, "192.0.2.1", &a4), 1);
        assert_int_equal(rtnl_neigh_state(fd, AF_INET, &a4, ifindex, &nud), 0);
        assert_int_equal(nud, NUD_PERMANENT);
        assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &a6), 1);
        assert_int_equal(rtnl_neigh_state(fd, AF_INET6, &a6, ifindex, &nud), 0);
        assert_int_equal(nud, NUD_STALE);
        /* another link, another address: not there */
        assert_int_equal(rtnl_neigh_state(fd, AF_INET, &a4, (int) if_nametoindex("lo"), &nud), -ENOENT);
        assert_int_equal(inet_pton(AF_INET, "192.0.2.2", &a4), 1);
        assert_int_equal(rtnl_neigh_state(fd, AF_INET, &a4, ifindex, &nud), -ENOENT);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rename),
                cmocka_unit_test(test_delete),
                cmocka_unit_test(test_neighbour),
        };

        return cmocka_run_group_tests(tests, setup, NULL);
}
