/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A guest for the tests: plays QEMU's side of the socket (listening, as -chardev
 * socket,server=on does) and the agent's side of the protocol, with real proto frames,
 * and a hostile repertoire. Blocking where a test wants it simple; never on the library's
 * side. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct GuestSim {
        char path[108];
        int listen_fd;
        int fd;
        uint32_t seq;
        uint32_t snapshot;
        uint64_t instance;
} GuestSim;

int guest_sim_listen(GuestSim *g, const char *path);
/* Waits up to timeout_ms for the host to connect. */
int guest_sim_accept(GuestSim *g, int timeout_ms);
/* QEMU-style: the connection closes (and with stop_listening the socket goes too). */
void guest_sim_close(GuestSim *g, bool stop_listening);

int guest_sim_write(GuestSim *g, const void *buf, size_t size);
int guest_sim_hello(GuestSim *g, const char *hostname);
/* A snapshot with one management link holding these "ADDR/LEN" addresses. */
int guest_sim_addresses(GuestSim *g, const char *link_name, const char *const *addresses);
int guest_sim_heartbeat(GuestSim *g, uint32_t snapshot);
/* Reads what the host sent for up to timeout_ms; returns the count of frames of type. */
int guest_sim_count_frames(GuestSim *g, uint16_t type, int timeout_ms);

/* The same, and the seq of the first max of them. */
int guest_sim_read_frames(GuestSim *g, uint16_t type, uint32_t *seqs, size_t max, int timeout_ms);
int guest_sim_ack(GuestSim *g, uint32_t seq);

/* TXN (must not be lost: ACK requested) with this id, state (ProtoTxnState), deadline. */
int guest_sim_txn(GuestSim *g, uint64_t id, uint8_t state, uint64_t deadline_usec);
/* Reads for up to timeout_ms, ACKs every HOST_REACHED / HOST_LOST (type) and returns how
 * many there were, with the txn each named (the first max of them, duplicates counted). */
int guest_sim_read_txns(GuestSim *g, uint16_t type, uint64_t *txns, size_t max, int timeout_ms);
/* Reads for up to timeout_ms: how many HOST_HELLOs, the heartbeat interval each asked. */
int guest_sim_read_hellos(GuestSim *g, uint64_t *intervals_ms, size_t max, int timeout_ms);

/* The largest snapshot proto's caps allow (1024 addresses on 16 links), all outside
 * 192.0.2.0/24: decoded (the most a guest can make us allocate), then ignored. */
int guest_sim_max_snapshot(GuestSim *g);

/* Hostile: each returns the bytes it wrote, or a negative errno. */
int guest_sim_garbage(GuestSim *g, size_t size, uint64_t *seed);
/* A maximal (64 KiB) valid frame of a type from the future. */
int guest_sim_max_frame(GuestSim *g);
/* A valid header, a damaged frame check: costs the reader a 64 KiB checksum. */
int guest_sim_bad_checksum_frame(GuestSim *g);
/* ADDRESSES frames packed beyond the caps (about 3,600 addresses per 64 KiB frame) until
 * total addresses were sent under one snapshot number. */
int guest_sim_address_flood(GuestSim *g, size_t total);
/* Writes a valid frame one byte at a time, sleeping between bytes. */
int guest_sim_drip(GuestSim *g, unsigned usec_between);
/* The frame as bytes, for a test that wants to write it itself. */
int guest_sim_encode_hello(GuestSim *g, const char *hostname, uint8_t *buf, size_t size);
