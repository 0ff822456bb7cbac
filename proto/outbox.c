/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "proto/frame.h"
#include "proto/outbox.h"

typedef struct Entry {
        uint32_t seq;
        size_t size;
        uint8_t *data;
} Entry;

struct ProtoOutbox {
        size_t n;
        Entry entries[PROTO_OUTBOX_MAX];        /* oldest first */
};

int proto_outbox_new(ProtoOutbox **ret) {
        ProtoOutbox *o;

        if (!ret)
                return -EINVAL;
        o = calloc(1, sizeof(ProtoOutbox));
        if (!o)
                return -ENOMEM;
        *ret = o;
        return 0;
}

ProtoOutbox *proto_outbox_free(ProtoOutbox *o) {
        if (!o)
                return NULL;
        for (size_t i = 0; i < o->n; i++)
                free(o->entries[i].data);
        free(o);
        return NULL;
}

int proto_outbox_add(ProtoOutbox *o, const uint8_t *frame, size_t size) {
        ProtoFrame f;
        uint8_t *copy;

        if (!o || !frame)
                return -EINVAL;
        if (proto_frame_parse(frame, size, &f) != 0 || f.size != size ||
            !(f.flags & PROTO_FLAG_ACK_REQUEST))
                return -EINVAL;
        for (size_t i = 0; i < o->n; i++)
                if (o->entries[i].seq == f.seq)
                        return -EEXIST;
        if (o->n >= PROTO_OUTBOX_MAX)
                return -ENOBUFS;

        copy = malloc(size);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, frame, size);
        o->entries[o->n++] = (Entry) { .seq = f.seq, .size = size, .data = copy };
        return 0;
}

int proto_outbox_ack(ProtoOutbox *o, uint32_t seq) {
        if (!o)
                return -EINVAL;
        for (size_t i = 0; i < o->n; i++) {
                if (o->entries[i].seq != seq)
                        continue;
                free(o->entries[i].data);
                memmove(o->entries + i, o->entries + i + 1, (o->n - i - 1) * sizeof(Entry));
                o->n--;
                return 1;
        }
        return 0;
}

size_t proto_outbox_count(const ProtoOutbox *o) {
        return o ? o->n : 0;
}

int proto_outbox_get(const ProtoOutbox *o, size_t i, const uint8_t **ret_frame, size_t *ret_size,
                     uint32_t *ret_seq) {
        if (!o)
                return -EINVAL;
        if (i >= o->n)
                return -ENOENT;
        if (ret_frame)
                *ret_frame = o->entries[i].data;
        if (ret_size)
                *ret_size = o->entries[i].size;
        if (ret_seq)
                *ret_seq = o->entries[i].seq;
        return 0;
}
