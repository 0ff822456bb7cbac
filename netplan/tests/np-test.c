/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netplan/tests/np-test.h"

char *np_test_root(void) {
        const char *tmp = getenv("TMPDIR") ?: "/tmp";
        char *p = NULL;
        assert_true(asprintf(&p, "%s/np-test-XXXXXX", tmp) > 0);
        assert_non_null(mkdtemp(p));
        return p;
}

static void mkdir_p(const char *path) {
        char buf[4096];
        snprintf(buf, sizeof buf, "%s", path);
        for (char *s = buf + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        (void) mkdir(buf, 0755);
                        *s = '/';
                }
        (void) mkdir(buf, 0755);
}

void np_test_write(const char *root, const char *rel, const char *content) {
        char path[4096], dir[4096];
        snprintf(path, sizeof path, "%s/%s", root, rel);
        snprintf(dir, sizeof dir, "%s", path);
        mkdir_p(dirname(dir));
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        size_t len = strlen(content);
        assert_int_equal(write(fd, content, len), (ssize_t) len);
        close(fd);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f) {
        return remove(p);
}

void np_test_rmrf(const char *root) {
        nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int np_test_load(const char *root, const char *version, np_config **ret, np_diag_list *diags) {
        np_load_options o = { .root_dir = root, .netplan_version = version ?: "0.106" };
        np_config *c = NULL;
        int r = np_config_load(&o, &c, diags);
        if (ret)
                *ret = c;
        else
                np_config_free(c);
        return r;
}

const char *np_test_first_error(const char *root, const np_diag_list *diags) {
        static char buf[1024];
        for (size_t i = 0; i < diags->n; i++) {
                if (diags->items[i].severity != NP_SEVERITY_ERROR)
                        continue;
                char *s = np_diag_format(&diags->items[i]);
                assert_non_null(s);
                char *nl = strchr(s, '\n');
                if (nl)
                        *nl = '\0';
                const char *p = s;
                size_t rl = strlen(root);
                if (strncmp(p, root, rl) == 0 && p[rl] == '/')
                        p += rl + 1;
                snprintf(buf, sizeof buf, "%s", p);
                free(s);
                return buf;
        }
        return "";
}
