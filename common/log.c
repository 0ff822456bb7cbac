/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

static int max_level = LOG_LEVEL_INFO;
static const char *program;

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_program(const char *name) {
        program = name;
}

int log_internal(int level, int error, const char *file, int line, const char *fmt, ...) {
        int r = error > 0 ? -error : error;

        if (r == 0 && level <= LOG_LEVEL_WARNING)
                r = -EIO;
        if (level > max_level)
                return r;

        /* Keep errno for %m, glibc's printf expands it. */
        errno = r < 0 ? -r : 0;

        va_list ap;
        va_start(ap, fmt);
        if (program)
                fprintf(stderr, "%s: ", program);
        vfprintf(stderr, fmt, ap);
        if (max_level >= LOG_LEVEL_DEBUG)
                fprintf(stderr, " (%s:%d)", file, line);
        fputc('\n', stderr);
        va_end(ap);
        return r;
}
