/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/string-util.h"

int free_and_strdup(char **dst, const char *s) {
        char *t = strdup(s);

        if (!t)
                return -ENOMEM;
        free(*dst);
        *dst = t;
        return 0;
}
