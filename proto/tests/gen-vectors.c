/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prints the test vectors of PROTOCOL.md, one annotated hex block per sample message. */
#include <stdio.h>

#include "proto/tests/samples.h"

static void hex(const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                printf("%02x", p[i]);
}

/* Where a field sits inside ADDRESSES: its fields name and nest differently. */
typedef enum Parent { TOP, LINK, ADDRESS, ROUTE } Parent;

/* Field names by type, for the comments only (PROTOCOL.md has the tables). */
static const char *field_name(uint16_t type, Parent parent, uint16_t tag) {
        static const char *const names[_PROTO_TYPE_MAX][9] = {
                [PROTO_TYPE_ACK] = { NULL, "seq" },
                [PROTO_TYPE_GUEST_HELLO] = { NULL, "version_min", "version_max", "instance", "reply",
                                             "agent_version", "machine_id", "boot_id", "hostname" },
                [PROTO_TYPE_ADDRESSES] = { NULL, "snapshot", "link", "route" },
                [PROTO_TYPE_HEARTBEAT] = { NULL, "snapshot", "token" },
                [PROTO_TYPE_TXN] = { NULL, "id", "state", "deadline_usec", "reason" },
                [PROTO_TYPE_ERROR] = { NULL, "code", "seq", "text" },
                [PROTO_TYPE_HOST_HELLO] = { NULL, "version_min", "version_max", "instance", "reply",
                                            "mgmt_mac", "host_address", "heartbeat_interval_ms" },
                [PROTO_TYPE_HOST_REACHED] = { NULL, "txn", "address", "proof" },
                [PROTO_TYPE_HOST_LOST] = { NULL, "txn", "address", "reason" },
                [PROTO_TYPE_PING] = { NULL, "token" },
        };
        static const char *const link[] = { NULL, "name", "index", "hwaddr", "operstate", "master",
                                            "flags", "address", "permanent_hwaddr" };
        static const char *const address[] = { NULL, "address", "prefixlen", "scope", "flags",
                                               "valid_lft", "preferred_lft" };
        static const char *const route[] = { NULL, "family", "gateway", "ifindex", "metric", "protocol" };
        const char *n = NULL;

        if (type == PROTO_TYPE_ADDRESSES && parent == LINK && tag < 9)
                n = link[tag];
        else if (type == PROTO_TYPE_ADDRESSES && parent == ADDRESS && tag < 7)
                n = address[tag];
        else if (type == PROTO_TYPE_ADDRESSES && parent == ROUTE && tag < 6)
                n = route[tag];
        else if (parent == TOP && type < _PROTO_TYPE_MAX && tag < 9)
                n = names[type][tag];
        return n ?: "unknown, skipped";
}

static void print_fields(const uint8_t *p, size_t n, uint16_t type, Parent parent, int depth) {
        size_t off = 0;

        while (off + 4 <= n) {
                uint16_t tag = proto_read_be16(p + off);
                uint16_t len = proto_read_be16(p + off + 2);
                /* ADDRESSES: tag 2 is a link, tag 3 a route; in a link, tag 7 is an address. */
                Parent child = type != PROTO_TYPE_ADDRESSES ? TOP :
                               parent == TOP && tag == 2 ? LINK :
                               parent == TOP && tag == 3 ? ROUTE :
                               parent == LINK && tag == 7 ? ADDRESS : TOP;
                int nested = child != TOP;

                printf("%*s", depth * 2, "");
                hex(p + off, 2);
                printf(" ");
                hex(p + off + 2, 2);
                if (nested) {
                        printf("  # %u %s (%u bytes)\n", tag, field_name(type, parent, tag), len);
                        print_fields(p + off + 4, len, type, child, depth + 1);
                } else {
                        printf(" ");
                        hex(p + off + 4, len);
                        printf("  # %u %s\n", tag, field_name(type, parent, tag));
                }
                off += 4 + len;
        }
}

int main(void) {
        for (size_t i = 0; i < n_samples; i++) {
                uint8_t buf[PROTO_FRAME_MAX];
                ProtoFrame f;
                int r;

                r = sample_encode(samples + i, buf, sizeof(buf));
                if (r < 0 || proto_frame_parse(buf, r, &f) != 0) {
                        fprintf(stderr, "%s: cannot encode (%d)\n", samples[i].name, r);
                        return 1;
                }
                printf("<!-- vector: %s -->\n", samples[i].name);
                printf("#### `%s`: %s (%zu bytes)\n\n", samples[i].name, samples[i].title, f.size);
                printf("```hex\n");
                hex(buf, 4);
                printf(" %02x %02x ", buf[4], buf[5]);
                hex(buf + 6, 2);
                printf(" ");
                hex(buf + 8, 4);
                printf(" ");
                hex(buf + 12, 4);
                printf(" ");
                hex(buf + 16, 4);
                printf("  # magic, version %u, flags 0x%02x, type %u, seq %u, length %zu, header check\n",
                       f.version, f.flags, f.type, f.seq, f.payload_size);
                print_fields(f.payload, f.payload_size, f.type, TOP, 0);
                hex(buf + f.size - 4, 4);
                printf("  # frame check\n```\n\n");
        }
        return 0;
}
