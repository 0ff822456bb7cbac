/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/staging.h"
#include "common/fault.h"
#include "common/file-read.h"
#include "common/fs-util.h"

int staging_plan(const netplan_set *candidate, const netplan_set *base, netplan_set **ret) {
        _cleanup_(netplan_set_freep) netplan_set *plan = NULL;
        int r;

        r = netplan_set_copy(candidate, &plan);
        if (r < 0)
                return r;
        for (size_t i = 0; base && i < base->n_files; i++) {
                if (netplan_set_find(candidate, base->files[i].name))
                        continue;
                r = netplan_set_put(plan, base->files[i].name, STAGING_EMPTY_SHADOW, strlen(STAGING_EMPTY_SHADOW));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(plan);
        return 0;
}

int staging_write(const char *rundir, const netplan_set *plan, char **ret_error) {
        int r;

        for (size_t i = 0; i < plan->n_files; i++) {
                _cleanup_free_ char *p = path_join(rundir, plan->files[i].name);
                struct stat st;

                if (!p)
                        return -ENOMEM;
                if (lstat(p, &st) == 0) {
                        if (ret_error && asprintf(ret_error,
                                                  "%s exists: it would shadow the candidate's file; move it away "
                                                  "(or run `netguard rollback --force`) and try again",
                                                  p) < 0)
                                *ret_error = NULL;
                        return -EEXIST;
                }
        }
        r = mkdir_p(rundir, 0755);
        if (r < 0)
                return r;
        for (size_t i = 0; i < plan->n_files; i++) {
                r = write_file_atomic(rundir, plan->files[i].name, plan->files[i].data, plan->files[i].size, 0600);
                if (r < 0)
                        return r;
                fault_point("begin:staging-file");
        }
        return 0;
}

/* 1: rundir/name holds exactly f's bytes; 0: absent; 2: something else (put into *foreign). */
static int examine(const char *rundir, const netplan_file *f, netplan_set **foreign) {
        _cleanup_free_ char *p = path_join(rundir, f->name), *data = NULL;
        size_t size;
        int r;

        if (!p)
                return -ENOMEM;
        r = read_file_bounded(p, NETPLAN_SET_MAX_FILE_SIZE, 0, &data, &size, NULL);
        if (r == -ENOENT)
                return 0;
        if (r == 0 && size == f->size && memcmp(data, f->data, size) == 0)
                return 1;
        if (r < 0 && r != -EFBIG && r != -ELOOP && r != -EISDIR && r != -EBADFD)
                return r;
        if (r < 0) {
                /* not a file we can copy: it is left in place, never removed */
                return 3;
        }
        if (!*foreign) {
                r = netplan_set_new(foreign);
                if (r < 0)
                        return r;
        }
        r = netplan_set_put(*foreign, f->name, data, size);
        return r < 0 ? r : 2;
}

int staging_clear(const char *rundir, const netplan_set *plan, netplan_set **ret_foreign) {
        _cleanup_(netplan_set_freep) netplan_set *foreign = NULL;
        int removed = 0, r;

        for (size_t i = 0; plan && i < plan->n_files; i++) {
                _cleanup_free_ char *p = NULL;

                r = examine(rundir, &plan->files[i], &foreign);
                if (r < 0)
                        return r;
                if (r != 1)
                        continue;
                p = path_join(rundir, plan->files[i].name);
                if (!p)
                        return -ENOMEM;
                if (unlink(p) < 0 && errno != ENOENT)
                        return -errno;
                removed++;
        }
        if (removed > 0) {
                r = fsync_directory(rundir);
                if (r < 0)
                        return r;
        }
        if (ret_foreign)
                *ret_foreign = TAKE_PTR(foreign);
        return removed;
}

int staging_remove_foreign(const char *rundir, const netplan_set *foreign) {
        int r, removed;

        /* the same test as for our own files: only exactly the bytes that were copied */
        r = staging_clear(rundir, foreign, NULL);
        removed = r;
        return removed;
}
