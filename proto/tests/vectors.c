/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "proto/frame.h"
#include "proto/tests/vectors.h"

void vectors_free(Vector *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i].bytes);
        free(v);
}

static int hexval(int c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        c = tolower(c);
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

int vectors_load(const char *path, Vector **ret, size_t *ret_n) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0, n = 0;
        Vector *v = NULL, *cur = NULL;
        enum { OUTSIDE, WANT_BLOCK, IN_BLOCK } state = OUTSIDE;
        int nibble = -1;

        f = fopen(path, "re");
        if (!f)
                return -errno;

        while (getline(&line, &cap, f) >= 0) {
                char name[64];

                if (state == OUTSIDE) {
                        Vector *nv;

                        if (sscanf(line, "<!-- vector: %63s -->", name) != 1)
                                continue;
                        nv = realloc(v, (n + 1) * sizeof(Vector));
                        if (!nv)
                                goto oom;
                        v = nv;
                        cur = v + n++;
                        *cur = (Vector) {};
                        snprintf(cur->name, sizeof(cur->name), "%s", name);
                        cur->bytes = malloc(PROTO_FRAME_MAX);
                        if (!cur->bytes)
                                goto oom;
                        state = WANT_BLOCK;
                } else if (state == WANT_BLOCK) {
                        if (strncmp(line, "```hex", 6) == 0)
                                state = IN_BLOCK;
                } else {
                        if (strncmp(line, "```", 3) == 0) {
                                if (nibble >= 0)
                                        goto bad;
                                state = OUTSIDE;
                                continue;
                        }
                        for (char *c = line; *c && *c != '#'; c++) {
                                int x;

                                if (isspace((unsigned char) *c))
                                        continue;
                                x = hexval((unsigned char) *c);
                                if (x < 0 || cur->size >= PROTO_FRAME_MAX)
                                        goto bad;
                                if (nibble < 0)
                                        nibble = x;
                                else {
                                        cur->bytes[cur->size++] = (uint8_t) (nibble << 4 | x);
                                        nibble = -1;
                                }
                        }
                }
        }
        if (state != OUTSIDE)
                goto bad;

        *ret = v;
        *ret_n = n;
        return 0;
bad:
        vectors_free(v, n);
        return -EBADMSG;
oom:
        vectors_free(v, n);
        return -ENOMEM;
}
