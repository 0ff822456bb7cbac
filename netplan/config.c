/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finding, reading and merging the files of a netplan configuration. */
#include <dirent.h>
#include <stdarg.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "common/file-read.h"
#include "netplan/config.h"
#include "netplan/diag.h"
#include "netplan/document.h"
#include "netplan/merge.h"
#include "netplan/netdef.h"
#include "netplan/netplan-internal.h"
#include "netplan/validate.h"
#include "netplan/value.h"

/* ---- files ---- */

typedef struct cand {
        char *base;
        char *path;
} cand;

static int cand_cmp(const void *a, const void *b) {
        return strcmp(((const cand *) a)->base, ((const cand *) b)->base);
}

static int cand_put(cand **v, size_t *n, const char *base, const char *path) {
        for (size_t i = 0; i < *n; i++)
                if (strcmp((*v)[i].base, base) == 0) {
                        char *p = strdup(path);
                        if (!p)
                                return -ENOMEM;
                        free((*v)[i].path);
                        (*v)[i].path = p;
                        return 0;
                }
        if (*n >= NP_MAX_FILES)
                return -E2BIG;
        cand *nv = reallocarray(*v, *n + 1, sizeof(cand));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        nv[*n].base = strdup(base);
        nv[*n].path = strdup(path);
        if (!nv[*n].base || !nv[*n].path) {
                free(nv[*n].base);
                free(nv[*n].path);
                return -ENOMEM;
        }
        (*n)++;
        return 0;
}

static const char *basename_of(const char *path) {
        const char *base = strrchr(path, '/');
        return base ? base + 1 : path;
}

static const char *cand_path(const cand *v, size_t n, const char *base) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i].base, base) == 0)
                        return v[i].path;
        return NULL;
}

static void cands_free(cand *v, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(v[i].base);
                free(v[i].path);
        }
        free(v);
}

/* "cannot judge": pos.file names the file (line 0), the message says what happened */
static int io_diag(np_diag_list *diags, const char *path, int r, const char *fmt, ...) _printf_(4, 5);
static int io_diag(np_diag_list *diags, const char *path, int r, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int q = np_diag_addv(diags, NP_SEVERITY_ERROR, NP_DIAG_IO, (np_pos) { .file = path }, NULL, NULL, fmt, ap);
        va_end(ap);
        return q < 0 ? q : r;
}

static int scan_dir(const char *root, const char *sub, cand **v, size_t *n, np_diag_list *diags) {
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, "%s%s%s", root, (*root && root[strlen(root) - 1] == '/') ? "" : "/", sub) < 0)
                return -ENOMEM;
        DIR *d = opendir(dir);
        if (!d) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return 0;
                return io_diag(diags, dir, -errno, "Cannot open directory %s: %s", dir, strerror(errno));
        }
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                /* the glob "*.yaml" skips names starting with a dot */
                if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 5, ".yaml") != 0)
                        continue;
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s", dir, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = cand_put(v, n, de->d_name, p);
                if (r == -E2BIG) {
                        r = io_diag(diags, dir, -E2BIG, "%s: more than 1024 netplan files: %s", dir, strerror(E2BIG));
                        break;
                }
                if (r < 0)
                        break;
        }
        closedir(d);
        return r;
}

/* ---- reading, once ---- */

typedef struct cached_file {
        char *path;
        char *data;
        size_t size;
        mode_t mode;
} cached_file;

struct np_file_cache {
        cached_file *files;
        size_t n;
};

np_file_cache *np_file_cache_new(void) {
        return calloc(1, sizeof(np_file_cache));
}

np_file_cache *np_file_cache_free(np_file_cache *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n; i++) {
                free(c->files[i].path);
                free(c->files[i].data);
        }
        free(c->files);
        free(c);
        return NULL;
}

static const cached_file *cache_find(const np_file_cache *c, const char *path) {
        for (size_t i = 0; c && i < c->n; i++)
                if (strcmp(c->files[i].path, path) == 0)
                        return &c->files[i];
        return NULL;
}

static int cache_put(np_file_cache *c, const char *path, const char *data, size_t size, mode_t mode) {
        _cleanup_free_ char *p = strdup(path), *d = malloc(size + 1);
        cached_file *v;

        if (!p || !d)
                return -ENOMEM;
        memcpy(d, data, size + 1);
        v = reallocarray(c->files, c->n + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        c->files = v;
        v[c->n++] = (cached_file) { TAKE_PTR(p), TAKE_PTR(d), size, mode };
        return 0;
}

static int read_error(np_diag_list *diags, const char *path, int r) {
        switch (r) {
        case -EISDIR:
                return io_diag(diags, path, r, "Cannot read %s: %s", path, strerror(-r));
        case -EBADFD:
                return io_diag(diags, path, r, "Cannot read %s: not a regular file (%s)", path, strerror(-r));
        case -EFBIG:
                return io_diag(diags, path, r, "%s: larger than the 1 MiB limit for a netplan file (%s)", path,
                               strerror(-r));
        case -EAGAIN:
                return io_diag(diags, path, r, "Cannot read %s: file changed while reading (%s)", path, strerror(-r));
        case -ENOMEM:
                return r;
        default:
                /* what stat() would have said: netplan's own wording for a missing file or a
                 * symlink loop */
                return io_diag(diags, path, r, "Cannot %s %s: %s", r == -ENOENT || r == -ELOOP ? "stat" : "open",
                               path, strerror(-r));
        }
}

static int read_file(const char *path, np_file_cache *cache, np_file **ret, np_diag_list *diags) {
        _cleanup_(np_file_freep) np_file *f = calloc(1, sizeof(*f));
        const cached_file *hit = cache_find(cache, path);
        struct stat st = {};
        int r;

        if (!f)
                return -ENOMEM;
        f->path = strdup(path);
        if (!f->path)
                return -ENOMEM;
        if (hit) {
                f->data = malloc(hit->size + 1);
                if (!f->data)
                        return -ENOMEM;
                memcpy(f->data, hit->data, hit->size + 1);
                f->size = hit->size;
                st.st_mode = hit->mode;
        } else {
                r = read_file_bounded(path, NP_MAX_FILE_SIZE, READ_FILE_FOLLOW, &f->data, &f->size, &st);
                if (r < 0)
                        return read_error(diags, path, r);
                if (cache) {
                        r = cache_put(cache, path, f->data, f->size, st.st_mode);
                        if (r < 0)
                                return r;
                }
        }
        if ((st.st_mode & 077) != 0) {
                r = np_diag_add(diags, NP_SEVERITY_WARNING, NP_DIAG_NOTE, (np_pos) { 0 }, NULL, NULL,
                                "Permissions for %s are too open. Netplan configuration should NOT be accessible by others.",
                                path);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(f);
        return 0;
}

/* ---- version ---- */

/* dpkg's status database is ~1 MB: map it and search, rather than parse it line by line
 * (this runs on every `netguard check`). */
static int version_from_dpkg(const char *root, unsigned *ret) {
        _cleanup_free_ char *path = NULL;
        struct stat st;

        if (asprintf(&path, "%s/var/lib/dpkg/status", root) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t) st.st_size > 256U * 1024U * 1024U)
                return -EINVAL;
        size_t len = (size_t) st.st_size;
        const char *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED)
                return -errno;
        static const char pkg[] = "Package: netplan.io\n";
        int r = -ENOENT;
        for (const char *p = m; p < m + len;) {
                const char *hit = memmem(p, (size_t) (m + len - p), pkg, sizeof pkg - 1);
                if (!hit)
                        break;
                p = hit + sizeof pkg - 1;
                if (hit != m && hit[-1] != '\n')
                        continue;
                const char *end = memmem(p, (size_t) (m + len - p), "\n\n", 2) ?: m + len;
                for (const char *l = p; l < end;) {
                        const char *nl = memchr(l, '\n', (size_t) (end - l)) ?: end;
                        if ((size_t) (nl - l) > 9 && memcmp(l, "Version: ", 9) == 0) {
                                char v[64];
                                size_t vl = (size_t) (nl - l) - 9;
                                if (vl >= sizeof v)
                                        vl = sizeof v - 1;
                                memcpy(v, l + 9, vl);
                                v[vl] = '\0';
                                const char *colon = strchr(v, ':');
                                const char *ver = colon && colon < v + 4 ? colon + 1 : v; /* epoch */
                                r = np_version_parse(ver, ret);
                                break;
                        }
                        l = nl + 1;
                }
                break;
        }
        munmap((void *) m, len);
        return r;
}

/* ---- load ---- */

np_config *np_config_free(np_config *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_files; i++)
                np_file_free(c->files[i]);
        free(c->files);
        np_node_free(c->root);
        free(c->renderer);
        for (size_t i = 0; i < c->n_netdefs; i++)
                np_netdef_done(&c->netdefs[i]);
        free(c->netdefs);
        free(c);
        return NULL;
}

int np_config_load(const np_load_options *opts, np_config **ret, np_diag_list *diags) {
        const char *root = opts && opts->root_dir && *opts->root_dir ? opts->root_dir : "/";
        _cleanup_(np_config_freep) np_config *c = calloc(1, sizeof(*c));
        _cleanup_(np_state_freep) np_state *s = NULL;
        cand *v = NULL;
        size_t n = 0;
        unsigned target = 106;
        int r;

        if (!c)
                return -ENOMEM;
        if (opts && opts->netplan_version) {
                if (np_version_parse(opts->netplan_version, &target) < 0) {
                        np_diag_add(diags, NP_SEVERITY_ERROR, NP_DIAG_IO, (np_pos) { 0 }, NULL, NULL,
                                    "invalid netplan version '%s'", opts->netplan_version);
                        return -EINVAL;
                }
        } else if (version_from_dpkg(root, &target) < 0)
                target = 106;
        c->target_version = target;
        s = np_state_new(target);
        if (!s)
                return -ENOMEM;

        /* Precedence by file name: run/ over etc/ over lib/. A candidate stands in etc/,
         * so a run/ file of its name still shadows it, as it will when applied. */
        static const char *const dirs[] = { "lib/netplan", "etc/netplan" };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                r = scan_dir(root, dirs[i], &v, &n, diags);
                if (r < 0)
                        goto out;
        }
        for (size_t i = 0; opts && i < opts->n_candidates; i++) {
                r = cand_put(&v, &n, basename_of(opts->candidates[i]), opts->candidates[i]);
                if (r < 0)
                        goto out;
        }
        r = scan_dir(root, "run/netplan", &v, &n, diags);
        if (r < 0)
                goto out;
        for (size_t i = 0; opts && i < opts->n_candidates; i++) {
                const char *shadow = cand_path(v, n, basename_of(opts->candidates[i]));
                if (!shadow || strcmp(shadow, opts->candidates[i]) == 0)
                        continue;
                r = np_diag_add(diags, NP_SEVERITY_WARNING, NP_DIAG_NOTE, (np_pos) { .file = opts->candidates[i] },
                                NULL, NULL,
                                "warning: this candidate is shadowed by %s, which netplan applies instead (a "
                                "file in /run/netplan takes precedence over /etc/netplan by name), so that file is "
                                "what is judged; remove it or give the candidate another name",
                                shadow);
                if (r < 0)
                        goto out;
        }
        if (n > 0)
                qsort(v, n, sizeof(cand), cand_cmp);

        c->files = calloc(n ? n : 1, sizeof(np_file *));
        if (!c->files) {
                r = -ENOMEM;
                goto out;
        }
        /* read everything first: a file we cannot read means we cannot judge */
        for (size_t i = 0; i < n; i++) {
                r = read_file(v[i].path, opts ? opts->cache : NULL, &c->files[i], diags);
                if (r < 0)
                        goto out;
                c->n_files++;
        }
        for (size_t i = 0; i < c->n_files; i++) {
                np_file *f = c->files[i];
                r = np_yaml_parse(f, diags);
                if (r < 0)
                        goto out;
                s->cur_file = (unsigned) i;
                r = np_document_check(s, f, diags);
                if (r < 0)
                        goto out;
                if (f->too_deep.line > 0 || f->recursive_alias.line > 0) {
                        np_pos at = f->too_deep.line > 0 ? f->too_deep : f->recursive_alias;
                        _cleanup_free_ char *src = np_file_line(f, at.line);
                        r = np_diag_add(diags, NP_SEVERITY_ERROR, NP_DIAG_YAML, at, src, NULL, "%s",
                                        f->too_deep.line > 0 ? "nesting too deep (more than 64 levels)"
                                                             : "recursive alias (netplan would recurse until it crashes)");
                        if (r >= 0)
                                r = -EINVAL;
                        goto out;
                }
                /* netplan re-parses the whole file on each pass and 0.106 appends some
                 * lists again each time (see seq_keeps_duplicates) */
                for (size_t k = 0; k < (f->root ? f->root->n : 0); k++) {
                        const char *key = np_node_scalar(f->root->keys[k]);
                        if (!key || strcmp(key, "network") != 0)
                                continue;
                        for (unsigned p = 0; p < s->last_passes; p++) {
                                r = np_node_merge_into(&c->root, f->root->values[k], "network", 0);
                                if (r < 0)
                                        goto out;
                        }
                }
        }
        r = np_validate_final(s, diags);
        if (r < 0)
                goto out;
        if (s->warn_gateway) {
                r = np_diag_add(diags, NP_SEVERITY_WARNING, NP_DIAG_NOTE, (np_pos) { 0 }, NULL, NULL,
                                "`gateway4` has been deprecated, use default routes instead.");
                if (r < 0)
                        goto out;
        }
        if (s->global_backend == NP_BACKEND_NM)
                c->renderer = strdup("NetworkManager");
        else if (s->global_backend == NP_BACKEND_NETWORKD)
                c->renderer = strdup("networkd");
        r = np_netdefs_build(c->root, s, &c->netdefs, &c->n_netdefs);
        if (r < 0)
                goto out;
        *ret = TAKE_PTR(c);
        r = 0;
out:
        cands_free(v, n);
        return r;
}

size_t np_config_n_files(const np_config *c) {
        return c ? c->n_files : 0;
}

const char *np_config_file_at(const np_config *c, size_t i) {
        return c && i < c->n_files ? c->files[i]->path : NULL;
}

const np_node *np_config_root(const np_config *c) {
        return c ? c->root : NULL;
}

const char *np_config_renderer(const np_config *c) {
        return c && c->renderer ? c->renderer : "networkd";
}

size_t np_config_n_netdefs(const np_config *c) {
        return c ? c->n_netdefs : 0;
}

const np_netdef *np_config_netdef_at(const np_config *c, size_t i) {
        return c && i < c->n_netdefs ? &c->netdefs[i] : NULL;
}

const np_netdef *np_config_netdef_by_id(const np_config *c, const char *id) {
        for (size_t i = 0; c && id && i < c->n_netdefs; i++)
                if (strcmp(c->netdefs[i].id, id) == 0)
                        return &c->netdefs[i];
        return NULL;
}
