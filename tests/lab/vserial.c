/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vserial: the lab's stand-in for one QEMU virtserialport.
 *
 * Guest side: a pty slave, published through a symlink that stands for
 * /dev/virtio-ports/io.netguard.agent.0. Host side: a listening unix socket, like
 * QEMU's "-chardev socket,server=on,wait=off". See tests/lab/README.md for what is
 * emulated and where a pty cannot behave like the real device.
 *
 *   vserial --socket PATH --link PATH [--no-host=hangup|stop] [--verbose]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"

/* Guest bytes held while the host is connected but not reading. With the pty's own
 * queue this comes close to the ~220 KB a real port accepts before EAGAIN. */
#define TO_HOST_MAX (128u * 1024u)
/* Host bytes held while no guest has the port open (delivered to the next open). */
#define TO_GUEST_MAX (64u * 1024u)

typedef struct Buf {
        uint8_t *data;
        size_t len, max;
} Buf;

/* What the guest side does while no host is connected. A pty can give either the real
 * port's POLLHUP and read() == 0 (hangup) or its EAGAIN on write and blocking writers
 * (stop), not both; README.md says which differs how. */
typedef enum NoHostMode {
        NO_HOST_HANGUP,
        NO_HOST_STOP,
        _NO_HOST_MAX,
        _NO_HOST_INVALID = -EINVAL,
} NoHostMode;

typedef struct Vserial {
        const char *socket_path;
        const char *link_path;
        char slave_path[64];
        int master_fd;
        int keep_fd;            /* our own file on the slave, see keep_open() */
        int listen_fd;
        int client_fd;
        int inotify_fd;
        unsigned self_opens;    /* our own opens and closes of the slave, still to be */
        unsigned self_closes;   /* seen as inotify events (they are not the guest's) */
        int guest_files;        /* files the guest has on the slave, hung up or not */
        NoHostMode no_host;
        bool verbose;
        Buf to_host, to_guest;
} Vserial;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig _unused_) {
        stop_requested = 1;
}

static void event(Vserial *v, const char *fmt, ...) _printf_(2, 3);
static void event(Vserial *v, const char *fmt, ...) {
        if (!v->verbose)
                return;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        localtime_r(&ts.tv_sec, &tm);
        fprintf(stderr, "%02d:%02d:%02d.%03ld vserial: ", tm.tm_hour, tm.tm_min, tm.tm_sec,
                ts.tv_nsec / 1000000);
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void buf_drop(Buf *b, size_t n) {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
}

static int set_raw(int master_fd) {
        struct termios t;

        /* On a pty master the termios ioctls act on the slave: no echo, no line editing,
         * no CR/LF translation, so bytes pass unchanged both ways. */
        if (tcgetattr(master_fd, &t) < 0)
                return -errno;
        cfmakeraw(&t);
        if (tcsetattr(master_fd, TCSANOW, &t) < 0)
                return -errno;
        return 0;
}

/* vserial keeps a file of its own on the slave. The master then never sees HUP (which is
 * level-triggered and cannot be waited on without spinning), so it can always be polled:
 * bytes a guest wrote just before closing are still read, and host bytes written while no
 * guest has the port open wait in the slave's queue for the next open. */
static int keep_open(Vserial *v, bool counted) {
        int fd = open(v->slave_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (counted)
                v->self_opens++;
        v->keep_fd = fd;
        return 0;
}

static int master_open(Vserial *v) {
        _cleanup_close_ int fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (grantpt(fd) < 0 || unlockpt(fd) < 0)
                return -errno;
        if (ptsname_r(fd, v->slave_path, sizeof v->slave_path) != 0)
                return -errno;
        int r = set_raw(fd);
        if (r < 0)
                return r;
        v->master_fd = TAKE_FD(fd);
        return keep_open(v, false);
}

/* Hang up every guest file of the port: those get POLLHUP (for good) and read() 0, like
 * a port whose host went away. A new open() gets a fresh file. */
static int guest_hangup(Vserial *v) {
        if (ioctl(v->keep_fd, TIOCVHANGUP) < 0)
                return -errno;
        close(v->keep_fd);
        v->keep_fd = -EBADF;
        v->self_closes++;
        int r = keep_open(v, true);
        if (r < 0)
                return r;
        return set_raw(v->master_fd);
}

/* inotify tells of every open() and close() of the slave, whoever does it. */
static int watch_open(Vserial *v) {
        _cleanup_close_ int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (inotify_add_watch(fd, v->slave_path, IN_OPEN | IN_CLOSE) < 0)
                return -errno;
        v->inotify_fd = TAKE_FD(fd);
        return 0;
}

/* The guest's opens and closes of the slave since the last call (ours taken away). */
static void watch_read(Vserial *v, unsigned *ret_opens, unsigned *ret_closes) {
        _Alignas(struct inotify_event) char buf[4096];
        unsigned opens = 0, closes = 0;

        for (;;) {
                ssize_t l = read(v->inotify_fd, buf, sizeof buf);
                if (l <= 0)
                        break;
                for (char *p = buf; p < buf + l;) {
                        const struct inotify_event *e = (const struct inotify_event *) p;
                        if (e->mask & IN_OPEN)
                                opens++;
                        if (e->mask & IN_CLOSE)
                                closes++;
                        p += sizeof *e + e->len;
                }
        }
        unsigned so = opens < v->self_opens ? opens : v->self_opens;
        unsigned sc = closes < v->self_closes ? closes : v->self_closes;
        v->self_opens -= so;
        v->self_closes -= sc;
        *ret_opens = opens - so;
        *ret_closes = closes - sc;
}

static int listen_open(Vserial *v) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        if (strlen(v->socket_path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, v->socket_path);
        (void) unlink(v->socket_path);

        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return -errno;
        /* QEMU accepts one client at a time; the others wait in the backlog. */
        if (listen(fd, 8) < 0)
                return -errno;
        v->listen_fd = TAKE_FD(fd);
        return 0;
}

/* Stops or restarts the slave's output: a stopped pty refuses non-blocking writes with
 * EAGAIN and blocks blocking ones, like a port with no host. */
static void guest_flow(Vserial *v, bool on) {
        if (tcflow(v->keep_fd, on ? TCOON : TCOOFF) < 0)
                log_warning_errno(errno, "tcflow: %m");
        else
                event(v, "guest output %s", on ? "started" : "stopped (no host)");
}

static void hangup_logged(Vserial *v, const char *why) {
        int r = guest_hangup(v);
        if (r < 0)
                log_warning_errno(r, "hanging up the guest side: %m");
        event(v, "guest port hung up (%s)", why);
}

static void host_disconnect(Vserial *v) {
        close(v->client_fd);
        v->client_fd = -EBADF;
        /* What the guest wrote and the host never read is lost, as on QEMU. */
        event(v, "host disconnected, %zu guest bytes undelivered are lost", v->to_host.len);
        v->to_host.len = 0;
        (void) tcflush(v->master_fd, TCIFLUSH);
        switch (v->no_host) {
        case NO_HOST_HANGUP:
                if (v->guest_files > 0)
                        hangup_logged(v, "no host");
                break;
        case NO_HOST_STOP:
                guest_flow(v, false);
                break;
        case _NO_HOST_MAX:
        case _NO_HOST_INVALID:
                break;
        }
}

static void host_accept(Vserial *v) {
        int fd = accept4(v->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
                return;
        v->client_fd = fd;
        /* Guest bytes that slipped in before a hangup took effect are not for this host
         * (QEMU would have refused them with EAGAIN). */
        (void) tcflush(v->master_fd, TCIFLUSH);
        event(v, "host connected");
        if (v->no_host == NO_HOST_STOP)
                guest_flow(v, true);
}

/* Returns false when the host is gone. */
static bool host_io(Vserial *v, short revents) {
        if (revents & (POLLIN | POLLHUP | POLLERR)) {
                size_t room = v->to_guest.max - v->to_guest.len;
                if (room > 0) {
                        ssize_t l = read(v->client_fd, v->to_guest.data + v->to_guest.len, room);
                        if (l == 0 || (l < 0 && errno != EAGAIN && errno != EINTR))
                                return false;
                        if (l > 0)
                                v->to_guest.len += (size_t) l;
                } else if (revents & (POLLHUP | POLLERR))
                        return false;
        }
        if ((revents & POLLOUT) && v->to_host.len > 0) {
                ssize_t l = send(v->client_fd, v->to_host.data, v->to_host.len, MSG_NOSIGNAL);
                if (l < 0 && errno != EAGAIN && errno != EINTR)
                        return false;
                if (l > 0)
                        buf_drop(&v->to_host, (size_t) l);
        }
        return true;
}

static void guest_io(Vserial *v, short revents) {
        if ((revents & POLLIN) && v->to_host.len < v->to_host.max) {
                ssize_t l = read(v->master_fd, v->to_host.data + v->to_host.len, v->to_host.max - v->to_host.len);
                if (l > 0)
                        v->to_host.len += (size_t) l;
        }
        if ((revents & POLLOUT) && v->to_guest.len > 0) {
                ssize_t l = write(v->master_fd, v->to_guest.data, v->to_guest.len);
                if (l > 0)
                        buf_drop(&v->to_guest, (size_t) l);
        }
}

static int loop(Vserial *v) {
        while (!stop_requested) {
                struct pollfd p[3];
                size_t n = 0;
                int i_host, i_master = -1;

                int i_inotify = (int) n;
                p[n++] = (struct pollfd) { .fd = v->inotify_fd, .events = POLLIN };
                i_host = (int) n;
                if (v->client_fd < 0)
                        p[n++] = (struct pollfd) { .fd = v->listen_fd, .events = POLLIN };
                else {
                        short ev = 0;
                        if (v->to_guest.len < v->to_guest.max)
                                ev |= POLLIN;
                        if (v->to_host.len > 0)
                                ev |= POLLOUT;
                        p[n++] = (struct pollfd) { .fd = v->client_fd, .events = ev };

                        /* The guest side moves bytes only while a host is there. */
                        ev = 0;
                        if (v->to_host.len < v->to_host.max)
                                ev |= POLLIN;
                        if (v->to_guest.len > 0)
                                ev |= POLLOUT;
                        i_master = (int) n;
                        p[n++] = (struct pollfd) { .fd = v->master_fd, .events = ev };
                }

                if (poll(p, n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(errno, "poll: %m");
                }

                if (p[i_inotify].revents & POLLIN) {
                        unsigned opens, closes;
                        watch_read(v, &opens, &closes);
                        v->guest_files += (int) opens - (int) closes;
                        if (v->guest_files < 0)
                                v->guest_files = 0;
                        if (opens > 0)
                                event(v, "guest opened the port");
                        if (closes > 0)
                                event(v, "guest closed the port");
                        if (opens > 0 && v->client_fd < 0 && v->no_host == NO_HOST_HANGUP)
                                hangup_logged(v, "opened while no host");
                }

                if (v->client_fd < 0) {
                        if (p[i_host].revents & POLLIN)
                                host_accept(v);
                        continue;
                }
                if (p[i_host].revents && !host_io(v, p[i_host].revents)) {
                        host_disconnect(v);
                        continue;
                }
                if (i_master >= 0 && p[i_master].revents)
                        guest_io(v, p[i_master].revents);
        }
        return 0;
}

static void help(void) {
        printf("vserial --socket PATH --link PATH [--no-host=hangup|stop] [--verbose]\n"
               "Emulates a virtio-serial port: the guest opens LINK (a pty), the host\n"
               "connects to SOCKET (a unix socket, like QEMU's chardev socket).\n"
               "While no host is connected the guest's files are hung up (POLLHUP, read 0;\n"
               "the default) or its output is stopped (write EAGAIN or blocks).\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "socket", required_argument, NULL, 's' },
                { "link", required_argument, NULL, 'l' },
                { "no-host", required_argument, NULL, 'n' },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        Vserial v = { .master_fd = -EBADF, .keep_fd = -EBADF, .listen_fd = -EBADF, .client_fd = -EBADF,
                      .inotify_fd = -EBADF };
        int c, r;

        log_set_program("vserial");
        while ((c = getopt_long(argc, argv, "s:l:n:vh", options, NULL)) >= 0)
                switch (c) {
                case 's':
                        v.socket_path = optarg;
                        break;
                case 'l':
                        v.link_path = optarg;
                        break;
                case 'n':
                        if (strcmp(optarg, "hangup") == 0)
                                v.no_host = NO_HOST_HANGUP;
                        else if (strcmp(optarg, "stop") == 0)
                                v.no_host = NO_HOST_STOP;
                        else
                                return log_error("--no-host: hangup or stop, not %s", optarg), 2;
                        break;
                case 'v':
                        v.verbose = true;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return 2;
                }
        if (!v.socket_path || !v.link_path) {
                help();
                return 2;
        }

        struct sigaction sa = { .sa_handler = on_signal };
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        _cleanup_free_ uint8_t *a = malloc(TO_HOST_MAX);
        _cleanup_free_ uint8_t *b = malloc(TO_GUEST_MAX);
        if (!a || !b)
                return log_error_errno(ENOMEM, "out of memory: %m"), 1;
        v.to_host = (Buf) { .data = a, .max = TO_HOST_MAX };
        v.to_guest = (Buf) { .data = b, .max = TO_GUEST_MAX };

        r = master_open(&v);
        if (r < 0)
                return log_error_errno(r, "opening a pty: %m"), 1;
        if (v.no_host == NO_HOST_STOP)
                guest_flow(&v, false);
        r = watch_open(&v);
        if (r < 0)
                return log_error_errno(r, "watching %s: %m", v.slave_path), 1;
        r = listen_open(&v);
        if (r < 0)
                return log_error_errno(r, "listening on %s: %m", v.socket_path), 1;

        /* Publish the guest path last: its existence tells the harness we are ready. */
        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s.tmp", v.link_path) < 0)
                return 1;
        (void) unlink(tmp);
        if (symlink(v.slave_path, tmp) < 0 || rename(tmp, v.link_path) < 0)
                return log_error_errno(errno, "publishing %s: %m", v.link_path), 1;
        event(&v, "ready: guest %s -> %s, host %s", v.link_path, v.slave_path, v.socket_path);

        r = loop(&v);

        (void) unlink(v.link_path);
        (void) unlink(v.socket_path);
        if (v.client_fd >= 0)
                close(v.client_fd);
        close(v.listen_fd);
        close(v.inotify_fd);
        if (v.keep_fd >= 0)
                close(v.keep_fd);
        close(v.master_fd);
        return r < 0 ? 1 : 0;
}
