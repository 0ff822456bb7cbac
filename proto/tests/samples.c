/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/socket.h>
#include <string.h>

#include "common/macro.h"
#include "proto/tests/samples.h"

#define V4(a, b, c, d) { .family = AF_INET, .bytes = { a, b, c, d }, .prefixlen = 32 }
#define V6(...) { .family = AF_INET6, .bytes = { __VA_ARGS__ }, .prefixlen = 128 }
#define V4P(len, a, b, c, d) { .family = AF_INET, .bytes = { a, b, c, d }, .prefixlen = len }
#define V6P(len, ...) { .family = AF_INET6, .bytes = { __VA_ARGS__ }, .prefixlen = len }

static const ProtoMessage ack = {
        .type = PROTO_TYPE_ACK, .seq = 7, .version = 1,
        .ack = { .seq = 41 },
};

static const ProtoMessage guest_hello = {
        .type = PROTO_TYPE_GUEST_HELLO, .seq = 1, .version = 1,
        .guest_hello = {
                .version_min = 1, .version_max = 1,
                .instance = UINT64_C(0x0123456789abcdef),
                .agent_version = "0.1.0",
                .machine_id = { 0x5b, 0x8c, 0x2a, 0x6e, 0x3f, 0x41, 0x4d, 0x0a,
                                0x9e, 0x77, 0x10, 0x21, 0xc4, 0xd5, 0xe6, 0xf7 },
                .boot_id = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x47, 0x88,
                             0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00 },
                .hostname = "guest1.example.org",
        },
};

static const ProtoAddress lo_addresses[] = {
        { .address = V4P(8, 127, 0, 0, 1), .scope = 254, .flags = 0x80,
          .valid_lft = UINT32_MAX, .preferred_lft = UINT32_MAX },
        { .address = V6P(128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
          .scope = 254, .flags = 0x80, .valid_lft = UINT32_MAX, .preferred_lft = UINT32_MAX },
};

static const ProtoAddress mgmt_addresses[] = {
        { .address = V4P(24, 192, 0, 2, 10), .flags = 0x80,
          .valid_lft = 3600, .preferred_lft = 3600 },
        { .address = V6P(64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10),
          .flags = 0x100, .valid_lft = 86400, .preferred_lft = 14400 },
        { .address = V6P(64, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x50, 0x54, 0, 0xff, 0xfe, 0x12, 0x34, 0x56),
          .scope = 253, .flags = 0x80,
          .valid_lft = UINT32_MAX, .preferred_lft = UINT32_MAX },
};

static const ProtoAddress br_addresses[] = {
        { .address = V4P(24, 198, 51, 100, 7), .flags = 0x80,
          .valid_lft = UINT32_MAX, .preferred_lft = UINT32_MAX },
};

static const ProtoLink links[] = {
        { .name = "lo", .index = 1, .operstate = PROTO_OPER_UNKNOWN,
          .hwaddr_len = 6, .n_addresses = ELEMENTSOF(lo_addresses),
          .addresses = (ProtoAddress *) lo_addresses },
        { .name = "enp1s0", .index = 2, .operstate = PROTO_OPER_UP,
          .hwaddr = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, .hwaddr_len = 6,
          .flags = PROTO_LINK_MANAGEMENT, .n_addresses = ELEMENTSOF(mgmt_addresses),
          .addresses = (ProtoAddress *) mgmt_addresses },
        { .name = "br0", .index = 3, .operstate = PROTO_OPER_UP,
          .hwaddr = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef }, .hwaddr_len = 6,
          .n_addresses = ELEMENTSOF(br_addresses), .addresses = (ProtoAddress *) br_addresses },
        { .name = "enp2s0", .index = 4, .operstate = PROTO_OPER_UP, .master = 3,
          .hwaddr = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef }, .hwaddr_len = 6 },
};

static const ProtoMessage addresses = {
        .type = PROTO_TYPE_ADDRESSES, .seq = 2, .version = 1,
        .addresses = { .snapshot = 1, .n_links = ELEMENTSOF(links), .links = (ProtoLink *) links },
};

/* Version 2: the same links with permanent addresses where hardware has one, and the
 * default routes in the order senders write them (family, metric, ifindex, gateway). */
static const ProtoLink links_v2[] = {
        { .name = "lo", .index = 1, .operstate = PROTO_OPER_UNKNOWN,
          .hwaddr_len = 6, .n_addresses = ELEMENTSOF(lo_addresses),
          .addresses = (ProtoAddress *) lo_addresses },
        { .name = "enp1s0", .index = 2, .operstate = PROTO_OPER_UP,
          .hwaddr = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, .hwaddr_len = 6,
          .permanent_hwaddr = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, .permanent_hwaddr_len = 6,
          .flags = PROTO_LINK_MANAGEMENT, .n_addresses = ELEMENTSOF(mgmt_addresses),
          .addresses = (ProtoAddress *) mgmt_addresses },
        { .name = "br0", .index = 3, .operstate = PROTO_OPER_UP,
          .hwaddr = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef }, .hwaddr_len = 6,
          .n_addresses = ELEMENTSOF(br_addresses), .addresses = (ProtoAddress *) br_addresses },
        { .name = "enp2s0", .index = 4, .operstate = PROTO_OPER_UP, .master = 3,
          .hwaddr = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef }, .hwaddr_len = 6,
          .permanent_hwaddr = { 0x52, 0x54, 0x00, 0x65, 0x43, 0x21 }, .permanent_hwaddr_len = 6 },
};

static const ProtoRoute routes_v2[] = {
        { .family = PROTO_FAMILY_IPV4, .gateway = V4(192, 0, 2, 1), .ifindex = 2, .metric = 100,
          .protocol = 16 /* RTPROT_DHCP */ },
        { .family = PROTO_FAMILY_IPV4, .ifindex = 3, .metric = 200, .protocol = 4 /* RTPROT_STATIC */ },
        { .family = PROTO_FAMILY_IPV6, .gateway = V6(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
          .ifindex = 2, .metric = 1024, .protocol = 9 /* RTPROT_RA */ },
};

static const ProtoMessage addresses_v2 = {
        .type = PROTO_TYPE_ADDRESSES, .seq = 9, .version = 2,
        .addresses = { .snapshot = 3, .n_links = ELEMENTSOF(links_v2), .links = (ProtoLink *) links_v2,
                       .n_routes = ELEMENTSOF(routes_v2), .routes = (ProtoRoute *) routes_v2 },
};

static const ProtoMessage addresses_empty = {
        .type = PROTO_TYPE_ADDRESSES, .seq = 3, .version = 1,
        .addresses = { .snapshot = 2 },
};

static const ProtoMessage heartbeat = {
        .type = PROTO_TYPE_HEARTBEAT, .seq = 4, .version = 1,
        .heartbeat = { .snapshot = 2, .token = 0x5eed },
};

static const ProtoMessage txn = {
        .type = PROTO_TYPE_TXN, .seq = 5, .version = 1, .flags = PROTO_FLAG_ACK_REQUEST,
        .txn = {
                .id = 17, .state = PROTO_TXN_PENDING,
                .deadline_usec = UINT64_C(1795000000000000),
                .reason = "netguard try 60-static.yaml",
        },
};

static const ProtoMessage error = {
        .type = PROTO_TYPE_ERROR, .seq = 6, .version = 1,
        .error = { .code = PROTO_E_BAD_CHECKSUM, .seq = 9, .text = "frame check failed" },
};

static const ProtoMessage host_hello = {
        .type = PROTO_TYPE_HOST_HELLO, .seq = 1, .version = 1,
        .host_hello = {
                .version_min = 1, .version_max = 1,
                .instance = UINT64_C(0xfedcba9876543210), .reply = true,
                .mgmt_mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
                .host_address = V4(192, 0, 2, 1),
                .heartbeat_interval_ms = 5000,
        },
};

static const ProtoMessage host_reached = {
        .type = PROTO_TYPE_HOST_REACHED, .seq = 2, .version = 1, .flags = PROTO_FLAG_ACK_REQUEST,
        .host_reached = { .txn = 17, .address = V4(192, 0, 2, 10), .proof = PROTO_PROOF_SSH },
};

static const ProtoMessage host_lost = {
        .type = PROTO_TYPE_HOST_LOST, .seq = 3, .version = 1, .flags = PROTO_FLAG_ACK_REQUEST,
        .host_lost = {
                .txn = 17,
                .address = V6(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10),
                .reason = "ssh: connection timed out",
        },
};

static const ProtoMessage ping = {
        .type = PROTO_TYPE_PING, .seq = 4, .version = 1,
        .ping = { .token = 0x5eed },
};

static void put_tlv(uint8_t *p, size_t *off, uint16_t tag, const void *v, size_t len) {
        proto_write_be16(p + *off, tag);
        proto_write_be16(p + *off + 2, (uint16_t) len);
        memcpy(p + *off + 4, v, len);
        *off += 4 + len;
}

/* Version 2 frame of a type version 1 does not know, with a flag bit it does not know. */
static int build_future_type(uint8_t *buf, size_t size) {
        uint8_t *p = buf + PROTO_HEADER_SIZE;
        size_t off = 0;

        if (size < PROTO_FRAME_MAX)
                return -ENOBUFS;
        put_tlv(p, &off, 1, "\x00\x00\x00\x2a", 4);
        put_tlv(p, &off, 2, "from the future", 15);
        return proto_frame_seal(buf, size, 2, 0x80, 0x0100, 8, off);
}

/* Version 2 GUEST_HELLO: the fields of guest-hello, one unknown field before them and
 * one unknown field among them. */
static int build_future_hello(uint8_t *buf, size_t size) {
        uint8_t tmp[PROTO_FRAME_MAX];
        ProtoFrame f;
        uint8_t *p = buf + PROTO_HEADER_SIZE;
        size_t off = 0;
        int r;

        if (size < PROTO_FRAME_MAX)
                return -ENOBUFS;
        r = proto_message_encode(&guest_hello, tmp, sizeof(tmp));
        if (r < 0)
                return r;
        r = proto_frame_parse(tmp, r, &f);
        if (r != 0)
                return -EINVAL;
        put_tlv(p, &off, 0x7fff, "\x01\x02\x03", 3);
        memcpy(p + off, f.payload, 12);         /* tags 1 and 2 (u16 each) */
        off += 12;
        put_tlv(p, &off, 0x0020, "", 0);
        memcpy(p + off, f.payload + 12, f.payload_size - 12);
        off += f.payload_size - 12;
        return proto_frame_seal(buf, size, 2, 0, PROTO_TYPE_GUEST_HELLO, 1, off);
}

const Sample samples[] = {
        { "guest-hello", "GUEST_HELLO", &guest_hello, NULL },
        { "addresses", "ADDRESSES (4 links, 6 addresses)", &addresses, NULL },
        { "addresses-empty", "ADDRESSES (no links)", &addresses_empty, NULL },
        { "heartbeat", "HEARTBEAT", &heartbeat, NULL },
        { "txn", "TXN (must not be lost)", &txn, NULL },
        { "error", "ERROR", &error, NULL },
        { "host-hello", "HOST_HELLO", &host_hello, NULL },
        { "host-reached", "HOST_REACHED (must not be lost)", &host_reached, NULL },
        { "host-lost", "HOST_LOST (must not be lost)", &host_lost, NULL },
        { "ping", "PING", &ping, NULL },
        { "ack", "ACK", &ack, NULL },
        { "future-type", "From version 2: a type unknown to version 1", NULL, build_future_type },
        { "future-hello", "From version 2: GUEST_HELLO with unknown fields", NULL, build_future_hello },
        { "addresses-v2", "ADDRESSES, version 2 (permanent MACs, 3 default routes)", &addresses_v2, NULL },
};
const size_t n_samples = ELEMENTSOF(samples);

const Sample *sample_find(const char *name) {
        for (size_t i = 0; i < n_samples; i++)
                if (strcmp(samples[i].name, name) == 0)
                        return samples + i;
        return NULL;
}

int sample_encode(const Sample *s, uint8_t *buf, size_t size) {
        if (s->message)
                return proto_message_encode(s->message, buf, size);
        return s->build(buf, size);
}
