/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/macro.h"
#include "hostwatch/metrics.h"

const double metrics_latency_bounds[METRICS_LATENCY_BUCKETS] = {
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30,
};

void metrics_histogram_observe(MetricsHistogram *h, uint64_t usec) {
        double s = (double) usec / 1e6;

        h->count++;
        h->sum_usec += usec;
        for (size_t i = 0; i < METRICS_LATENCY_BUCKETS; i++)
                if (s <= metrics_latency_bounds[i]) {
                        h->bucket[i]++;
                        return;
                }
}

/* Machine names are [A-Za-z0-9._-]: nothing in them needs escaping in a label value. */
static void counter(FILE *f, const char *metric, const char *help, const MetricsMachine *m, size_t n,
                    size_t offset, bool from_stats) {
        fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", metric, help, metric);
        for (size_t i = 0; i < n; i++) {
                const char *base = from_stats ? (const char *) &m[i].stats : (const char *) &m[i];
                uint64_t v;
                memcpy(&v, base + offset, sizeof v);
                fprintf(f, "%s{machine=\"%s\"} %llu\n", metric, m[i].name, (unsigned long long) v);
        }
}

int metrics_format(FILE *f, const MetricsMachine *m, size_t n, const MetricsHistogram *h, unsigned in_flight,
                   unsigned in_flight_peak) {
        uint64_t per_state[_HOSTWATCH_STATE_MAX] = {}, cum = 0;

        for (size_t i = 0; i < n; i++)
                if (m[i].state >= 0 && m[i].state < _HOSTWATCH_STATE_MAX)
                        per_state[m[i].state]++;
        fputs("# HELP netguard_hostwatch_machines Machines watched, by state.\n"
              "# TYPE netguard_hostwatch_machines gauge\n", f);
        for (int s = 0; s < _HOSTWATCH_STATE_MAX; s++)
                if (s != HOSTWATCH_STATE_REMOVED)
                        fprintf(f, "netguard_hostwatch_machines{state=\"%s\"} %llu\n",
                                hostwatch_state_to_string((HostWatchState) s), (unsigned long long) per_state[s]);
        fprintf(f, "# HELP netguard_hostwatch_ssh_in_flight SSH probes in flight now (capped by max-in-flight).\n"
                   "# TYPE netguard_hostwatch_ssh_in_flight gauge\nnetguard_hostwatch_ssh_in_flight %u\n"
                   "# HELP netguard_hostwatch_ssh_in_flight_peak The most SSH probes in flight at once since the start.\n"
                   "# TYPE netguard_hostwatch_ssh_in_flight_peak gauge\nnetguard_hostwatch_ssh_in_flight_peak %u\n",
                in_flight, in_flight_peak);
        counter(f, "netguard_hostwatch_channel_connects_total",
                "Connections made to the machine's channel socket (first connect and reconnects).", m, n,
                offsetof(HostWatchStats, channel_connects), true);
        counter(f, "netguard_hostwatch_ssh_attempts_total", "SSH probes started (connection attempts).", m, n,
                offsetof(HostWatchStats, ssh_attempts), true);
        counter(f, "netguard_hostwatch_backoff_waits_total", "Rounds that failed and waited in backoff.", m, n,
                offsetof(MetricsMachine, backoff_waits), false);
        counter(f, "netguard_hostwatch_bytes_dropped_total",
                "Bytes from the guest skipped as garbage or dropped frames.", m, n,
                offsetof(HostWatchStats, bytes_skipped), true);
        counter(f, "netguard_hostwatch_key_mismatches_total", "SSH servers that showed a key that is not pinned.", m,
                n, offsetof(HostWatchStats, key_mismatches), true);
        fputs("# HELP netguard_hostwatch_verify_latency_seconds From an address learned to SSH verified there.\n"
              "# TYPE netguard_hostwatch_verify_latency_seconds histogram\n", f);
        for (size_t i = 0; i < METRICS_LATENCY_BUCKETS; i++) {
                cum += h ? h->bucket[i] : 0;
                fprintf(f, "netguard_hostwatch_verify_latency_seconds_bucket{le=\"%g\"} %llu\n",
                        metrics_latency_bounds[i], (unsigned long long) cum);
        }
        fprintf(f, "netguard_hostwatch_verify_latency_seconds_bucket{le=\"+Inf\"} %llu\n",
                (unsigned long long) (h ? h->count : 0));
        fprintf(f, "netguard_hostwatch_verify_latency_seconds_sum %.6f\n", h ? (double) h->sum_usec / 1e6 : 0.0);
        fprintf(f, "netguard_hostwatch_verify_latency_seconds_count %llu\n", (unsigned long long) (h ? h->count : 0));
        return ferror(f) ? -EIO : 0;
}

int metrics_write_file(const char *path, const MetricsMachine *m, size_t n, const MetricsHistogram *h,
                       unsigned in_flight, unsigned in_flight_peak) {
        _cleanup_free_ char *tmp = NULL;
        FILE *f;
        int fd, r;

        if (asprintf(&tmp, "%s.tmp%d", path, (int) getpid()) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                close(fd);
                (void) unlink(tmp);
                return r;
        }
        r = metrics_format(f, m, n, h, in_flight, in_flight_peak);
        if (r >= 0 && fflush(f) != 0)
                r = -errno;
        if (r >= 0 && fsync(fileno(f)) < 0)
                r = -errno;
        if (fclose(f) != 0 && r >= 0)
                r = -EIO;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}

/* ---- the socket ---- */

/* One rendering, shared by the connections that come within a second of it: sixteen
 * slow scrapers of 10,000 machines hold one copy, not sixteen. */
typedef struct Rendering {
        unsigned n_ref;
        uint64_t at;
        size_t size;
        char *data;
} Rendering;

typedef struct Conn {
        MetricsServer *server;
        int fd;
        sd_event_source *io, *timer;
        uint64_t started;
        char request[METRICS_SOCKET_REQUEST_MAX];
        size_t request_len;
        bool writing;
        char header[192];
        size_t header_len;
        Rendering *body;
        size_t sent;            /* of header, then body */
} Conn;

struct MetricsServer {
        sd_event *event;
        char *path;
        dev_t dev;
        ino_t ino;
        int fd;
        sd_event_source *listen_source;
        metrics_render_fn render;
        void *userdata;
        Conn *conns[METRICS_SOCKET_CONNECTIONS_MAX];
        size_t n_conns;
        Rendering *cached;
        uint64_t refused, timed_out;
};

static void rendering_unref(Rendering *r) {
        if (r && --r->n_ref == 0) {
                free(r->data);
                free(r);
        }
}

static Rendering *rendering_get(MetricsServer *s, uint64_t now) {
        Rendering *r;

        if (s->cached && now - s->cached->at < 1000000) {
                s->cached->n_ref++;
                return s->cached;
        }
        r = calloc(1, sizeof *r);
        if (!r)
                return NULL;
        if (s->render(s->userdata, &r->data, &r->size) < 0 || r->size > METRICS_SOCKET_OUTPUT_MAX) {
                free(r->data);
                free(r);
                return NULL;
        }
        r->at = now;
        r->n_ref = 2;           /* the connection's and the cache's */
        rendering_unref(s->cached);
        s->cached = r;
        return r;
}

static void conn_free(Conn *c) {
        MetricsServer *s = c->server;

        for (size_t i = 0; i < s->n_conns; i++)
                if (s->conns[i] == c) {
                        s->conns[i] = s->conns[--s->n_conns];
                        break;
                }
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->timer);
        if (c->fd >= 0)
                close(c->fd);
        rendering_unref(c->body);
        free(c);
}

static int conn_write(Conn *c) {
        while (c->sent < c->header_len + c->body->size) {
                const char *p;
                size_t left;
                ssize_t n;

                if (c->sent < c->header_len) {
                        p = c->header + c->sent;
                        left = c->header_len - c->sent;
                } else {
                        p = c->body->data + (c->sent - c->header_len);
                        left = c->body->size - (c->sent - c->header_len);
                }
                n = send(c->fd, p, left, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return 0;       /* the rest when the client reads */
                if (n < 0)
                        return -errno;
                c->sent += (size_t) n;
        }
        return 1;
}

/* The answer, as the request asked: HTTP/1.0 for a GET, the bare exposition otherwise. */
static int conn_reply(Conn *c, bool http) {
        uint64_t now;
        int r;

        (void) sd_event_now(c->server->event, CLOCK_MONOTONIC, &now);
        c->body = rendering_get(c->server, now);
        if (!c->body)
                return -ENOMEM;
        if (http) {
                r = snprintf(c->header, sizeof c->header,
                             "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                             "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                             c->body->size);
                if (r < 0 || (size_t) r >= sizeof c->header)
                        return -EINVAL;
                c->header_len = (size_t) r;
        }
        c->writing = true;
        r = sd_event_source_set_io_events(c->io, EPOLLOUT);
        if (r < 0)
                return r;
        /* From now on the timer is the connection's whole budget. */
        r = sd_event_source_set_time(c->timer, c->started + METRICS_SOCKET_TIMEOUT_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
        if (r < 0)
                return r;
        return conn_write(c);
}

static bool request_complete(const Conn *c) {
        return memmem(c->request, c->request_len, "\r\n\r\n", 4) || memmem(c->request, c->request_len, "\n\n", 2);
}

static bool is_get(const Conn *c) {
        return c->request_len >= 4 && memcmp(c->request, "GET ", 4) == 0;
}

static int conn_read(Conn *c) {
        for (;;) {
                ssize_t n;

                if (c->request_len == sizeof c->request)
                        return conn_reply(c, is_get(c));
                n = recv(c->fd, c->request + c->request_len, sizeof c->request - c->request_len, MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return 0;
                if (n < 0)
                        return -errno;
                if (n == 0)     /* the client said all it will say */
                        return conn_reply(c, is_get(c));
                c->request_len += (size_t) n;
                /* Anything but the start of a GET: it gets the plain text. */
                if (memcmp(c->request, "GET ", c->request_len < 4 ? c->request_len : 4) != 0)
                        return conn_reply(c, false);
                if (is_get(c) && request_complete(c))
                        return conn_reply(c, true);
        }
}

static int on_conn_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        Conn *c = userdata;
        int r;

        if (!c->writing)
                r = conn_read(c);
        else
                r = conn_write(c);
        if (r == 0 && c->writing && (revents & (EPOLLHUP | EPOLLERR)))
                r = -ECONNRESET;
        if (r != 0) {
                if (r > 0)
                        (void) shutdown(c->fd, SHUT_WR);
                conn_free(c);
        }
        return 0;
}

static int on_conn_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        Conn *c = userdata;
        int r;

        if (!c->writing && c->request_len > 0 && usec < c->started + METRICS_SOCKET_TIMEOUT_USEC) {
                /* A request on its way: it has the whole budget to finish. */
                if (sd_event_source_set_time(es, c->started + METRICS_SOCKET_TIMEOUT_USEC) >= 0 &&
                    sd_event_source_set_enabled(es, SD_EVENT_ONESHOT) >= 0)
                        return 0;
        } else if (!c->writing) {
                /* Nothing asked in time: a plain reader (socat, nc -U) gets the text. */
                r = conn_reply(c, false);
                if (r != 0) {
                        if (r > 0)
                                (void) shutdown(c->fd, SHUT_WR);
                        conn_free(c);
                }
                return 0;
        }
        c->server->timed_out++;
        conn_free(c);
        return 0;
}

static int on_accept(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        MetricsServer *s = userdata;

        /* A bounded batch per wakeup: a flood of connects cannot hold the loop. */
        for (unsigned i = 0; i < METRICS_SOCKET_CONNECTIONS_MAX; i++) {
                int cfd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                Conn *c;
                uint64_t now;

                if (cfd < 0)
                        return 0;
                if (s->n_conns >= METRICS_SOCKET_CONNECTIONS_MAX) {
                        s->refused++;
                        close(cfd);
                        continue;
                }
                c = calloc(1, sizeof *c);
                if (!c) {
                        close(cfd);
                        continue;
                }
                c->server = s;
                c->fd = cfd;
                (void) sd_event_now(s->event, CLOCK_MONOTONIC, &now);
                c->started = now;
                s->conns[s->n_conns++] = c;
                if (sd_event_add_io(s->event, &c->io, cfd, EPOLLIN, on_conn_io, c) < 0 ||
                    sd_event_add_time(s->event, &c->timer, CLOCK_MONOTONIC, now + METRICS_SOCKET_REQUEST_WAIT_USEC, 0,
                                      on_conn_timer, c) < 0) {
                        conn_free(c);
                        continue;
                }
        }
        return 0;
}

/* 0: nothing at path (any more); -EADDRINUSE: a server answers there; -EEXIST: not a socket. */
static int clear_stale(const char *path, const struct sockaddr_un *sa, socklen_t len) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISSOCK(st.st_mode))
                return -EEXIST;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (const struct sockaddr *) sa, len) == 0 || errno == EAGAIN)
                return -EADDRINUSE;
        if (errno != ECONNREFUSED)
                return -errno;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

MetricsServer *metrics_server_free(MetricsServer *s) {
        struct stat st;

        if (!s)
                return NULL;
        while (s->n_conns > 0)
                conn_free(s->conns[s->n_conns - 1]);
        sd_event_source_disable_unref(s->listen_source);
        if (s->fd >= 0) {
                close(s->fd);
                /* Only our own socket: a newer daemon's in its place stays. */
                if (lstat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
                        (void) unlink(s->path);
        }
        rendering_unref(s->cached);
        sd_event_unref(s->event);
        free(s->path);
        return mfree(s);
}

int metrics_server_new(sd_event *event, const char *path, metrics_render_fn render, void *userdata,
                       MetricsServer **ret) {
        _cleanup_(metrics_server_freep) MetricsServer *s = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX }, tmp = { .sun_family = AF_UNIX };
        socklen_t len;
        struct stat st;
        mode_t old_umask;
        bool renamed;
        int r;

        if (strlen(path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->fd = -EBADF;
        s->event = sd_event_ref(event);
        s->render = render;
        s->userdata = userdata;
        s->path = strdup(path);
        if (!s->path)
                return -ENOMEM;
        r = clear_stale(path, &sa, len);
        if (r < 0)
                return r;
        /* Bound and listening under a temporary name, then renamed: a client never finds a
         * socket that does not answer yet. A name too long for that binds in place. */
        renamed = snprintf(tmp.sun_path, sizeof tmp.sun_path, "%s.tmp%x", path, (unsigned) getpid()) <
                  (int) sizeof tmp.sun_path;
        if (!renamed)
                tmp = sa;
        s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (s->fd < 0)
                return -errno;
        (void) unlink(tmp.sun_path);    /* ours from a run killed between bind and rename */
        old_umask = umask(0117);
        r = bind(s->fd, (const struct sockaddr *) &tmp,
                 (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(tmp.sun_path) + 1));
        umask(old_umask);
        if (r < 0)
                return -errno;
        if (chmod(tmp.sun_path, 0660) < 0 || listen(s->fd, METRICS_SOCKET_CONNECTIONS_MAX) < 0 ||
            (renamed && rename(tmp.sun_path, path) < 0)) {
                r = -errno;
                (void) unlink(tmp.sun_path);
                return r;
        }
        if (lstat(path, &st) == 0) {
                s->dev = st.st_dev;
                s->ino = st.st_ino;
        }
        r = sd_event_add_io(event, &s->listen_source, s->fd, EPOLLIN, on_accept, s);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

const char *metrics_server_get_path(MetricsServer *s) {
        return s->path;
}

void metrics_server_get_stats(MetricsServer *s, uint64_t *ret_refused, uint64_t *ret_timed_out) {
        *ret_refused = s->refused;
        *ret_timed_out = s->timed_out;
}
