/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hostwatch/channel.h"
#include "hostwatch/utf8.h"
#include "proto/dedup.h"
#include "proto/outbox.h"
#include "proto/reader.h"

/* QEMU restarts in seconds; a local connect() costs nothing, so retry briskly. */
static const BackoffParams reconnect_params = {
        .initial_usec = 250 * USEC_PER_MSEC,
        .multiplier = 1.6,
        .jitter = 0.2,
        .max_usec = 5 * USEC_PER_SEC,
        .min_connect_timeout_usec = 0,
};

typedef struct Bucket {
        double tokens;
        uint64_t at;
} Bucket;

struct Channel {
        char *path;
        ChannelHints hints;
        int fd;
        ChannelLocks *locks, *own_locks; /* own_locks: none was given, a private one */
        struct LockDir *lock_dir;       /* where this channel's byte is locked; NULL: none */
        uint64_t lock_offset;
        uint64_t generation;
        ProtoReader *reader;
        ProtoOutbox *outbox;
        ProtoDedup dedup;
        uint32_t seq;
        Backoff reconnect;
        uint64_t reconnect_at;
        uint64_t paused_until;          /* budgets exceeded: not reading until then */
        Bucket frames, bytes;
        uint64_t bad_window_start;
        unsigned bad_in_window;
        uint64_t resend_at;             /* 0: nothing waits for an ACK */
        bool hello;                     /* the agent said HELLO on this connection */
        bool hello_sent;                /* we did, on this connection */
        uint64_t last_frame_at;
        uint32_t asked_ms;              /* the heartbeat our last HELLO asked for */
        /* The agent's silence that still counts as alive: three of the intervals asked;
         * after a new wish, of the longer one until the agent's next frame. */
        uint32_t alive_interval_ms;
        HostWatchStats stats;
        uint64_t bad_checksum_seen;     /* the reader's count already charged */
};

static size_t memory_now(const Channel *c) {
        return sizeof *c + PROTO_FRAME_MAX + 64 + strlen(c->path) + 1 + proto_outbox_count(c->outbox) * 96;
}

static void account(Channel *c, size_t transient) {
        c->stats.memory = memory_now(c);
        if (c->stats.memory + transient > c->stats.memory_peak)
                c->stats.memory_peak = c->stats.memory + transient;
}

/* A second client of QEMU's socket is accepted into the backlog and then hears nothing
 * (virtio-serial.md): two watchers of one port must not both run. One lock file per
 * channel directory (netguard-hostwatch.lock) holds an OFD byte-range lock per channel,
 * one byte at an offset hashed from the socket's file name: one fd per directory, not per
 * machine (10,000 machines fit the usual 20,000 open-file limit), and like flock the
 * kernel drops the locks when the daemon exits or crashes. Two names whose 62-bit hashes
 * collide would refuse each other (EBUSY, the safe direction: never both watched); for
 * 10,000 names the odds are about 1 in 10^11. OFD locks do not conflict within one open
 * file, so the channels held through one are kept in a sorted list as well. */
#define LOCK_FILE "netguard-hostwatch.lock"

typedef struct LockDir {
        char *dir;
        int fd;                         /* -EBADF: no lock file could be made, go without */
        uint64_t *held;                 /* sorted offsets of the channels locked here */
        size_t n_held, allocated;
} LockDir;

struct ChannelLocks {
        LockDir **dirs;
        size_t n_dirs;
};

int channel_locks_new(ChannelLocks **ret) {
        ChannelLocks *l = calloc(1, sizeof *l);

        if (!l)
                return -ENOMEM;
        *ret = l;
        return 0;
}

static void lock_dir_free(LockDir *d) {
        if (d->fd >= 0)
                close(d->fd);
        free(d->held);
        free(d->dir);
        free(d);
}

ChannelLocks *channel_locks_free(ChannelLocks *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n_dirs; i++)
                lock_dir_free(l->dirs[i]);
        free(l->dirs);
        return mfree(l);
}

/* FNV-1a, 62 bits: an offset with room for its byte below OFF_MAX. */
static uint64_t lock_offset_of(const char *name) {
        uint64_t h = 0xcbf29ce484222325u;

        for (; *name; name++)
                h = (h ^ (uint8_t) *name) * 0x100000001b3u;
        return h >> 2;
}

static size_t held_find(const LockDir *d, uint64_t off) {
        size_t lo = 0, hi = d->n_held;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (d->held[mid] < off)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static int lock_dir_get(ChannelLocks *l, const char *path, LockDir **ret) {
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = slash ? strndup(path, (size_t) (slash - path + 1)) : strdup("./");
        _cleanup_free_ char *file = NULL;
        LockDir **a, *d;

        if (!dir)
                return -ENOMEM;
        for (size_t i = 0; i < l->n_dirs; i++)
                if (strcmp(l->dirs[i]->dir, dir) == 0) {
                        *ret = l->dirs[i];
                        return 0;
                }
        if (asprintf(&file, "%s" LOCK_FILE, dir) < 0)
                return -ENOMEM;
        a = reallocarray(l->dirs, l->n_dirs + 1, sizeof *a);
        if (!a)
                return -ENOMEM;
        l->dirs = a;
        d = calloc(1, sizeof *d);
        if (!d)
                return -ENOMEM;
        d->dir = TAKE_PTR(dir);
        d->fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (d->fd < 0)
                d->fd = -EBADF;
        l->dirs[l->n_dirs++] = d;
        *ret = d;
        return 0;
}

static int lock_byte(int fd, short type, uint64_t off) {
        struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = (off_t) off, .l_len = 1 };

        return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

static int take_lock(Channel *c) {
        const char *slash = strrchr(c->path, '/');
        uint64_t off = lock_offset_of(slash ? slash + 1 : c->path);
        LockDir *d;
        size_t at;
        int r;

        r = lock_dir_get(c->locks, c->path, &d);
        if (r < 0)
                return r;
        if (d->fd < 0)
                return 0;       /* read-only directory: go without */
        at = held_find(d, off);
        if (at < d->n_held && d->held[at] == off)
                return -EBUSY;  /* this process watches it already */
        if (d->n_held == d->allocated) {
                size_t n = d->allocated ? d->allocated * 2 : 16;
                uint64_t *h = reallocarray(d->held, n, sizeof *h);
                if (!h)
                        return -ENOMEM;
                d->held = h;
                d->allocated = n;
        }
        r = lock_byte(d->fd, F_WRLCK, off);
        if (r == -EAGAIN || r == -EACCES)
                return -EBUSY;
        if (r < 0)
                return 0;       /* a file system without OFD locks: go without, as before */
        memmove(d->held + at + 1, d->held + at, (d->n_held - at) * sizeof *d->held);
        d->held[at] = off;
        d->n_held++;
        c->lock_dir = d;
        c->lock_offset = off;
        return 0;
}

static void release_lock(Channel *c) {
        LockDir *d = c->lock_dir;
        size_t at;

        if (!d)
                return;
        (void) lock_byte(d->fd, F_UNLCK, c->lock_offset);
        at = held_find(d, c->lock_offset);
        if (at < d->n_held && d->held[at] == c->lock_offset) {
                memmove(d->held + at, d->held + at + 1, (d->n_held - at - 1) * sizeof *d->held);
                d->n_held--;
        }
        c->lock_dir = NULL;
}

int channel_new(const char *path, ChannelLocks *locks, const ChannelHints *hints, backoff_random_fn random, void *random_userdata,
                Channel **ret) {
        _cleanup_(channel_freep) Channel *c = calloc(1, sizeof *c);
        struct sockaddr_un sa;
        int r;

        if (!c)
                return -ENOMEM;
        c->fd = -EBADF;
        if (strlen(path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        c->path = strdup(path);
        if (!c->path)
                return -ENOMEM;
        if (!locks) {
                r = channel_locks_new(&c->own_locks);
                if (r < 0)
                        return r;
                locks = c->own_locks;
        }
        c->locks = locks;
        r = take_lock(c);
        if (r < 0)
                return r;
        c->hints = *hints;
        if (c->hints.heartbeat_interval_ms == 0)
                c->hints.heartbeat_interval_ms = CHANNEL_HEARTBEAT_DEFAULT_MS;
        c->alive_interval_ms = c->asked_ms = c->hints.heartbeat_interval_ms;
        r = proto_reader_new(&c->reader);
        if (r < 0)
                return r;
        proto_dedup_init(&c->dedup);
        backoff_init(&c->reconnect, &reconnect_params, random, random_userdata);
        c->frames.tokens = CHANNEL_FRAMES_BURST;
        c->bytes.tokens = CHANNEL_BYTES_BURST;
        account(c, 0);
        *ret = TAKE_PTR(c);
        return 0;
}

static void disconnect(Channel *c, uint64_t now) {
        if (c->fd >= 0)
                close(c->fd);
        c->fd = -EBADF;
        c->hello = false;
        c->hello_sent = false;
        c->resend_at = 0;
        proto_reader_reset(c->reader);
        /* A peer that accepts and closes at once must not make us spin: the backoff is
         * reset only by an agent's HELLO (a connection known good, as gRPC does). */
        c->reconnect_at = backoff_failed(&c->reconnect, now);
}

Channel *channel_free(Channel *c) {
        if (!c)
                return NULL;
        if (c->fd >= 0)
                close(c->fd);
        release_lock(c);
        channel_locks_free(c->own_locks);
        proto_reader_free(c->reader);
        proto_outbox_free(c->outbox);
        free(c->path);
        return mfree(c);
}

int channel_get_fd(const Channel *c) {
        return c->fd;
}

uint32_t channel_get_events(const Channel *c) {
        if (c->fd < 0 || c->paused_until != 0)
                return 0;
        return EPOLLIN;
}

uint64_t channel_get_generation(const Channel *c) {
        return c->generation;
}

uint64_t channel_get_deadline(const Channel *c) {
        uint64_t d = UINT64_MAX;

        if (c->fd < 0)
                d = c->reconnect_at;
        if (c->paused_until != 0 && c->paused_until < d)
                d = c->paused_until;
        if (c->resend_at != 0 && c->resend_at < d)
                d = c->resend_at;
        return d;
}

bool channel_agent_alive(const Channel *c, uint64_t now) {
        return c->fd >= 0 && c->hello &&
               now - c->last_frame_at <= (uint64_t) c->alive_interval_ms * USEC_PER_MSEC * CHANNEL_HEARTBEAT_MISSES;
}

void channel_get_stats(const Channel *c, HostWatchStats *s) {
        *s = c->stats;
}

/* Writes a whole frame or drops it: a guest that does not read loses only what it would
 * lose anyway; must-not-lose frames stay in the outbox and go again. */
static void write_frame(Channel *c, const uint8_t *buf, size_t size) {
        ssize_t n;

        if (c->fd < 0)
                return;
        n = send(c->fd, buf, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void) n;
}

static int send_message(Channel *c, uint64_t now, ProtoMessage *m) {
        _cleanup_free_ uint8_t *buf = malloc(PROTO_FRAME_MAX);
        int n, r;

        if (!buf)
                return -ENOMEM;
        m->seq = proto_seq_next(&c->seq);
        if (proto_type_needs_ack(m->type))
                m->flags |= PROTO_FLAG_ACK_REQUEST;
        n = proto_message_encode(m, buf, PROTO_FRAME_MAX);
        if (n < 0)
                return n;
        if (m->flags & PROTO_FLAG_ACK_REQUEST) {
                /* made on demand and freed when empty: idle channels hold none (1.5 KiB) */
                if (!c->outbox) {
                        r = proto_outbox_new(&c->outbox);
                        if (r < 0)
                                return r;
                }
                r = proto_outbox_add(c->outbox, buf, (size_t) n);
                if (r < 0)
                        return r;
                if (c->resend_at == 0)
                        c->resend_at = now + CHANNEL_ACK_TIMEOUT_USEC;
                account(c, 0);
        }
        write_frame(c, buf, (size_t) n);
        return 0;
}

static void send_hello(Channel *c, uint64_t now, bool reply) {
        ProtoMessage m = {
                .type = PROTO_TYPE_HOST_HELLO,
                .host_hello = {
                        .version_min = PROTO_VERSION_MIN,
                        .version_max = PROTO_VERSION_MAX,
                        .instance = c->hints.instance,
                        .reply = reply,
                        .host_address = c->hints.host_address,
                        .heartbeat_interval_ms = c->hints.heartbeat_interval_ms,
                },
        };
        memcpy(m.host_hello.mgmt_mac, c->hints.mgmt_mac, 6);
        if (send_message(c, now, &m) >= 0) {
                c->hello_sent = true;
                if (c->hints.heartbeat_interval_ms > c->alive_interval_ms)
                        c->alive_interval_ms = c->hints.heartbeat_interval_ms;
                c->asked_ms = c->hints.heartbeat_interval_ms;
        }
}

void channel_set_heartbeat_interval(Channel *c, uint64_t now, uint32_t ms) {
        uint32_t diff;

        if (ms == 0)
                return;
        c->hints.heartbeat_interval_ms = ms;
        /* A HELLO mid-session is how a wish changes (PROTOCOL.md 5.2), and the agent
         * answers it with a snapshot: only when the wish moved by a fifth of what this
         * agent was asked, or came back to the default, so that one machine more or less
         * does not make every guest hear a HELLO. */
        diff = ms > c->asked_ms ? ms - c->asked_ms : c->asked_ms - ms;
        if (c->fd >= 0 && c->hello_sent && diff > 0 &&
            (diff >= c->asked_ms / 5 || ms == CHANNEL_HEARTBEAT_DEFAULT_MS))
                send_hello(c, now, true);
}

static void resend_outbox(Channel *c, uint64_t now) {
        const uint8_t *f;
        size_t size;
        uint32_t seq;

        for (size_t i = 0; proto_outbox_get(c->outbox, i, &f, &size, &seq) == 0; i++)
                write_frame(c, f, size);
        c->resend_at = proto_outbox_count(c->outbox) > 0 ? now + CHANNEL_ACK_TIMEOUT_USEC : 0;
}

static void try_connect(Channel *c, uint64_t now) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF;

        backoff_attempt(&c->reconnect, now);
        strncpy(sa.sun_path, c->path, sizeof sa.sun_path - 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        /* A unix connect completes or fails at once (EAGAIN: QEMU's backlog is full). */
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                c->reconnect_at = backoff_failed(&c->reconnect, now);
                return;
        }
        c->fd = TAKE_FD(fd);
        c->generation++;
        c->stats.channel_connects++;
        c->hello = false;
        c->hello_sent = false;
        proto_reader_reset(c->reader);
        send_hello(c, now, false);
}

static void refill(Bucket *b, uint64_t now, double rate, double burst) {
        if (now > b->at) {
                b->tokens += (double) (now - b->at) * rate / (double) USEC_PER_SEC;
                if (b->tokens > burst)
                        b->tokens = burst;
        }
        b->at = now;
}

static void pause_until(Channel *c, uint64_t until) {
        if (until > c->paused_until)
                c->paused_until = until;
        c->stats.throttled++;
}

/* A deliberate error (bad frame check behind a valid header, a refused message). */
static void charge_bad(Channel *c, uint64_t now) {
        if (now - c->bad_window_start > CHANNEL_BAD_WINDOW_USEC) {
                c->bad_window_start = now;
                c->bad_in_window = 0;
        }
        if (++c->bad_in_window > CHANNEL_BAD_MAX) {
                /* What is buffered came from the same guest: drop it with the pause. */
                proto_reader_reset(c->reader);
                pause_until(c, now + CHANNEL_PENALTY_USEC);
                c->bad_in_window = 0;
                c->bad_window_start = now;
        }
}

static bool strings_valid(const ProtoMessage *m) {
        switch (m->type) {
        case PROTO_TYPE_GUEST_HELLO:
                return utf8_is_valid(m->guest_hello.agent_version, strlen(m->guest_hello.agent_version)) &&
                       utf8_is_valid(m->guest_hello.hostname, strlen(m->guest_hello.hostname));
        case PROTO_TYPE_ADDRESSES:
                for (size_t i = 0; i < m->addresses.n_links; i++)
                        if (!utf8_is_valid(m->addresses.links[i].name, strlen(m->addresses.links[i].name)))
                                return false;
                return true;
        case PROTO_TYPE_TXN:
                return utf8_is_valid(m->txn.reason, strlen(m->txn.reason));
        case PROTO_TYPE_ERROR:
                return utf8_is_valid(m->error.text, strlen(m->error.text));
        case PROTO_TYPE_ACK:
        case PROTO_TYPE_HEARTBEAT:
        case PROTO_TYPE_HOST_HELLO:
        case PROTO_TYPE_HOST_REACHED:
        case PROTO_TYPE_HOST_LOST:
        case PROTO_TYPE_PING:
        case _PROTO_TYPE_MAX:
        case _PROTO_TYPE_INVALID:
                return true;
        }
        return true;
}

static size_t decoded_size(const ProtoMessage *m) {
        size_t s = 0;

        if (m->type != PROTO_TYPE_ADDRESSES)
                return 0;
        s = m->addresses.n_links * sizeof(ProtoLink);
        for (size_t i = 0; i < m->addresses.n_links; i++)
                s += m->addresses.links[i].n_addresses * sizeof(ProtoAddress);
        return s;
}

static void send_ack(Channel *c, uint64_t now, uint32_t seq) {
        ProtoMessage ack = { .type = PROTO_TYPE_ACK, .ack.seq = seq };
        (void) send_message(c, now, &ack);
}

static void handle_frame(Channel *c, uint64_t now, const ProtoFrame *f, const ChannelHandler *h, void *userdata) {
        ProtoMessage m = {};
        int r;

        c->stats.frames++;
        c->last_frame_at = now;
        c->alive_interval_ms = c->asked_ms;
        r = proto_message_decode(f, &m);
        if (r == PROTO_E_BAD_TYPE)
                return;         /* from a later version: skipped */
        if (r != 0) {
                c->stats.bad_messages++;
                charge_bad(c, now);
                return;
        }
        account(c, decoded_size(&m));
        if (!strings_valid(&m)) {
                c->stats.bad_messages++;
                c->stats.bad_utf8++;
                charge_bad(c, now);
                proto_message_done(&m);
                return;
        }
        if (m.flags & PROTO_FLAG_ACK_REQUEST) {
                send_ack(c, now, m.seq);
                if (!proto_dedup_check(&c->dedup, m.seq)) {
                        proto_message_done(&m);
                        return;
                }
        }
        switch (m.type) {
        case PROTO_TYPE_GUEST_HELLO: {
                uint16_t v;
                if (proto_version_negotiate(PROTO_VERSION_MIN, PROTO_VERSION_MAX, m.guest_hello.version_min,
                                            m.guest_hello.version_max, &v) != 0) {
                        c->stats.bad_messages++;
                        break;
                }
                proto_dedup_set_instance(&c->dedup, m.guest_hello.instance);
                c->hello = true;
                backoff_reset(&c->reconnect);
                if (!m.guest_hello.reply)
                        send_hello(c, now, true);
                resend_outbox(c, now);
                if (h->hello)
                        h->hello(userdata, &m.guest_hello);
                break;
        }
        case PROTO_TYPE_ACK:
                (void) proto_outbox_ack(c->outbox, m.ack.seq);
                if (proto_outbox_count(c->outbox) == 0) {
                        c->resend_at = 0;
                        c->outbox = proto_outbox_free(c->outbox);
                }
                account(c, 0);
                break;
        case PROTO_TYPE_ADDRESSES:
                if (h->addresses)
                        h->addresses(userdata, &m.addresses);
                break;
        case PROTO_TYPE_HEARTBEAT:
                if (h->heartbeat)
                        h->heartbeat(userdata, &m.heartbeat);
                break;
        case PROTO_TYPE_TXN:
                if (h->txn)
                        h->txn(userdata, &m.txn);
                break;
        case PROTO_TYPE_ERROR:
                break;
        case PROTO_TYPE_HOST_HELLO:
        case PROTO_TYPE_HOST_REACHED:
        case PROTO_TYPE_HOST_LOST:
        case PROTO_TYPE_PING:
                /* host-to-guest types from a guest: refused */
                c->stats.bad_messages++;
                charge_bad(c, now);
                break;
        case _PROTO_TYPE_MAX:
        case _PROTO_TYPE_INVALID:
                break;
        }
        proto_message_done(&m);
}

/* Takes every complete frame out of the reader while the budgets allow. false: stop reading. */
static bool drain(Channel *c, uint64_t now, const ChannelHandler *h, void *userdata) {
        const ProtoReaderStats *st;

        for (;;) {
                const ProtoFrame *f = NULL;
                int r;

                if (c->paused_until != 0 || c->fd < 0)
                        return false;
                r = proto_reader_next(c->reader, &f);
                if (r > 0) {
                        if (r == PROTO_E_BAD_CHECKSUM) {
                                c->stats.bad_checksum++;
                                charge_bad(c, now);
                        }
                        continue;
                }
                if (r < 0 || !f)
                        break;
                refill(&c->frames, now, CHANNEL_FRAMES_PER_SEC, CHANNEL_FRAMES_BURST);
                c->frames.tokens -= 1;
                handle_frame(c, now, f, h, userdata);
                if (c->frames.tokens < 0) {
                        pause_until(c, now + (uint64_t) (-c->frames.tokens * USEC_PER_SEC / CHANNEL_FRAMES_PER_SEC) + 1);
                        return false;
                }
        }
        st = proto_reader_get_stats(c->reader);
        c->stats.bytes_skipped = st->skipped;
        return true;
}

void channel_dispatch(Channel *c, uint64_t now, const ChannelHandler *h, void *userdata) {
        size_t total = 0;
        uint8_t buf[4096];

        if (c->fd < 0 || c->paused_until != 0)
                return;
        while (total < CHANNEL_DISPATCH_BYTES_MAX) {
                ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
                size_t off = 0;

                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        break;
                if (n <= 0) {
                        /* QEMU went away (or restarted): whatever was half-sent is gone. */
                        disconnect(c, now);
                        return;
                }
                total += (size_t) n;
                c->stats.bytes += (size_t) n;
                refill(&c->bytes, now, CHANNEL_BYTES_PER_SEC, CHANNEL_BYTES_BURST);
                c->bytes.tokens -= (double) n;
                while (off < (size_t) n) {
                        off += proto_reader_feed(c->reader, buf + off, (size_t) n - off);
                        if (!drain(c, now, h, userdata))
                                return;         /* paused: the unfed rest is dropped, counted as read */
                }
                if (c->bytes.tokens < 0) {
                        pause_until(c, now + (uint64_t) (-c->bytes.tokens * USEC_PER_SEC / CHANNEL_BYTES_PER_SEC) + 1);
                        return;
                }
                /* A short read emptied the socket (a heartbeat): no recv just for EAGAIN;
                 * if more came meanwhile, epoll says so again. */
                if ((size_t) n < sizeof buf)
                        break;
        }
}

void channel_tick(Channel *c, uint64_t now) {
        if (c->paused_until != 0 && now >= c->paused_until)
                c->paused_until = 0;
        if (c->fd < 0 && now >= c->reconnect_at)
                try_connect(c, now);
        if (c->fd >= 0 && c->resend_at != 0 && now >= c->resend_at)
                resend_outbox(c, now);
}

int channel_send_host_reached(Channel *c, uint64_t now, const ip_addr *address, ProtoProof proof) {
        return channel_send_host_reached_txn(c, now, address, proof, 0);
}

int channel_send_host_reached_txn(Channel *c, uint64_t now, const ip_addr *address, ProtoProof proof, uint64_t txn) {
        ProtoMessage m = { .type = PROTO_TYPE_HOST_REACHED,
                           .host_reached = { .txn = txn, .address = *address, .proof = proof } };

        m.host_reached.address.prefixlen = ip_family_bits(address->family);
        return send_message(c, now, &m);
}

int channel_send_host_lost(Channel *c, uint64_t now, const ip_addr *address, const char *reason) {
        return channel_send_host_lost_txn(c, now, address, reason, 0);
}

int channel_send_host_lost_txn(Channel *c, uint64_t now, const ip_addr *address, const char *reason, uint64_t txn) {
        ProtoMessage m = { .type = PROTO_TYPE_HOST_LOST, .host_lost = { .txn = txn, .address = *address } };

        m.host_lost.address.prefixlen = ip_family_bits(address->family);
        snprintf(m.host_lost.reason, sizeof m.host_lost.reason, "%s", reason);
        return send_message(c, now, &m);
}
