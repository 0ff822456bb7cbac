/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netguard-decode [--json] < CAPTURE
 * Reads a captured byte stream of the guest–host channel (e.g. `socat -u UNIX-CONNECT:SOCK
 * - > capture`) and prints every frame it finds, then how many bytes it skipped while
 * resynchronising. Exit 0 unless stdin cannot be read. */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "proto/message.h"
#include "proto/reader.h"

static bool arg_json;

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

static void add(json_object *o, const char *key, json_object *v) {
        json_object_object_add(o, key, v);
}

static void add_u64(json_object *o, const char *key, uint64_t v) {
        add(o, key, json_object_new_uint64(v));
}

static void add_str(json_object *o, const char *key, const char *s) {
        if (s && *s)
                add(o, key, json_object_new_string(s));
}

static void add_hex(json_object *o, const char *key, const uint8_t *p, size_t n, bool colons) {
        char buf[3 * PROTO_HWADDR_MAX + 1] = "";
        size_t k = 0;

        for (size_t i = 0; i < n && k + 4 <= sizeof(buf); i++)
                k += snprintf(buf + k, sizeof(buf) - k, colons && i > 0 ? ":%02x" : "%02x", p[i]);
        add(o, key, json_object_new_string(buf));
}

/* Optional fixed-size byte fields are absent when all zero. */
static void add_hex_opt(json_object *o, const char *key, const uint8_t *p, size_t n, bool colons) {
        for (size_t i = 0; i < n; i++)
                if (p[i] != 0) {
                        add_hex(o, key, p, n, colons);
                        return;
                }
}

static void add_addr(json_object *o, const char *key, const ip_addr *a, bool with_prefix) {
        char buf[IP_PREFIX_STRLEN];

        if ((with_prefix ? ip_prefix_to_string : ip_addr_to_string)(a, buf, sizeof(buf)) < 0)
                return;
        add(o, key, json_object_new_string(buf));
}

static json_object *link_to_json(const ProtoLink *l) {
        json_object *o = json_object_new_object(), *addrs = json_object_new_array();

        add_str(o, "name", l->name);
        add_u64(o, "index", l->index);
        if (l->hwaddr_len > 0)
                add_hex(o, "hwaddr", l->hwaddr, l->hwaddr_len, true);
        if (l->permanent_hwaddr_len > 0)
                add_hex(o, "permanent_hwaddr", l->permanent_hwaddr, l->permanent_hwaddr_len, true);
        add_str(o, "operstate", proto_oper_state_to_string(l->operstate));
        if (l->master)
                add_u64(o, "master", l->master);
        if (l->flags & PROTO_LINK_MANAGEMENT)
                add(o, "management", json_object_new_boolean(true));
        if (l->flags & ~(uint32_t) PROTO_LINK_MANAGEMENT)
                add_u64(o, "flags", l->flags);
        for (size_t i = 0; i < l->n_addresses; i++) {
                const ProtoAddress *a = l->addresses + i;
                json_object *ao = json_object_new_object();

                add_addr(ao, "address", &a->address, true);
                add_u64(ao, "scope", a->scope);
                if (a->flags)
                        add_u64(ao, "flags", a->flags);
                add_u64(ao, "valid_lft", a->valid_lft);
                add_u64(ao, "preferred_lft", a->preferred_lft);
                json_object_array_add(addrs, ao);
        }
        add(o, "addresses", addrs);
        return o;
}

static json_object *route_to_json(const ProtoRoute *r) {
        json_object *o = json_object_new_object();

        add_str(o, "destination", r->family == PROTO_FAMILY_IPV6 ? "::/0" : "0.0.0.0/0");
        add_addr(o, "gateway", &r->gateway, false);
        add_u64(o, "ifindex", r->ifindex);
        add_u64(o, "metric", r->metric);
        add_u64(o, "protocol", r->protocol);
        return o;
}

static void message_fields(json_object *o, const ProtoMessage *m) {
        switch (m->type) {
        case PROTO_TYPE_ACK:
                add_u64(o, "ack_seq", m->ack.seq);
                break;
        case PROTO_TYPE_GUEST_HELLO: {
                const ProtoGuestHello *h = &m->guest_hello;
                add_u64(o, "version_min", h->version_min);
                add_u64(o, "version_max", h->version_max);
                add_u64(o, "instance", h->instance);
                add(o, "reply", json_object_new_boolean(h->reply));
                add_str(o, "agent_version", h->agent_version);
                add_hex_opt(o, "machine_id", h->machine_id, sizeof(h->machine_id), false);
                add_hex_opt(o, "boot_id", h->boot_id, sizeof(h->boot_id), false);
                add_str(o, "hostname", h->hostname);
                break;
        }
        case PROTO_TYPE_ADDRESSES: {
                json_object *links = json_object_new_array();
                add_u64(o, "snapshot", m->addresses.snapshot);
                for (size_t i = 0; i < m->addresses.n_links; i++)
                        json_object_array_add(links, link_to_json(m->addresses.links + i));
                add(o, "links", links);
                if (m->addresses.n_routes > 0) {
                        json_object *routes = json_object_new_array();

                        for (size_t i = 0; i < m->addresses.n_routes; i++)
                                json_object_array_add(routes, route_to_json(m->addresses.routes + i));
                        add(o, "routes", routes);
                }
                break;
        }
        case PROTO_TYPE_HEARTBEAT:
                add_u64(o, "snapshot", m->heartbeat.snapshot);
                add_u64(o, "token", m->heartbeat.token);
                break;
        case PROTO_TYPE_TXN:
                add_u64(o, "id", m->txn.id);
                add_str(o, "state", proto_txn_state_to_string(m->txn.state));
                if (m->txn.deadline_usec)
                        add_u64(o, "deadline_usec", m->txn.deadline_usec);
                add_str(o, "reason", m->txn.reason);
                break;
        case PROTO_TYPE_ERROR:
                add_u64(o, "code", m->error.code);
                add_str(o, "code_name", proto_error_to_string(m->error.code));
                if (m->error.seq)
                        add_u64(o, "about_seq", m->error.seq);
                add_str(o, "text", m->error.text);
                break;
        case PROTO_TYPE_HOST_HELLO: {
                const ProtoHostHello *h = &m->host_hello;
                add_u64(o, "version_min", h->version_min);
                add_u64(o, "version_max", h->version_max);
                add_u64(o, "instance", h->instance);
                add(o, "reply", json_object_new_boolean(h->reply));
                add_hex_opt(o, "mgmt_mac", h->mgmt_mac, sizeof(h->mgmt_mac), true);
                add_addr(o, "host_address", &h->host_address, false);
                if (h->heartbeat_interval_ms)
                        add_u64(o, "heartbeat_interval_ms", h->heartbeat_interval_ms);
                break;
        }
        case PROTO_TYPE_HOST_REACHED:
                if (m->host_reached.txn)
                        add_u64(o, "txn", m->host_reached.txn);
                add_addr(o, "address", &m->host_reached.address, false);
                add_str(o, "proof", proto_proof_to_string(m->host_reached.proof));
                break;
        case PROTO_TYPE_HOST_LOST:
                if (m->host_lost.txn)
                        add_u64(o, "txn", m->host_lost.txn);
                add_addr(o, "address", &m->host_lost.address, false);
                add_str(o, "reason", m->host_lost.reason);
                break;
        case PROTO_TYPE_PING:
                add_u64(o, "token", m->ping.token);
                break;
        case _PROTO_TYPE_MAX:
        case _PROTO_TYPE_INVALID:
                break;
        }
}

/* Text output: "key=value" pairs; strings from the peer are escaped, arrays go on
 * indented lines of their own. */
static void print_value(json_object *v) {
        if (json_object_is_type(v, json_type_string)) {
                const char *s = json_object_get_string(v);

                putchar('"');
                for (; *s; s++) {
                        unsigned char c = *s;
                        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
                                printf("\\x%02x", c);
                        else
                                putchar(c);
                }
                putchar('"');
        } else
                fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), stdout);
}

static void print_text(json_object *o, int indent) {
        bool first = true;

        printf("%*s", indent, "");
        json_object_object_foreach(o, key, v) {
                if (json_object_is_type(v, json_type_array))
                        continue;
                printf("%s%s=", first ? "" : " ", key);
                print_value(v);
                first = false;
        }
        putchar('\n');
        json_object_object_foreach(o, akey, av) {
                (void) akey;
                if (!json_object_is_type(av, json_type_array))
                        continue;
                for (size_t i = 0; i < json_object_array_length(av); i++)
                        print_text(json_object_array_get_idx(av, i), indent + 2);
        }
}

static void emit(json_object *o) {
        if (arg_json)
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        else
                print_text(o, 0);
}

static void handle_frame(const ProtoFrame *f, uint64_t number) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        ProtoMessage m = {};
        const char *name;
        int r;

        add_u64(o, "frame", number);
        add_u64(o, "seq", f->seq);
        add_u64(o, "version", f->version);
        name = f->type < _PROTO_TYPE_MAX ? proto_type_to_string(f->type) : NULL;
        if (name)
                add_str(o, "type", name);
        else
                add_u64(o, "type", f->type);
        if (f->flags & PROTO_FLAG_ACK_REQUEST)
                add(o, "ack_request", json_object_new_boolean(true));
        add_u64(o, "size", f->size);

        r = proto_message_decode(f, &m);
        if (r != 0)
                add_str(o, "undecodable", r > 0 ? proto_error_to_string(r) : strerror(-r));
        else
                message_fields(o, &m);
        proto_message_done(&m);
        emit(o);
}

static void print_summary(const ProtoReaderStats *st) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object(), *e = json_object_new_object();

        add_u64(o, "bytes", st->bytes);
        add_u64(o, "frames", st->frames);
        add_u64(o, "skipped", st->skipped);
        for (int i = 1; i < _PROTO_E_MAX; i++)
                if (st->errors[i] > 0)
                        add_u64(e, proto_error_to_string(i), st->errors[i]);
        if (arg_json) {
                _cleanup_(json_object_putp) json_object *w = json_object_new_object();
                add(o, "dropped", json_object_get(e));
                add(w, "summary", json_object_get(o));
                emit(w);
                return;
        }
        printf("# %" PRIu64 " bytes, %" PRIu64 " frames, %" PRIu64 " bytes skipped while resynchronising",
               st->bytes, st->frames, st->skipped);
        json_object_object_foreach(e, key, v)
                printf(", %s: %" PRIu64, key, json_object_get_uint64(v));
        putchar('\n');
}

static int help(void) {
        printf("Usage: netguard-decode [--json] < CAPTURE\n\n"
               "Prints the netguard protocol frames in a captured channel byte stream, one\n"
               "message per line (--json: one JSON object per line), then a summary with the\n"
               "number of bytes skipped while resynchronising.\n");
        return 0;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_(proto_reader_freep) ProtoReader *reader = NULL;
        static uint8_t buf[65536];
        uint64_t number = 0;
        bool eof = false;
        int c, r;

        log_set_program("netguard-decode");
        while ((c = getopt_long(argc, argv, "jh", options, NULL)) >= 0)
                switch (c) {
                case 'j':
                        arg_json = true;
                        break;
                case 'h':
                        return help();
                default:
                        return 2;
                }
        if (optind != argc) {
                log_error("unexpected argument: %s", argv[optind]);
                return 2;
        }

        r = proto_reader_new(&reader);
        if (r < 0)
                return log_error_errno(r, "cannot allocate the reader: %m"), 1;

        while (!eof) {
                ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
                size_t off = 0;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(errno, "read from stdin failed: %m"), 1;
                }
                if (n == 0) {
                        eof = true;
                        proto_reader_end(reader);
                }
                do {
                        const ProtoFrame *f;

                        off += proto_reader_feed(reader, buf + off, n - off);
                        for (;;) {
                                r = proto_reader_next(reader, &f);
                                if (r < 0)
                                        return log_error_errno(r, "reader failed: %m"), 1;
                                if (r > 0)
                                        continue;       /* counted in the summary */
                                if (!f)
                                        break;
                                handle_frame(f, ++number);
                        }
                } while (off < (size_t) n);
        }

        print_summary(proto_reader_get_stats(reader));
        if (fflush(stdout) != 0)
                return log_error_errno(errno, "cannot write output: %m"), 1;
        return 0;
}
