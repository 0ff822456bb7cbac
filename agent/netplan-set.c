/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/netplan-set.h"
#include "common/file-read.h"
#include "common/fs-util.h"

int netplan_set_new(netplan_set **ret) {
        netplan_set *s = calloc(1, sizeof *s);

        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static void file_done(netplan_file *f) {
        free(f->name);
        free(f->data);
}

netplan_set *netplan_set_free(netplan_set *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_files; i++)
                file_done(&s->files[i]);
        free(s->files);
        free(s);
        return NULL;
}

bool netplan_name_valid(const char *name) {
        size_t n = strlen(name);

        if (n <= strlen(".yaml") || n > NETPLAN_SET_MAX_NAME || name[0] == '.')
                return false;
        if (strcmp(name + n - strlen(".yaml"), ".yaml") != 0)
                return false;
        for (const char *p = name; *p; p++)
                if ((unsigned char) *p <= ' ' || *p == '/' || *p == 0x7f)
                        return false;
        return true;
}

/* Index of name, or of where it would go (found tells which). */
static size_t find_index(const netplan_set *s, const char *name, bool *found) {
        size_t lo = 0, hi = s->n_files;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(s->files[mid].name, name);

                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

int netplan_set_put(netplan_set *s, const char *name, const void *data, size_t size) {
        _cleanup_free_ char *n = NULL;
        _cleanup_free_ uint8_t *d = NULL;
        netplan_file *f;
        bool found;
        size_t i;

        if (!netplan_name_valid(name))
                return -EINVAL;
        if (size > NETPLAN_SET_MAX_FILE_SIZE)
                return -EFBIG;
        i = find_index(s, name, &found);
        if (!found && s->n_files >= NETPLAN_SET_MAX_FILES)
                return -E2BIG;
        n = strdup(name);
        d = malloc(size + 1);
        if (!n || !d)
                return -ENOMEM;
        if (size > 0)
                memcpy(d, data, size);
        d[size] = 0;
        if (found) {
                f = &s->files[i];
                file_done(f);
        } else {
                netplan_file *a = realloc(s->files, (s->n_files + 1) * sizeof *a);

                if (!a)
                        return -ENOMEM;
                s->files = a;
                memmove(a + i + 1, a + i, (s->n_files - i) * sizeof *a);
                s->n_files++;
                f = &a[i];
        }
        f->name = TAKE_PTR(n);
        f->data = TAKE_PTR(d);
        f->size = size;
        sha256(f->data, size, f->sha256);
        return 0;
}

int netplan_set_put_path(netplan_set *s, const char *path) {
        _cleanup_free_ char *data = NULL;
        const char *base = strrchr(path, '/');
        size_t size;
        int r;

        base = base ? base + 1 : path;
        if (!netplan_name_valid(base))
                return -EINVAL;
        r = read_file_bounded(path, NETPLAN_SET_MAX_FILE_SIZE, READ_FILE_FOLLOW, &data, &size, NULL);
        if (r < 0)
                return r;
        return netplan_set_put(s, base, data, size);
}

int netplan_set_remove(netplan_set *s, const char *name) {
        bool found;
        size_t i = find_index(s, name, &found);

        if (!found)
                return -ENOENT;
        file_done(&s->files[i]);
        memmove(s->files + i, s->files + i + 1, (s->n_files - i - 1) * sizeof *s->files);
        s->n_files--;
        return 0;
}

const netplan_file *netplan_set_find(const netplan_set *s, const char *name) {
        bool found;
        size_t i;

        if (!s)
                return NULL;
        i = find_index(s, name, &found);
        return found ? &s->files[i] : NULL;
}

int netplan_set_copy(const netplan_set *s, netplan_set **ret) {
        _cleanup_(netplan_set_freep) netplan_set *c = NULL;
        int r;

        r = netplan_set_new(&c);
        if (r < 0)
                return r;
        for (size_t i = 0; s && i < s->n_files; i++) {
                r = netplan_set_put(c, s->files[i].name, s->files[i].data, s->files[i].size);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

static int set_error(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
static int set_error(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        if (ret_error) {
                free(*ret_error);
                *ret_error = NULL;
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return r;
}

static bool has_yaml_suffix(const char *name) {
        size_t n = strlen(name);

        return n >= 5 && strcmp(name + n - 5, ".yaml") == 0;
}

int netplan_set_read_dir(const char *dir, netplan_set **ret, char **ret_error) {
        _cleanup_(netplan_set_freep) netplan_set *s = NULL;
        DIR *d;
        struct dirent *de;
        size_t seen = 0;
        int r;

        r = netplan_set_new(&s);
        if (r < 0)
                return r;
        d = opendir(dir);
        if (!d) {
                if (errno == ENOENT) {
                        *ret = TAKE_PTR(s);
                        return 0;
                }
                return set_error(ret_error, -errno, "%s: cannot open the directory: %m", dir);
        }
        r = 0;
        while ((errno = 0, de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *data = NULL;
                size_t size;

                /* netplan's glob("*.yaml") skips names starting with '.' */
                if (de->d_name[0] == '.' || !has_yaml_suffix(de->d_name))
                        continue;
                if (++seen > NETPLAN_SET_MAX_FILES) {
                        r = set_error(ret_error, -E2BIG, "%s: more than %d *.yaml files: remove some", dir,
                                      NETPLAN_SET_MAX_FILES);
                        break;
                }
                if (!netplan_name_valid(de->d_name)) {
                        r = set_error(ret_error, -EINVAL,
                                      "%s/%s: a file name with spaces or control characters is not supported: rename it",
                                      dir, de->d_name);
                        break;
                }
                path = path_join(dir, de->d_name);
                if (!path) {
                        r = -ENOMEM;
                        break;
                }
                r = read_file_bounded(path, NETPLAN_SET_MAX_FILE_SIZE, 0, &data, &size, NULL);
                if (r == -ELOOP)
                        r = set_error(ret_error, r, "%s: a symlink: netguard keeps netplan files as regular files; replace it by a copy", path);
                else if (r == -EFBIG)
                        r = set_error(ret_error, r, "%s: larger than %d bytes", path, NETPLAN_SET_MAX_FILE_SIZE);
                else if (r == -EISDIR || r == -EBADFD)
                        r = set_error(ret_error, r, "%s: not a regular file", path);
                else if (r < 0)
                        r = set_error(ret_error, r, "%s: cannot read: %s", path, strerror(-r));
                if (r < 0)
                        break;
                r = netplan_set_put(s, de->d_name, data, size);
                if (r < 0)
                        break;
        }
        if (r == 0 && errno != 0)
                r = set_error(ret_error, -errno, "%s: cannot read the directory: %m", dir);
        closedir(d);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

int netplan_file_write_atomic(const char *dir, const char *name, const void *data, size_t size, unsigned mode) {
        int r;

        if (!netplan_name_valid(name))
                return -EINVAL;
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        return write_file_atomic(dir, name, data, size, (mode_t) mode);
}

int netplan_set_write_dir(const netplan_set *s, const char *dir) {
        for (size_t i = 0; i < s->n_files; i++) {
                int r = netplan_file_write_atomic(dir, s->files[i].name, s->files[i].data, s->files[i].size, 0600);

                if (r < 0)
                        return r;
        }
        return 0;
}

bool netplan_file_equal(const netplan_file *a, const netplan_file *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a->name, b->name) == 0 && a->size == b->size &&
               (a->size == 0 || memcmp(a->data, b->data, a->size) == 0);
}

bool netplan_set_equal(const netplan_set *a, const netplan_set *b) {
        size_t na = a ? a->n_files : 0, nb = b ? b->n_files : 0;

        if (na != nb)
                return false;
        for (size_t i = 0; i < na; i++)
                if (!netplan_file_equal(&a->files[i], &b->files[i]))
                        return false;
        return true;
}

int netplan_set_manifest(const netplan_set *s, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        for (size_t i = 0; s && i < s->n_files; i++) {
                char hex[SHA256_HEX_SIZE];

                sha256_to_hex(s->files[i].sha256, hex);
                fprintf(f, "%s %zu %s\n", s->files[i].name, s->files[i].size, hex);
        }
        if (fclose(f) != 0 || !buf) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

void netplan_set_digest(const netplan_set *s, uint8_t ret[SHA256_DIGEST_SIZE]) {
        sha256_ctx c;

        /* the same bytes as the MANIFEST body, without building it */
        sha256_init(&c);
        for (size_t i = 0; s && i < s->n_files; i++) {
                char hex[SHA256_HEX_SIZE], size[32];

                sha256_to_hex(s->files[i].sha256, hex);
                snprintf(size, sizeof size, " %zu ", s->files[i].size);
                sha256_update(&c, s->files[i].name, strlen(s->files[i].name));
                sha256_update(&c, size, strlen(size));
                sha256_update(&c, hex, strlen(hex));
                sha256_update(&c, "\n", 1);
        }
        sha256_final(&c, ret);
}

void netplan_set_digest_hex(const netplan_set *s, char ret[SHA256_HEX_SIZE]) {
        uint8_t d[SHA256_DIGEST_SIZE];

        netplan_set_digest(s, d);
        sha256_to_hex(d, ret);
}
