/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ip-addr.h"
#include "common/macro.h"
#include "hostwatch/backoff.h"
#include "netguard/hostwatch.h"
#include "proto/message.h"

/* The host end of a machine's virtio-serial port: a unix socket QEMU listens on
 * (-chardev socket,server=on). Connects, reconnects when QEMU restarts, reads frames with
 * proto's reader, answers HELLO and ACK, and keeps the guest on budgets: the guest is
 * untrusted, so what it can make us read, checksum, decode and hold is bounded. */

/* Bytes read per dispatch: one machine cannot starve the others of the loop. */
#define CHANNEL_DISPATCH_BYTES_MAX (16 * 1024)
/* Frame budget (token bucket): an agent sends a snapshot per change and a heartbeat every
 * few seconds; 50/s sustained with a burst of 200 is far above that. */
#define CHANNEL_FRAMES_PER_SEC 50
#define CHANNEL_FRAMES_BURST 200
/* Byte budget: a full snapshot is under 64 KiB; 256 KiB/s keeps a flood of maximal frames
 * to a few checksums per second. */
#define CHANNEL_BYTES_PER_SEC (256 * 1024)
#define CHANNEL_BYTES_BURST (256 * 1024)
/* A frame with a valid header and a bad frame check is made on purpose (PROTOCOL.md 2.2);
 * so is a message we refuse. Past this many in a window, stop reading for the penalty. */
#define CHANNEL_BAD_MAX 8
#define CHANNEL_BAD_WINDOW_USEC (10 * USEC_PER_SEC)
#define CHANNEL_PENALTY_USEC (10 * USEC_PER_SEC)
/* Must-not-lose frames unacknowledged this long are sent again. */
#define CHANNEL_ACK_TIMEOUT_USEC (2 * USEC_PER_SEC)
/* The heartbeat asked of the agent when the hints give none. */
#define CHANNEL_HEARTBEAT_DEFAULT_MS 5000u
/* The agent counts as gone after this many heartbeat intervals of silence. */
#define CHANNEL_HEARTBEAT_MISSES 3
/* Everything one machine's channel may hold, transient decoding included: the 64 KiB
 * frame buffer, the outbox, and the largest snapshot proto decodes within its caps. */
#define CHANNEL_MEMORY_MAX (256 * 1024)

typedef struct Channel Channel;

typedef struct ChannelHints {
        uint8_t mgmt_mac[6];
        ip_addr host_address;
        uint32_t heartbeat_interval_ms;
        uint64_t instance;
} ChannelHints;

typedef struct ChannelHandler {
        /* The agent said HELLO (again): a new session, or a restarted agent. */
        void (*hello)(void *userdata, const ProtoGuestHello *hello);
        /* A snapshot whose strings are valid UTF-8. */
        void (*addresses)(void *userdata, const ProtoAddresses *addresses);
        /* A heartbeat: the agent still stands by snapshot number `snapshot`. */
        void (*heartbeat)(void *userdata, const ProtoHeartbeat *heartbeat);
        /* A transaction event (delivered once: acknowledged, duplicates dropped). */
        void (*txn)(void *userdata, const ProtoTxn *txn);
} ChannelHandler;

/* The channel locks of one watcher (see channel.c): one open lock file per directory. */
typedef struct ChannelLocks ChannelLocks;
int channel_locks_new(ChannelLocks **ret);
ChannelLocks *channel_locks_free(ChannelLocks *l);

/* -EBUSY: another watcher (or this one) holds the channel's byte in DIR/netguard-hostwatch.lock.
 * locks: NULL gives the channel a lock file of its own. */
int channel_new(const char *path, ChannelLocks *locks, const ChannelHints *hints, backoff_random_fn random, void *random_userdata,
                Channel **ret);
Channel *channel_free(Channel *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Channel *, channel_free);

/* The socket to wait on and its epoll events (0: nothing to wait for now: disconnected or
 * throttled), and a number that changes whenever the socket is replaced. */
int channel_get_fd(const Channel *c);
uint32_t channel_get_events(const Channel *c);
uint64_t channel_get_generation(const Channel *c);
/* When channel_tick() has work: a reconnect, the end of a pause, a resend. */
uint64_t channel_get_deadline(const Channel *c);

/* The socket is ready: read within the budgets, hand messages to h. */
void channel_dispatch(Channel *c, uint64_t now, const ChannelHandler *h, void *userdata);
void channel_tick(Channel *c, uint64_t now);

/* Must-not-lose messages to the guest (outbox, resent until acknowledged). */
int channel_send_host_reached(Channel *c, uint64_t now, const ip_addr *address, ProtoProof proof);
int channel_send_host_lost(Channel *c, uint64_t now, const ip_addr *address, const char *reason);
/* The same about transaction txn (0: none); address may be unset for a loss. */
int channel_send_host_reached_txn(Channel *c, uint64_t now, const ip_addr *address, ProtoProof proof, uint64_t txn);
int channel_send_host_lost_txn(Channel *c, uint64_t now, const ip_addr *address, const char *reason, uint64_t txn);

/* The heartbeat interval to ask of the agent; a channel in session asks again at once. */
void channel_set_heartbeat_interval(Channel *c, uint64_t now, uint32_t ms);

bool channel_agent_alive(const Channel *c, uint64_t now);
void channel_get_stats(const Channel *c, HostWatchStats *s);
