/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <termios.h>

#include "agent/channel.h"
#include "common/log.h"
#include "proto/dedup.h"
#include "proto/outbox.h"
#include "proto/reader.h"

struct channel {
        sd_event *event;
        channel_params params;
        char *path;
        channel_callbacks cb;
        void *userdata;

        channel_state state;
        int fd;
        sd_event_source *io, *reopen_timer, *heartbeat_timer, *resend_timer;
        uint32_t io_events;
        uint64_t backoff_usec;
        uint64_t connected_usec;        /* CLOCK_MONOTONIC of the connect */
        bool heard_host;                /* a valid frame arrived on this connection */
        bool silent;                    /* no common version: stop talking until reconnect */
        uint8_t version;                /* negotiated with the host's HELLO; until then the lowest */
        uint64_t heartbeat_usec;        /* the configured or the host's wish */
        int last_open_error;            /* of the last failed open, 0 after a success */

        uint32_t seq;
        uint32_t snapshot_counter;
        uint32_t last_snapshot_written;
        uint64_t instance;

        /* Bytes committed to the wire, in order; [queue_off, queue_len) still to write. */
        uint8_t *queue;
        size_t queue_len, queue_off;
        size_t snapshot_end;            /* a snapshot frame ends here in queue; 0 = none */
        uint32_t queued_snapshot;
        /* The newest snapshot, not started yet: replaced, never queued behind another. */
        uint8_t *pending;
        size_t pending_len;
        uint32_t pending_snapshot;

        ProtoReader *reader;
        ProtoOutbox *outbox;
        ProtoDedup dedup;
        channel_stats stats;
        uint8_t scratch[PROTO_FRAME_MAX];
};

static const char *const state_table[_CHANNEL_STATE_MAX] = {
        [CHANNEL_CLOSED] = "closed",
        [CHANNEL_WAITING] = "waiting",
        [CHANNEL_CONNECTED] = "connected",
};

const char *channel_state_to_string(channel_state s) {
        return s >= 0 && s < _CHANNEL_STATE_MAX ? state_table[s] : NULL;
}

static uint64_t now_usec(const channel *c) {
        uint64_t t = 0;

        (void) sd_event_now(c->event, CLOCK_MONOTONIC, &t);
        return t;
}

static void set_state(channel *c, channel_state s) {
        if (c->state == s)
                return;
        c->state = s;
        if (c->cb.state_changed)
                c->cb.state_changed(c, s, c->userdata);
}

static void close_port(channel *c) {
        c->io = sd_event_source_disable_unref(c->io);
        c->io_events = 0;
        if (c->fd >= 0)
                close(TAKE_FD(c->fd));
        c->queue_len = c->queue_off = c->snapshot_end = 0;
        proto_reader_reset(c->reader);
}

static int arm_timer(channel *c, sd_event_source *s, uint64_t usec) {
        int r = sd_event_source_set_time(s, now_usec(c) + usec);

        if (r < 0)
                return r;
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static void schedule_reopen(channel *c) {
        uint64_t max = c->params.reopen_max_usec ? c->params.reopen_max_usec : CHANNEL_REOPEN_INITIAL_USEC;
        uint64_t wait = c->backoff_usec < max ? c->backoff_usec : max;

        if (arm_timer(c, c->reopen_timer, wait) < 0)
                log_warning("cannot arm the port's reopen timer");
        c->backoff_usec = wait * 2 < max ? wait * 2 : max;
}

static void update_io(channel *c) {
        uint32_t ev;

        if (!c->io)
                return;
        if (c->state == CHANNEL_CONNECTED)
                ev = EPOLLIN | (c->queue_off < c->queue_len || c->pending_len ? EPOLLOUT : 0);
        else
                /* HUP is level-triggered and stays while no host is there: wait for the edge. */
                ev = EPOLLIN | EPOLLOUT | EPOLLET;
        if (ev == c->io_events)
                return;
        if (sd_event_source_set_io_events(c->io, ev) >= 0)
                c->io_events = ev;
}

static void stop_heartbeat(channel *c) {
        (void) sd_event_source_set_enabled(c->heartbeat_timer, SD_EVENT_OFF);
}

static void start_heartbeat(channel *c) {
        if (c->state != CHANNEL_CONNECTED || c->heartbeat_usec == 0) {
                stop_heartbeat(c);
                return;
        }
        (void) arm_timer(c, c->heartbeat_timer, c->heartbeat_usec);
}

/* No host: drop what was in flight (the real port loses it too), wait for the edge, and
 * reopen after the backoff. */
static void hangup(channel *c) {
        if (c->state == CHANNEL_CONNECTED) {
                c->stats.hangups++;
                if (c->heard_host || now_usec(c) - c->connected_usec >= CHANNEL_STABLE_USEC)
                        c->backoff_usec = CHANNEL_REOPEN_INITIAL_USEC;
        }
        c->queue_len = c->queue_off = c->snapshot_end = 0;
        proto_reader_reset(c->reader);
        c->heard_host = false;
        c->silent = false;
        stop_heartbeat(c);
        set_state(c, c->fd >= 0 ? CHANNEL_WAITING : CHANNEL_CLOSED);
        update_io(c);
        schedule_reopen(c);
}

static int encode(channel *c, ProtoMessage *m, uint8_t flags, uint8_t **ret, size_t *ret_size) {
        int r;

        m->flags = flags;
        /* Before the host's HELLO we do not know what it reads: only version 1 fields. */
        m->version = c->version ?: PROTO_VERSION_MIN;
        m->seq = proto_seq_next(&c->seq);
        r = proto_message_encode(m, c->scratch, sizeof(c->scratch));
        if (r < 0)
                return r;
        *ret = c->scratch;
        *ret_size = (size_t) r;
        return 0;
}

static void queue_bytes(channel *c, const uint8_t *p, size_t n) {
        if (c->state != CHANNEL_CONNECTED)
                return;
        if (c->queue_off == c->queue_len)
                c->queue_off = c->queue_len = c->snapshot_end = 0;
        if (!size_add_ok(c->queue_len, n, CHANNEL_QUEUE_MAX)) {
                /* A host that does not read: its HELLO brings everything back. */
                if (c->stats.control_dropped++ == 0)
                        log_notice("channel: the host does not read; dropping control frames");
                return;
        }
        memcpy(c->queue + c->queue_len, p, n);
        c->queue_len += n;
        c->stats.frames_queued++;
}

static int queue_message(channel *c, ProtoMessage *m) {
        uint8_t *frame;
        size_t n;
        int r;

        if (c->state != CHANNEL_CONNECTED || c->silent)
                return 0;
        r = encode(c, m, 0, &frame, &n);
        if (r < 0)
                return r;
        queue_bytes(c, frame, n);
        return 0;
}

static void flush(channel *c);

static void send_hello(channel *c, bool reply) {
        ProtoMessage m = { .type = PROTO_TYPE_GUEST_HELLO };

        m.guest_hello = c->params.hello;
        m.guest_hello.version_min = PROTO_VERSION_MIN;
        m.guest_hello.version_max = PROTO_VERSION_MAX;
        m.guest_hello.instance = c->instance;
        m.guest_hello.reply = reply;
        if (queue_message(c, &m) < 0)
                log_warning("channel: cannot encode GUEST_HELLO");
}

static void send_heartbeat(channel *c, uint64_t token) {
        ProtoMessage m = { .type = PROTO_TYPE_HEARTBEAT,
                           .heartbeat = { .snapshot = c->last_snapshot_written, .token = token } };

        /* An unsolicited heartbeat says "alive now": behind unwritten bytes it would only
         * pile up stale (a host that does not read gets one when it reads again). */
        if (token == 0 && c->queue_off < c->queue_len)
                return;
        (void) queue_message(c, &m);
}

static void send_error(channel *c, uint32_t code, uint32_t seq, const char *text) {
        ProtoMessage m = { .type = PROTO_TYPE_ERROR, .error = { .code = code, .seq = seq } };

        snprintf(m.error.text, sizeof(m.error.text), "%s", text);
        (void) queue_message(c, &m);
}

static void resend_outbox(channel *c) {
        const uint8_t *frame;
        size_t size;

        for (size_t i = 0; proto_outbox_get(c->outbox, i, &frame, &size, NULL) == 0; i++) {
                queue_bytes(c, frame, size);
                c->stats.resends++;
        }
        if (proto_outbox_count(c->outbox) > 0)
                (void) arm_timer(c, c->resend_timer, CHANNEL_RESEND_USEC);
}

static void want_snapshot(channel *c) {
        if (c->cb.want_snapshot)
                c->cb.want_snapshot(c, c->userdata);
}

static void connected(channel *c) {
        c->connected_usec = now_usec(c);
        c->version = 0;
        c->heard_host = false;
        c->silent = false;
        set_state(c, CHANNEL_CONNECTED);
        (void) sd_event_source_set_enabled(c->reopen_timer, SD_EVENT_OFF);
        send_hello(c, false);
        want_snapshot(c);
        resend_outbox(c);
        start_heartbeat(c);
        flush(c);
}

static void handle_host_hello(channel *c, const ProtoMessage *m) {
        const ProtoHostHello *h = &m->host_hello;
        uint16_t version;

        c->stats.host_hellos++;
        if (proto_version_negotiate(PROTO_VERSION_MIN, PROTO_VERSION_MAX, h->version_min, h->version_max,
                                    &version) != 0) {
                log_warning("channel: the host speaks versions %u-%u, we %u-%u: not talking to it",
                            h->version_min, h->version_max, PROTO_VERSION_MIN, PROTO_VERSION_MAX);
                send_error(c, PROTO_E_BAD_VERSION, m->seq, "no common protocol version");
                c->silent = true;
                return;
        }
        c->silent = false;
        if (c->version != version)
                log_info("channel: protocol version %u", version);
        c->version = (uint8_t) version;
        if (proto_dedup_set_instance(&c->dedup, h->instance))
                log_info("channel: host instance %016llx", (unsigned long long) h->instance);
        if (!h->reply)
                send_hello(c, true);
        if (h->heartbeat_interval_ms > 0) {
                uint64_t usec = (uint64_t) h->heartbeat_interval_ms * 1000u;

                /* Not more than once a second, whatever the host asks. */
                c->heartbeat_usec = usec < 1000000u ? 1000000u : usec;
                start_heartbeat(c);
        }
        if (c->cb.host_hello)
                c->cb.host_hello(c, h, c->userdata);
        want_snapshot(c);
        resend_outbox(c);
}

static void handle_frame(channel *c, const ProtoFrame *f) {
        ProtoMessage m = {};
        int r;

        c->stats.frames_read++;
        r = proto_message_decode(f, &m);
        if (r == PROTO_E_BAD_TYPE)
                return;         /* from a later version: skip */
        if (r < 0) {
                log_warning_errno(r, "channel: cannot decode a frame: %m");
                return;
        }
        if (r > 0) {
                c->stats.bad_messages++;
                send_error(c, (uint32_t) r, f->seq, proto_error_to_string((ProtoError) r));
                return;
        }
        c->heard_host = true;
        c->backoff_usec = CHANNEL_REOPEN_INITIAL_USEC;

        /* Acknowledge every must-not-lose frame, duplicates too (an earlier ACK may be lost). */
        if (m.flags & PROTO_FLAG_ACK_REQUEST) {
                ProtoMessage ack = { .type = PROTO_TYPE_ACK, .ack = { .seq = m.seq } };

                (void) queue_message(c, &ack);
        }

        switch (m.type) {
        case PROTO_TYPE_HOST_HELLO:
                handle_host_hello(c, &m);
                break;
        case PROTO_TYPE_PING:
                c->stats.pings++;
                send_heartbeat(c, m.ping.token);
                break;
        case PROTO_TYPE_ACK:
                c->stats.acks++;
                (void) proto_outbox_ack(c->outbox, m.ack.seq);
                if (proto_outbox_count(c->outbox) == 0)
                        (void) sd_event_source_set_enabled(c->resend_timer, SD_EVENT_OFF);
                break;
        case PROTO_TYPE_HOST_REACHED:
        case PROTO_TYPE_HOST_LOST:
                if ((m.flags & PROTO_FLAG_ACK_REQUEST) && proto_dedup_check(&c->dedup, m.seq) && c->cb.message)
                        c->cb.message(c, &m, c->userdata);
                break;
        case PROTO_TYPE_ERROR:
                log_notice("channel: the host reports error %u about frame %u: %s", m.error.code, m.error.seq,
                           m.error.text);
                break;
        case PROTO_TYPE_GUEST_HELLO:
        case PROTO_TYPE_ADDRESSES:
        case PROTO_TYPE_HEARTBEAT:
        case PROTO_TYPE_TXN:
                break;          /* guest-to-host types: not ours to act on */
        case _PROTO_TYPE_MAX:
        case _PROTO_TYPE_INVALID:
                break;
        }
        proto_message_done(&m);
}

static void feed(channel *c, const uint8_t *p, size_t n) {
        while (n > 0 && c->state == CHANNEL_CONNECTED) {
                size_t k = proto_reader_feed(c->reader, p, n);

                p += k;
                n -= k;
                for (;;) {
                        const ProtoFrame *f = NULL;
                        int r = proto_reader_next(c->reader, &f);

                        if (r > 0)
                                continue;       /* garbage skipped: resynchronising */
                        if (r < 0 || !f)
                                break;
                        handle_frame(c, f);
                        if (c->state != CHANNEL_CONNECTED)
                                return;
                }
        }
}

static void do_read(channel *c) {
        uint8_t buf[16384];
        size_t total = 0;

        while (c->state == CHANNEL_CONNECTED && total < CHANNEL_READ_BUDGET) {
                ssize_t n = read(c->fd, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;         /* host there, nothing yet */
                if (n <= 0) {
                        /* 0: the host is gone (virtio-serial.md); EIO: a hung-up pty. */
                        hangup(c);
                        return;
                }
                c->stats.bytes_read += (uint64_t) n;
                total += (size_t) n;
                feed(c, buf, (size_t) n);
        }
}

static void flush(channel *c) {
        while (c->state == CHANNEL_CONNECTED) {
                size_t n;
                ssize_t k;

                if (c->queue_off == c->queue_len) {
                        c->queue_off = c->queue_len = c->snapshot_end = 0;
                        if (c->pending_len == 0)
                                break;
                        /* Only now does the newest snapshot go on the wire: never behind another. */
                        memcpy(c->queue, c->pending, c->pending_len);
                        c->queue_len = c->snapshot_end = c->pending_len;
                        c->queued_snapshot = c->pending_snapshot;
                        c->pending_len = 0;
                        c->stats.frames_queued++;
                }
                n = c->queue_len - c->queue_off;
                if (n > CHANNEL_WRITE_MAX)
                        n = CHANNEL_WRITE_MAX;
                k = write(c->fd, c->queue + c->queue_off, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno == EAGAIN)
                        break;          /* host not reading: EPOLLOUT tells when */
                if (k <= 0) {
                        /* EIO (a hung-up pty), EPIPE...: nothing we write arrives. */
                        hangup(c);
                        return;
                }
                c->stats.bytes_written += (uint64_t) k;
                c->queue_off += (size_t) k;
                if (c->snapshot_end > 0 && c->queue_off >= c->snapshot_end) {
                        c->snapshot_end = 0;
                        c->last_snapshot_written = c->queued_snapshot;
                        c->stats.snapshots_written++;
                        if (c->cb.reported)
                                c->cb.reported(c, c->queued_snapshot, c->userdata);
                }
        }
        update_io(c);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        channel *c = userdata;
        struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

        c->stats.wakeups++;
        if (c->state != CHANNEL_CONNECTED) {
                /* An edge while waiting: a host may have come (QEMU clears HUP then). */
                if (poll(&p, 1, 0) < 0 || (p.revents & (POLLHUP | POLLERR | POLLNVAL)))
                        return 0;
                connected(c);
                return 0;
        }
        /* read() tells a hangup apart from data still to read: 0 (or EIO) is the host gone. */
        if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
                do_read(c);
        if (c->state == CHANNEL_CONNECTED && (revents & (EPOLLHUP | EPOLLERR))) {
                hangup(c);
                return 0;
        }
        flush(c);
        return 0;
}

static int default_open(const char *path, void *userdata) {
        int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        struct termios t;

        if (fd < 0)
                return negative_errno();
        /* The lab's pty stands in for the port: bytes must pass unchanged. */
        if (tcgetattr(fd, &t) == 0) {
                cfmakeraw(&t);
                (void) tcsetattr(fd, TCSANOW, &t);
        }
        return fd;
}

static void try_open(channel *c) {
        struct pollfd p = { .events = POLLIN | POLLOUT };
        int fd, r;

        close_port(c);
        fd = c->params.open_port ? c->params.open_port(c->path, c->userdata) : default_open(c->path, NULL);
        if (fd < 0) {
                /* Once per kind of failure, not once per retry. */
                if (fd != c->last_open_error)
                        log_full_errno(fd == -ENOENT ? LOG_LEVEL_INFO : LOG_LEVEL_WARNING, fd,
                                       "channel: cannot open %s (retrying): %m", c->path);
                c->last_open_error = fd;
                c->stats.open_failures++;
                set_state(c, CHANNEL_CLOSED);
                schedule_reopen(c);
                return;
        }
        c->fd = fd;
        c->last_open_error = 0;
        c->stats.opens++;
        /* Stale bytes of an earlier connection may wait: the reader resynchronises. */
        proto_reader_reset(c->reader);
        p.fd = fd;
        r = poll(&p, 1, 0);
        c->io_events = EPOLLIN | EPOLLOUT | EPOLLET;
        if (sd_event_add_io(c->event, &c->io, fd, c->io_events, on_io, c) < 0) {
                log_warning("channel: cannot watch %s", c->path);
                close_port(c);
                set_state(c, CHANNEL_CLOSED);
                schedule_reopen(c);
                return;
        }
        if (r < 0 || (p.revents & (POLLHUP | POLLERR | POLLNVAL))) {
                set_state(c, CHANNEL_WAITING);
                schedule_reopen(c);
                return;
        }
        connected(c);
}

static int on_reopen(sd_event_source *s, uint64_t usec, void *userdata) {
        channel *c = userdata;

        c->stats.wakeups++;
        try_open(c);
        return 0;
}

static int on_heartbeat(sd_event_source *s, uint64_t usec, void *userdata) {
        channel *c = userdata;

        c->stats.wakeups++;
        send_heartbeat(c, 0);
        start_heartbeat(c);
        flush(c);
        return 0;
}

static int on_resend(sd_event_source *s, uint64_t usec, void *userdata) {
        channel *c = userdata;

        c->stats.wakeups++;
        if (c->state == CHANNEL_CONNECTED && !c->silent) {
                resend_outbox(c);
                flush(c);
        } else if (proto_outbox_count(c->outbox) > 0)
                (void) arm_timer(c, c->resend_timer, CHANNEL_RESEND_USEC);
        return 0;
}

int channel_set_params(channel *c, const channel_params *p) {
        char *path;

        if (!c || !p || !p->path)
                return -EINVAL;
        path = strdup(p->path);
        if (!path)
                return -ENOMEM;
        free(c->path);
        c->path = path;
        c->params = *p;
        c->params.path = c->path;
        c->heartbeat_usec = p->heartbeat_usec;
        start_heartbeat(c);
        return 0;
}

channel *channel_free(channel *c) {
        if (!c)
                return NULL;
        close_port(c);
        sd_event_source_disable_unref(c->reopen_timer);
        sd_event_source_disable_unref(c->heartbeat_timer);
        sd_event_source_disable_unref(c->resend_timer);
        sd_event_unref(c->event);
        proto_reader_free(c->reader);
        proto_outbox_free(c->outbox);
        free(c->queue);
        free(c->pending);
        free(c->path);
        free(c);
        return NULL;
}

static int add_timer(channel *c, sd_event_source **ret, sd_event_time_handler_t h) {
        int r = sd_event_add_time(c->event, ret, CLOCK_MONOTONIC, UINT64_MAX, 0, h, c);

        if (r < 0)
                return r;
        return sd_event_source_set_enabled(*ret, SD_EVENT_OFF);
}

int channel_new(sd_event *e, const channel_params *p, const channel_callbacks *cb, void *userdata, channel **ret) {
        _cleanup_(channel_freep) channel *c = NULL;
        int r;

        if (!e || !p || !ret)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->fd = -EBADF;
        c->event = sd_event_ref(e);
        c->userdata = userdata;
        if (cb)
                c->cb = *cb;
        c->backoff_usec = CHANNEL_REOPEN_INITIAL_USEC;
        c->queue = malloc(CHANNEL_QUEUE_MAX);
        c->pending = malloc(PROTO_FRAME_MAX);
        if (!c->queue || !c->pending)
                return -ENOMEM;
        r = proto_reader_new(&c->reader);
        if (r < 0)
                return r;
        r = proto_outbox_new(&c->outbox);
        if (r < 0)
                return r;
        proto_dedup_init(&c->dedup);
        /* A new instance per start: the host forgets our old sequence numbers. */
        while (c->instance == 0)
                if (getrandom(&c->instance, sizeof(c->instance), GRND_NONBLOCK) != sizeof(c->instance))
                        c->instance = (uint64_t) now_usec(c) ^ ((uint64_t) getpid() << 32);
        r = channel_set_params(c, p);
        if (r < 0)
                return r;
        r = add_timer(c, &c->reopen_timer, on_reopen);
        if (r < 0)
                return r;
        r = add_timer(c, &c->heartbeat_timer, on_heartbeat);
        if (r < 0)
                return r;
        r = add_timer(c, &c->resend_timer, on_resend);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int channel_start(channel *c) {
        if (!c)
                return -EINVAL;
        try_open(c);
        return 0;
}

void channel_reopen(channel *c) {
        if (!c)
                return;
        c->backoff_usec = CHANNEL_REOPEN_INITIAL_USEC;
        stop_heartbeat(c);
        try_open(c);
}

int64_t channel_set_snapshot(channel *c, const ProtoAddresses *a) {
        ProtoMessage m = { .type = PROTO_TYPE_ADDRESSES };
        uint8_t *frame;
        size_t n;
        uint32_t number;
        int r;

        if (!c || !a)
                return -EINVAL;
        number = channel_next_snapshot(c);
        m.addresses = *a;
        m.addresses.snapshot = number;
        r = encode(c, &m, 0, &frame, &n);
        if (r < 0)
                return r;
        c->snapshot_counter = number;
        if (c->pending_len > 0)
                c->stats.snapshots_replaced++;
        memcpy(c->pending, frame, n);
        c->pending_len = n;
        c->pending_snapshot = number;
        if (c->state == CHANNEL_CONNECTED && !c->silent)
                flush(c);
        return number;
}

int channel_send_reliable(channel *c, ProtoMessage *m) {
        uint8_t *frame;
        size_t n;
        int r;

        if (!c || !m || !proto_type_needs_ack(m->type))
                return -EINVAL;
        if (proto_outbox_count(c->outbox) >= PROTO_OUTBOX_MAX)
                return -ENOBUFS;
        r = encode(c, m, PROTO_FLAG_ACK_REQUEST, &frame, &n);
        if (r < 0)
                return r;
        r = proto_outbox_add(c->outbox, frame, n);
        if (r < 0)
                return r;
        if (c->state == CHANNEL_CONNECTED && !c->silent) {
                queue_bytes(c, frame, n);
                flush(c);
        }
        (void) arm_timer(c, c->resend_timer, CHANNEL_RESEND_USEC);
        return 0;
}

channel_state channel_get_state(const channel *c) {
        return c ? c->state : _CHANNEL_STATE_INVALID;
}

const channel_stats *channel_get_stats(const channel *c) {
        static channel_stats empty;
        const ProtoReaderStats *rs;

        if (!c)
                return &empty;
        rs = proto_reader_get_stats(c->reader);
        ((channel *) c)->stats.bytes_skipped = rs->skipped;
        return &c->stats;
}

uint32_t channel_last_snapshot_written(const channel *c) {
        return c ? c->last_snapshot_written : 0;
}

uint32_t channel_next_snapshot(const channel *c) {
        if (!c)
                return 0;
        return c->snapshot_counter + 1 == 0 ? 1 : c->snapshot_counter + 1;
}

size_t channel_outbox_count(const channel *c) {
        return c ? proto_outbox_count(c->outbox) : 0;
}
