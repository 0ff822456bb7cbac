/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Message codec: caps, every kind of bad field, encoder refusals, version negotiation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/macro.h"
#include "proto/message.h"

typedef struct Buf {
        uint8_t p[PROTO_FRAME_MAX * 2];
        size_t n;
} Buf;

static void tlv(Buf *b, uint16_t tag, const void *v, size_t len) {
        assert_true(b->n + 4 + len <= sizeof(b->p));
        proto_write_be16(b->p + b->n, tag);
        proto_write_be16(b->p + b->n + 2, (uint16_t) len);
        if (len > 0)
                memcpy(b->p + b->n + 4, v, len);
        b->n += 4 + len;
}

static void tlv_u8(Buf *b, uint16_t tag, uint8_t v) {
        tlv(b, tag, &v, 1);
}

static void tlv_u32(Buf *b, uint16_t tag, uint32_t v) {
        uint8_t x[4];
        proto_write_be32(x, v);
        tlv(b, tag, x, 4);
}

static void tlv_u64(Buf *b, uint16_t tag, uint64_t v) {
        uint8_t x[8];
        proto_write_be64(x, v);
        tlv(b, tag, x, 8);
}

static void tlv_nested(Buf *b, uint16_t tag, const Buf *inner) {
        tlv(b, tag, inner->p, inner->n);
}

/* Decodes and checks that *ret stays untouched on failure. */
static int decode(uint16_t type, const Buf *b) {
        ProtoMessage m;
        uint8_t pattern[sizeof(ProtoMessage)];
        int r;

        memset(&m, 0xa5, sizeof(m));
        memset(pattern, 0xa5, sizeof(pattern));
        r = proto_message_decode_payload(type, b->p, b->n, &m);
        if (r != 0)
                assert_memory_equal(&m, pattern, sizeof(m));
        else
                proto_message_done(&m);
        return r;
}

static void link_min(Buf *l, uint32_t index) {
        l->n = 0;
        tlv(l, 1, "eth0", 4);
        tlv_u32(l, 2, index);
}

static void address_min(Buf *a) {
        a->n = 0;
        tlv(a, 1, "\x04\xc0\x00\x02\x01", 5);
        tlv_u8(a, 2, 24);
}

static void test_decode_errors(void **state) {
        static Buf b, l, a;

        (void) state;
        /* Types. */
        b.n = 0;
        assert_int_equal(decode(0, &b), PROTO_E_BAD_TYPE);
        assert_int_equal(decode(_PROTO_TYPE_MAX, &b), PROTO_E_BAD_TYPE);
        assert_int_equal(decode(0xffff, &b), PROTO_E_BAD_TYPE);

        /* Required, repeated, wrong width, wrong value. */
        assert_int_equal(decode(PROTO_TYPE_ACK, &b), PROTO_E_MISSING_FIELD);
        tlv_u32(&b, 1, 5);
        assert_int_equal(decode(PROTO_TYPE_ACK, &b), 0);
        tlv_u32(&b, 9, 5);                      /* unknown: skipped */
        assert_int_equal(decode(PROTO_TYPE_ACK, &b), 0);
        tlv_u32(&b, 1, 6);                      /* seq twice */
        assert_int_equal(decode(PROTO_TYPE_ACK, &b), PROTO_E_BAD_FIELD);
        b.n = 0;
        tlv_u64(&b, 1, 5);                      /* u32 in 8 bytes */
        assert_int_equal(decode(PROTO_TYPE_ACK, &b), PROTO_E_BAD_FIELD);
        b.n = 0;
        tlv_u32(&b, 1, 0);                      /* seq 0 */
        assert_int_equal(decode(PROTO_TYPE_ACK, &b), PROTO_E_BAD_FIELD);

        /* TLV overrunning the payload. */
        b.n = 0;
        tlv_u32(&b, 1, 5);
        b.n -= 1;
        assert_int_equal(decode(PROTO_TYPE_ACK, &b), PROTO_E_TRUNCATED);
        b.n = 3;
        assert_int_equal(decode(PROTO_TYPE_ACK, &b), PROTO_E_TRUNCATED);

        /* Enums and booleans out of range. */
        for (unsigned st = 0; st < 8; st++) {
                b.n = 0;
                tlv_u64(&b, 1, 9);
                tlv_u8(&b, 2, st);
                assert_int_equal(decode(PROTO_TYPE_TXN, &b),
                                 st >= 1 && st <= 4 ? 0 : PROTO_E_BAD_FIELD);
        }
        b.n = 0;
        tlv_u32(&b, 1, 1 << 16 | 0);
        b.n = 0;
        tlv(&b, 1, "\x00\x01", 2);
        tlv(&b, 2, "\x00\x01", 2);
        tlv_u64(&b, 3, 1);
        tlv_u8(&b, 4, 2);                       /* reply must be 0 or 1 */
        assert_int_equal(decode(PROTO_TYPE_GUEST_HELLO, &b), PROTO_E_BAD_FIELD);
        b.n = 0;
        tlv(&b, 1, "\x00\x02", 2);
        tlv(&b, 2, "\x00\x01", 2);              /* min > max */
        tlv_u64(&b, 3, 1);
        assert_int_equal(decode(PROTO_TYPE_HOST_HELLO, &b), PROTO_E_BAD_FIELD);

        /* Strings: length caps, no NUL. */
        b.n = 0;
        tlv_u64(&b, 1, 9);
        tlv_u8(&b, 2, 1);
        tlv(&b, 4, "a\0b", 3);
        assert_int_equal(decode(PROTO_TYPE_TXN, &b), PROTO_E_BAD_FIELD);
        char big[PROTO_TEXT_MAX + 1];
        memset(big, 'x', sizeof(big));
        b.n = 0;
        tlv_u64(&b, 1, 9);
        tlv_u8(&b, 2, 1);
        tlv(&b, 4, big, PROTO_TEXT_MAX);
        assert_int_equal(decode(PROTO_TYPE_TXN, &b), 0);
        b.n = 0;
        tlv_u64(&b, 1, 9);
        tlv_u8(&b, 2, 1);
        tlv(&b, 4, big, PROTO_TEXT_MAX + 1);
        assert_int_equal(decode(PROTO_TYPE_TXN, &b), PROTO_E_BAD_FIELD);

        /* Addresses: family and length must agree, prefix within the family. */
        const struct {
                const char *v;
                size_t len;
                uint8_t prefix;
                int expect;
        } addrs[] = {
                { "\x04\xc0\x00\x02\x01", 5, 32, 0 },
                { "\x04\xc0\x00\x02\x01", 5, 33, PROTO_E_BAD_FIELD },
                { "\x06\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 17, 128, 0 },
                { "\x06\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 17, 129, PROTO_E_BAD_FIELD },
                { "\x06\xc0\x00\x02\x01", 5, 24, PROTO_E_BAD_FIELD },
                { "\x04\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 17, 24, PROTO_E_BAD_FIELD },
                { "\x05\xc0\x00\x02\x01", 5, 24, PROTO_E_BAD_FIELD },
                { "\x04", 1, 24, PROTO_E_BAD_FIELD },
                { "", 0, 24, PROTO_E_BAD_FIELD },
        };
        for (size_t i = 0; i < ELEMENTSOF(addrs); i++) {
                a.n = 0;
                tlv(&a, 1, addrs[i].v, addrs[i].len);
                tlv_u8(&a, 2, addrs[i].prefix);
                link_min(&l, 2);
                tlv_nested(&l, 7, &a);
                b.n = 0;
                tlv_nested(&b, 2, &l);
                assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), addrs[i].expect);
        }

        /* Links: name and index required, name 1..15, operstate 0..6. */
        l.n = 0;
        tlv(&l, 1, "eth0", 4);
        b.n = 0;
        tlv_nested(&b, 2, &l);
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), PROTO_E_MISSING_FIELD);
        l.n = 0;
        tlv(&l, 1, "0123456789abcdef", 16);
        tlv_u32(&l, 2, 1);
        b.n = 0;
        tlv_nested(&b, 2, &l);
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), PROTO_E_BAD_FIELD);
        link_min(&l, 1);
        tlv_u8(&l, 4, 7);
        b.n = 0;
        tlv_nested(&b, 2, &l);
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), PROTO_E_BAD_FIELD);
        /* A damaged nested field inside a later link: everything allocated is freed. */
        b.n = 0;
        link_min(&l, 1);
        address_min(&a);
        tlv_nested(&l, 7, &a);
        tlv_nested(&b, 2, &l);
        tlv_nested(&b, 2, &l);
        tlv_u8(&a, 2, 24);                      /* prefixlen twice */
        tlv_nested(&l, 7, &a);
        tlv_nested(&b, 2, &l);
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), PROTO_E_BAD_FIELD);
}

static void test_decode_caps(void **state) {
        static Buf b, l, a;
        ProtoMessage m = {};

        (void) state;
        /* PROTO_LINKS_MAX links decode; one more is refused before any allocation. */
        b.n = 0;
        for (unsigned i = 0; i < PROTO_LINKS_MAX; i++) {
                link_min(&l, i + 1);
                tlv_nested(&b, 2, &l);
        }
        assert_int_equal(proto_message_decode_payload(PROTO_TYPE_ADDRESSES, b.p, b.n, &m), 0);
        assert_int_equal(m.addresses.n_links, PROTO_LINKS_MAX);
        assert_int_equal(m.addresses.links[PROTO_LINKS_MAX - 1].index, PROTO_LINKS_MAX);
        proto_message_done(&m);
        tlv(&b, 2, NULL, 0);                    /* an empty link is invalid, but is counted first */
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), PROTO_E_TOO_MANY);

        /* Addresses per link. */
        link_min(&l, 1);
        address_min(&a);
        for (unsigned i = 0; i < PROTO_LINK_ADDRESSES_MAX; i++)
                tlv_nested(&l, 7, &a);
        b.n = 0;
        tlv_nested(&b, 2, &l);
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), 0);
        tlv_nested(&l, 7, &a);
        b.n = 0;
        tlv_nested(&b, 2, &l);
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), PROTO_E_TOO_MANY);

        /* Addresses in the whole snapshot: 16 links x 64 = 1024 fit, one more does not. */
        link_min(&l, 1);
        for (unsigned i = 0; i < PROTO_LINK_ADDRESSES_MAX; i++)
                tlv_nested(&l, 7, &a);
        b.n = 0;
        for (unsigned i = 0; i < PROTO_ADDRESSES_MAX / PROTO_LINK_ADDRESSES_MAX; i++)
                tlv_nested(&b, 2, &l);
        assert_true(b.n <= PROTO_PAYLOAD_MAX);
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), 0);
        link_min(&l, 2);
        tlv_nested(&l, 7, &a);
        tlv_nested(&b, 2, &l);
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), PROTO_E_TOO_MANY);

        /* A payload above the frame's limit is refused as such. */
        b.n = PROTO_PAYLOAD_MAX + 1;
        assert_int_equal(decode(PROTO_TYPE_ACK, &b), PROTO_E_TOO_LARGE);
}

static void test_encode_refuses(void **state) {
        static uint8_t buf[PROTO_FRAME_MAX];
        ProtoAddress addr = { .address = { .family = AF_INET, .bytes = { 192, 0, 2, 1 }, .prefixlen = 24 } };
        ProtoLink link = { .name = "eth0", .index = 1, .n_addresses = 1, .addresses = &addr };
        ProtoMessage m = { .type = PROTO_TYPE_ADDRESSES,
                           .addresses = { .n_links = 1, .links = &link } };

        (void) state;
        assert_true(proto_message_encode(&m, buf, sizeof(buf)) > 0);

        link.index = 0;
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -EINVAL);
        link.index = 1;
        memset(link.name, 'x', sizeof(link.name));      /* 16 bytes, unterminated */
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -EINVAL);
        strcpy(link.name, "eth0");
        addr.address.prefixlen = 33;
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -EINVAL);
        addr.address.prefixlen = 24;
        addr.address.family = 5;
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -EINVAL);
        addr.address.family = AF_UNSPEC;        /* required */
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -EINVAL);
        addr.address.family = AF_INET;
        link.operstate = 7;
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -EINVAL);
        link.operstate = PROTO_OPER_UP;
        link.hwaddr_len = PROTO_HWADDR_MAX + 1;
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -EINVAL);
        link.hwaddr_len = 6;
        link.n_addresses = PROTO_LINK_ADDRESSES_MAX + 1;
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -EINVAL);
        link.n_addresses = 1;
        m.addresses.n_links = PROTO_LINKS_MAX + 1;
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -EINVAL);
        m.addresses.n_links = 1;
        assert_true(proto_message_encode(&m, buf, sizeof(buf)) > 0);
        assert_int_equal(proto_message_encode(&m, buf, 10), -ENOBUFS);

        /* Within every cap but beyond 64 KiB: -E2BIG. */
        static ProtoAddress many[PROTO_LINK_ADDRESSES_MAX];
        static ProtoLink links[PROTO_ADDRESSES_MAX / 4];
        for (size_t i = 0; i < 4; i++)
                many[i] = (ProtoAddress) { .address = { .family = AF_INET6, .bytes = { 0x20, 0x01, 0x0d, 0xb8, [15] = i + 1 },
                                                       .prefixlen = 64 },
                                           .scope = 1, .flags = 1, .valid_lft = 1, .preferred_lft = 1 };
        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                links[i] = (ProtoLink) { .name = "abcdefghijklmno", .index = i + 1, .hwaddr_len = PROTO_HWADDR_MAX,
                                         .master = 1, .flags = 1, .operstate = 6, .n_addresses = 4, .addresses = many };
                memset(links[i].hwaddr, 0x11, PROTO_HWADDR_MAX);
        }
        m.addresses.links = links;
        m.addresses.n_links = ELEMENTSOF(links);
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -E2BIG);
        /* Too many addresses in total: 16 x 64 fit, one more does not. */
        for (size_t i = 0; i < PROTO_LINK_ADDRESSES_MAX; i++)
                many[i] = addr;
        for (size_t i = 0; i <= PROTO_ADDRESSES_MAX / PROTO_LINK_ADDRESSES_MAX; i++)
                links[i] = (ProtoLink) { .name = "x", .index = i + 1,
                                         .n_addresses = PROTO_LINK_ADDRESSES_MAX, .addresses = many };
        m.addresses.n_links = PROTO_ADDRESSES_MAX / PROTO_LINK_ADDRESSES_MAX;
        assert_true(proto_message_encode(&m, buf, sizeof(buf)) > 0);
        m.addresses.n_links++;
        links[m.addresses.n_links - 1].n_addresses = 1;
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -EINVAL);

        /* Other messages. */
        ProtoMessage h = { .type = PROTO_TYPE_GUEST_HELLO,
                           .guest_hello = { .version_min = 2, .version_max = 1, .instance = 1 } };
        assert_int_equal(proto_message_encode(&h, buf, sizeof(buf)), -EINVAL);
        h.guest_hello.version_min = 1;
        assert_true(proto_message_encode(&h, buf, sizeof(buf)) > 0);
        h.guest_hello.instance = 0;
        assert_int_equal(proto_message_encode(&h, buf, sizeof(buf)), -EINVAL);
        ProtoMessage t = { .type = PROTO_TYPE_TXN, .txn = { .id = 1, .state = 0 } };
        assert_int_equal(proto_message_encode(&t, buf, sizeof(buf)), -EINVAL);
        t.type = 0;
        assert_int_equal(proto_message_encode(&t, buf, sizeof(buf)), -EINVAL);
        t.type = _PROTO_TYPE_MAX;
        assert_int_equal(proto_message_encode(&t, buf, sizeof(buf)), -EINVAL);
}

/* The benchmark's message: 16 links x 8 addresses round-trips. */
static void test_big_snapshot(void **state) {
        static uint8_t buf[PROTO_FRAME_MAX], buf2[PROTO_FRAME_MAX];
        static ProtoAddress addrs[16][8];
        static ProtoLink links[16];
        ProtoMessage m = { .type = PROTO_TYPE_ADDRESSES, .seq = 99,
                           .addresses = { .snapshot = 5, .n_links = 16, .links = links } }, d = {};
        ProtoFrame f;
        int n;

        (void) state;
        for (unsigned i = 0; i < 16; i++) {
                links[i] = (ProtoLink) { .index = i + 1, .hwaddr = { 0x52, 0x54, 0, 0, 0, i }, .hwaddr_len = 6,
                                         .operstate = PROTO_OPER_UP, .n_addresses = 8, .addresses = addrs[i] };
                snprintf(links[i].name, sizeof(links[i].name), "eth%u", i);
                for (unsigned k = 0; k < 8; k++)
                        addrs[i][k] = (ProtoAddress) {
                                .address = { .family = k % 2 ? AF_INET6 : AF_INET,
                                             .bytes = { 198, 51, 100, i * 8 + k }, .prefixlen = 24 },
                                .valid_lft = UINT32_MAX, .preferred_lft = UINT32_MAX };
        }
        n = proto_message_encode(&m, buf, sizeof(buf));
        assert_true(n > 0);
        assert_int_equal(proto_frame_parse(buf, n, &f), 0);
        assert_int_equal(proto_message_decode(&f, &d), 0);
        assert_int_equal(d.addresses.n_links, 16);
        assert_int_equal(d.addresses.links[15].n_addresses, 8);
        assert_int_equal(d.addresses.links[15].addresses[7].address.bytes[3], 127);
        assert_string_equal(d.addresses.links[15].name, "eth15");
        assert_int_equal(proto_message_encode(&d, buf2, sizeof(buf2)), n);
        assert_memory_equal(buf, buf2, n);
        proto_message_done(&d);
}

static void route_min(Buf *r, uint8_t family, uint32_t ifindex) {
        r->n = 0;
        tlv_u8(r, 1, family);
        tlv_u32(r, 3, ifindex);
}

/* Version 2 fields: permanent_hwaddr in a link, default routes in ADDRESSES. */
static void test_v2_decode(void **state) {
        static Buf b, l, r;
        ProtoMessage m = {};

        (void) state;
        /* A permanent address of 1..32 bytes; 0 or 33 is bad, twice is bad. */
        link_min(&l, 2);
        tlv(&l, 8, "\x52\x54\x00\x65\x43\x21", 6);
        b.n = 0;
        tlv_nested(&b, 2, &l);
        assert_int_equal(proto_message_decode_payload(PROTO_TYPE_ADDRESSES, b.p, b.n, &m), 0);
        assert_int_equal(m.addresses.links[0].permanent_hwaddr_len, 6);
        assert_memory_equal(m.addresses.links[0].permanent_hwaddr, "\x52\x54\x00\x65\x43\x21", 6);
        proto_message_done(&m);
        /* In a version 1 frame the same field is unknown: skipped, not decoded. */
        assert_int_equal(proto_message_decode_payload_version(PROTO_TYPE_ADDRESSES, 1, b.p, b.n, &m), 0);
        assert_int_equal(m.addresses.links[0].permanent_hwaddr_len, 0);
        proto_message_done(&m);
        tlv(&l, 8, "\x52\x54\x00\x65\x43\x21", 6);
        b.n = 0;
        tlv_nested(&b, 2, &l);
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), PROTO_E_BAD_FIELD);
        assert_int_equal(proto_message_decode_payload_version(PROTO_TYPE_ADDRESSES, 1, b.p, b.n, &m), 0);
        proto_message_done(&m);
        for (size_t len = 0; len <= PROTO_HWADDR_MAX + 1; len += PROTO_HWADDR_MAX + 1) {
                static const uint8_t zeros[PROTO_HWADDR_MAX + 1];
                link_min(&l, 2);
                tlv(&l, 8, zeros, len);
                b.n = 0;
                tlv_nested(&b, 2, &l);
                assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), PROTO_E_BAD_FIELD);
        }

        /* Routes: family 4 or 6, gateway of the same family, ifindex required. */
        for (unsigned fam = 0; fam < 8; fam++) {
                route_min(&r, (uint8_t) fam, 2);
                b.n = 0;
                tlv_nested(&b, 3, &r);
                assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), fam == 4 || fam == 6 ? 0 : PROTO_E_BAD_FIELD);
        }
        route_min(&r, 4, 2);
        tlv(&r, 2, "\x04\xc0\x00\x02\x01", 5);
        tlv_u32(&r, 4, 100);
        tlv_u8(&r, 5, 16);
        b.n = 0;
        tlv_nested(&b, 3, &r);
        assert_int_equal(proto_message_decode_payload(PROTO_TYPE_ADDRESSES, b.p, b.n, &m), 0);
        assert_int_equal(m.addresses.n_routes, 1);
        assert_int_equal(m.addresses.routes[0].family, PROTO_FAMILY_IPV4);
        assert_int_equal(m.addresses.routes[0].gateway.family, AF_INET);
        assert_int_equal(m.addresses.routes[0].gateway.prefixlen, 32);
        assert_int_equal(m.addresses.routes[0].ifindex, 2);
        assert_int_equal(m.addresses.routes[0].metric, 100);
        assert_int_equal(m.addresses.routes[0].protocol, 16);
        proto_message_done(&m);
        /* Version 1 frame: no routes, nothing allocated for them. */
        assert_int_equal(proto_message_decode_payload_version(PROTO_TYPE_ADDRESSES, 1, b.p, b.n, &m), 0);
        assert_int_equal(m.addresses.n_routes, 0);
        assert_null(m.addresses.routes);
        proto_message_done(&m);

        route_min(&r, 4, 2);
        tlv(&r, 2, "\x06\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 17);       /* v6 gateway, v4 route */
        b.n = 0;
        tlv_nested(&b, 3, &r);
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), PROTO_E_BAD_FIELD);
        r.n = 0;
        tlv_u8(&r, 1, 6);                       /* no ifindex */
        b.n = 0;
        tlv_nested(&b, 3, &r);
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), PROTO_E_MISSING_FIELD);
        route_min(&r, 6, 0);                    /* ifindex 0 */
        b.n = 0;
        tlv_nested(&b, 3, &r);
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), PROTO_E_BAD_FIELD);
        route_min(&r, 6, 3);
        tlv_u8(&r, 1, 6);                       /* family twice */
        b.n = 0;
        tlv_nested(&b, 3, &r);
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), PROTO_E_BAD_FIELD);

        /* The cap is checked before allocation; a version 1 frame does not count them. */
        route_min(&r, 6, 3);
        b.n = 0;
        for (size_t i = 0; i < PROTO_ROUTES_MAX; i++)
                tlv_nested(&b, 3, &r);
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), 0);
        tlv_nested(&b, 3, &r);
        assert_int_equal(decode(PROTO_TYPE_ADDRESSES, &b), PROTO_E_TOO_MANY);
        assert_int_equal(proto_message_decode_payload_version(PROTO_TYPE_ADDRESSES, 1, b.p, b.n, &m), 0);
        assert_int_equal(m.addresses.n_routes, 0);
        proto_message_done(&m);
}

/* The encoder writes version 2 fields only into a version 2 frame. */
static void test_v2_encode(void **state) {
        ProtoRoute routes[PROTO_ROUTES_MAX + 1] = {};
        ProtoLink link = { .name = "eth0", .index = 2, .hwaddr = { 2, 0, 0, 0, 0, 1 }, .hwaddr_len = 6,
                           .permanent_hwaddr = { 0x52, 0x54, 0, 0, 0, 1 }, .permanent_hwaddr_len = 6 };
        ProtoMessage m = { .type = PROTO_TYPE_ADDRESSES, .addresses = { .n_links = 1, .links = &link,
                                                                        .n_routes = 1, .routes = routes } },
                     d = {};
        static uint8_t buf[PROTO_FRAME_MAX], buf1[PROTO_FRAME_MAX];
        ProtoFrame f;
        int n, n1;

        (void) state;
        routes[0] = (ProtoRoute) { .family = PROTO_FAMILY_IPV6, .ifindex = 2, .metric = 1024, .protocol = 9,
                                   .gateway = { .family = AF_INET6, .prefixlen = 128,
                                                .bytes = { 0xfe, 0x80, [15] = 1 } } };

        /* Version 2 (the default): both fields, and they come back. */
        n = proto_message_encode(&m, buf, sizeof(buf));
        assert_true(n > 0);
        assert_int_equal(proto_frame_parse(buf, n, &f), 0);
        assert_int_equal(f.version, 2);
        assert_int_equal(proto_message_decode(&f, &d), 0);
        assert_int_equal(d.addresses.n_routes, 1);
        assert_int_equal(d.addresses.routes[0].metric, 1024);
        assert_true(ip_addr_equal(&d.addresses.routes[0].gateway, &routes[0].gateway));
        assert_int_equal(d.addresses.links[0].permanent_hwaddr_len, 6);
        proto_message_done(&d);

        /* Version 1: neither field on the wire (the permanent address TLV, the route TLV). */
        m.version = 1;
        n1 = proto_message_encode(&m, buf1, sizeof(buf1));
        assert_true(n1 > 0);
        assert_int_equal(n - n1, (4 + 6) + (4 + 5 + 21 + 8 + 8 + 5));
        assert_int_equal(proto_frame_parse(buf1, n1, &f), 0);
        assert_int_equal(f.version, 1);
        assert_int_equal(proto_message_decode_payload(f.type, f.payload, f.payload_size, &d), 0);
        assert_int_equal(d.addresses.n_routes, 0);
        assert_int_equal(d.addresses.links[0].permanent_hwaddr_len, 0);
        proto_message_done(&d);
        /* Nor is a version 1 encoder held to version 2 limits it does not write. */
        m.addresses.n_routes = PROTO_ROUTES_MAX + 1;
        assert_true(proto_message_encode(&m, buf1, sizeof(buf1)) > 0);

        /* What we would refuse, we do not send. */
        m.version = 2;
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -EINVAL);
        m.addresses.n_routes = 1;
        routes[0].family = 5;
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -EINVAL);
        routes[0].family = PROTO_FAMILY_IPV4;   /* an IPv6 gateway */
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -EINVAL);
        routes[0].family = PROTO_FAMILY_IPV6;
        routes[0].ifindex = 0;
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -EINVAL);
        routes[0].ifindex = 2;
        link.permanent_hwaddr_len = PROTO_HWADDR_MAX + 1;
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), -EINVAL);
        link.permanent_hwaddr_len = 0;          /* none: omitted */
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), n - 4 - 6);
}

static void test_negotiate(void **state) {
        uint16_t v = 0;

        (void) state;
        assert_int_equal(proto_version_negotiate(1, 1, 1, 1, &v), 0);
        assert_int_equal(v, 1);
        assert_int_equal(proto_version_negotiate(1, 3, 2, 5, &v), 0);
        assert_int_equal(v, 3);
        assert_int_equal(proto_version_negotiate(1, 1, 2, 5, &v), PROTO_E_BAD_VERSION);
        assert_int_equal(proto_version_negotiate(0, 0, 0, 0, &v), PROTO_E_BAD_VERSION);
        assert_int_equal(v, 3);
        /* This build against a version 1 peer and against itself. */
        assert_int_equal(proto_version_negotiate(PROTO_VERSION_MIN, PROTO_VERSION_MAX, 1, 1, &v), 0);
        assert_int_equal(v, 1);
        assert_int_equal(proto_version_negotiate(PROTO_VERSION_MIN, PROTO_VERSION_MAX, 1, 2, &v), 0);
        assert_int_equal(v, 2);
}

static void test_strings(void **state) {
        (void) state;
        for (int i = 1; i < _PROTO_TYPE_MAX; i++)
                assert_non_null(proto_type_to_string(i));
        assert_null(proto_type_to_string(0));
        for (int i = 1; i < _PROTO_E_MAX; i++)
                assert_non_null(proto_error_to_string(i));
        for (int i = 0; i < _PROTO_OPER_MAX; i++)
                assert_non_null(proto_oper_state_to_string(i));
        for (int i = 1; i < _PROTO_TXN_MAX; i++)
                assert_non_null(proto_txn_state_to_string(i));
        for (int i = 1; i < _PROTO_PROOF_MAX; i++)
                assert_non_null(proto_proof_to_string(i));
        assert_true(proto_type_needs_ack(PROTO_TYPE_TXN));
        assert_true(proto_type_needs_ack(PROTO_TYPE_HOST_REACHED));
        assert_true(proto_type_needs_ack(PROTO_TYPE_HOST_LOST));
        assert_false(proto_type_needs_ack(PROTO_TYPE_ADDRESSES));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_decode_errors),
                cmocka_unit_test(test_decode_caps),
                cmocka_unit_test(test_encode_refuses),
                cmocka_unit_test(test_big_snapshot),
                cmocka_unit_test(test_v2_decode),
                cmocka_unit_test(test_v2_encode),
                cmocka_unit_test(test_negotiate),
                cmocka_unit_test(test_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
