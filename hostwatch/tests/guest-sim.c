/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "guest-sim.h"
#include "common/macro.h"
#include "proto/dedup.h"
#include "proto/message.h"
#include "proto/reader.h"

int guest_sim_listen(GuestSim *g, const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        if (g->path != path)
                *g = (GuestSim) { .listen_fd = -1, .fd = -1, .instance = 0x1234 };
        snprintf(g->path, sizeof g->path, "%s", path);
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
        (void) unlink(path);
        g->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (g->listen_fd < 0)
                return -errno;
        if (bind(g->listen_fd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(g->listen_fd, 4) < 0)
                return -errno;
        return 0;
}

int guest_sim_accept(GuestSim *g, int timeout_ms) {
        struct pollfd p = { .fd = g->listen_fd, .events = POLLIN };

        if (poll(&p, 1, timeout_ms) <= 0)
                return -ETIMEDOUT;
        g->fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (g->fd < 0)
                return -errno;
        /* A restarted agent: new instance, numbering from 1. */
        g->instance++;
        g->seq = 0;
        return 0;
}

void guest_sim_close(GuestSim *g, bool stop_listening) {
        if (g->fd >= 0)
                close(g->fd);
        g->fd = -1;
        if (stop_listening && g->listen_fd >= 0) {
                close(g->listen_fd);
                g->listen_fd = -1;
                (void) unlink(g->path);
        }
}

int guest_sim_write(GuestSim *g, const void *buf, size_t size) {
        const uint8_t *p = buf;
        size_t done = 0;

        while (done < size) {
                ssize_t n = send(g->fd, p + done, size - done, MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                done += (size_t) n;
        }
        return (int) size;
}

static int send_message(GuestSim *g, ProtoMessage *m) {
        uint8_t buf[PROTO_FRAME_MAX];
        int n;

        m->seq = proto_seq_next(&g->seq);
        n = proto_message_encode(m, buf, sizeof buf);
        if (n < 0)
                return n;
        return guest_sim_write(g, buf, (size_t) n);
}

int guest_sim_encode_hello(GuestSim *g, const char *hostname, uint8_t *buf, size_t size) {
        ProtoMessage m = {
                .type = PROTO_TYPE_GUEST_HELLO,
                .guest_hello = { .version_min = 1, .version_max = 1, .instance = g->instance },
        };

        snprintf(m.guest_hello.hostname, sizeof m.guest_hello.hostname, "%s", hostname);
        snprintf(m.guest_hello.agent_version, sizeof m.guest_hello.agent_version, "guest-sim");
        m.seq = proto_seq_next(&g->seq);
        return proto_message_encode(&m, buf, size);
}

int guest_sim_hello(GuestSim *g, const char *hostname) {
        uint8_t buf[1024];
        int n = guest_sim_encode_hello(g, hostname, buf, sizeof buf);

        return n < 0 ? n : guest_sim_write(g, buf, (size_t) n);
}

int guest_sim_addresses(GuestSim *g, const char *link_name, const char *const *addresses) {
        ProtoAddress a[64] = {};
        ProtoLink link = { .index = 2, .operstate = PROTO_OPER_UP, .flags = PROTO_LINK_MANAGEMENT,
                           .hwaddr = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, .hwaddr_len = 6, .addresses = a };
        ProtoMessage m = { .type = PROTO_TYPE_ADDRESSES };

        snprintf(link.name, sizeof link.name, "%s", link_name);
        for (size_t i = 0; addresses && addresses[i] && i < 64; i++) {
                if (ip_prefix_from_string(addresses[i], AF_UNSPEC, false, &a[i].address) < 0)
                        return -EINVAL;
                a[i].valid_lft = a[i].preferred_lft = UINT32_MAX;
                link.n_addresses++;
        }
        m.addresses.snapshot = ++g->snapshot;
        m.addresses.n_links = 1;
        m.addresses.links = &link;
        return send_message(g, &m);
}

int guest_sim_heartbeat(GuestSim *g, uint32_t snapshot) {
        ProtoMessage m = { .type = PROTO_TYPE_HEARTBEAT, .heartbeat.snapshot = snapshot };
        return send_message(g, &m);
}

int guest_sim_count_frames(GuestSim *g, uint16_t type, int timeout_ms) {
        return guest_sim_read_frames(g, type, NULL, 0, timeout_ms);
}

int guest_sim_ack(GuestSim *g, uint32_t seq) {
        ProtoMessage m = { .type = PROTO_TYPE_ACK, .ack.seq = seq };
        return send_message(g, &m);
}

int guest_sim_read_frames(GuestSim *g, uint16_t type, uint32_t *seqs, size_t max, int timeout_ms) {
        _cleanup_(proto_reader_freep) ProtoReader *r = NULL;
        struct pollfd p = { .fd = g->fd, .events = POLLIN };
        int count = 0;

        if (proto_reader_new(&r) < 0)
                return -ENOMEM;
        while (poll(&p, 1, timeout_ms) > 0) {
                uint8_t buf[4096];
                const ProtoFrame *f;
                ssize_t n = recv(g->fd, buf, sizeof buf, MSG_DONTWAIT);
                size_t off = 0;

                if (n <= 0)
                        break;
                while (off < (size_t) n) {
                        off += proto_reader_feed(r, buf + off, (size_t) n - off);
                        for (;;) {
                                int rr;
                                f = NULL;
                                rr = proto_reader_next(r, &f);
                                if (rr > 0)
                                        continue;
                                if (rr < 0 || !f)
                                        break;
                                if (f->type == type) {
                                        if ((size_t) count < max)
                                                seqs[count] = f->seq;
                                        count++;
                                }
                        }
                }
        }
        return count;
}

int guest_sim_txn(GuestSim *g, uint64_t id, uint8_t state, uint64_t deadline_usec) {
        ProtoMessage m = { .type = PROTO_TYPE_TXN, .flags = PROTO_FLAG_ACK_REQUEST,
                           .txn = { .id = id, .state = state, .deadline_usec = deadline_usec } };

        snprintf(m.txn.reason, sizeof m.txn.reason, "netguard try (guest-sim)");
        return send_message(g, &m);
}

/* Reads for up to timeout_ms: every message of type, a value of it in values. */
static int read_messages(GuestSim *g, uint16_t type, uint64_t *values, size_t max, int timeout_ms) {
        _cleanup_(proto_reader_freep) ProtoReader *r = NULL;
        struct pollfd p = { .fd = g->fd, .events = POLLIN };
        int count = 0;

        if (proto_reader_new(&r) < 0)
                return -ENOMEM;
        while (poll(&p, 1, timeout_ms) > 0) {
                uint8_t buf[4096];
                ssize_t n = recv(g->fd, buf, sizeof buf, MSG_DONTWAIT);
                size_t off = 0;

                if (n <= 0)
                        break;
                while (off < (size_t) n) {
                        off += proto_reader_feed(r, buf + off, (size_t) n - off);
                        for (;;) {
                                const ProtoFrame *f = NULL;
                                ProtoMessage m = {};
                                int rr = proto_reader_next(r, &f);

                                if (rr > 0)
                                        continue;
                                if (rr < 0 || !f)
                                        break;
                                if (f->type != type || proto_message_decode(f, &m) != 0)
                                        continue;
                                if ((size_t) count < max)
                                        values[count] = type == PROTO_TYPE_HOST_REACHED ? m.host_reached.txn
                                                        : type == PROTO_TYPE_HOST_LOST ? m.host_lost.txn
                                                                                       : m.host_hello.heartbeat_interval_ms;
                                count++;
                                if (m.flags & PROTO_FLAG_ACK_REQUEST)
                                        (void) guest_sim_ack(g, m.seq);
                                proto_message_done(&m);
                        }
                }
        }
        return count;
}

int guest_sim_read_txns(GuestSim *g, uint16_t type, uint64_t *txns, size_t max, int timeout_ms) {
        return read_messages(g, type, txns, max, timeout_ms);
}

int guest_sim_read_hellos(GuestSim *g, uint64_t *intervals_ms, size_t max, int timeout_ms) {
        return read_messages(g, PROTO_TYPE_HOST_HELLO, intervals_ms, max, timeout_ms);
}

int guest_sim_max_snapshot(GuestSim *g) {
        static ProtoAddress a[PROTO_ADDRESSES_MAX];
        static ProtoLink links[PROTO_ADDRESSES_MAX / PROTO_LINK_ADDRESSES_MAX];
        ProtoMessage m = { .type = PROTO_TYPE_ADDRESSES };

        for (size_t l = 0; l < ELEMENTSOF(links); l++) {
                links[l] = (ProtoLink) { .index = (uint32_t) l + 1, .n_addresses = PROTO_LINK_ADDRESSES_MAX,
                                         .addresses = a + l * PROTO_LINK_ADDRESSES_MAX };
                snprintf(links[l].name, sizeof links[l].name, "veth%zu", l);
        }
        for (size_t i = 0; i < ELEMENTSOF(a); i++) {
                uint8_t b[4] = { 203, 0, 113, (uint8_t) (i % 250 + 1) };   /* outside the networks */
                (void) ip_addr_from_bytes(AF_INET, b, 24, &a[i].address);
        }
        m.addresses.snapshot = ++g->snapshot;
        m.addresses.n_links = ELEMENTSOF(links);
        m.addresses.links = links;
        return send_message(g, &m);
}

int guest_sim_garbage(GuestSim *g, size_t size, uint64_t *seed) {
        uint8_t buf[4096];
        size_t done = 0;

        while (done < size) {
                size_t n = size - done < sizeof buf ? size - done : sizeof buf;
                for (size_t i = 0; i < n; i++) {
                        *seed = *seed * 6364136223846793005u + 1442695040888963407u;
                        buf[i] = (uint8_t) (*seed >> 56);
                        /* now and then a real magic, so the reader has work to do */
                        if (i + 4 < n && (*seed & 0xfff) == 7) {
                                memcpy(buf + i, "\xff" "NGP", 4);
                                i += 3;
                        }
                }
                int r = guest_sim_write(g, buf, n);
                if (r < 0)
                        return r;
                done += n;
        }
        return (int) size;
}

static int seal_and_write(GuestSim *g, uint8_t *buf, uint16_t type, size_t payload, bool damage) {
        int n = proto_frame_seal(buf, PROTO_FRAME_MAX, 1, 0, type, proto_seq_next(&g->seq), payload);

        if (n < 0)
                return n;
        if (damage)
                buf[PROTO_HEADER_SIZE + payload / 2] ^= 0x40;
        return guest_sim_write(g, buf, (size_t) n);
}

int guest_sim_max_frame(GuestSim *g) {
        static uint8_t buf[PROTO_FRAME_MAX];
        uint8_t *p = buf + PROTO_HEADER_SIZE;
        size_t payload = PROTO_PAYLOAD_MAX;

        /* two unknown fields filling the largest payload */
        memset(p, 0x41, payload);
        proto_write_be16(p, 0x7f00);
        proto_write_be16(p + 2, 32000);
        proto_write_be16(p + 4 + 32000, 0x7f01);
        proto_write_be16(p + 4 + 32000 + 2, (uint16_t) (payload - 32000 - 8));
        return seal_and_write(g, buf, 0x0100, payload, false);
}

int guest_sim_bad_checksum_frame(GuestSim *g) {
        static uint8_t buf[PROTO_FRAME_MAX];

        memset(buf + PROTO_HEADER_SIZE, 0, PROTO_PAYLOAD_MAX);
        return seal_and_write(g, buf, PROTO_TYPE_ADDRESSES, PROTO_PAYLOAD_MAX, true);
}

static uint8_t *tlv(uint8_t *p, uint16_t tag, uint16_t len) {
        proto_write_be16(p, tag);
        proto_write_be16(p + 2, len);
        return p + 4;
}

int guest_sim_address_flood(GuestSim *g, size_t total) {
        static uint8_t buf[PROTO_FRAME_MAX];
        /* an address field: tag+len, then (address: tag+len+5) and (prefixlen: tag+len+1) */
        const size_t addr_field = 4 + (4 + 5) + (4 + 1);
        size_t sent = 0, written = 0;
        uint32_t snapshot = ++g->snapshot;

        while (sent < total) {
                uint8_t *p = buf + PROTO_HEADER_SIZE, *end = buf + PROTO_HEADER_SIZE + PROTO_PAYLOAD_MAX;
                int r;

                p = tlv(p, 1, 4);
                proto_write_be32(p, snapshot);
                p += 4;
                /* links of up to 65535 bytes each, until the frame is full */
                while (sent < total && (size_t) (end - p) > 4 + 10 + 8 + addr_field) {
                        size_t room = (size_t) (end - p) - 4 - 10 - 8;
                        size_t n = room / addr_field;
                        if (n > (65535 - 18) / addr_field)
                                n = (65535 - 18) / addr_field;
                        if (n > total - sent)
                                n = total - sent;
                        uint8_t *link = tlv(p, 2, (uint16_t) (10 + 8 + n * addr_field));
                        uint8_t *q = tlv(link, 1, 6);
                        memcpy(q, "flood0", 6);
                        q = tlv(q + 6, 2, 4);
                        proto_write_be32(q, 2);
                        q += 4;
                        for (size_t i = 0; i < n; i++, sent++) {
                                uint8_t *a = tlv(q, 7, (uint16_t) (addr_field - 4));
                                a = tlv(a, 1, 5);
                                a[0] = 4;
                                a[1] = 192, a[2] = 0, a[3] = 2, a[4] = (uint8_t) (sent % 200 + 1);
                                a = tlv(a + 5, 2, 1);
                                a[0] = 24;
                                q = a + 1;
                        }
                        p = q;
                }
                r = seal_and_write(g, buf, PROTO_TYPE_ADDRESSES, (size_t) (p - (buf + PROTO_HEADER_SIZE)), false);
                if (r < 0)
                        return r;
                written += (size_t) r;
        }
        return (int) written;
}

int guest_sim_drip(GuestSim *g, unsigned usec_between) {
        uint8_t buf[1024];
        int n = guest_sim_encode_hello(g, "drip", buf, sizeof buf);

        if (n < 0)
                return n;
        for (int i = 0; i < n; i++) {
                int r = guest_sim_write(g, buf + i, 1);
                if (r < 0)
                        return r;
                usleep(usec_between);
        }
        return n;
}
