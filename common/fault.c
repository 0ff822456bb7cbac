/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fault.h"
#include "common/macro.h"

const char *const fault_point_names[] = {
        /* agent/txn-disk.c: txn_disk_begin */
        "begin:journal-created",
        "begin:begun",
        "begin:candidate-saved",
        "begin:etc-file",               /* after each file put back in etc (use :N) */
        "begin:etc-restored",
        "begin:staging-recorded",
        "begin:staging-file",           /* after each staged file (use :N) */
        "begin:staged",
        /* txn_disk_commit (and recovery rolling forward) */
        "commit:begun",
        "commit:etc-file",
        "commit:etc-written",
        "commit:known-good",
        "commit:unstaged",
        "commit:done",
        /* txn_disk_abort (and recovery rolling back) */
        "abort:begun",
        "abort:rejected-kept",
        "abort:unstaged",
        "abort:etc-file",
        "abort:etc-restored",
        "abort:done",
        /* txn_disk_force_rollback */
        "force:rejected-kept",
        "force:etc-file",
        "force:etc-restored",
        "force:unstaged",
        NULL,
};

static struct {
        bool loaded;
        char *name;             /* NULL: no fault armed */
        unsigned long nth;      /* 0: the first time */
        unsigned long count;
} fault;

size_t fault_point_count(void) {
        return ELEMENTSOF(fault_point_names) - 1;
}

static void load(void) {
        const char *e = getenv(FAULT_ENV);
        const char *colon;

        fault.loaded = true;
        if (!e || !*e)
                return;
        colon = strrchr(e, ':');
        /* "name:N" only when N is a number: names contain ':' themselves. */
        if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
                fault.nth = strtoul(colon + 1, NULL, 10);
                fault.name = strndup(e, (size_t) (colon - e));
        } else
                fault.name = strdup(e);
}

void fault_point(const char *name) {
        if (_unlikely_(!fault.loaded))
                load();
        if (_likely_(!fault.name))
                return;
        if (strcmp(name, fault.name) != 0)
                return;
        fault.count++;
        if (fault.nth > 0 && fault.count != fault.nth)
                return;
        _exit(FAULT_EXIT_STATUS);
}

void fault_reset(void) {
        free(fault.name);
        fault.name = NULL;
        fault.loaded = false;
        fault.nth = 0;
        fault.count = 0;
}
