/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/strv.h"

char **strv_free(char **v) {
        if (!v)
                return NULL;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
        return NULL;
}

size_t strv_length(char *const *v) {
        size_t n = 0;

        while (v && v[n])
                n++;
        return n;
}

int strv_push(char ***v, const char *s) {
        size_t n = strv_length(*v);
        _cleanup_free_ char *copy = strdup(s);
        char **nv;

        if (!copy)
                return -ENOMEM;
        nv = reallocarray(*v, n + 2, sizeof(char *));
        if (!nv)
                return -ENOMEM;
        nv[n] = TAKE_PTR(copy);
        nv[n + 1] = NULL;
        *v = nv;
        return 0;
}

bool strv_contains(char *const *v, const char *s) {
        for (size_t i = 0; v && v[i]; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}
