/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hostwatch against the namespace lab's real guest: sshd with its host key, dnsmasq's
 * lease file, the host's neighbour table, networkd moving the guest, and the emulated
 * virtio-serial port with a guest-side agent stand-in. Run by test-lab.sh inside the
 * lab's host namespace; LAB, LAB_DIR, LEASES, SSH_KEY, GUEST_HOST_KEY, KNOWN_HOSTS,
 * HOST_SOCKET come from the environment. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/file-read.h"
#include "common/macro.h"
#include "guest-agent-sim.h"
#include "loop.h"

#define WRONG_PIN "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINkOgKFL+iAn8O2vjFSoilxi8m2z6CCTCfeazOfyfQRo wrong"
#define MAC "52:54:00:12:34:56"

static const char *lab, *labdir, *leases, *ssh_key, *known_hosts, *host_socket;
static char self[PATH_MAX], guest_key[1024], dhcp_addr[64];
static const char *const nets[] = { "192.0.2.0/24", NULL };

static bool sshd_stopped;

static int labcmd(const char *fmt, ...) _printf_(1, 2);
static int labcmd(const char *fmt, ...) {
        _cleanup_free_ char *args = NULL, *cmd = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&args, fmt, ap);
        va_end(ap);
        assert_true(r >= 0);
        /* "CMD ARGS" -> "lab CMD DIR ARGS" */
        char *sp = strchr(args, ' ');
        if (sp)
                *sp = 0;
        assert_true(asprintf(&cmd, "'%s' %s '%s' %s", lab, args, labdir, sp ? sp + 1 : "") > 0);
        r = system(cmd);
        r = WIFEXITED(r) ? WEXITSTATUS(r) : -1;
        if (r == 0 && strstr(args, "fault") && sp && strstr(sp + 1, "sshd-"))
                sshd_stopped = strstr(sp + 1, "sshd-stop") != NULL;
        return r;
}

static void netplan_eth0(const char *how) {
        _cleanup_free_ char *path = NULL;
        FILE *f;

        assert_true(asprintf(&path, "%s/guest/etc-netplan/50-lab.yaml", labdir) > 0);
        f = fopen(path, "we");
        assert_non_null(f);
        fprintf(f, "network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    eth0:\n      %s\n", how);
        fclose(f);
        chmod(path, 0600);
        assert_int_equal(labcmd("apply-netplan"), 0);
}

/* ---- recording ---- */

typedef struct Rec {
        const char *name;
        HostWatchState remove_when;     /* remove the machine from the callback on entering this */
        bool removed;
        size_t n;
        HostWatchState state[512];
        uint64_t at[512], deadline[512];
} Rec;

static void on_state(HostWatch *hw, const char *name, HostWatchState old, HostWatchState new, void *userdata) {
        Rec *r = userdata;
        HostWatchWhere w = {};

        if (r->name && strcmp(name, r->name) != 0)
                return;
        (void) hostwatch_where(hw, name, &w);
        /* what a state promises holds when it is reported */
        if (new == HOSTWATCH_STATE_VERIFIED)
                assert_true(w.verified);
        if (r->n < ELEMENTSOF(r->state)) {
                r->state[r->n] = new;
                r->at[r->n] = hostwatch_now(hw);
                r->deadline[r->n] = w.state_deadline_usec;
                r->n++;
        }
        printf("#   %s: %s -> %s (address %s, %s)\n", name, hostwatch_state_to_string(old),
               hostwatch_state_to_string(new), w.address[0] ? w.address : "-",
               hostwatch_evidence_to_string(w.evidence));
        if (new == r->remove_when && !r->removed) {
                r->removed = true;
                assert_int_equal(hostwatch_remove_machine(hw, name), 0);
        }
}

typedef struct Cond {
        HostWatch *hw;
        const char *name;
        HostWatchState state;
        const char *address;    /* and verified there */
        HostWatchEvidence evidence;     /* if not NONE: learnt this way */
        Rec *rec;
} Cond;

static bool cond_state(void *userdata) {
        Cond *c = userdata;
        HostWatchWhere w;

        if (c->rec)
                return c->rec->removed;
        if (hostwatch_where(c->hw, c->name, &w) < 0)
                return false;
        if (c->evidence != HOSTWATCH_EVIDENCE_NONE && w.evidence != c->evidence)
                return false;
        if (c->address)
                return strcmp(w.address, c->address) == 0 && (c->state == _HOSTWATCH_STATE_INVALID || w.verified);
        return w.state == c->state;
}

static bool wait_state(HostWatch *hw, const char *name, HostWatchState s, int ms) {
        Cond c = { .hw = hw, .name = name, .state = s };
        return loop_run_until(hw, cond_state, &c, ms);
}

static HostWatch *new_hw(Rec *rec, const HostWatchConfig *cfg) {
        HostWatch *hw;

        assert_int_equal(hostwatch_new(&hw, cfg), 0);
        hostwatch_set_callbacks(hw, on_state, NULL, rec);
        return hw;
}

static HostWatchMachineConfig machine(const char *name) {
        return (HostWatchMachineConfig) { .name = name, .macaddress = MAC, .networks = nets,
                                          .host_key = guest_key, .ssh_identity = ssh_key };
}

static unsigned count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        assert_non_null(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

/* ---- the tests ---- */

static void test_lease(void **state) {
        const char *const lf[] = { leases, NULL };
        HostWatchMachineConfig c = machine("vm-lease");
        Rec rec = { .remove_when = _HOSTWATCH_STATE_INVALID };
        HostWatch *hw = new_hw(&rec, NULL);
        HostWatchWhere w;

        /* without the agent, found through the lease file; the pin from a known_hosts file */
        c.leases = lf;
        c.host_key = NULL;
        c.known_hosts = known_hosts;
        assert_int_equal(hostwatch_add_machine(hw, &c), 0);
        assert_true(wait_state(hw, "vm-lease", HOSTWATCH_STATE_VERIFIED, 15000));
        assert_int_equal(hostwatch_where(hw, "vm-lease", &w), 0);
        assert_string_equal(w.address, dhcp_addr);
        assert_int_equal(w.evidence, HOSTWATCH_EVIDENCE_LEASE);
        assert_true(w.verified);
        hostwatch_free(hw);
}

static void test_key_mismatch(void **state) {
        const char *const lf[] = { leases, NULL };
        HostWatchMachineConfig c = machine("vm-key");
        Rec rec = { .remove_when = _HOSTWATCH_STATE_INVALID };
        HostWatch *hw = new_hw(&rec, NULL);
        HostWatchWhere w;
        HostWatchStats st;

        c.leases = lf;
        c.host_key = WRONG_PIN;
        assert_int_equal(hostwatch_add_machine(hw, &c), 0);
        assert_true(wait_state(hw, "vm-key", HOSTWATCH_STATE_KEY_MISMATCH, 15000));
        /* the address is not the machine's: not shown, never tried again */
        assert_int_equal(hostwatch_where(hw, "vm-key", &w), 0);
        assert_string_equal(w.address, "");
        assert_false(w.verified);
        loop_run_until(hw, NULL, NULL, 2500);
        assert_int_equal(hostwatch_where(hw, "vm-key", &w), 0);
        assert_string_equal(w.address, "");
        assert_int_equal(w.state, HOSTWATCH_STATE_BACKOFF);
        assert_int_equal(hostwatch_get_stats(hw, "vm-key", &st), 0);
        assert_int_equal(st.key_mismatches, 1);
        assert_int_equal(st.ssh_attempts, 1);
        for (size_t i = 0; i < rec.n; i++)
                assert_int_not_equal(rec.state[i], HOSTWATCH_STATE_VERIFIED);
        hostwatch_free(hw);
}

static void test_outside_networks(void **state) {
        const char *const lf[] = { leases, NULL };
        const char *const other[] = { "198.51.100.0/24", NULL };
        HostWatchMachineConfig c = machine("vm-out");
        Rec rec = { .remove_when = _HOSTWATCH_STATE_INVALID };
        HostWatch *hw = new_hw(&rec, NULL);
        HostWatchWhere w;
        HostWatchStats st;

        c.leases = lf;
        c.networks = other;
        assert_int_equal(hostwatch_add_machine(hw, &c), 0);
        loop_run_until(hw, NULL, NULL, 1500);
        assert_int_equal(hostwatch_where(hw, "vm-out", &w), 0);
        assert_string_equal(w.address, "");
        assert_int_equal(w.state, HOSTWATCH_STATE_BACKOFF);
        assert_int_equal(hostwatch_get_stats(hw, "vm-out", &st), 0);
        assert_true(st.ignored_addresses >= 1);
        assert_int_equal(st.ssh_attempts, 0);
        hostwatch_free(hw);
}

static uint64_t fake_now;
static uint64_t fake_clock(void *userdata) {
        return fake_now;
}

static uint32_t lcg(void *userdata) {
        static uint64_t s = 1;
        s = s * 6364136223846793005u + 1442695040888963407u;
        return (uint32_t) (s >> 32);
}

static size_t count_state(const Rec *r, HostWatchState s) {
        size_t n = 0;
        for (size_t i = 0; i < r->n; i++)
                n += r->state[i] == s;
        return n;
}

typedef struct BackoffEntry {
        const Rec *rec;
        size_t seen;
} BackoffEntry;

static bool backoff_entered(void *userdata) {
        BackoffEntry *b = userdata;
        return count_state(b->rec, HOSTWATCH_STATE_BACKOFF) > b->seen;
}

/* sshd stops: the re-check fails, and the rounds follow the backoff schedule on the
 * injected clock (no sleeping); sshd returns: verified again. */
static void test_sshd_backoff(void **state) {
        const char *const lf[] = { leases, NULL };
        HostWatchConfig cfg = { .clock = fake_clock, .random = lcg };
        HostWatchMachineConfig c = machine("vm-bo");
        Rec rec = { .remove_when = _HOSTWATCH_STATE_INVALID };
        HostWatch *hw;
        HostWatchWhere w;
        double expect = 1.6e6;

        fake_now = 1000 * UINT64_C(1000000);
        hw = new_hw(&rec, &cfg);
        c.leases = lf;
        assert_int_equal(hostwatch_add_machine(hw, &c), 0);
        assert_true(wait_state(hw, "vm-bo", HOSTWATCH_STATE_VERIFIED, 15000));
        assert_int_equal(labcmd("fault sshd-stop"), 0);
        assert_int_equal(hostwatch_where(hw, "vm-bo", &w), 0);
        fake_now = w.state_deadline_usec;       /* the re-check is due */
        printf("# backoff schedule with sshd stopped (injected clock):\n");
        for (int k = 0; k < 8; k++) {
                BackoffEntry b = { .rec = &rec, .seen = count_state(&rec, HOSTWATCH_STATE_BACKOFF) };
                uint64_t wait;

                assert_true(loop_run_until(hw, backoff_entered, &b, 10000));
                assert_int_equal(hostwatch_where(hw, "vm-bo", &w), 0);
                assert_int_equal(w.state, HOSTWATCH_STATE_BACKOFF);
                wait = w.state_deadline_usec - fake_now;
                printf("#   round %d: refused, next round in %.3f s\n", k + 1, (double) wait / 1e6);
                if (k == 0) {
                        assert_int_equal(wait, UINT64_C(1000000));    /* first: exactly the initial 1 s */
                        assert_false(w.verified);                     /* lost */
                } else {
                        assert_true((double) wait >= expect * 0.8 * 0.99999 && (double) wait <= expect * 1.2 * 1.00001);
                        expect *= 1.6;
                }
                fake_now = w.state_deadline_usec;
        }
        assert_int_equal(labcmd("fault sshd-start"), 0);
        for (int k = 0; k < 20; k++) {
                if (wait_state(hw, "vm-bo", HOSTWATCH_STATE_VERIFIED, 1000))
                        break;
                assert_int_equal(hostwatch_where(hw, "vm-bo", &w), 0);
                if (w.state == HOSTWATCH_STATE_BACKOFF)
                        fake_now = w.state_deadline_usec;
        }
        assert_int_equal(hostwatch_where(hw, "vm-bo", &w), 0);
        assert_int_equal(w.state, HOSTWATCH_STATE_VERIFIED);
        assert_true(w.verified);
        hostwatch_free(hw);
}

/* Removal in every state a real probe passes through, mid-handshake included. */
static void test_remove_everywhere(void **state) {
        static const HostWatchState states[] = {
                HOSTWATCH_STATE_QUEUED, HOSTWATCH_STATE_CONNECTING, HOSTWATCH_STATE_AUTHENTICATING,
                HOSTWATCH_STATE_VERIFIED, HOSTWATCH_STATE_KEY_MISMATCH, HOSTWATCH_STATE_BACKOFF,
                HOSTWATCH_STATE_DISCOVERING,
        };
        const char *const lf[] = { leases, NULL };
        unsigned fds = count_fds();

        for (size_t i = 0; i < ELEMENTSOF(states); i++) {
                HostWatchState s = states[i];
                HostWatchConfig cfg = { .max_in_flight = 1 };
                HostWatchMachineConfig c = machine("vm-rm"), blocker = machine("vm-first");
                Rec rec = { .name = "vm-rm", .remove_when = s };
                HostWatch *hw = new_hw(&rec, &cfg);
                Cond done = { .rec = &rec };
                HostWatchWhere w;

                c.leases = blocker.leases = lf;
                if (s == HOSTWATCH_STATE_KEY_MISMATCH)
                        c.host_key = WRONG_PIN;
                if (s == HOSTWATCH_STATE_BACKOFF || s == HOSTWATCH_STATE_DISCOVERING)
                        assert_int_equal(labcmd("fault sshd-stop"), 0);
                /* the one slot held by another machine: ours waits in QUEUED */
                if (s == HOSTWATCH_STATE_QUEUED)
                        assert_int_equal(hostwatch_add_machine(hw, &blocker), 0);
                assert_int_equal(hostwatch_add_machine(hw, &c), 0);
                assert_true(loop_run_until(hw, cond_state, &done, 10000));
                printf("# removed in state %s\n", hostwatch_state_to_string(s));
                assert_int_equal(hostwatch_where(hw, "vm-rm", &w), -ENOENT);
                assert_int_equal(rec.state[rec.n - 1], HOSTWATCH_STATE_REMOVED);
                loop_run_until(hw, NULL, NULL, 100);
                hostwatch_free(hw);
                if (s == HOSTWATCH_STATE_BACKOFF || s == HOSTWATCH_STATE_DISCOVERING)
                        assert_int_equal(labcmd("fault sshd-start"), 0);
        }
        /* every socket went with its machine */
        assert_int_equal(count_fds(), fds);
}

static bool file_has_line(const char *path, const char *line) {
        _cleanup_free_ char *data = NULL;
        char *p;
        size_t n = strlen(line);

        if (read_file_bounded(path, 65536, 0, &data, NULL, NULL) < 0)
                return false;
        for (p = data; (p = strstr(p, line)); p += n)
                if ((p == data || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0))
                        return true;
        return false;
}

typedef struct Reached {
        HostWatch *hw;
        const char *file, *address;
} Reached;

static bool reached(void *userdata) {
        Reached *r = userdata;
        return file_has_line(r->file, r->address);
}

/* The agent reports the move to a static address: followed at once, proven by SSH. */
static void test_agent_move(void **state) {
        _cleanup_free_ char *reached_file = NULL, *stop_file = NULL;
        HostWatchMachineConfig c = machine("vm-agent");
        Rec rec = { .remove_when = _HOSTWATCH_STATE_INVALID };
        HostWatch *hw = new_hw(&rec, NULL);
        Cond at_dhcp = { .hw = hw, .name = "vm-agent", .address = dhcp_addr, .state = HOSTWATCH_STATE_VERIFIED,
                        .evidence = HOSTWATCH_EVIDENCE_AGENT };
        Cond seen77 = { .hw = hw, .name = "vm-agent", .address = "192.0.2.77", .state = _HOSTWATCH_STATE_INVALID };
        Cond proven77 = { .hw = hw, .name = "vm-agent", .address = "192.0.2.77", .state = HOSTWATCH_STATE_VERIFIED };
        HostWatchWhere w;
        uint64_t t0, t_where, t_verified;

        assert_true(asprintf(&reached_file, "%s/reached", labdir) > 0);
        assert_true(asprintf(&stop_file, "%s/agent-sim.stop", labdir) > 0);
        c.channel = host_socket;
        assert_int_equal(hostwatch_add_machine(hw, &c), 0);
        assert_int_equal(labcmd("guest-exec env '%s' --guest-agent /dev/virtio-ports/io.netguard.agent.0 eth0 '%s' '%s' >/dev/null 2>&1 &",
                                self, reached_file, stop_file), 0);
        assert_true(loop_run_until(hw, cond_state, &at_dhcp, 15000));
        assert_int_equal(hostwatch_where(hw, "vm-agent", &w), 0);
        assert_int_equal(w.evidence, HOSTWATCH_EVIDENCE_AGENT);
        assert_true(w.agent_connected);
        Reached r1 = { hw, reached_file, dhcp_addr };
        assert_true(loop_run_until(hw, reached, &r1, 5000));

        t0 = loop_now_usec();
        netplan_eth0("addresses: [192.0.2.77/24]");
        assert_true(loop_run_until(hw, cond_state, &seen77, 15000));
        t_where = loop_now_usec();
        assert_true(loop_run_until(hw, cond_state, &proven77, 15000));
        t_verified = loop_now_usec();
        assert_int_equal(hostwatch_where(hw, "vm-agent", &w), 0);
        assert_int_equal(w.evidence, HOSTWATCH_EVIDENCE_AGENT);
        Reached r2 = { hw, reached_file, "192.0.2.77" };
        assert_true(loop_run_until(hw, reached, &r2, 5000));
        printf("# agent move: netplan apply started -> where() gives 192.0.2.77 in %.1f ms (networkd's reconfigure "
               "and the stand-in's 50 ms polling included); where() -> SSH verified there in %.1f ms\n",
               (double) (t_where - t0) / 1e3, (double) (t_verified - t_where) / 1e3);
        fclose(fopen(stop_file, "we"));
        hostwatch_free(hw);
}

static void write_txn(const char *stop_file, const char *what) {
        _cleanup_free_ char *path = NULL, *tmp = NULL;
        FILE *f;

        assert_true(asprintf(&path, "%s.txn", stop_file) > 0);
        assert_true(asprintf(&tmp, "%s.txn.tmp", stop_file) > 0);
        f = fopen(tmp, "we");
        assert_non_null(f);
        fprintf(f, "%s\n", what);
        fclose(f);
        assert_int_equal(rename(tmp, path), 0);
}

static bool txn_over(void *userdata) {
        HostWatchWhere w;
        return hostwatch_where(userdata, "vm-txn", &w) == 0 && w.txn == 0;
}

/* The guest's TXN pending (what `netguard try` sends after applying): the library proves
 * it at once, with SSH at the address the agent reports, and sends HOST_REACHED naming the
 * transaction; with sshd down the proof fails and HOST_LOST names it; the TXN's end ends
 * it. The verified state's 30 s re-check is not waited for. */
static void test_txn(void **state) {
        _cleanup_free_ char *reached_file = NULL, *stop_file = NULL, *line = NULL, *lost = NULL;
        HostWatchMachineConfig c = machine("vm-txn");
        Rec rec = { .remove_when = _HOSTWATCH_STATE_INVALID };
        /* a stale neighbour entry (the DHCP address) is a candidate too: its SYNs go
         * unanswered, so the probe timeout bounds how soon the loss is known */
        HostWatchConfig cfg = { .min_connect_timeout_usec = 2000000 };
        HostWatch *hw = new_hw(&rec, &cfg);
        Cond heard = { .hw = hw, .name = "vm-txn", .state = HOSTWATCH_STATE_VERIFIED,
                       .evidence = HOSTWATCH_EVIDENCE_AGENT };
        HostWatchWhere w;
        HostWatchStats st;
        uint64_t t0, t1;
        char guest[64];
        FILE *f;

        {
                _cleanup_free_ char *cmd = NULL;
                assert_true(asprintf(&cmd, "'%s' guest-addr '%s'", lab, labdir) > 0);
                f = popen(cmd, "r");
                assert_non_null(f);
                assert_non_null(fgets(guest, sizeof guest, f));
                pclose(f);
                guest[strcspn(guest, "\n")] = 0;
                heard.address = guest;
        }
        assert_true(asprintf(&reached_file, "%s/reached-txn", labdir) > 0);
        assert_true(asprintf(&stop_file, "%s/agent-sim-txn.stop", labdir) > 0);
        c.channel = host_socket;
        assert_int_equal(hostwatch_add_machine(hw, &c), 0);
        assert_int_equal(labcmd("guest-exec env '%s' --guest-agent /dev/virtio-ports/io.netguard.agent.0 eth0 '%s' '%s' >/dev/null 2>&1 &",
                                self, reached_file, stop_file), 0);
        assert_true(loop_run_until(hw, cond_state, &heard, 15000));
        assert_int_equal(hostwatch_where(hw, "vm-txn", &w), 0);
        assert_int_equal(w.txn, 0);

        /* TXN 5 pending while verified: proven again now, HOST_REACHED names it */
        assert_true(asprintf(&line, "%s txn=5", guest) > 0);
        Reached r5 = { hw, reached_file, line };
        t0 = loop_now_usec();
        write_txn(stop_file, "5 1");
        assert_true(loop_run_until(hw, reached, &r5, 10000));
        t1 = loop_now_usec();
        assert_int_equal(hostwatch_where(hw, "vm-txn", &w), 0);
        assert_int_equal(w.txn, 5);
        assert_true(w.txn_proven);
        assert_true(w.verified);
        printf("# TXN pending -> HOST_REACHED(txn 5) at %s received by the guest in %.1f ms "
               "(the stand-in polls every 50 ms; the re-check would have waited up to %d s)\n",
               guest, (double) (t1 - t0) / 1e3, 30);
        write_txn(stop_file, "5 2");
        assert_true(loop_run_until(hw, txn_over, hw, 5000));

        /* TXN 6 pending with sshd stopped: the proof fails, HOST_LOST names it */
        assert_int_equal(labcmd("fault sshd-stop"), 0);
        assert_true(asprintf(&lost, "LOST %s txn=6", guest) > 0);
        Reached l6 = { hw, reached_file, lost };
        write_txn(stop_file, "6 1");
        assert_true(loop_run_until(hw, reached, &l6, 20000));
        assert_int_equal(hostwatch_where(hw, "vm-txn", &w), 0);
        assert_int_equal(w.txn, 6);
        assert_false(w.txn_proven);
        assert_false(w.verified);
        assert_int_equal(hostwatch_get_stats(hw, "vm-txn", &st), 0);
        assert_int_equal(st.txns, 2);
        assert_true(st.txn_reached >= 1);
        assert_int_equal(st.txn_lost, 1);
        write_txn(stop_file, "6 3");
        assert_true(loop_run_until(hw, txn_over, hw, 5000));
        assert_int_equal(labcmd("fault sshd-start"), 0);
        fclose(fopen(stop_file, "we"));
        hostwatch_free(hw);
}

/* /proc files say they are empty: read them as they come. */
static size_t read_proc(const char *path, char *buf, size_t size) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;
        size_t done = 0;

        assert_true(fd >= 0);
        while (done + 1 < size && (n = read(fd, buf + done, size - 1 - done)) > 0)
                done += (size_t) n;
        close(fd);
        buf[done] = 0;
        return done;
}

static pid_t lab_pid(const char *name) {
        _cleanup_free_ char *path = NULL, *data = NULL;

        assert_true(asprintf(&path, "%s/pids/%s", labdir, name) > 0);
        assert_int_equal(read_file_bounded(path, 64, 0, &data, NULL, NULL), 0);
        return (pid_t) atoi(data);
}

static bool agent_state(HostWatch *hw, const char *name, bool connected) {
        HostWatchWhere w;
        return hostwatch_where(hw, name, &w) == 0 && w.agent_connected == connected;
}

static bool agent_gone(void *userdata) {
        return agent_state(userdata, "vm-q", false);
}

static bool agent_back(void *userdata) {
        HostWatchStats st;
        return agent_state(userdata, "vm-q", true) && hostwatch_get_stats(userdata, "vm-q", &st) == 0 &&
               st.channel_connects >= 2;
}

/* QEMU's end of the port goes away and comes back on the same path (the lab's vserial is
 * QEMU's part): the library notices, reconnects on its own, and the agent is heard again. */
static void test_qemu_restart(void **state) {
        _cleanup_free_ char *reached_file = NULL, *stop_file = NULL, *cmdline_path = NULL, *log = NULL,
                            *pids_all = NULL, *pid_file = NULL;
        static char cmdline[4096];
        HostWatchMachineConfig c = machine("vm-q");
        Rec rec = { .remove_when = _HOSTWATCH_STATE_INVALID };
        HostWatch *hw = new_hw(&rec, NULL);
        Cond heard = { .hw = hw, .name = "vm-q", .address = dhcp_addr, .state = _HOSTWATCH_STATE_INVALID,
                       .evidence = HOSTWATCH_EVIDENCE_AGENT };
        char *argv[16];
        size_t size, argc = 0;
        pid_t old, new;
        FILE *f;
        char guest[64];

        /* where the guest is now (earlier tests moved it) */
        {
                _cleanup_free_ char *cmd = NULL;
                assert_true(asprintf(&cmd, "'%s' guest-addr '%s'", lab, labdir) > 0);
                f = popen(cmd, "r");
                assert_non_null(f);
                assert_non_null(fgets(guest, sizeof guest, f));
                pclose(f);
                guest[strcspn(guest, "\n")] = 0;
                heard.address = guest;
        }
        assert_true(asprintf(&reached_file, "%s/reached-q", labdir) > 0);
        assert_true(asprintf(&stop_file, "%s/agent-sim-q.stop", labdir) > 0);
        c.channel = host_socket;
        assert_int_equal(hostwatch_add_machine(hw, &c), 0);
        assert_int_equal(labcmd("guest-exec env '%s' --guest-agent /dev/virtio-ports/io.netguard.agent.0 eth0 '%s' '%s' >/dev/null 2>&1 &",
                                self, reached_file, stop_file), 0);
        assert_true(loop_run_until(hw, cond_state, &heard, 15000));

        /* QEMU goes: the lab's vserial, by its recorded PID */
        old = lab_pid("vserial");
        assert_true(asprintf(&cmdline_path, "/proc/%d/cmdline", (int) old) > 0);
        size = read_proc(cmdline_path, cmdline, sizeof cmdline);
        assert_true(size > 0);
        for (size_t i = 0; i < size && argc < ELEMENTSOF(argv) - 1; i += strlen(cmdline + i) + 1)
                argv[argc++] = cmdline + i;
        argv[argc] = NULL;
        assert_int_equal(kill(old, SIGTERM), 0);
        for (int i = 0; i < 100 && kill(old, 0) == 0; i++)
                loop_run_until(hw, NULL, NULL, 50);
        assert_true(loop_run_until(hw, agent_gone, hw, 10000));
        printf("# QEMU's socket closed: agent gone\n");
        loop_run_until(hw, NULL, NULL, 1000);

        /* QEMU comes back on the same path; the lab records it, so that down stops it */
        assert_true(asprintf(&log, "%s/host/vserial.log", labdir) > 0);
        new = fork();
        assert_true(new >= 0);
        if (new == 0) {
                int fd = open(log, O_WRONLY | O_APPEND | O_CLOEXEC);
                setsid();
                if (fd >= 0) {
                        dup2(fd, 1);
                        dup2(fd, 2);
                }
                execv(argv[0], argv);
                _exit(127);
        }
        {
                _cleanup_free_ char *stat_path = NULL;
                char stat[1024], *p;
                unsigned long long start = 0;
                assert_true(asprintf(&stat_path, "/proc/%d/stat", (int) new) > 0);
                assert_true(read_proc(stat_path, stat, sizeof stat) > 0);
                p = strrchr(stat, ')');
                assert_non_null(p);
                /* field 22, starttime: the 20th after the ") " */
                for (int k = 0; k < 20 && p; k++)
                        p = strchr(p + 1, ' ');
                assert_non_null(p);
                start = strtoull(p + 1, NULL, 10);
                assert_true(asprintf(&pids_all, "%s/pids.all", labdir) > 0);
                assert_true(asprintf(&pid_file, "%s/pids/vserial", labdir) > 0);
                f = fopen(pids_all, "ae");
                assert_non_null(f);
                fprintf(f, "vserial %d %llu\n", (int) new, start);
                fclose(f);
                f = fopen(pid_file, "we");
                assert_non_null(f);
                fprintf(f, "%d\n", (int) new);
                fclose(f);
        }
        assert_true(loop_run_until(hw, agent_back, hw, 20000));
        assert_true(loop_run_until(hw, cond_state, &heard, 10000));
        printf("# QEMU back on the same path: reconnected, agent heard again at %s\n", guest);
        fclose(fopen(stop_file, "we"));
        hostwatch_free(hw);
}

/* Without agent or lease: the guest moved, the neighbour table knows it by MAC. */
static void test_neighbour(void **state) {
        HostWatchMachineConfig c = machine("vm-neigh");
        Rec rec = { .remove_when = _HOSTWATCH_STATE_INVALID };
        HostWatch *hw = new_hw(&rec, NULL);
        HostWatchWhere w;

        netplan_eth0("addresses: [192.0.2.78/24]");
        assert_int_equal(labcmd("wait-addr 192.0.2.78 10"), 0);
        assert_int_equal(system("ip neigh flush dev hv0"), 0);
        /* any packet from the guest to the host: the host learns its MAC (the port is closed) */
        (void) labcmd("guest-exec timeout 3 bash -c 'exec 3<>/dev/tcp/192.0.2.1/9' 2>/dev/null");
        assert_int_equal(hostwatch_add_machine(hw, &c), 0);
        assert_true(wait_state(hw, "vm-neigh", HOSTWATCH_STATE_VERIFIED, 15000));
        assert_int_equal(hostwatch_where(hw, "vm-neigh", &w), 0);
        assert_string_equal(w.address, "192.0.2.78");
        assert_int_equal(w.evidence, HOSTWATCH_EVIDENCE_NEIGHBOUR);
        assert_true(w.verified);
        hostwatch_free(hw);
}

/* A failed test must not leave sshd stopped for the next. */
static int restore_sshd(void **state) {
        if (sshd_stopped)
                (void) labcmd("fault sshd-start");
        return 0;
}

/* The guest moved and said nothing since: no agent, no lease, no neighbour entry. Only
 * the optional probe of the networks finds it. */
static void test_neighbour_probe(void **state) {
        HostWatchMachineConfig c = machine("vm-probe"), quiet = machine("vm-quiet");
        Rec rec = { .remove_when = _HOSTWATCH_STATE_INVALID };
        HostWatch *hw = new_hw(&rec, NULL);
        HostWatchWhere w;

        netplan_eth0("addresses: [192.0.2.79/24]");
        assert_int_equal(labcmd("wait-addr 192.0.2.79 10"), 0);
        assert_int_equal(system("ip neigh flush dev hv0"), 0);
        /* without the probe: nothing to go on */
        assert_int_equal(hostwatch_add_machine(hw, &quiet), 0);
        assert_int_equal(hostwatch_where(hw, "vm-quiet", &w), 0);
        assert_int_equal(w.state, HOSTWATCH_STATE_BACKOFF);
        assert_string_equal(w.address, "");
        assert_int_equal(hostwatch_remove_machine(hw, "vm-quiet"), 0);
        /* with it: found by the next round */
        c.probe_networks = true;
        assert_int_equal(hostwatch_add_machine(hw, &c), 0);
        assert_true(wait_state(hw, "vm-probe", HOSTWATCH_STATE_VERIFIED, 15000));
        assert_int_equal(hostwatch_where(hw, "vm-probe", &w), 0);
        assert_string_equal(w.address, "192.0.2.79");
        assert_int_equal(w.evidence, HOSTWATCH_EVIDENCE_NEIGHBOUR);
        hostwatch_free(hw);
}

static void env_or_die(const char **v, const char *name) {
        *v = getenv(name);
        if (!*v) {
                fprintf(stderr, "%s is not set: run through test-lab.sh\n", name);
                exit(1);
        }
}

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_teardown(test_lease, restore_sshd),
                cmocka_unit_test_teardown(test_key_mismatch, restore_sshd),
                cmocka_unit_test_teardown(test_outside_networks, restore_sshd),
                cmocka_unit_test_teardown(test_sshd_backoff, restore_sshd),
                cmocka_unit_test_teardown(test_remove_everywhere, restore_sshd),
                cmocka_unit_test_teardown(test_agent_move, restore_sshd),
                cmocka_unit_test_teardown(test_txn, restore_sshd),
                cmocka_unit_test_teardown(test_qemu_restart, restore_sshd),
                cmocka_unit_test_teardown(test_neighbour, restore_sshd),
                cmocka_unit_test_teardown(test_neighbour_probe, restore_sshd),
        };
        const char *gk;
        _cleanup_free_ char *key = NULL;
        FILE *f;

        if (argc == 6 && strcmp(argv[1], "--guest-agent") == 0)
                return guest_agent_sim_run(argv[2], argv[3], argv[4], argv[5], 300);

        env_or_die(&lab, "LAB");
        env_or_die(&labdir, "LAB_DIR");
        env_or_die(&leases, "LEASES");
        env_or_die(&ssh_key, "SSH_KEY");
        env_or_die(&known_hosts, "KNOWN_HOSTS");
        env_or_die(&host_socket, "HOST_SOCKET");
        env_or_die(&gk, "GUEST_HOST_KEY");
        if (!realpath(argv[0], self))
                return 1;
        if (read_file_bounded(gk, sizeof guest_key - 1, 0, &key, NULL, NULL) < 0)
                return 1;
        snprintf(guest_key, sizeof guest_key, "%s", key);
        {
                _cleanup_free_ char *cmd = NULL;
                assert_true(asprintf(&cmd, "'%s' guest-addr '%s'", lab, labdir) > 0);
                f = popen(cmd, "r");
                if (!f || !fgets(dhcp_addr, sizeof dhcp_addr, f))
                        return 1;
                pclose(f);
                dhcp_addr[strcspn(dhcp_addr, "\n")] = 0;
                printf("# guest on DHCP at %s\n", dhcp_addr);
        }
        if (getenv("HOSTWATCH_LAB_ONLY"))
                cmocka_set_test_filter(getenv("HOSTWATCH_LAB_ONLY"));
        return cmocka_run_group_tests(tests, NULL, NULL);
}
