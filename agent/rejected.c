/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/rejected.h"
#include "common/fs-util.h"

static bool id_valid(const char *id) {
        size_t n = strlen(id);

        return n > 0 && n <= 64 && id[0] != '.' &&
               strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int write_part(const char *dir, const char *sub, const netplan_set *s) {
        _cleanup_free_ char *p = NULL, *manifest = NULL;
        int r;

        if (!s || s->n_files == 0)
                return 0;
        p = path_join(dir, sub);
        if (!p)
                return -ENOMEM;
        if (mkdir(p, 0700) < 0)
                return -errno;
        r = netplan_set_write_dir(s, p);
        if (r < 0)
                return r;
        r = netplan_set_manifest(s, &manifest);
        if (r < 0)
                return r;
        return write_file_atomic(p, "MANIFEST", manifest, strlen(manifest), 0600);
}

int rejected_save(const char *dir, const char *id, const char *reason, const netplan_set *candidate,
                  const netplan_set *etc_files, const netplan_set *run_files, char **ret_path) {
        _cleanup_free_ char *tmp = NULL, *manifest = NULL, *body = NULL, *text = NULL;
        char hex[SHA256_HEX_SIZE];
        int r;

        if (!id_valid(id))
                return -EINVAL;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        if (asprintf(&tmp, "%s/.tmp-%s", dir, id) < 0)
                return -ENOMEM;
        r = rm_rf(tmp);
        if (r < 0)
                return r;
        if (mkdir(tmp, 0700) < 0)
                return -errno;
        if (candidate) {
                r = netplan_set_write_dir(candidate, tmp);
                if (r < 0)
                        return r;
        }
        r = netplan_set_manifest(candidate, &body);
        if (r < 0)
                return r;
        netplan_set_digest_hex(candidate, hex);
        if (asprintf(&manifest, "%sset %s\n", body, hex) < 0)
                return -ENOMEM;
        r = write_file_atomic(tmp, "MANIFEST", manifest, strlen(manifest), 0600);
        if (r < 0)
                return r;
        if (asprintf(&text, "%.*s\n", REJECTED_REASON_MAX, reason ? reason : "(no reason given)") < 0)
                return -ENOMEM;
        r = write_file_atomic(tmp, "REASON", text, strlen(text), 0600);
        if (r < 0)
                return r;
        r = write_part(tmp, "etc", etc_files);
        if (r < 0)
                return r;
        r = write_part(tmp, "run", run_files);
        if (r < 0)
                return r;
        r = fsync_directory(tmp);
        if (r < 0)
                return r;

        /* Claim a free name with mkdir (atomic, never replaces), then rename the full
         * directory over the empty one: a crash in between leaves an empty directory. */
        for (unsigned n = 1; n <= REJECTED_MAX_SUFFIX; n++) {
                _cleanup_free_ char *final = NULL;

                if ((n == 1 ? asprintf(&final, "%s/%s", dir, id) : asprintf(&final, "%s/%s.%u", dir, id, n)) < 0)
                        return -ENOMEM;
                if (mkdir(final, 0700) < 0) {
                        if (errno == EEXIST)
                                continue;
                        return -errno;
                }
                if (rename(tmp, final) < 0) {
                        r = -errno;
                        (void) rmdir(final);
                        return r;
                }
                r = fsync_directory(dir);
                if (r < 0)
                        return r;
                if (ret_path)
                        *ret_path = TAKE_PTR(final);
                return 0;
        }
        return -EEXIST;
}
