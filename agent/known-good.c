/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/known-good.h"
#include "common/file-read.h"
#include "common/fs-util.h"

known_good *known_good_free(known_good *k) {
        if (!k)
                return NULL;
        netplan_set_free(k->set);
        free(k->source);
        free(k->warning);
        free(k);
        return NULL;
}

static int fail(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        if (ret_error) {
                free(*ret_error);
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return r;
}

/* "gen-NNNNNNNNNN" → N; 0 if not such a name. */
static uint64_t parse_gen(const char *name) {
        uint64_t v = 0;

        if (strncmp(name, "gen-", 4) != 0 || strlen(name) != 14 || strspn(name + 4, "0123456789") != 10)
                return 0;
        for (const char *p = name + 4; *p; p++)
                v = v * 10 + (uint64_t) (*p - '0');
        return v;
}

/* The generation `current` points at (0 if none or not a generation name). */
static uint64_t current_gen(const char *dir) {
        _cleanup_free_ char *link = path_join(dir, "current");
        char target[64];
        ssize_t n;

        if (!link)
                return 0;
        n = readlink(link, target, sizeof target - 1);
        if (n < 0)
                return 0;
        target[n] = 0;
        return parse_gen(target);
}

/* Generations on disk, ascending. */
static int list_gens(const char *dir, uint64_t **ret, size_t *ret_n) {
        _cleanup_free_ uint64_t *g = NULL;
        size_t n = 0;
        DIR *d = opendir(dir);
        struct dirent *de;

        if (!d) {
                if (errno != ENOENT)
                        return -errno;
                *ret = NULL, *ret_n = 0;
                return 0;
        }
        while ((de = readdir(d))) {
                uint64_t v = parse_gen(de->d_name);
                uint64_t *a;
                size_t i;

                if (v == 0)
                        continue;
                a = realloc(g, (n + 1) * sizeof *a);
                if (!a) {
                        closedir(d);
                        return -ENOMEM;
                }
                g = a;
                for (i = n; i > 0 && g[i - 1] > v; i--)
                        g[i] = g[i - 1];
                g[i] = v;
                n++;
        }
        closedir(d);
        *ret = TAKE_PTR(g), *ret_n = n;
        return 0;
}

bool known_good_exists(const char *dir) {
        _cleanup_free_ char *link = path_join(dir, "current");
        struct stat st;

        return link && lstat(link, &st) == 0;
}

int known_good_save(const char *dir, const netplan_set *set, uint64_t time_usec, const char *source) {
        _cleanup_free_ uint64_t *gens = NULL;
        _cleanup_free_ char *manifest = NULL, *body = NULL, *tmp = NULL, *final = NULL, *link_tmp = NULL,
                            *link = NULL;
        char name[32], hex[SHA256_HEX_SIZE];
        uint64_t gen, prev;
        size_t n;
        int r;

        if (!source || strchr(source, '\n') || strlen(source) > KNOWN_GOOD_SOURCE_MAX)
                return -EINVAL;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        r = list_gens(dir, &gens, &n);
        if (r < 0)
                return r;
        prev = current_gen(dir);
        gen = (n > 0 ? gens[n - 1] : 0) + 1;
        if (gen < prev + 1)
                gen = prev + 1;
        if (gen > 9999999999ULL)
                return -EOVERFLOW;
        snprintf(name, sizeof name, "gen-%010" PRIu64, gen);

        r = netplan_set_manifest(set, &body);
        if (r < 0)
                return r;
        netplan_set_digest_hex(set, hex);
        if (asprintf(&manifest, "%sset %s %" PRIu64 " %s\n", body, hex, time_usec, source) < 0)
                return -ENOMEM;

        /* the whole generation under a temp name first: a crash leaves no half generation */
        if (asprintf(&tmp, "%s/.tmp-%s", dir, name) < 0 || !(final = path_join(dir, name)))
                return -ENOMEM;
        r = rm_rf(tmp);
        if (r < 0)
                return r;
        if (mkdir(tmp, 0700) < 0)
                return -errno;
        r = netplan_set_write_dir(set, tmp);
        if (r < 0)
                return r;
        r = write_file_atomic(tmp, "MANIFEST", manifest, strlen(manifest), 0600);
        if (r < 0)
                return r;
        if (rename(tmp, final) < 0)
                return -errno;
        r = fsync_directory(dir);
        if (r < 0)
                return r;

        /* the switch: a new symlink renamed over `current` */
        if (!(link_tmp = path_join(dir, ".current.tmp")) || !(link = path_join(dir, "current")))
                return -ENOMEM;
        (void) unlink(link_tmp);
        if (symlink(name, link_tmp) < 0)
                return -errno;
        if (rename(link_tmp, link) < 0)
                return -errno;
        r = fsync_directory(dir);
        if (r < 0)
                return r;

        /* keep this generation and the one before it (a fallback if this one rots) */
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *old = NULL;

                if (gens[i] == prev || gens[i] == gen)
                        continue;
                if (asprintf(&old, "%s/gen-%010" PRIu64, dir, gens[i]) < 0)
                        return -ENOMEM;
                (void) rm_rf(old);
        }
        return 0;
}

/* Loads one generation, verifying it against its MANIFEST. */
static int load_gen(const char *dir, uint64_t gen, known_good **ret, char **ret_error) {
        _cleanup_(known_good_freep) known_good *k = NULL;
        _cleanup_(netplan_set_freep) netplan_set *set = NULL;
        _cleanup_free_ char *gdir = NULL, *mpath = NULL, *manifest = NULL, *err = NULL;
        char *line, *save = NULL;
        size_t size, listed = 0;
        bool have_set = false, seen[NETPLAN_SET_MAX_FILES] = {};
        int r;

        if (asprintf(&gdir, "%s/gen-%010" PRIu64, dir, gen) < 0 || !(mpath = path_join(gdir, "MANIFEST")))
                return -ENOMEM;
        r = read_file_bounded(mpath, KNOWN_GOOD_MANIFEST_MAX, 0, &manifest, &size, NULL);
        if (r < 0)
                return fail(ret_error, r == -ENOENT ? -EBADMSG : r, "%s: cannot read: %s", mpath, strerror(-r));
        r = netplan_set_read_dir(gdir, &set, &err);
        if (r < 0)
                return fail(ret_error, -EBADMSG, "%s", err ? err : strerror(-r));
        k = calloc(1, sizeof *k);
        if (!k)
                return -ENOMEM;
        k->generation = gen;
        if (memchr(manifest, 0, size) || (size > 0 && manifest[size - 1] != '\n'))
                return fail(ret_error, -EBADMSG, "%s: not a MANIFEST (binary or cut short)", mpath);

        for (line = strtok_r(manifest, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char name[NETPLAN_SET_MAX_NAME + 1], hex[SHA256_HEX_SIZE + 1], have_hex[SHA256_HEX_SIZE];
                uint64_t fsize, t;
                int consumed = 0;
                const netplan_file *f;

                if (have_set)
                        return fail(ret_error, -EBADMSG, "%s: a line after the 'set' line", mpath);
                if (strncmp(line, "set ", 4) == 0) {
                        uint8_t want[SHA256_DIGEST_SIZE], got[SHA256_DIGEST_SIZE];

                        if (sscanf(line, "set %64s %" SCNu64 " %n", hex, &t, &consumed) != 2 || consumed == 0 ||
                            sha256_from_hex(hex, want) < 0)
                                return fail(ret_error, -EBADMSG, "%s: malformed 'set' line", mpath);
                        for (size_t i = 0; i < set->n_files; i++)
                                if (!seen[i])
                                        return fail(ret_error, -EBADMSG,
                                                    "%s/%s: not listed in the MANIFEST (added after it was proven)",
                                                    gdir, set->files[i].name);
                        netplan_set_digest(set, got);
                        if (memcmp(want, got, sizeof got) != 0) {
                                sha256_to_hex(got, have_hex);
                                return fail(ret_error, -EBADMSG, "%s: the set's sha256 %s differs from the files' %s",
                                            mpath, hex, have_hex);
                        }
                        k->time_usec = t;
                        k->source = strdup(line + consumed);
                        if (!k->source)
                                return -ENOMEM;
                        memcpy(k->digest, got, sizeof got);
                        have_set = true;
                        continue;
                }
                if (sscanf(line, "%255s %" SCNu64 " %64s%n", name, &fsize, hex, &consumed) != 3 ||
                    line[consumed] != 0)
                        return fail(ret_error, -EBADMSG, "%s: malformed line '%.80s'", mpath, line);
                f = netplan_set_find(set, name);
                if (!f)
                        return fail(ret_error, -EBADMSG, "%s/%s: listed in the MANIFEST but missing", gdir, name);
                sha256_to_hex(f->sha256, have_hex);
                if (f->size != fsize || strcmp(have_hex, hex) != 0)
                        return fail(ret_error, -EBADMSG,
                                    "%s/%s: %zu bytes with sha256 %s, the MANIFEST says %" PRIu64
                                    " bytes with %s (the file was changed after it was proven)",
                                    gdir, name, f->size, have_hex, fsize, hex);
                seen[f - set->files] = true;
                listed++;
        }
        if (!have_set)
                return fail(ret_error, -EBADMSG, "%s: no 'set' line (cut short)", mpath);
        if (listed != set->n_files)
                return fail(ret_error, -EBADMSG, "%s: holds %zu *.yaml files, the MANIFEST lists %zu", gdir,
                            set->n_files, listed);
        k->set = TAKE_PTR(set);
        *ret = TAKE_PTR(k);
        return 0;
}

int known_good_load(const char *dir, known_good **ret, char **ret_error) {
        _cleanup_free_ uint64_t *gens = NULL;
        _cleanup_free_ char *err = NULL;
        uint64_t cur;
        size_t n;
        int r;

        if (!known_good_exists(dir))
                return fail(ret_error, -ENOENT, "%s/current: no known-good configuration saved", dir);
        cur = current_gen(dir);
        if (cur == 0)
                return fail(ret_error, -EBADMSG, "%s/current: not a link to a generation", dir);
        r = load_gen(dir, cur, ret, &err);
        if (r == 0 || r != -EBADMSG)
                return r < 0 ? fail(ret_error, r, "%s", err ? err : strerror(-r)) : 0;

        /* the previous generation, if kept: the configuration proven before this one */
        r = list_gens(dir, &gens, &n);
        if (r < 0)
                return r;
        for (size_t i = n; i > 0; i--) {
                _cleanup_(known_good_freep) known_good *k = NULL;

                if (gens[i - 1] >= cur)
                        continue;
                if (load_gen(dir, gens[i - 1], &k, NULL) < 0)
                        continue;
                k->from_previous = true;
                if (asprintf(&k->warning,
                             "%s; using the previous known-good (generation %" PRIu64 ", proven by %s) instead",
                             err ? err : "current generation unreadable", gens[i - 1], k->source) < 0)
                        return -ENOMEM;
                *ret = TAKE_PTR(k);
                return 0;
        }
        return fail(ret_error, -EBADMSG, "%s; no previous generation is readable", err ? err : "unreadable");
}
