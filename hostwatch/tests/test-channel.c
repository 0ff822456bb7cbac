/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The channel against a guest simulator on a unix socket, driven by a plain poll() loop
 * (the non-sd-event example) and once by sd-event: reports, QEMU-style close and reopen,
 * UTF-8, removal from a callback, and a hostile guest beside a well-behaved one.
 * Runs in a network namespace of its own (SSH probes go nowhere); needs root for that. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <unistd.h>
#include <cmocka.h>

#include "guest-sim.h"
#include "hostwatch/channel.h"
#include "loop.h"
#include "proto/message.h"

#define PIN "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINkOgKFL+iAn8O2vjFSoilxi8m2z6CCTCfeazOfyfQRo test"
#define MAC "52:54:00:12:34:56"

static char dir[] = "/tmp/test-hostwatch-channel.XXXXXX";

typedef struct Seen {
        HostWatch *hw;
        char name[HOSTWATCH_NAME_MAX + 1];
        char address[HOSTWATCH_ADDRESS_STRLEN];
        unsigned changes;
        uint64_t at;
        const char *remove_on_address;  /* remove this machine from the callback */
        const char *want;               /* cond: this address */
} Seen;

static void on_address(HostWatch *hw, const HostWatchWhere *w, void *userdata) {
        Seen *s = userdata;

        snprintf(s->name, sizeof s->name, "%s", w->name);
        snprintf(s->address, sizeof s->address, "%s", w->address);
        s->changes++;
        s->at = loop_now_usec();
        if (s->remove_on_address && strcmp(s->remove_on_address, w->name) == 0)
                assert_int_equal(hostwatch_remove_machine(hw, w->name), 0);
}

static bool seen_want(void *userdata) {
        Seen *s = userdata;
        return strcmp(s->address, s->want) == 0;
}

static char *sock_path(const char *name) {
        char *p;
        assert_true(asprintf(&p, "%s/%s.sock", dir, name) > 0);
        return p;
}

static HostWatch *new_hw(Seen *seen) {
        HostWatch *hw;

        assert_int_equal(hostwatch_new(&hw, NULL), 0);
        hostwatch_set_callbacks(hw, NULL, on_address, seen);
        seen->hw = hw;
        return hw;
}

static void add(HostWatch *hw, const char *name, const char *path) {
        const char *const nets[] = { "192.0.2.0/24", "2001:db8::/64", NULL };
        HostWatchMachineConfig c = { .name = name, .channel = path, .macaddress = MAC, .networks = nets,
                                     .host_key = PIN };
        assert_int_equal(hostwatch_add_machine(hw, &c), 0);
        /* the channel connects at the next dispatch, as a loop would run it */
        assert_true(hostwatch_process(hw) >= 0);
}

/* Trust on first use: only without a key and with an identity (a login is the proof). */
static void test_tofu_args(void **state) {
        const char *const nets[] = { "192.0.2.0/24", NULL };
        _cleanup_free_ char *id = NULL, *cmd = NULL;
        HostWatchMachineConfig c = { .name = "t", .macaddress = MAC, .networks = nets };
        HostWatchWhere w;
        HostWatch *hw;

        assert_true(asprintf(&id, "%s/id", dir) > 0);
        assert_true(asprintf(&cmd, "ssh-keygen -q -t ed25519 -N '' -f %s", id) > 0);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(hostwatch_new(&hw, NULL), 0);
        hostwatch_set_key_learned_callback(hw, NULL, NULL);
        assert_int_equal(hostwatch_add_machine_tofu(hw, &c), -EINVAL);         /* no identity */
        c.ssh_identity = id;
        c.host_key = PIN;
        assert_int_equal(hostwatch_add_machine_tofu(hw, &c), -EINVAL);         /* a key and tofu */
        c.host_key = NULL;
        c.known_hosts = "/nonexistent";
        assert_int_equal(hostwatch_add_machine_tofu(hw, &c), -EINVAL);
        c.known_hosts = NULL;
        assert_int_equal(hostwatch_add_machine(hw, &c), -ENOKEY);              /* no key, not tofu */
        assert_int_equal(hostwatch_add_machine_tofu(hw, &c), 0);
        assert_int_equal(hostwatch_add_machine_tofu(hw, &c), -EEXIST);
        assert_int_equal(hostwatch_where(hw, "t", &w), 0);
        assert_false(w.verified);
        assert_int_equal(hostwatch_remove_machine(hw, "t"), 0);
        hostwatch_free(hw);
        (void) unlink(id);
        free(cmd);
        cmd = NULL;
        assert_true(asprintf(&cmd, "%s.pub", id) > 0);
        (void) unlink(cmd);
}

static bool never(void *userdata) {
        return false;
}

/* heartbeat_interval_ms 0: 5 s for a few machines; past 2,000 the wish grows (400
 * heartbeats a second in all). A guest in session hears it again only when it moved by a
 * fifth of what it was asked; a guest that connects later hears the exact wish. */
static void add_many(HostWatch *hw, unsigned from, unsigned to) {
        const char *const nets[] = { "192.0.2.0/24", NULL };
        char name[16];

        for (unsigned i = from; i < to; i++) {
                HostWatchMachineConfig c = { .name = name, .macaddress = MAC, .networks = nets, .host_key = PIN };
                snprintf(name, sizeof name, "m%u", i);
                assert_int_equal(hostwatch_add_machine(hw, &c), 0);
        }
}

static void remove_many(HostWatch *hw, unsigned from, unsigned to) {
        char name[16];

        for (unsigned i = from; i < to; i++) {
                snprintf(name, sizeof name, "m%u", i);
                assert_int_equal(hostwatch_remove_machine(hw, name), 0);
        }
}

static int hellos(HostWatch *hw, GuestSim *g, uint64_t *last) {
        uint64_t ms[8];
        int n;

        (void) loop_run_until(hw, never, NULL, 200);
        n = guest_sim_read_hellos(g, ms, 8, 100);
        if (n > 0)
                *last = ms[n - 1 < 8 ? n - 1 : 7];
        return n;
}

static void test_heartbeat_auto(void **state) {
        _cleanup_free_ char *path = sock_path("hb"), *path2 = sock_path("hb2");
        Seen seen = {};
        GuestSim g = {}, g2 = {};
        HostWatch *hw = new_hw(&seen);
        uint64_t ms = 0;

        assert_int_equal(guest_sim_listen(&g, path), 0);
        add(hw, "vm1", path);
        assert_int_equal(guest_sim_accept(&g, 2000), 0);
        assert_true(guest_sim_hello(&g, "guest1") > 0);
        assert_true(hellos(hw, &g, &ms) >= 1);
        assert_int_equal(ms, 5000);

        add_many(hw, 0, 2000);                  /* 2,001 machines: 6 s, a fifth more */
        assert_int_equal(hellos(hw, &g, &ms), 1);
        assert_int_equal(ms, 6000);
        add_many(hw, 2000, 2800);               /* 2,801: 8 s (7 s at 2,401 was not enough) */
        assert_int_equal(hellos(hw, &g, &ms), 1);
        assert_int_equal(ms, 8000);
        remove_many(hw, 2799, 2800);            /* one less: 7 s, not worth a HELLO */
        assert_int_equal(hellos(hw, &g, &ms), 0);
        add_many(hw, 2799, 2800);               /* and back: 8 s, what it was asked */
        assert_int_equal(hellos(hw, &g, &ms), 0);

        assert_int_equal(guest_sim_listen(&g2, path2), 0);
        add(hw, "vm2", path2);                  /* 2,802 machines: 8 s at its first HELLO */
        assert_int_equal(guest_sim_accept(&g2, 2000), 0);
        assert_true(guest_sim_hello(&g2, "guest2") > 0);
        assert_true(hellos(hw, &g2, &ms) >= 1);
        assert_int_equal(ms, 8000);

        remove_many(hw, 0, 2800);               /* 2 machines: back to 5 s (6 s on the way) */
        assert_true(hellos(hw, &g, &ms) >= 1);
        assert_int_equal(ms, 5000);
        assert_int_equal(hostwatch_get_stats(hw, "vm1", &(HostWatchStats) {}), 0);

        hostwatch_free(hw);
        guest_sim_close(&g, true);
        guest_sim_close(&g2, true);
}

static void test_report(void **state) {
        _cleanup_free_ char *path = sock_path("report");
        const char *const first[] = { "203.0.113.9/24", "fe80::5054:ff:fe12:3456/64", "192.0.2.58/24", NULL };
        const char *const moved[] = { "192.0.2.77/24", NULL };
        Seen seen = { .want = "192.0.2.58" };
        GuestSim g = {};
        HostWatch *hw = new_hw(&seen);
        HostWatchWhere w;
        HostWatchStats st;

        assert_int_equal(guest_sim_listen(&g, path), 0);
        add(hw, "vm1", path);
        assert_int_equal(guest_sim_accept(&g, 2000), 0);
        assert_true(guest_sim_hello(&g, "guest1") > 0);
        assert_true(guest_sim_addresses(&g, "eth0", first) > 0);
        assert_true(loop_run_until(hw, seen_want, &seen, 3000));
        assert_int_equal(hostwatch_where(hw, "vm1", &w), 0);
        assert_string_equal(w.address, "192.0.2.58");
        assert_int_equal(w.evidence, HOSTWATCH_EVIDENCE_AGENT);
        assert_false(w.verified);
        assert_true(w.agent_connected);
        assert_int_equal(hostwatch_get_stats(hw, "vm1", &st), 0);
        assert_int_equal(st.ignored_addresses, 2);     /* outside the networks; link-local */
        assert_int_equal(st.channel_connects, 1);
        /* the host said HELLO on connect and answered ours */
        assert_true(guest_sim_count_frames(&g, PROTO_TYPE_HOST_HELLO, 200) >= 2);

        seen.want = "192.0.2.77";
        assert_true(guest_sim_addresses(&g, "eth0", moved) > 0);
        assert_true(loop_run_until(hw, seen_want, &seen, 3000));
        assert_int_equal(hostwatch_where(hw, "vm1", &w), 0);
        assert_string_equal(w.address, "192.0.2.77");
        assert_int_equal(hostwatch_where(hw, "nope", &w), -ENOENT);

        guest_sim_close(&g, true);
        hostwatch_free(hw);
}

static bool agent_gone(void *userdata) {
        HostWatchWhere w;
        return hostwatch_where(userdata, "vm1", &w) == 0 && !w.agent_connected;
}

static bool connects_one(void *userdata) {
        HostWatchStats st;
        return hostwatch_get_stats(userdata, "vm1", &st) == 0 && st.channel_connects >= 1;
}

static bool connects_two(void *userdata) {
        HostWatchStats st;
        return hostwatch_get_stats(userdata, "vm1", &st) == 0 && st.channel_connects >= 2;
}

/* QEMU exits (its socket closes and goes away) and starts again on the same path. */
static void test_reconnect(void **state) {
        _cleanup_free_ char *path = sock_path("reconnect");
        const char *const a1[] = { "192.0.2.58/24", NULL };
        const char *const a2[] = { "192.0.2.80/24", NULL };
        Seen seen = { .want = "192.0.2.58" };
        GuestSim g = {};
        HostWatch *hw = new_hw(&seen);

        /* QEMU not there yet: the library keeps trying, without blocking */
        add(hw, "vm1", path);
        loop_run_until(hw, NULL, NULL, 300);
        assert_int_equal(guest_sim_listen(&g, path), 0);
        assert_true(loop_run_until(hw, connects_one, hw, 8000));
        assert_int_equal(guest_sim_accept(&g, 1000), 0);
        assert_true(guest_sim_hello(&g, "guest1") > 0);
        assert_true(guest_sim_addresses(&g, "eth0", a1) > 0);
        assert_true(loop_run_until(hw, seen_want, &seen, 3000));

        guest_sim_close(&g, true);
        assert_true(loop_run_until(hw, agent_gone, hw, 3000));
        loop_run_until(hw, NULL, NULL, 500);
        assert_int_equal(guest_sim_listen(&g, path), 0);
        assert_true(loop_run_until(hw, connects_two, hw, 8000));
        assert_int_equal(guest_sim_accept(&g, 1000), 0);
        seen.want = "192.0.2.80";
        assert_true(guest_sim_hello(&g, "guest1") > 0);
        assert_true(guest_sim_addresses(&g, "eth0", a2) > 0);
        assert_true(loop_run_until(hw, seen_want, &seen, 3000));

        guest_sim_close(&g, true);
        hostwatch_free(hw);
}

typedef struct Closer {
        GuestSim *g;
        unsigned accepted;
} Closer;

static bool accept_and_close(void *userdata) {
        Closer *c = userdata;
        while (guest_sim_accept(c->g, 0) == 0) {
                guest_sim_close(c->g, false);
                c->accepted++;
        }
        return false;
}

/* A peer that accepts and hangs up at once: reconnects back off instead of spinning. */
static void test_no_spin(void **state) {
        _cleanup_free_ char *path = sock_path("spin");
        Seen seen = {};
        GuestSim g = {};
        HostWatch *hw = new_hw(&seen);
        Closer c = { .g = &g };
        HostWatchStats st;

        assert_int_equal(guest_sim_listen(&g, path), 0);
        add(hw, "vm1", path);
        loop_run_until(hw, accept_and_close, &c, 2000);
        assert_int_equal(hostwatch_get_stats(hw, "vm1", &st), 0);
        printf("# accept-and-close peer: %llu connects in 2 s\n", (unsigned long long) st.channel_connects);
        /* 250 ms x 1.6^k: about 5 in 2 s; a spinning loop would make thousands */
        assert_true(st.channel_connects >= 2 && st.channel_connects <= 10);
        guest_sim_close(&g, true);
        hostwatch_free(hw);
}

/* HOST_REACHED must not be lost: resent (same seq) when an ACK is overdue and after every
 * agent HELLO, until acknowledged; a duplicate ACK is harmless. Channel alone, time injected. */
static void test_outbox(void **state) {
        _cleanup_free_ char *path = sock_path("outbox");
        ChannelHints hints = { .instance = 7, .heartbeat_interval_ms = 1000 };
        const ChannelHandler h = {};
        Channel *c = NULL;
        GuestSim g = {};
        ip_addr a;
        uint32_t seq[4], first;
        uint64_t now = 1000000;

        assert_int_equal(ip_addr_from_string("192.0.2.58", AF_INET, &a), 0);
        assert_int_equal(guest_sim_listen(&g, path), 0);
        assert_int_equal(channel_new(path, NULL, &hints, NULL, NULL, &c), 0);
        channel_tick(c, now);
        assert_true(channel_get_fd(c) >= 0);
        assert_int_equal(guest_sim_accept(&g, 1000), 0);
        assert_int_equal(guest_sim_count_frames(&g, PROTO_TYPE_HOST_HELLO, 100), 1);

        assert_int_equal(channel_send_host_reached(c, now, &a, PROTO_PROOF_SSH), 0);
        assert_int_equal(guest_sim_read_frames(&g, PROTO_TYPE_HOST_REACHED, seq, 4, 100), 1);
        first = seq[0];
        /* not yet overdue: nothing */
        channel_tick(c, now + CHANNEL_ACK_TIMEOUT_USEC - 1);
        assert_int_equal(guest_sim_count_frames(&g, PROTO_TYPE_HOST_REACHED, 100), 0);
        /* overdue: the same frame again */
        assert_true(channel_get_deadline(c) <= now + CHANNEL_ACK_TIMEOUT_USEC);
        channel_tick(c, now + CHANNEL_ACK_TIMEOUT_USEC);
        assert_int_equal(guest_sim_read_frames(&g, PROTO_TYPE_HOST_REACHED, seq, 4, 100), 1);
        assert_int_equal(seq[0], first);
        /* a (restarted) agent's HELLO: answered, and the outbox resent */
        assert_true(guest_sim_hello(&g, "guest1") > 0);
        channel_dispatch(c, now + 3000000, &h, NULL);
        assert_int_equal(guest_sim_read_frames(&g, PROTO_TYPE_HOST_REACHED, seq, 4, 100), 1);
        assert_int_equal(seq[0], first);
        /* acknowledged (twice): never again */
        assert_true(guest_sim_ack(&g, first) > 0);
        assert_true(guest_sim_ack(&g, first) > 0);
        channel_dispatch(c, now + 3100000, &h, NULL);
        assert_int_equal(channel_get_deadline(c), UINT64_MAX);
        channel_tick(c, now + 60000000);
        assert_int_equal(guest_sim_count_frames(&g, PROTO_TYPE_HOST_REACHED, 100), 0);
        /* HOST_LOST follows the same rules */
        assert_int_equal(channel_send_host_lost(c, now + 61000000, &a, "ssh: not answering"), 0);
        assert_int_equal(guest_sim_read_frames(&g, PROTO_TYPE_HOST_LOST, seq, 4, 100), 1);
        assert_true(seq[0] > first);
        channel_tick(c, now + 61000000 + CHANNEL_ACK_TIMEOUT_USEC);
        assert_int_equal(guest_sim_count_frames(&g, PROTO_TYPE_HOST_LOST, 100), 1);
        channel_free(c);
        guest_sim_close(&g, true);
}

static bool txn_is(HostWatch *hw, uint64_t txn) {
        HostWatchWhere w;
        return hostwatch_where(hw, "vm1", &w) == 0 && w.txn == txn;
}

static bool txn_lost_sent(void *userdata) {
        HostWatchStats st;
        return hostwatch_get_stats(userdata, "vm1", &st) == 0 && st.txn_lost >= 1;
}

/* The guest's TXN pending: the library verifies at once (here nothing answers SSH: the
 * namespace has no route) and tells the guest HOST_LOST naming the transaction, once; the
 * TXN's end stops naming it. (The proof side, HOST_REACHED(txn), needs sshd: test-lab.c.) */
static void test_txn(void **state) {
        _cleanup_free_ char *path = sock_path("txn");
        const char *const moved[] = { "192.0.2.77/24", NULL };
        Seen seen = { .want = "192.0.2.77" };
        GuestSim g = {};
        HostWatch *hw = new_hw(&seen);
        HostWatchWhere w;
        HostWatchStats st;
        uint64_t txns[8];
        int n;

        assert_int_equal(guest_sim_listen(&g, path), 0);
        add(hw, "vm1", path);
        assert_int_equal(guest_sim_accept(&g, 2000), 0);
        assert_true(guest_sim_hello(&g, "guest1") > 0);
        assert_true(guest_sim_addresses(&g, "eth0", moved) > 0);
        assert_true(loop_run_until(hw, seen_want, &seen, 3000));
        /* the first round failed before any transaction: no HOST_LOST (nothing was verified) */
        loop_run_until(hw, NULL, NULL, 300);
        assert_int_equal(guest_sim_read_txns(&g, PROTO_TYPE_HOST_LOST, txns, 8, 100), 0);
        assert_int_equal(hostwatch_where(hw, "vm1", &w), 0);
        assert_int_equal(w.txn, 0);
        assert_int_equal(w.state, HOSTWATCH_STATE_BACKOFF);

        /* TXN pending 42: verified again at once (not at the end of the backoff) */
        assert_true(guest_sim_txn(&g, 42, PROTO_TXN_PENDING, UINT64_C(1700000000000000)) > 0);
        assert_true(loop_run_until(hw, txn_lost_sent, hw, 3000));
        assert_int_equal(hostwatch_where(hw, "vm1", &w), 0);
        assert_int_equal(w.txn, 42);
        assert_int_equal(w.txn_deadline_usec, UINT64_C(1700000000000000));
        assert_false(w.txn_proven);
        n = guest_sim_read_txns(&g, PROTO_TYPE_HOST_LOST, txns, 8, 300);
        assert_int_equal(n, 1);
        assert_int_equal(txns[0], 42);
        assert_int_equal(hostwatch_get_stats(hw, "vm1", &st), 0);
        assert_int_equal(st.txns, 1);
        assert_int_equal(st.txn_lost, 1);
        assert_int_equal(st.txn_reached, 0);
        /* the same TXN again (a resend with a new seq) starts nothing new */
        assert_true(guest_sim_txn(&g, 42, PROTO_TXN_PENDING, UINT64_C(1700000000000000)) > 0);
        loop_run_until(hw, NULL, NULL, 300);
        assert_int_equal(hostwatch_get_stats(hw, "vm1", &st), 0);
        assert_int_equal(st.txns, 1);
        assert_int_equal(guest_sim_read_txns(&g, PROTO_TYPE_HOST_LOST, txns, 8, 100), 0);

        /* rolled back: the transaction is over */
        assert_true(guest_sim_txn(&g, 42, PROTO_TXN_ROLLED_BACK, 0) > 0);
        loop_run_until(hw, NULL, NULL, 200);
        assert_true(txn_is(hw, 0));

        /* a restarted agent (new instance) drops what its predecessor had pending */
        assert_true(guest_sim_txn(&g, 43, PROTO_TXN_PENDING, 0) > 0);
        loop_run_until(hw, NULL, NULL, 300);
        assert_true(txn_is(hw, 43));
        g.instance++;
        g.seq = 0;
        assert_true(guest_sim_hello(&g, "guest1") > 0);
        loop_run_until(hw, NULL, NULL, 300);
        assert_true(txn_is(hw, 0));

        guest_sim_close(&g, true);
        hostwatch_free(hw);
}

static unsigned count_fds(void) {
        unsigned n = 0;
        DIR *d = opendir("/proc/self/fd");

        assert_non_null(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

/* One watcher per QEMU socket: a second one is refused while the first holds it, in
 * another watcher, in the same one, and in another process until that one dies (kill -9
 * leaves no lock behind). The locks of one directory cost one fd, not one per channel. */
static void test_lock(void **state) {
        _cleanup_free_ char *path = sock_path("lock"), *other = sock_path("lock-other");
        const char *const nets[] = { "192.0.2.0/24", NULL };
        HostWatchMachineConfig c = { .name = "vm1", .channel = path, .macaddress = MAC, .networks = nets,
                                     .host_key = PIN };
        HostWatchMachineConfig c2 = c, dup = c;
        Seen s1 = {}, s2 = {};
        HostWatch *a = new_hw(&s1), *b = new_hw(&s2);
        int p[2];
        unsigned fds;
        pid_t pid;
        char x;

        c2.name = "vm2";
        c2.channel = other;
        dup.name = "vm1-again";
        assert_int_equal(hostwatch_add_machine(a, &c), 0);
        assert_int_equal(hostwatch_add_machine(b, &c), -EBUSY);
        assert_int_equal(hostwatch_add_machine(a, &dup), -EBUSY);
        assert_int_equal(hostwatch_add_machine(b, &c2), 0);     /* same directory, its own byte */
        assert_int_equal(hostwatch_remove_machine(a, "vm1"), 0);
        assert_int_equal(hostwatch_add_machine(b, &c), 0);
        assert_int_equal(hostwatch_remove_machine(b, "vm1"), 0);

        fds = count_fds();
        for (unsigned i = 0; i < 50; i++) {
                char name[16], ch[128];
                HostWatchMachineConfig m = c;
                snprintf(name, sizeof name, "many%u", i);
                snprintf(ch, sizeof ch, "%s/many%u.sock", dir, i);
                m.name = name;
                m.channel = ch;
                assert_int_equal(hostwatch_add_machine(a, &m), 0);
        }
        assert_true(count_fds() <= fds + 1);    /* the directory's lock file, once */

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                HostWatch *h;
                char ok = 0;
                if (hostwatch_new(&h, NULL) == 0 && hostwatch_add_machine(h, &c) == 0)
                        ok = 1;
                (void) !write(p[1], &ok, 1);
                for (;;)
                        pause();
        }
        close(p[1]);
        assert_int_equal(read(p[0], &x, 1), 1);
        close(p[0]);
        assert_int_equal(x, 1);
        assert_int_equal(hostwatch_add_machine(a, &c), -EBUSY);
        assert_int_equal(kill(pid, SIGKILL), 0);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        assert_int_equal(hostwatch_add_machine(a, &c), 0);
        hostwatch_free(a);
        hostwatch_free(b);
}

static uint64_t fake_now;
static uint64_t fake_clock(void *userdata) {
        return fake_now;
}

typedef struct Age {
        HostWatch *hw;
        uint64_t below;
} Age;

static bool age_below(void *userdata) {
        Age *a = userdata;
        HostWatchWhere w;
        return hostwatch_where(a->hw, "vm1", &w) == 0 && w.address[0] && w.age_usec < a->below;
}

/* The age of the agent's evidence: a snapshot, then heartbeats naming that snapshot keep it
 * fresh; a heartbeat naming an older one does not. Injected clock. */
static void test_evidence_age(void **state) {
        _cleanup_free_ char *path = sock_path("age");
        const char *const a[] = { "192.0.2.58/24", NULL };
        HostWatchConfig cfg = { .clock = fake_clock };
        Seen seen = { .want = "192.0.2.58" };
        GuestSim g = {};
        HostWatch *hw;
        HostWatchWhere w;
        Age fresh;

        fake_now = 5000000;
        assert_int_equal(hostwatch_new(&hw, &cfg), 0);
        hostwatch_set_callbacks(hw, NULL, on_address, &seen);
        fresh = (Age) { .hw = hw, .below = 1 };
        assert_int_equal(guest_sim_listen(&g, path), 0);
        add(hw, "vm1", path);
        assert_int_equal(guest_sim_accept(&g, 2000), 0);
        assert_true(guest_sim_hello(&g, "guest1") > 0);
        assert_true(guest_sim_addresses(&g, "eth0", a) > 0);           /* snapshot 1 */
        assert_true(loop_run_until(hw, seen_want, &seen, 3000));
        assert_int_equal(hostwatch_where(hw, "vm1", &w), 0);
        assert_int_equal(w.age_usec, 0);

        fake_now += 7000000;
        assert_int_equal(hostwatch_where(hw, "vm1", &w), 0);
        assert_int_equal(w.age_usec, 7000000);
        assert_true(guest_sim_heartbeat(&g, 0) > 0);                  /* not the snapshot we hold */
        loop_run_until(hw, NULL, NULL, 200);
        assert_int_equal(hostwatch_where(hw, "vm1", &w), 0);
        assert_int_equal(w.age_usec, 7000000);
        assert_true(guest_sim_heartbeat(&g, 1) > 0);
        assert_true(loop_run_until(hw, age_below, &fresh, 3000));
        assert_int_equal(hostwatch_where(hw, "vm1", &w), 0);
        assert_int_equal(w.age_usec, 0);
        assert_int_equal(w.evidence, HOSTWATCH_EVIDENCE_AGENT);
        guest_sim_close(&g, true);
        hostwatch_free(hw);
}

static void test_utf8(void **state) {
        _cleanup_free_ char *path = sock_path("utf8");
        const char *const a[] = { "192.0.2.58/24", NULL };
        Seen seen = { .want = "192.0.2.58" };
        GuestSim g = {};
        HostWatch *hw = new_hw(&seen);
        HostWatchWhere w;
        HostWatchStats st;

        assert_int_equal(guest_sim_listen(&g, path), 0);
        add(hw, "vm1", path);
        assert_int_equal(guest_sim_accept(&g, 2000), 0);
        assert_true(guest_sim_hello(&g, "bad\xff\xfename") > 0);
        assert_true(guest_sim_addresses(&g, "e\xc0\xaf", a) > 0);       /* an overlong '/' */
        loop_run_until(hw, NULL, NULL, 300);
        assert_int_equal(hostwatch_where(hw, "vm1", &w), 0);
        assert_string_equal(w.address, "");
        assert_false(w.agent_connected);
        assert_int_equal(hostwatch_get_stats(hw, "vm1", &st), 0);
        assert_int_equal(st.bad_utf8, 2);
        assert_true(guest_sim_hello(&g, "guest1") > 0);
        assert_true(guest_sim_addresses(&g, "eth0", a) > 0);
        assert_true(loop_run_until(hw, seen_want, &seen, 3000));
        assert_int_equal(hostwatch_where(hw, "vm1", &w), 0);
        assert_true(w.agent_connected);
        guest_sim_close(&g, true);
        hostwatch_free(hw);
}

static void test_remove_from_callback(void **state) {
        _cleanup_free_ char *path = sock_path("remove");
        const char *const a[] = { "192.0.2.58/24", NULL };
        Seen seen = { .want = "192.0.2.58", .remove_on_address = "vm1" };
        GuestSim g = {};
        HostWatch *hw = new_hw(&seen);
        HostWatchWhere w;

        assert_int_equal(guest_sim_listen(&g, path), 0);
        add(hw, "vm1", path);
        assert_int_equal(guest_sim_accept(&g, 2000), 0);
        assert_true(guest_sim_hello(&g, "guest1") > 0);
        assert_true(guest_sim_addresses(&g, "eth0", a) > 0);
        assert_true(loop_run_until(hw, seen_want, &seen, 3000));
        assert_int_equal(hostwatch_where(hw, "vm1", &w), -ENOENT);
        /* the host closed its end */
        assert_int_equal(guest_sim_count_frames(&g, 0xffff, 500), 0);
        assert_int_equal(recv(g.fd, (char[1]) {}, 1, MSG_DONTWAIT), 0);
        guest_sim_close(&g, true);
        hostwatch_free(hw);
}

static int on_sd_exit(sd_event_source *s, uint64_t usec, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* The same on sd-event. */
static void test_sd_event(void **state) {
        _cleanup_free_ char *path = sock_path("sdevent");
        const char *const a[] = { "2001:db8::58/64", NULL };
        Seen seen = { .want = "2001:db8::58" };
        GuestSim g = {};
        HostWatch *hw = new_hw(&seen);
        sd_event *e = NULL;
        sd_event_source *limit = NULL;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(hostwatch_attach_event(hw, e, 0), 0);
        assert_int_equal(guest_sim_listen(&g, path), 0);
        add(hw, "vm1", path);
        assert_int_equal(guest_sim_accept(&g, 2000), 0);
        assert_true(guest_sim_hello(&g, "guest1") > 0);
        assert_true(guest_sim_addresses(&g, "eth0", a) > 0);
        assert_int_equal(sd_event_add_time_relative(e, &limit, CLOCK_MONOTONIC, 3000000, 0, on_sd_exit, NULL), 0);
        while (!seen_want(&seen) && sd_event_get_state(e) != SD_EVENT_FINISHED)
                assert_true(sd_event_run(e, UINT64_MAX) >= 0);
        assert_true(seen_want(&seen));
        hostwatch_free(hw);
        sd_event_source_unref(limit);
        sd_event_unref(e);
        guest_sim_close(&g, true);
}

/* ---- a hostile guest beside a well-behaved one ---- */

typedef enum EvilMode {
        EVIL_GARBAGE,
        EVIL_MAX_FRAMES,
        EVIL_BAD_CHECKSUM,
        EVIL_ADDRESS_FLOOD,
        EVIL_BAD_UTF8,
        EVIL_DRIP,
        EVIL_OUTSIDE,
        EVIL_MAX_SNAPSHOT,
        _EVIL_MAX,
} EvilMode;

static const char *const evil_names[_EVIL_MAX] = {
        "garbage", "max-frames", "bad-checksum", "address-flood", "bad-utf8", "drip", "outside", "max-snapshot",
};

typedef struct Evil {
        GuestSim g;
        EvilMode mode;
        volatile int stop;
        uint64_t bytes;
        unsigned rounds;
} Evil;

static void *evil_run(void *userdata) {
        Evil *e = userdata;
        uint64_t seed = 42;
        struct timeval tv = { .tv_usec = 50000 };
        const char *const outside[] = { "203.0.113.1/24", "198.51.100.1/24", NULL };

        /* A paused host stops reading: time out and look at stop again. */
        (void) setsockopt(e->g.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        while (!e->stop) {
                int r = 0;
                switch (e->mode) {
                case EVIL_GARBAGE:
                        r = guest_sim_garbage(&e->g, 64 * 1024, &seed);
                        break;
                case EVIL_MAX_FRAMES:
                        r = guest_sim_max_frame(&e->g);
                        break;
                case EVIL_BAD_CHECKSUM:
                        r = guest_sim_bad_checksum_frame(&e->g);
                        break;
                case EVIL_ADDRESS_FLOOD:
                        r = guest_sim_address_flood(&e->g, 100000);
                        break;
                case EVIL_BAD_UTF8:
                        r = guest_sim_hello(&e->g, "b\xff\xfe");
                        if (r >= 0)
                                r = guest_sim_addresses(&e->g, "e\xed\xa0\x80", outside);
                        break;
                case EVIL_DRIP:
                        r = guest_sim_drip(&e->g, 2000);
                        break;
                case EVIL_OUTSIDE:
                        r = guest_sim_addresses(&e->g, "eth0", outside);
                        break;
                case EVIL_MAX_SNAPSHOT:
                        r = guest_sim_max_snapshot(&e->g);
                        break;
                case _EVIL_MAX:
                        break;
                }
                if (r > 0)
                        e->bytes += (uint64_t) r;
                e->rounds++;
        }
        return NULL;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

#define REPORTS_PER_PHASE 60

/* Report latency of the good machine: write a snapshot, loop until the callback. */
static void measure(HostWatch *hw, GuestSim *good, Seen *seen, uint64_t *lat, size_t n) {
        static const char *const a58[] = { "192.0.2.58/24", NULL }, *const a59[] = { "192.0.2.59/24", NULL };

        for (size_t i = 0; i < n; i++) {
                uint64_t t0;
                /* alternate, so that every report is a change */
                bool odd = strcmp(seen->address, "192.0.2.59") == 0;
                seen->want = odd ? "192.0.2.58" : "192.0.2.59";
                t0 = loop_now_usec();
                assert_true(guest_sim_addresses(good, "eth0", odd ? a58 : a59) > 0);
                assert_true(loop_run_until(hw, seen_want, seen, 5000));
                lat[i] = seen->at - t0;
                /* spread the reports over the hostile phase */
                loop_run_until(hw, NULL, NULL, 5);
        }
}

static void percentiles(uint64_t *lat, size_t n, uint64_t *p50, uint64_t *p99) {
        qsort(lat, n, sizeof *lat, cmp_u64);
        *p50 = lat[n / 2];
        *p99 = lat[n * 99 / 100];
}

static void test_hostile(void **state) {
        _cleanup_free_ char *good_path = sock_path("good");
        static uint64_t alone[REPORTS_PER_PHASE * _EVIL_MAX], beside[REPORTS_PER_PHASE * _EVIL_MAX];
        Seen seen = { .want = "" };
        GuestSim good = {};
        HostWatch *hw = new_hw(&seen);
        HostWatchStats gst;
        size_t peak = 0;
        uint64_t p50, p99, hp50, hp99;

        assert_int_equal(guest_sim_listen(&good, good_path), 0);
        add(hw, "good", good_path);
        assert_int_equal(guest_sim_accept(&good, 2000), 0);
        assert_true(guest_sim_hello(&good, "good") > 0);
        measure(hw, &good, &seen, alone, ELEMENTSOF(alone));

        for (EvilMode mode = 0; mode < _EVIL_MAX; mode++) {
                _cleanup_free_ char *path = sock_path(evil_names[mode]);
                Evil evil = { .mode = mode };
                HostWatchStats st;
                HostWatchWhere w;
                pthread_t t;
                uint64_t phase_start, phase_usec;

                assert_int_equal(guest_sim_listen(&evil.g, path), 0);
                add(hw, evil_names[mode], path);
                assert_int_equal(guest_sim_accept(&evil.g, 2000), 0);
                phase_start = loop_now_usec();
                assert_int_equal(pthread_create(&t, NULL, evil_run, &evil), 0);
                measure(hw, &good, &seen, beside + mode * REPORTS_PER_PHASE, REPORTS_PER_PHASE);
                evil.stop = 1;
                /* keep reading so a blocked writer gets out */
                loop_run_until(hw, NULL, NULL, 200);
                assert_int_equal(pthread_join(t, NULL), 0);
                loop_run_until(hw, NULL, NULL, 100);

                phase_usec = loop_now_usec() - phase_start;
                assert_int_equal(hostwatch_get_stats(hw, evil_names[mode], &st), 0);
                printf("# hostile %-13s: %5u writes, %9llu bytes written, %9llu read, %9llu skipped, %5llu frames, "
                       "%3llu bad checksums, %4llu refused (%3llu bad UTF-8), paused %4llu times, "
                       "%6llu addresses ignored, memory peak %zu\n",
                       evil_names[mode], evil.rounds, (unsigned long long) evil.bytes, (unsigned long long) st.bytes,
                       (unsigned long long) st.bytes_skipped, (unsigned long long) st.frames,
                       (unsigned long long) st.bad_checksum, (unsigned long long) st.bad_messages,
                       (unsigned long long) st.bad_utf8, (unsigned long long) st.throttled,
                       (unsigned long long) st.ignored_addresses, st.memory_peak);
                assert_true(st.memory_peak <= CHANNEL_MEMORY_MAX);
                if (st.memory_peak > peak)
                        peak = st.memory_peak;
                switch (mode) {
                case EVIL_GARBAGE:
                        assert_true(st.bytes_skipped > 0);
                        assert_true(st.throttled > 0);
                        break;
                case EVIL_MAX_FRAMES:
                        assert_true(st.frames > 0);
                        assert_true(st.throttled > 0);
                        break;
                case EVIL_BAD_CHECKSUM:
                        /* How many frames the phase reads depends on the byte budget and on
                         * how soon the good guest's reports end it (each bad frame here is
                         * 64 KiB): at least one must be seen as bad, and more than the
                         * budget allows in the windows the phase spanned must have paused
                         * the reader; a slow (loaded) writer may have stayed within it. */
                        assert_true(st.bad_checksum > 0);
                        if (st.bad_checksum > (phase_usec / CHANNEL_BAD_WINDOW_USEC + 1) * CHANNEL_BAD_MAX)
                                assert_true(st.throttled > 0);
                        break;
                case EVIL_ADDRESS_FLOOD:
                        assert_true(st.bad_messages > 0);
                        break;
                case EVIL_BAD_UTF8:
                        assert_true(st.bad_utf8 > 0);
                        break;
                case EVIL_DRIP:
                        assert_true(st.bytes > 0);
                        break;
                case EVIL_OUTSIDE:
                        assert_true(st.ignored_addresses > 0);
                        break;
                case EVIL_MAX_SNAPSHOT:
                        /* decoded in full (1024 addresses), then every one ignored */
                        assert_true(st.ignored_addresses >= PROTO_ADDRESSES_MAX);
                        assert_int_equal(st.bad_messages, 0);
                        break;
                case _EVIL_MAX:
                        break;
                }
                /* nothing a hostile guest sent became an address */
                assert_int_equal(hostwatch_where(hw, evil_names[mode], &w), 0);
                assert_string_equal(w.address, "");
                assert_int_equal(hostwatch_remove_machine(hw, evil_names[mode]), 0);
                guest_sim_close(&evil.g, true);
        }
        assert_int_equal(hostwatch_get_stats(hw, "good", &gst), 0);
        assert_int_equal(gst.bad_messages, 0);
        assert_true(gst.memory_peak <= CHANNEL_MEMORY_MAX);
        percentiles(alone, ELEMENTSOF(alone), &p50, &p99);
        percentiles(beside, ELEMENTSOF(beside), &hp50, &hp99);
        printf("# memory per machine: hostile peak %zu bytes, well-behaved peak %zu bytes (cap %d)\n", peak,
               gst.memory_peak, CHANNEL_MEMORY_MAX);
        printf("# well-behaved report latency (write -> address callback), %zu reports each: "
               "alone p50 %llu us p99 %llu us; beside a hostile guest p50 %llu us p99 %llu us\n",
               ELEMENTSOF(alone), (unsigned long long) p50, (unsigned long long) p99, (unsigned long long) hp50,
               (unsigned long long) hp99);
        guest_sim_close(&good, true);
        hostwatch_free(hw);
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
                cmocka_unit_test(test_report),
                cmocka_unit_test(test_reconnect),
                cmocka_unit_test(test_no_spin),
                cmocka_unit_test(test_outbox),
                cmocka_unit_test(test_txn),
                cmocka_unit_test(test_lock),
                cmocka_unit_test(test_evidence_age),
                cmocka_unit_test(test_utf8),
                cmocka_unit_test(test_remove_from_callback),
                cmocka_unit_test(test_sd_event),
                cmocka_unit_test(test_hostile),
                cmocka_unit_test(test_tofu_args),
                cmocka_unit_test(test_heartbeat_auto),
        };

        /* SSH probes of the addresses reported here must reach nothing: a namespace of our own. */
        if (unshare(CLONE_NEWNET) < 0) {
                printf("SKIP: needs root for a network namespace of its own (unshare: %s)\n", strerror(errno));
                return 77;
        }
        return cmocka_run_group_tests(tests, setup, teardown);
}
