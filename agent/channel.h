/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The guest end of the virtio-serial port, on an sd-event loop, as
 * ../shared/docs/virtio-serial.md says the real port behaves:
 *  - opened O_RDWR|O_NONBLOCK; a missing or busy port is opened again after a backoff;
 *  - writes never block: at most CHANNEL_WRITE_MAX per write(), short writes and EAGAIN
 *    resume on EPOLLOUT; while the host does not read, only the newest snapshot waits
 *    (a newer one replaces it), and control frames are capped at CHANNEL_QUEUE_MAX;
 *  - read() == 0, POLLHUP or a failed write mean "no host": no level-triggered wait on a
 *    hung-up port (it would spin), but an edge-triggered one (QEMU clears HUP when a host
 *    connects) plus a backed-off reopen (a lab pty stays hung up until reopened);
 *  - on every connect a GUEST_HELLO; on every HOST_HELLO version negotiation, a fresh
 *    snapshot (asked of the owner) and the outbox of must-not-lose frames resent;
 *    PING answered with HEARTBEAT, HEARTBEAT every interval, ACK handled. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "common/macro.h"
#include "proto/message.h"

/* The most a virtio-serial write() takes in one call. */
#define CHANNEL_WRITE_MAX 32768u
/* Control frames (HELLO, ACK, HEARTBEAT, ERROR, resends) waiting while the host does not
 * read; past this they are dropped and counted (the peer's HELLO brings them back). */
#define CHANNEL_QUEUE_MAX (2u * PROTO_FRAME_MAX)
/* Bytes read per dispatch before the loop gets a turn again. */
#define CHANNEL_READ_BUDGET (64u * 1024u)
/* First reopen backoff; it doubles up to the configured maximum. */
#define CHANNEL_REOPEN_INITIAL_USEC (100u * 1000u)
/* A connection that lasted this long resets the backoff. */
#define CHANNEL_STABLE_USEC (1000u * 1000u)
/* Must-not-lose frames not acknowledged within this are resent. */
#define CHANNEL_RESEND_USEC (10u * 1000u * 1000u)

typedef enum channel_state {
        CHANNEL_CLOSED,         /* not open: missing, busy; a reopen is pending */
        CHANNEL_WAITING,        /* open, no host (hung up); edge-triggered wait + reopen timer */
        CHANNEL_CONNECTED,      /* a host is there */
        _CHANNEL_STATE_MAX,
        _CHANNEL_STATE_INVALID = -EINVAL,
} channel_state;

const char *channel_state_to_string(channel_state s);

typedef struct channel channel;

typedef struct channel_callbacks {
        /* The port connected, or the host sent HELLO: queue a fresh snapshot now
         * (channel_set_snapshot). */
        void (*want_snapshot)(channel *c, void *userdata);
        /* A valid HOST_HELLO with a common version (after the channel answered it). */
        void (*host_hello)(channel *c, const ProtoHostHello *h, void *userdata);
        /* A snapshot frame was written whole. */
        void (*reported)(channel *c, uint32_t snapshot, void *userdata);
        /* State changed. */
        void (*state_changed)(channel *c, channel_state s, void *userdata);
        /* A must-not-lose message from the host, delivered once (HOST_REACHED, HOST_LOST). */
        void (*message)(channel *c, const ProtoMessage *m, void *userdata);
} channel_callbacks;

typedef struct channel_params {
        const char *path;
        uint64_t heartbeat_usec;        /* 0: none */
        uint64_t reopen_max_usec;       /* the backoff's end */
        ProtoGuestHello hello;          /* identity sent in every GUEST_HELLO */
        /* Opens the port, returning an fd or a negative errno; NULL: open(2) of path. For
         * tests, which stand a socketpair in for the port. */
        int (*open_port)(const char *path, void *userdata);
} channel_params;

typedef struct channel_stats {
        uint64_t wakeups;               /* dispatches of the channel's sources */
        uint64_t opens, open_failures, hangups;
        uint64_t frames_queued, bytes_written;
        uint64_t snapshots_written;     /* written whole */
        uint64_t snapshots_replaced;    /* superseded before they were written */
        uint64_t control_dropped;       /* past CHANNEL_QUEUE_MAX */
        uint64_t frames_read, bytes_read, bytes_skipped, bad_messages;
        uint64_t host_hellos, pings, acks, resends;
} channel_stats;

int channel_new(sd_event *e, const channel_params *p, const channel_callbacks *cb, void *userdata, channel **ret);
channel *channel_free(channel *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(channel *, channel_free);

/* Starts opening the port (now); returns 0 even if it is missing (it is retried). */
int channel_start(channel *c);

/* The newest address snapshot: encoded now with the next snapshot number, it replaces any
 * snapshot not yet started on the wire. Returns the snapshot number (> 0), or -E2BIG if it
 * does not fit one frame, -EINVAL. Not connected: kept for the next connect. */
int64_t channel_set_snapshot(channel *c, const ProtoAddresses *a);

/* A must-not-lose message (TXN): sealed with ACK_REQUEST, kept in the outbox until the
 * host acknowledges it, resent after each HOST_HELLO and when overdue. -ENOBUFS when the
 * outbox is full. */
int channel_send_reliable(channel *c, ProtoMessage *m);

/* Reopen the port now (e.g. agent.yaml named another one): drops the connection. */
void channel_reopen(channel *c);
int channel_set_params(channel *c, const channel_params *p);

channel_state channel_get_state(const channel *c);
const channel_stats *channel_get_stats(const channel *c);
uint32_t channel_last_snapshot_written(const channel *c);
/* The number the next channel_set_snapshot() will give. */
uint32_t channel_next_snapshot(const channel *c);
size_t channel_outbox_count(const channel *c);
