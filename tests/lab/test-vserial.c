/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checks each virtio-serial behaviour that vserial emulates (see README.md), against a
 * vserial it starts itself. Needs root (the guest side is hung up with TIOCVHANGUP).
 *
 *   test-vserial PATH-TO-VSERIAL
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/macro.h"

/* Generous bounds for events to arrive; never compared with how long they took. */
#define EVENT_WAIT_MS 3000
/* How long a peer is watched to show that nothing arrives. */
#define QUIET_WAIT_MS 300

static char dir[] = "/tmp/test-vserial-XXXXXX";
static char port_path[256], sock_path[256];
static char stop_port_path[256], stop_sock_path[256];
static const char *vserial_path;
static pid_t vserial_pid = -1, stop_vserial_pid = -1;
static int failures;

#define CHECK(cond)                                                                     \
        do {                                                                            \
                if (!(cond)) {                                                          \
                        fprintf(stderr, "%s:%d: %s: check failed: %s (errno: %s)\n",    \
                                __FILE__, __LINE__, __func__, #cond, strerror(errno));  \
                        failures++;                                                     \
                        return;                                                         \
                }                                                                       \
        } while (0)

static pid_t vserial_start(const char *sock, const char *port, const char *mode) {
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                execl(vserial_path, vserial_path, "--socket", sock, "--link", port, mode, "--verbose", (char *) NULL);
                _exit(127);
        }
        for (int i = 0; i < EVENT_WAIT_MS / 10; i++) {
                struct stat st;
                if (lstat(port, &st) == 0)
                        break;
                usleep(10000);
        }
        return pid;
}

static int port_open(void) {
        return open(port_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
}

static int host_connect_to(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -1;
        strcpy(sa.sun_path, path);
        if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

static int host_connect(void) {
        return host_connect_to(sock_path);
}

static short wait_events(int fd, short events, int ms) {
        struct pollfd p = { .fd = fd, .events = events };

        if (poll(&p, 1, ms) <= 0)
                return 0;
        return p.revents;
}

/* Reads exactly n bytes or fails after EVENT_WAIT_MS without progress. */
static bool read_exact(int fd, void *buf, size_t n) {
        size_t got = 0;

        while (got < n) {
                if (!(wait_events(fd, POLLIN, EVENT_WAIT_MS) & POLLIN))
                        return false;
                ssize_t l = read(fd, (uint8_t *) buf + got, n - got);
                if (l < 0 && errno == EAGAIN)
                        continue;
                if (l <= 0)
                        return false;
                got += (size_t) l;
        }
        return true;
}

/* Opens the port once the emulation has a host: a port opened while no host is there
 * is hung up, and the guest opens it again (what an agent does after read() == 0). */
static int port_open_connected(void) {
        for (int i = 0; i < EVENT_WAIT_MS / 10; i++) {
                int fd = port_open();
                if (fd < 0)
                        return -1;
                usleep(10000);
                if (!(wait_events(fd, POLLIN | POLLOUT, 0) & POLLHUP))
                        return fd;
                close(fd);
        }
        return -1;
}

static void test_no_host(void) {
        _cleanup_close_ int g = port_open();
        char c;

        CHECK(g >= 0);                                  /* open works without a host */
        short ev = wait_events(g, POLLIN, EVENT_WAIT_MS);
        CHECK((ev & POLLHUP) && (ev & POLLIN));
        usleep(100000);
        CHECK(wait_events(g, POLLIN, 0) & POLLHUP);      /* and HUP stays set */
        CHECK(read(g, &c, 1) == 0);                      /* read returns 0 */
        int fl = fcntl(g, F_GETFL);
        CHECK(fcntl(g, F_SETFL, fl & ~O_NONBLOCK) == 0);
        CHECK(read(g, &c, 1) == 0);                      /* even a blocking read */
        CHECK(write(g, "x", 1) < 0);                     /* a write is refused */
        CHECK(errno == EIO || errno == EAGAIN);
}

static void test_round_trip(void) {
        _cleanup_close_ int h = host_connect();
        CHECK(h >= 0);
        _cleanup_close_ int g = port_open_connected();
        CHECK(g >= 0);

        uint8_t out[256], in[256];
        for (size_t i = 0; i < sizeof out; i++)
                out[i] = (uint8_t) i;                    /* every byte value, unchanged */
        CHECK(write(g, out, sizeof out) == (ssize_t) sizeof out);
        CHECK(read_exact(h, in, sizeof in));
        CHECK(memcmp(in, out, sizeof out) == 0);
        CHECK(write(h, out, sizeof out) == (ssize_t) sizeof out);
        CHECK(read_exact(g, in, sizeof in));
        CHECK(memcmp(in, out, sizeof out) == 0);
        /* nothing pending: a non-blocking read says EAGAIN, not 0 */
        char c;
        CHECK(read(g, &c, 1) < 0 && errno == EAGAIN);
}

static void test_host_leaves_data_lost(void) {
        _cleanup_close_ int g = -EBADF;
        {
                _cleanup_close_ int h = host_connect();
                CHECK(h >= 0);
                g = port_open_connected();
                CHECK(g >= 0);
                CHECK(write(g, "lost bytes", 10) == 10);
                usleep(100000);
        }                                               /* host leaves without reading */
        short ev = wait_events(g, POLLIN, EVENT_WAIT_MS);
        CHECK(ev & POLLHUP);                             /* guest sees the host go */
        char c;
        CHECK(read(g, &c, 1) == 0);

        _cleanup_close_ int h2 = host_connect();
        CHECK(h2 >= 0);
        close(g);
        g = port_open_connected();
        CHECK(g >= 0);
        CHECK(!(wait_events(h2, POLLIN, QUIET_WAIT_MS) & POLLIN)); /* got 0 of them */
        CHECK(write(g, "new", 3) == 3);
        char buf[3];
        CHECK(read_exact(h2, buf, 3));
        CHECK(memcmp(buf, "new", 3) == 0);
}

static void test_second_host_waits(void) {
        _cleanup_close_ int a = host_connect();
        CHECK(a >= 0);
        _cleanup_close_ int b = host_connect();         /* connect() itself succeeds */
        CHECK(b >= 0);
        _cleanup_close_ int g = port_open_connected();
        CHECK(g >= 0);
        CHECK(write(g, "A", 1) == 1);
        char c;
        CHECK(read_exact(a, &c, 1) && c == 'A');
        CHECK(!(wait_events(b, POLLIN, QUIET_WAIT_MS) & POLLIN)); /* b hears nothing */

        close(a);
        a = -EBADF;
        close(g);
        g = port_open_connected();                      /* now b is the host */
        CHECK(g >= 0);
        CHECK(write(g, "B", 1) == 1);
        CHECK(read_exact(b, &c, 1) && c == 'B');
}

static void test_stale_host_bytes(void) {
        _cleanup_close_ int h = host_connect();
        CHECK(h >= 0);
        usleep(100000);
        CHECK(write(h, "stale", 5) == 5);               /* nobody has the port open */
        usleep(100000);
        _cleanup_close_ int g = port_open_connected();
        CHECK(g >= 0);
        char buf[5];
        CHECK(read_exact(g, buf, 5));                   /* the next open gets them */
        CHECK(memcmp(buf, "stale", 5) == 0);
}

static void test_backpressure(void) {
        _cleanup_close_ int h = host_connect();
        CHECK(h >= 0);
        _cleanup_close_ int g = port_open_connected();
        CHECK(g >= 0);

        /* Host connected but not reading: writes are accepted up to a bound, then EAGAIN. */
        static const uint8_t chunk[1024];
        size_t total = 0;
        for (int i = 0; i < 4096; i++) {
                ssize_t l = write(g, chunk, sizeof chunk);
                if (l < 0) {
                        CHECK(errno == EAGAIN);
                        if (!(wait_events(g, POLLOUT, QUIET_WAIT_MS) & POLLOUT))
                                break;
                        continue;
                }
                total += (size_t) l;
        }
        printf("# guest wrote %zu bytes before EAGAIN with the host not reading\n", total);
        CHECK(total > 0);
        CHECK(total < 4096 * sizeof chunk);
}

static void test_write_then_close(void) {
        _cleanup_close_ int h = host_connect();
        CHECK(h >= 0);
        int g = port_open_connected();
        CHECK(g >= 0);
        CHECK(write(g, "last words", 10) == 10);
        close(g);                                       /* at once, as `printf > port` does */
        char buf[10];
        CHECK(read_exact(h, buf, 10));
        CHECK(memcmp(buf, "last words", 10) == 0);
}

/* --no-host=stop: the other half of the real port's no-host behaviour. */
static void test_stop_mode(void) {
        stop_vserial_pid = vserial_start(stop_sock_path, stop_port_path, "--no-host=stop");
        CHECK(stop_vserial_pid > 0);
        _cleanup_close_ int g = open(stop_port_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        CHECK(g >= 0);
        CHECK(write(g, "x", 1) < 0 && errno == EAGAIN);  /* non-blocking write: EAGAIN */
        CHECK(!(wait_events(g, POLLOUT, QUIET_WAIT_MS) & POLLOUT));

        pid_t writer = fork();                          /* a blocking write waits for a host */
        CHECK(writer >= 0);
        if (writer == 0) {
                int fd = open(stop_port_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
                _exit(fd >= 0 && write(fd, "waited", 6) == 6 ? 0 : 1);
        }
        usleep(QUIET_WAIT_MS * 1000);
        int status = 0;
        bool blocked = waitpid(writer, &status, WNOHANG) == 0;
        _cleanup_close_ int h = host_connect_to(stop_sock_path);
        char buf[6];
        bool got = h >= 0 && read_exact(h, buf, 6) && memcmp(buf, "waited", 6) == 0;
        if (blocked)
                waitpid(writer, &status, 0);
        else
                kill(writer, SIGKILL);
        CHECK(blocked);
        CHECK(got);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

        close(h);                                       /* host gone: EAGAIN again */
        h = -EBADF;
        bool again = false;
        for (int i = 0; i < EVENT_WAIT_MS / 10 && !again; i++) {
                ssize_t l = write(g, "y", 1);
                again = l < 0 && errno == EAGAIN;
                if (!again)
                        usleep(10000);
        }
        CHECK(again);
}

/* CPU time vserial has used, in clock ticks (utime + stime from /proc). */
static long vserial_ticks(void) {
        char path[64], buf[1024];
        snprintf(path, sizeof path, "/proc/%d/stat", (int) vserial_pid);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f || !fgets(buf, sizeof buf, f))
                return -1;
        const char *p = strrchr(buf, ')');
        long utime, stime;
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &utime, &stime) != 2)
                return -1;
        return utime + stime;
}

/* A port whose HUP is level-triggered is the busy-loop trap of virtio-serial.md: vserial
 * must sleep while a guest holds a hung-up file, with and without a host. The bound is
 * on CPU ticks used (a spinning loop burns every tick of the window), not on time. */
static void test_no_spin(void) {
        long hz = sysconf(_SC_CLK_TCK);
        _cleanup_close_ int g = port_open();
        CHECK(g >= 0);
        CHECK(wait_events(g, POLLIN, EVENT_WAIT_MS) & POLLHUP);

        long t0 = vserial_ticks();
        usleep(500000);                                 /* no host, guest holds a hung file */
        long t1 = vserial_ticks();
        _cleanup_close_ int h = host_connect();
        CHECK(h >= 0);
        usleep(500000);                                 /* host there, same hung file */
        long t2 = vserial_ticks();
        close(g);
        g = -EBADF;
        usleep(500000);                                 /* host there, nobody has the port open */
        long t3 = vserial_ticks();
        printf("# vserial used %ld, %ld and %ld ticks (of %ld per second) in three idle states\n",
               t1 - t0, t2 - t1, t3 - t2, hz);
        CHECK(t0 >= 0 && t1 >= 0 && t2 >= 0 && t3 >= 0);
        CHECK(t1 - t0 < hz / 10);
        CHECK(t2 - t1 < hz / 10);
        CHECK(t3 - t2 < hz / 10);
}

static void cleanup(void) {
        pid_t pids[] = { vserial_pid, stop_vserial_pid };
        for (size_t i = 0; i < ELEMENTSOF(pids); i++)
                if (pids[i] > 0) {
                        kill(pids[i], SIGTERM);
                        waitpid(pids[i], NULL, 0);
                }
        unlink(port_path);
        unlink(sock_path);
        unlink(stop_port_path);
        unlink(stop_sock_path);
        rmdir(dir);
}

int main(int argc, char *argv[]) {
        if (argc != 2) {
                fprintf(stderr, "usage: test-vserial PATH-TO-VSERIAL\n");
                return 2;
        }
        if (geteuid() != 0) {
                printf("SKIP: needs root (the emulated port is hung up with TIOCVHANGUP)\n");
                return 77;
        }
        if (!mkdtemp(dir))
                return 1;
        snprintf(port_path, sizeof port_path, "%s/io.netguard.agent.0", dir);
        snprintf(sock_path, sizeof sock_path, "%s/host.sock", dir);
        snprintf(stop_port_path, sizeof stop_port_path, "%s/stop-port", dir);
        snprintf(stop_sock_path, sizeof stop_sock_path, "%s/stop.sock", dir);
        vserial_path = argv[1];

        atexit(cleanup);
        vserial_pid = vserial_start(sock_path, port_path, "--no-host=hangup");
        if (vserial_pid < 0)
                return 1;

        static const struct {
                const char *name;
                void (*fn)(void);
        } tests[] = {
                { "no host: open works, POLLHUP stays, read 0, write refused", test_no_host },
                { "round trip of every byte value", test_round_trip },
                { "host leaves without reading: guest bytes lost", test_host_leaves_data_lost },
                { "second host client waits for the first", test_second_host_waits },
                { "stale host bytes reach the next guest open", test_stale_host_bytes },
                { "backpressure: bounded, then EAGAIN", test_backpressure },
                { "bytes written just before close still reach the host", test_write_then_close },
                { "no busy loop: hung-up port, with or without host, or closed", test_no_spin },
                { "--no-host=stop: write EAGAIN, a blocking write waits for the host", test_stop_mode },
        };
        for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
                int before = failures;
                tests[i].fn();
                /* let vserial see every close before the next case */
                usleep(50000);
                printf("%s %zu - %s\n", failures == before ? "ok" : "not ok", i + 1, tests[i].name);
        }
        return failures ? 1 : 0;
}
