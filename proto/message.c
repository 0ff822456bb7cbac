/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/macro.h"
#include "proto/message.h"

/* Payload = a sequence of TLV fields: tag u16, length u16, value (PROTOCOL.md, "Fields").
 * Each message type is a table of fields; the same table drives decode, encode and the
 * checks of both, so what we send is exactly what we would accept. */
#define TLV_HEADER_SIZE 4
#define TLV_VALUE_MAX 0xffffu

typedef enum FieldKind {
        KIND_U8,
        KIND_U16,
        KIND_U32,
        KIND_U64,
        KIND_BOOL,
        KIND_STRING,    /* char[max + 1]; 1..max bytes, no NUL */
        KIND_BYTES,     /* uint8_t[max], exactly max bytes; absent when all zero */
        KIND_HWADDR,    /* uint8_t[max] + uint32_t length at aux; 1..max bytes */
        KIND_ADDR,      /* ip_addr: family u8 + 4 or 16 bytes; aux 1: a host address (full prefix) */
        KIND_REPEATED,  /* array pointer + size_t count at aux, elements per nested table */
} FieldKind;

typedef struct Table Table;

typedef struct Field {
        uint16_t tag;
        FieldKind kind;
        bool required;
        size_t offset;
        size_t aux;
        uint64_t min, max;      /* ints: value range; strings and bytes: length; repeated: count cap */
        const Table *nested;
        uint8_t since;          /* the version that added it; 0 = 1 */
} Field;

struct Table {
        const Field *fields;
        size_t n_fields;
        size_t struct_size;
        bool has_repeated;
        /* Checks across fields: 0 or PROTO_E_BAD_FIELD. */
        int (*validate)(const void *s);
};

typedef struct Context {
        size_t n_addresses;     /* all links together, against PROTO_ADDRESSES_MAX */
        uint8_t version;        /* fields of later versions are unknown (decode) or omitted (encode) */
} Context;

#define FIELDS_MAX 16

static int validate_versions(uint16_t min, uint16_t max) {
        return min <= max ? 0 : PROTO_E_BAD_FIELD;
}

static int validate_guest_hello(const void *s) {
        const ProtoGuestHello *h = s;
        return validate_versions(h->version_min, h->version_max);
}

static int validate_host_hello(const void *s) {
        const ProtoHostHello *h = s;
        return validate_versions(h->version_min, h->version_max);
}

static int validate_address(const void *s) {
        const ProtoAddress *a = s;
        return a->address.prefixlen <= ip_family_bits(a->address.family) ? 0 : PROTO_E_BAD_FIELD;
}

static int validate_route(const void *s) {
        const ProtoRoute *r = s;
        int family = r->family == PROTO_FAMILY_IPV4 ? AF_INET : r->family == PROTO_FAMILY_IPV6 ? AF_INET6 : AF_UNSPEC;

        if (family == AF_UNSPEC)
                return PROTO_E_BAD_FIELD;
        /* A gateway of the other family (an IPv4 route via an IPv6 nexthop, RFC 5549) is
         * not reported: the agent leaves such a route out. */
        if (r->gateway.family != AF_UNSPEC && r->gateway.family != family)
                return PROTO_E_BAD_FIELD;
        return 0;
}

#define F(t, k, req, type, member, lo, hi) \
        { .tag = t, .kind = k, .required = req, .offset = offsetof(type, member), .min = lo, .max = hi }
#define TABLE(f, type, v) \
        { .fields = f, .n_fields = ELEMENTSOF(f), .struct_size = sizeof(type), .validate = v }

static const Field ack_fields[] = {
        F(1, KIND_U32, true, ProtoAck, seq, 1, UINT32_MAX),
};

static const Field guest_hello_fields[] = {
        F(1, KIND_U16, true, ProtoGuestHello, version_min, 1, UINT16_MAX),
        F(2, KIND_U16, true, ProtoGuestHello, version_max, 1, UINT16_MAX),
        F(3, KIND_U64, true, ProtoGuestHello, instance, 1, UINT64_MAX),
        F(4, KIND_BOOL, false, ProtoGuestHello, reply, 0, 1),
        F(5, KIND_STRING, false, ProtoGuestHello, agent_version, 1, PROTO_AGENT_VERSION_MAX),
        F(6, KIND_BYTES, false, ProtoGuestHello, machine_id, 16, 16),
        F(7, KIND_BYTES, false, ProtoGuestHello, boot_id, 16, 16),
        F(8, KIND_STRING, false, ProtoGuestHello, hostname, 1, PROTO_HOSTNAME_MAX),
};

static const Field address_fields[] = {
        F(1, KIND_ADDR, true, ProtoAddress, address, 0, 0),
        F(2, KIND_U8, true, ProtoAddress, address.prefixlen, 0, 128),
        F(3, KIND_U8, false, ProtoAddress, scope, 0, UINT8_MAX),
        F(4, KIND_U32, false, ProtoAddress, flags, 0, UINT32_MAX),
        F(5, KIND_U32, false, ProtoAddress, valid_lft, 0, UINT32_MAX),
        F(6, KIND_U32, false, ProtoAddress, preferred_lft, 0, UINT32_MAX),
};
static const Table address_table = TABLE(address_fields, ProtoAddress, validate_address);

static const Field link_fields[] = {
        F(1, KIND_STRING, true, ProtoLink, name, 1, PROTO_IFNAME_MAX),
        F(2, KIND_U32, true, ProtoLink, index, 1, UINT32_MAX),
        { .tag = 3, .kind = KIND_HWADDR, .offset = offsetof(ProtoLink, hwaddr),
          .aux = offsetof(ProtoLink, hwaddr_len), .min = 1, .max = PROTO_HWADDR_MAX },
        F(4, KIND_U8, false, ProtoLink, operstate, 0, _PROTO_OPER_MAX - 1),
        F(5, KIND_U32, false, ProtoLink, master, 0, UINT32_MAX),
        F(6, KIND_U32, false, ProtoLink, flags, 0, UINT32_MAX),
        { .tag = 7, .kind = KIND_REPEATED, .offset = offsetof(ProtoLink, addresses),
          .aux = offsetof(ProtoLink, n_addresses), .max = PROTO_LINK_ADDRESSES_MAX,
          .nested = &address_table },
        { .tag = 8, .kind = KIND_HWADDR, .offset = offsetof(ProtoLink, permanent_hwaddr),
          .aux = offsetof(ProtoLink, permanent_hwaddr_len), .min = 1, .max = PROTO_HWADDR_MAX, .since = 2 },
};
static const Table link_table = {
        .fields = link_fields, .n_fields = ELEMENTSOF(link_fields),
        .struct_size = sizeof(ProtoLink), .has_repeated = true,
};

static const Field route_fields[] = {
        F(1, KIND_U8, true, ProtoRoute, family, PROTO_FAMILY_IPV4, PROTO_FAMILY_IPV6),
        { .tag = 2, .kind = KIND_ADDR, .offset = offsetof(ProtoRoute, gateway), .aux = 1 },
        F(3, KIND_U32, true, ProtoRoute, ifindex, 1, UINT32_MAX),
        F(4, KIND_U32, false, ProtoRoute, metric, 0, UINT32_MAX),
        F(5, KIND_U8, false, ProtoRoute, protocol, 0, UINT8_MAX),
};
static const Table route_table = TABLE(route_fields, ProtoRoute, validate_route);

static const Field addresses_fields[] = {
        F(1, KIND_U32, false, ProtoAddresses, snapshot, 0, UINT32_MAX),
        { .tag = 2, .kind = KIND_REPEATED, .offset = offsetof(ProtoAddresses, links),
          .aux = offsetof(ProtoAddresses, n_links), .max = PROTO_LINKS_MAX, .nested = &link_table },
        { .tag = 3, .kind = KIND_REPEATED, .offset = offsetof(ProtoAddresses, routes),
          .aux = offsetof(ProtoAddresses, n_routes), .max = PROTO_ROUTES_MAX, .nested = &route_table,
          .since = 2 },
};

static const Field heartbeat_fields[] = {
        F(1, KIND_U32, false, ProtoHeartbeat, snapshot, 0, UINT32_MAX),
        F(2, KIND_U64, false, ProtoHeartbeat, token, 0, UINT64_MAX),
};

static const Field txn_fields[] = {
        F(1, KIND_U64, true, ProtoTxn, id, 1, UINT64_MAX),
        F(2, KIND_U8, true, ProtoTxn, state, 1, _PROTO_TXN_MAX - 1),
        F(3, KIND_U64, false, ProtoTxn, deadline_usec, 0, UINT64_MAX),
        F(4, KIND_STRING, false, ProtoTxn, reason, 1, PROTO_TEXT_MAX),
};

static const Field error_fields[] = {
        F(1, KIND_U32, true, ProtoErrorMsg, code, 1, UINT32_MAX),
        F(2, KIND_U32, false, ProtoErrorMsg, seq, 0, UINT32_MAX),
        F(3, KIND_STRING, false, ProtoErrorMsg, text, 1, PROTO_TEXT_MAX),
};

static const Field host_hello_fields[] = {
        F(1, KIND_U16, true, ProtoHostHello, version_min, 1, UINT16_MAX),
        F(2, KIND_U16, true, ProtoHostHello, version_max, 1, UINT16_MAX),
        F(3, KIND_U64, true, ProtoHostHello, instance, 1, UINT64_MAX),
        F(4, KIND_BOOL, false, ProtoHostHello, reply, 0, 1),
        F(5, KIND_BYTES, false, ProtoHostHello, mgmt_mac, 6, 6),
        { .tag = 6, .kind = KIND_ADDR, .required = false, .offset = offsetof(ProtoHostHello, host_address), .aux = 1 },
        F(7, KIND_U32, false, ProtoHostHello, heartbeat_interval_ms, 0, UINT32_MAX),
};

static const Field host_reached_fields[] = {
        F(1, KIND_U64, false, ProtoHostReached, txn, 0, UINT64_MAX),
        { .tag = 2, .kind = KIND_ADDR, .required = true, .offset = offsetof(ProtoHostReached, address), .aux = 1 },
        F(3, KIND_U8, true, ProtoHostReached, proof, 1, _PROTO_PROOF_MAX - 1),
};

static const Field host_lost_fields[] = {
        F(1, KIND_U64, false, ProtoHostLost, txn, 0, UINT64_MAX),
        { .tag = 2, .kind = KIND_ADDR, .required = false, .offset = offsetof(ProtoHostLost, address), .aux = 1 },
        F(3, KIND_STRING, false, ProtoHostLost, reason, 1, PROTO_TEXT_MAX),
};

static const Field ping_fields[] = {
        F(1, KIND_U64, true, ProtoPing, token, 0, UINT64_MAX),
};

static const Table message_tables[_PROTO_TYPE_MAX] = {
        [PROTO_TYPE_ACK] = TABLE(ack_fields, ProtoAck, NULL),
        [PROTO_TYPE_GUEST_HELLO] = TABLE(guest_hello_fields, ProtoGuestHello, validate_guest_hello),
        [PROTO_TYPE_ADDRESSES] = {
                .fields = addresses_fields, .n_fields = ELEMENTSOF(addresses_fields),
                .struct_size = sizeof(ProtoAddresses), .has_repeated = true,
        },
        [PROTO_TYPE_HEARTBEAT] = TABLE(heartbeat_fields, ProtoHeartbeat, NULL),
        [PROTO_TYPE_TXN] = TABLE(txn_fields, ProtoTxn, NULL),
        [PROTO_TYPE_ERROR] = TABLE(error_fields, ProtoErrorMsg, NULL),
        [PROTO_TYPE_HOST_HELLO] = TABLE(host_hello_fields, ProtoHostHello, validate_host_hello),
        [PROTO_TYPE_HOST_REACHED] = TABLE(host_reached_fields, ProtoHostReached, NULL),
        [PROTO_TYPE_HOST_LOST] = TABLE(host_lost_fields, ProtoHostLost, NULL),
        [PROTO_TYPE_PING] = TABLE(ping_fields, ProtoPing, NULL),
};

static void *at(void *s, size_t offset) {
        return (uint8_t *) s + offset;
}

static const void *cat(const void *s, size_t offset) {
        return (const uint8_t *) s + offset;
}

static void fields_free(const Table *t, void *s) {
        for (size_t i = 0; i < t->n_fields; i++) {
                const Field *f = t->fields + i;
                void **array;
                size_t *n;

                if (f->kind != KIND_REPEATED)
                        continue;
                array = at(s, f->offset);
                n = at(s, f->aux);
                if (f->nested->has_repeated)
                        for (size_t k = 0; k < *n; k++)
                                fields_free(f->nested, (uint8_t *) *array + k * f->nested->struct_size);
                free(*array);
                *array = NULL;
                *n = 0;
        }
}

static uint64_t read_uint(const uint8_t *p, size_t len) {
        switch (len) {
        case 1:
                return p[0];
        case 2:
                return proto_read_be16(p);
        case 4:
                return proto_read_be32(p);
        default:
                return proto_read_be64(p);
        }
}

static size_t kind_width(FieldKind k) {
        switch (k) {
        case KIND_U8:
        case KIND_BOOL:
                return 1;
        case KIND_U16:
                return 2;
        case KIND_U32:
                return 4;
        case KIND_U64:
                return 8;
        case KIND_STRING:
        case KIND_BYTES:
        case KIND_HWADDR:
        case KIND_ADDR:
        case KIND_REPEATED:
                break;
        }
        return 0;
}

static void store_uint(void *p, FieldKind k, uint64_t v) {
        switch (k) {
        case KIND_U8:
                *(uint8_t *) p = (uint8_t) v;
                break;
        case KIND_BOOL:
                *(bool *) p = v != 0;
                break;
        case KIND_U16:
                *(uint16_t *) p = (uint16_t) v;
                break;
        case KIND_U32:
                *(uint32_t *) p = (uint32_t) v;
                break;
        case KIND_U64:
                *(uint64_t *) p = v;
                break;
        case KIND_STRING:
        case KIND_BYTES:
        case KIND_HWADDR:
        case KIND_ADDR:
        case KIND_REPEATED:
                break;
        }
}

static uint64_t load_uint(const void *p, FieldKind k) {
        switch (k) {
        case KIND_U8:
                return *(const uint8_t *) p;
        case KIND_BOOL:
                return *(const bool *) p;
        case KIND_U16:
                return *(const uint16_t *) p;
        case KIND_U32:
                return *(const uint32_t *) p;
        case KIND_U64:
                return *(const uint64_t *) p;
        case KIND_STRING:
        case KIND_BYTES:
        case KIND_HWADDR:
        case KIND_ADDR:
        case KIND_REPEATED:
                break;
        }
        return 0;
}

static int family_from_wire(uint8_t w) {
        return w == PROTO_FAMILY_IPV4 ? AF_INET : w == PROTO_FAMILY_IPV6 ? AF_INET6 : AF_UNSPEC;
}

static uint8_t family_to_wire(int family) {
        return family == AF_INET ? PROTO_FAMILY_IPV4 : family == AF_INET6 ? PROTO_FAMILY_IPV6 : 0;
}

static int fields_decode(const Table *t, const uint8_t *p, size_t size, void *s, Context *ctx);

static int field_decode(const Field *f, const uint8_t *v, size_t len, void *s, Context *ctx) {
        void *dst = at(s, f->offset);
        uint64_t x;
        size_t n;

        switch (f->kind) {
        case KIND_U8:
        case KIND_BOOL:
        case KIND_U16:
        case KIND_U32:
        case KIND_U64:
                if (len != kind_width(f->kind))
                        return PROTO_E_BAD_FIELD;
                x = read_uint(v, len);
                if (x < f->min || x > f->max)
                        return PROTO_E_BAD_FIELD;
                store_uint(dst, f->kind, x);
                return 0;

        case KIND_STRING:
                if (len < f->min || len > f->max || memchr(v, 0, len))
                        return PROTO_E_BAD_FIELD;
                memcpy(dst, v, len);
                ((char *) dst)[len] = 0;
                return 0;

        case KIND_BYTES:
                if (len != f->max)
                        return PROTO_E_BAD_FIELD;
                memcpy(dst, v, len);
                return 0;

        case KIND_HWADDR:
                if (len < f->min || len > f->max)
                        return PROTO_E_BAD_FIELD;
                memcpy(dst, v, len);
                *(uint32_t *) at(s, f->aux) = (uint32_t) len;
                return 0;

        case KIND_ADDR: {
                ip_addr *a = dst;
                int family = len >= 1 ? family_from_wire(v[0]) : AF_UNSPEC;

                if (family == AF_UNSPEC || len != 1 + ip_family_size(family))
                        return PROTO_E_BAD_FIELD;
                /* An interface address's prefix is a field of its own (maybe decoded
                 * before this one): keep it. */
                a->family = family;
                memset(a->bytes, 0, sizeof(a->bytes));
                memcpy(a->bytes, v + 1, len - 1);
                if (f->aux)
                        a->prefixlen = (uint8_t) ip_family_bits(family);
                return 0;
        }

        case KIND_REPEATED: {
                /* The array was sized by the counting pass; count says how far it is filled. */
                uint8_t *array = *(void **) dst;
                size_t *count = at(s, f->aux);

                n = (*count)++;
                return fields_decode(f->nested, v, len, array + n * f->nested->struct_size, ctx);
        }
        }
        return PROTO_E_BAD_FIELD;
}

/* Steps over one TLV at *off, or returns TRUNCATED when it overruns the payload. */
static int tlv_next(const uint8_t *p, size_t size, size_t *off, uint16_t *ret_tag,
                    const uint8_t **ret_value, size_t *ret_len) {
        size_t len;

        if (size - *off < TLV_HEADER_SIZE)
                return PROTO_E_TRUNCATED;
        len = proto_read_be16(p + *off + 2);
        if (size - *off - TLV_HEADER_SIZE < len)
                return PROTO_E_TRUNCATED;
        *ret_tag = proto_read_be16(p + *off);
        *ret_value = p + *off + TLV_HEADER_SIZE;
        *ret_len = len;
        *off += TLV_HEADER_SIZE + len;
        return 0;
}

static bool field_in_version(const Field *f, uint8_t version) {
        return (f->since ?: 1) <= version;
}

/* The tables list tags 1..n in order, so the tag usually is the index; n_fields if unknown,
 * which a field of a version later than the frame's is too (an older reader skips it). */
static size_t field_index(const Table *t, uint16_t tag, uint8_t version) {
        size_t i;

        if (tag >= 1 && tag <= t->n_fields && t->fields[tag - 1].tag == tag)
                i = tag - 1;
        else
                for (i = 0; i < t->n_fields; i++)
                        if (t->fields[i].tag == tag)
                                break;
        if (i < t->n_fields && !field_in_version(t->fields + i, version))
                return t->n_fields;
        return i;
}

static int fields_decode(const Table *t, const uint8_t *p, size_t size, void *s, Context *ctx) {
        uint64_t seen = 0;
        size_t off;
        int r;

        if (t->has_repeated) {
                size_t counts[FIELDS_MAX] = {};

                /* Counting pass: every cap is checked before anything is allocated. */
                for (off = 0; off < size;) {
                        const uint8_t *v;
                        uint16_t tag;
                        size_t len;

                        r = tlv_next(p, size, &off, &tag, &v, &len);
                        if (r != 0)
                                return r;
                        size_t i = field_index(t, tag, ctx->version);
                        if (i < t->n_fields && t->fields[i].kind == KIND_REPEATED)
                                counts[i]++;
                }
                for (size_t i = 0; i < t->n_fields; i++) {
                        const Field *f = t->fields + i;
                        void *array;

                        if (f->kind != KIND_REPEATED || counts[i] == 0)
                                continue;
                        if (counts[i] > f->max)
                                return PROTO_E_TOO_MANY;
                        if (f->nested == &address_table) {
                                if (!size_add_ok(ctx->n_addresses, counts[i], PROTO_ADDRESSES_MAX))
                                        return PROTO_E_TOO_MANY;
                                ctx->n_addresses += counts[i];
                        }
                        array = calloc(counts[i], f->nested->struct_size);
                        if (!array)
                                return -ENOMEM;
                        *(void **) at(s, f->offset) = array;
                        *(size_t *) at(s, f->aux) = 0;
                }
        }

        for (off = 0; off < size;) {
                const uint8_t *v;
                uint16_t tag;
                size_t len;

                const Field *f;
                size_t i;

                r = tlv_next(p, size, &off, &tag, &v, &len);
                if (r != 0)
                        return r;
                i = field_index(t, tag, ctx->version);
                if (i >= t->n_fields)
                        continue;       /* a field of a later version: skipped */
                f = t->fields + i;
                if (f->kind != KIND_REPEATED && (seen & (UINT64_C(1) << i)))
                        return PROTO_E_BAD_FIELD;
                seen |= UINT64_C(1) << i;
                r = field_decode(f, v, len, s, ctx);
                if (r != 0)
                        return r;
        }

        for (size_t i = 0; i < t->n_fields; i++)
                if (t->fields[i].required && !(seen & (UINT64_C(1) << i)))
                        return PROTO_E_MISSING_FIELD;

        return t->validate ? t->validate(s) : 0;
}

int proto_message_decode_payload_version(uint16_t type, uint8_t version, const uint8_t *payload, size_t size,
                                         ProtoMessage *ret) {
        ProtoMessage m = { .type = type };
        Context ctx = { .version = version ?: PROTO_VERSION_MAX };
        const Table *t;
        int r;

        if (type == 0 || type >= _PROTO_TYPE_MAX)
                return PROTO_E_BAD_TYPE;
        if (size > PROTO_PAYLOAD_MAX)
                return PROTO_E_TOO_LARGE;
        if (!payload && size > 0)
                return -EINVAL;

        t = message_tables + type;
        r = fields_decode(t, payload, size, &m.ack, &ctx);
        if (r != 0) {
                fields_free(t, &m.ack);
                return r;
        }

        *ret = m;
        return 0;
}

int proto_message_decode_payload(uint16_t type, const uint8_t *payload, size_t size, ProtoMessage *ret) {
        return proto_message_decode_payload_version(type, PROTO_VERSION_MAX, payload, size, ret);
}

int proto_message_decode(const ProtoFrame *frame, ProtoMessage *ret) {
        ProtoMessage m;
        int r;

        r = proto_message_decode_payload_version(frame->type, frame->version, frame->payload, frame->payload_size,
                                                 &m);
        if (r != 0)
                return r;
        m.version = frame->version;
        m.flags = frame->flags;
        m.seq = frame->seq;
        *ret = m;
        return 0;
}

void proto_message_done(ProtoMessage *m) {
        if (!m || m->type <= 0 || m->type >= _PROTO_TYPE_MAX)
                return;
        fields_free(message_tables + m->type, &m->ack);
}

typedef struct Writer {
        uint8_t *buf;
        size_t pos;
        size_t limit;
        int limit_error;        /* -E2BIG past the frame limit, -ENOBUFS past the caller's buffer */
} Writer;

static int writer_reserve(Writer *w, size_t n, uint8_t **ret) {
        if (!size_add_ok(w->pos, n, w->limit))
                return w->limit_error;
        *ret = w->buf + w->pos;
        w->pos += n;
        return 0;
}

static int writer_tlv(Writer *w, uint16_t tag, const void *v, size_t len) {
        uint8_t *p = NULL;
        int r;

        r = writer_reserve(w, TLV_HEADER_SIZE + len, &p);
        if (r < 0)
                return r;
        proto_write_be16(p, tag);
        proto_write_be16(p + 2, (uint16_t) len);
        if (len > 0)
                memcpy(p + TLV_HEADER_SIZE, v, len);
        return 0;
}

static bool all_zero(const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (p[i] != 0)
                        return false;
        return true;
}

static int fields_encode(const Table *t, const void *s, Writer *w, Context *ctx);

static int field_encode(const Field *f, const void *s, Writer *w, Context *ctx) {
        const void *src = cat(s, f->offset);
        uint8_t v[17];
        uint64_t x;
        size_t len;
        int r;

        switch (f->kind) {
        case KIND_U8:
        case KIND_BOOL:
        case KIND_U16:
        case KIND_U32:
        case KIND_U64:
                x = load_uint(src, f->kind);
                if (x == 0 && !f->required)
                        return 0;
                if (x < f->min || x > f->max)
                        return -EINVAL;
                len = kind_width(f->kind);
                switch (len) {
                case 1:
                        v[0] = (uint8_t) x;
                        break;
                case 2:
                        proto_write_be16(v, (uint16_t) x);
                        break;
                case 4:
                        proto_write_be32(v, (uint32_t) x);
                        break;
                default:
                        proto_write_be64(v, x);
                }
                return writer_tlv(w, f->tag, v, len);

        case KIND_STRING:
                len = strnlen(src, f->max + 1);
                if (len == 0 && !f->required)
                        return 0;
                if (len < f->min || len > f->max)
                        return -EINVAL;
                return writer_tlv(w, f->tag, src, len);

        case KIND_BYTES:
                if (all_zero(src, f->max)) {
                        if (f->required)
                                return -EINVAL;
                        return 0;
                }
                return writer_tlv(w, f->tag, src, f->max);

        case KIND_HWADDR:
                len = *(const uint32_t *) cat(s, f->aux);
                if (len == 0 && !f->required)
                        return 0;
                if (len < f->min || len > f->max)
                        return -EINVAL;
                return writer_tlv(w, f->tag, src, len);

        case KIND_ADDR: {
                const ip_addr *a = src;

                if (a->family == AF_UNSPEC && !f->required)
                        return 0;
                len = ip_family_size(a->family);
                if (len == 0)
                        return -EINVAL;
                v[0] = family_to_wire(a->family);
                memcpy(v + 1, a->bytes, len);
                return writer_tlv(w, f->tag, v, len + 1);
        }

        case KIND_REPEATED: {
                const uint8_t *array = *(void * const *) src;
                size_t n = *(const size_t *) cat(s, f->aux);

                if (n > f->max || (n > 0 && !array))
                        return -EINVAL;
                if (f->nested == &address_table) {
                        if (!size_add_ok(ctx->n_addresses, n, PROTO_ADDRESSES_MAX))
                                return -EINVAL;
                        ctx->n_addresses += n;
                }
                for (size_t k = 0; k < n; k++) {
                        uint8_t *hdr = NULL;
                        size_t start;

                        r = writer_reserve(w, TLV_HEADER_SIZE, &hdr);
                        if (r < 0)
                                return r;
                        start = w->pos;
                        r = fields_encode(f->nested, array + k * f->nested->struct_size, w, ctx);
                        if (r < 0)
                                return r;
                        if (w->pos - start > TLV_VALUE_MAX)
                                return -E2BIG;
                        hdr = w->buf + start - TLV_HEADER_SIZE;
                        proto_write_be16(hdr, f->tag);
                        proto_write_be16(hdr + 2, (uint16_t) (w->pos - start));
                }
                return 0;
        }
        }
        return -EINVAL;
}

static int fields_encode(const Table *t, const void *s, Writer *w, Context *ctx) {
        int r;

        if (t->validate && t->validate(s) != 0)
                return -EINVAL;
        for (size_t i = 0; i < t->n_fields; i++) {
                if (!field_in_version(t->fields + i, ctx->version))
                        continue;
                r = field_encode(t->fields + i, s, w, ctx);
                if (r < 0)
                        return r;
        }
        return 0;
}

int proto_message_encode(const ProtoMessage *m, uint8_t *buf, size_t size) {
        Context ctx = { .version = m && m->version ? m->version : PROTO_VERSION_MAX };
        Writer w;
        int r;

        if (!m || !buf || m->type <= 0 || m->type >= _PROTO_TYPE_MAX)
                return -EINVAL;
        if (size < PROTO_OVERHEAD)
                return -ENOBUFS;

        w = (Writer) {
                .buf = buf + PROTO_HEADER_SIZE,
                .limit = PROTO_PAYLOAD_MAX,
                .limit_error = -E2BIG,
        };
        if (size - PROTO_OVERHEAD < w.limit) {
                w.limit = size - PROTO_OVERHEAD;
                w.limit_error = -ENOBUFS;
        }

        r = fields_encode(message_tables + m->type, &m->ack, &w, &ctx);
        if (r < 0)
                return r;

        return proto_frame_seal(buf, size, ctx.version, m->flags,
                                (uint16_t) m->type, m->seq, w.pos);
}

int proto_version_negotiate(uint16_t our_min, uint16_t our_max, uint16_t peer_min, uint16_t peer_max,
                            uint16_t *ret) {
        uint16_t lo = our_min > peer_min ? our_min : peer_min;
        uint16_t hi = our_max < peer_max ? our_max : peer_max;

        if (lo == 0 || lo > hi)
                return PROTO_E_BAD_VERSION;
        *ret = hi;
        return 0;
}

bool proto_type_needs_ack(ProtoType t) {
        return t == PROTO_TYPE_TXN || t == PROTO_TYPE_HOST_REACHED || t == PROTO_TYPE_HOST_LOST;
}

const char *proto_type_to_string(ProtoType t) {
        switch (t) {
        case PROTO_TYPE_ACK:
                return "ACK";
        case PROTO_TYPE_GUEST_HELLO:
                return "GUEST_HELLO";
        case PROTO_TYPE_ADDRESSES:
                return "ADDRESSES";
        case PROTO_TYPE_HEARTBEAT:
                return "HEARTBEAT";
        case PROTO_TYPE_TXN:
                return "TXN";
        case PROTO_TYPE_ERROR:
                return "ERROR";
        case PROTO_TYPE_HOST_HELLO:
                return "HOST_HELLO";
        case PROTO_TYPE_HOST_REACHED:
                return "HOST_REACHED";
        case PROTO_TYPE_HOST_LOST:
                return "HOST_LOST";
        case PROTO_TYPE_PING:
                return "PING";
        case _PROTO_TYPE_MAX:
        case _PROTO_TYPE_INVALID:
                break;
        }
        return NULL;
}

const char *proto_oper_state_to_string(ProtoOperState s) {
        switch (s) {
        case PROTO_OPER_UNKNOWN:
                return "unknown";
        case PROTO_OPER_NOTPRESENT:
                return "notpresent";
        case PROTO_OPER_DOWN:
                return "down";
        case PROTO_OPER_LOWERLAYERDOWN:
                return "lowerlayerdown";
        case PROTO_OPER_TESTING:
                return "testing";
        case PROTO_OPER_DORMANT:
                return "dormant";
        case PROTO_OPER_UP:
                return "up";
        case _PROTO_OPER_MAX:
        case _PROTO_OPER_INVALID:
                break;
        }
        return NULL;
}

const char *proto_txn_state_to_string(ProtoTxnState s) {
        switch (s) {
        case PROTO_TXN_PENDING:
                return "pending";
        case PROTO_TXN_CONFIRMED:
                return "confirmed";
        case PROTO_TXN_ROLLED_BACK:
                return "rolled-back";
        case PROTO_TXN_FAILED:
                return "failed";
        case _PROTO_TXN_MAX:
        case _PROTO_TXN_INVALID:
                break;
        }
        return NULL;
}

const char *proto_proof_to_string(ProtoProof p) {
        switch (p) {
        case PROTO_PROOF_SSH:
                return "ssh";
        case PROTO_PROOF_TCP:
                return "tcp";
        case _PROTO_PROOF_MAX:
        case _PROTO_PROOF_INVALID:
                break;
        }
        return NULL;
}
