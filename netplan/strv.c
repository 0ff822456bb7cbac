/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "netplan/strv.h"

char **np_strv_free(char **v) {
        if (!v)
                return NULL;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
        return NULL;
}

size_t np_strv_length(char *const *v) {
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

int np_strv_push(char ***v, const char *s) {
        size_t n = np_strv_length(*v);
        char **nv = reallocarray(*v, n + 2, sizeof(char *));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        nv[n] = strdup(s);
        if (!nv[n]) {
                nv[n] = NULL;
                return -ENOMEM;
        }
        nv[n + 1] = NULL;
        return 0;
}

bool np_strv_contains(char *const *v, const char *s) {
        for (size_t i = 0; v && v[i]; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}

int np_str_set(char **dst, const char *v) {
        char *t = strdup(v);
        if (!t)
                return -ENOMEM;
        free(*dst);
        *dst = t;
        return 0;
}
