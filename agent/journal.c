/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/journal.h"
#include "common/file-read.h"
#include "common/fs-util.h"
#include "common/strv.h"

struct journal {
        int fd;
        uint64_t id;
};

static uint32_t crc32_ieee(const uint8_t *p, size_t n) {
        static uint32_t table[256];
        static bool ready;
        uint32_t c = 0xffffffffu;

        if (!ready) {
                for (uint32_t i = 0; i < 256; i++) {
                        uint32_t v = i;

                        for (unsigned k = 0; k < 8; k++)
                                v = v & 1 ? 0xedb88320u ^ (v >> 1) : v >> 1;
                        table[i] = v;
                }
                ready = true;
        }
        for (size_t i = 0; i < n; i++)
                c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
        return c ^ 0xffffffffu;
}

static void put_le32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) v, p[1] = (uint8_t) (v >> 8), p[2] = (uint8_t) (v >> 16), p[3] = (uint8_t) (v >> 24);
}

static uint32_t get_le32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static char *journal_path(const char *dir, uint64_t id) {
        char *p;

        if (asprintf(&p, "%s/%" PRIu64 ".journal", dir, id) < 0)
                return NULL;
        return p;
}

int journal_create(const char *dir, uint64_t id, journal **ret) {
        _cleanup_free_ char *path = journal_path(dir, id);
        journal *j;
        int fd, r;

        if (!path)
                return -ENOMEM;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        r = fsync_directory(dir);
        if (r < 0 || !(j = calloc(1, sizeof *j))) {
                close(fd);
                return r < 0 ? r : -ENOMEM;
        }
        j->fd = fd;
        j->id = id;
        *ret = j;
        return 0;
}

int journal_open(const char *dir, uint64_t id, journal **ret) {
        _cleanup_free_ char *path = journal_path(dir, id);
        _cleanup_(journal_log_freep) journal_log *log = NULL;
        journal *j;
        int fd, r;

        if (!path)
                return -ENOMEM;
        r = journal_read(dir, id, &log);
        if (r < 0)
                return r;
        if (log->end == JOURNAL_END_MISSING)
                return journal_create(dir, id, ret);
        if (log->valid_size < log->size) {
                _cleanup_free_ char *damaged = NULL;
                _cleanup_free_ char *data = NULL;
                size_t size;

                /* keep the damaged bytes aside before cutting them off */
                if (asprintf(&damaged, "%" PRIu64 ".journal.damaged", id) < 0)
                        return -ENOMEM;
                r = read_file_bounded(path, JOURNAL_FILE_MAX, 0, &data, &size, NULL);
                if (r < 0)
                        return r;
                r = write_file_atomic(dir, damaged, data, size, 0600);
                if (r < 0)
                        return r;
        }
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (log->valid_size < log->size && (ftruncate(fd, (off_t) log->valid_size) < 0 || fsync(fd) < 0)) {
                r = -errno;
                close(fd);
                return r;
        }
        j = calloc(1, sizeof *j);
        if (!j) {
                close(fd);
                return -ENOMEM;
        }
        j->fd = fd;
        j->id = id;
        *ret = j;
        return 0;
}

journal *journal_free(journal *j) {
        if (!j)
                return NULL;
        if (j->fd >= 0)
                close(j->fd);
        free(j);
        return NULL;
}

static void escape_into(FILE *f, const char *s) {
        for (; *s; s++) {
                if (*s == '\\')
                        fputs("\\\\", f);
                else if (*s == '\n')
                        fputs("\\n", f);
                else
                        fputc(*s, f);
        }
}

int journal_append(journal *j, const char *step, char *const *fields) {
        _cleanup_free_ char *payload = NULL;
        _cleanup_free_ uint8_t *rec = NULL;
        size_t size = 0, n;
        FILE *f;

        if (!step || !*step || strchr(step, '\n') || strchr(step, '='))
                return -EINVAL;
        for (char *const *p = fields; p && *p; p++) {
                const char *eq = strchr(*p, '=');

                if (!eq || eq == *p || memchr(*p, '\n', (size_t) (eq - *p)))
                        return -EINVAL;
        }
        f = open_memstream(&payload, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, "%s\n", step);
        for (char *const *p = fields; p && *p; p++) {
                const char *eq = strchr(*p, '=');

                fwrite(*p, 1, (size_t) (eq - *p) + 1, f);
                escape_into(f, eq + 1);
                fputc('\n', f);
        }
        if (fclose(f) != 0 || !payload)
                return -ENOMEM;
        if (size > JOURNAL_RECORD_MAX)
                return -E2BIG;
        n = JOURNAL_HEADER_SIZE + size;
        rec = malloc(n);
        if (!rec)
                return -ENOMEM;
        memcpy(rec, JOURNAL_MAGIC, 4);
        put_le32(rec + 4, (uint32_t) size);
        put_le32(rec + 8, crc32_ieee((const uint8_t *) payload, size));
        memcpy(rec + JOURNAL_HEADER_SIZE, payload, size);
        /* One write(): a crash leaves a prefix of this record at worst. */
        for (size_t off = 0; off < n;) {
                ssize_t k = write(j->fd, rec + off, n - off);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                off += (size_t) k;
        }
        if (fdatasync(j->fd) < 0)
                return -errno;
        return 0;
}

int journal_appendf(journal *j, const char *step, ...) {
        _cleanup_strv_free_ char **fields = NULL;
        va_list ap;
        int r = 0;

        va_start(ap, step);
        for (;;) {
                const char *k = va_arg(ap, const char *), *v;
                char *kv;

                if (!k)
                        break;
                v = va_arg(ap, const char *);
                if (!v)
                        continue;
                if (asprintf(&kv, "%s=%s", k, v) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = strv_push(&fields, kv);
                free(kv);
                if (r < 0)
                        break;
        }
        va_end(ap);
        if (r < 0)
                return r;
        return journal_append(j, step, fields);
}

static void record_done(journal_record *r) {
        free(r->step);
        strv_free(r->fields);
}

journal_log *journal_log_free(journal_log *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n_records; i++)
                record_done(&l->records[i]);
        free(l->records);
        free(l->description);
        free(l);
        return NULL;
}

/* payload → step and unescaped fields; -EBADMSG if it is not what journal_append writes */
static int parse_payload(const uint8_t *p, size_t n, journal_record *ret) {
        _cleanup_free_ char *step = NULL;
        _cleanup_strv_free_ char **fields = NULL;
        const uint8_t *end = p + n, *nl;

        if (n == 0 || memchr(p, 0, n) || p[n - 1] != '\n')
                return -EBADMSG;
        nl = memchr(p, '\n', n);
        if (nl == p)
                return -EBADMSG;
        step = strndup((const char *) p, (size_t) (nl - p));
        if (!step)
                return -ENOMEM;
        for (p = nl + 1; p < end; p = nl + 1) {
                _cleanup_free_ char *kv = NULL;
                size_t k = 0;

                nl = memchr(p, '\n', (size_t) (end - p));
                kv = malloc((size_t) (nl - p) + 1);
                if (!kv)
                        return -ENOMEM;
                for (const uint8_t *q = p; q < nl; q++) {
                        if (*q == '\\' && q + 1 < nl) {
                                q++;
                                kv[k++] = *q == 'n' ? '\n' : (char) *q;
                        } else
                                kv[k++] = (char) *q;
                }
                kv[k] = 0;
                if (!strchr(kv, '='))
                        return -EBADMSG;
                if (strv_push(&fields, kv) < 0)
                        return -ENOMEM;
        }
        ret->step = TAKE_PTR(step);
        ret->fields = TAKE_PTR(fields);
        return 0;
}

int journal_parse(const uint8_t *data, size_t size, uint64_t id, journal_log **ret) {
        _cleanup_(journal_log_freep) journal_log *l = calloc(1, sizeof *l);
        const char *problem = NULL;
        size_t off = 0;
        int r;

        if (!l)
                return -ENOMEM;
        l->id = id;
        l->size = size;
        l->end = JOURNAL_END_CLEAN;
        while (off < size) {
                journal_record rec = { .offset = off };
                uint32_t len;
                journal_record *a;

                if (size - off < JOURNAL_HEADER_SIZE) {
                        l->end = JOURNAL_END_TORN;
                        break;
                }
                if (memcmp(data + off, JOURNAL_MAGIC, 4) != 0) {
                        l->end = JOURNAL_END_CORRUPT, problem = "bad magic";
                        break;
                }
                len = get_le32(data + off + 4);
                if (len > JOURNAL_RECORD_MAX) {
                        l->end = JOURNAL_END_CORRUPT, problem = "length over the limit";
                        break;
                }
                if (size - off - JOURNAL_HEADER_SIZE < len) {
                        l->end = JOURNAL_END_TORN;
                        break;
                }
                if (crc32_ieee(data + off + JOURNAL_HEADER_SIZE, len) != get_le32(data + off + 8)) {
                        l->end = JOURNAL_END_CORRUPT, problem = "CRC mismatch";
                        break;
                }
                r = parse_payload(data + off + JOURNAL_HEADER_SIZE, len, &rec);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        l->end = JOURNAL_END_CORRUPT, problem = "payload not a step and key=value lines";
                        break;
                }
                a = realloc(l->records, (l->n_records + 1) * sizeof *a);
                if (!a) {
                        record_done(&rec);
                        return -ENOMEM;
                }
                l->records = a;
                l->records[l->n_records++] = rec;
                off += JOURNAL_HEADER_SIZE + len;
        }
        l->valid_size = off;

        {
                const journal_record *last = journal_log_last(l);
                _cleanup_free_ char *after = NULL;

                if (last ? asprintf(&after, "after step '%s'", last->step) < 0 : !(after = strdup("before any record")))
                        return -ENOMEM;
                switch (l->end) {
                case JOURNAL_END_CLEAN:
                        r = l->n_records == 0 ? asprintf(&l->description, "empty journal (0 records)")
                                              : asprintf(&l->description, "%zu record%s, ends cleanly %s", l->n_records,
                                                         l->n_records == 1 ? "" : "s", after);
                        break;
                case JOURNAL_END_TORN:
                        r = asprintf(&l->description, "ends mid-record at byte %zu %s (%zu whole record%s)", off, after,
                                     l->n_records, l->n_records == 1 ? "" : "s");
                        break;
                case JOURNAL_END_CORRUPT:
                        r = asprintf(&l->description, "corrupt record at byte %zu (%s) %s (%zu whole record%s)", off,
                                     problem, after, l->n_records, l->n_records == 1 ? "" : "s");
                        break;
                case JOURNAL_END_MISSING:
                case _JOURNAL_END_MAX:
                case _JOURNAL_END_INVALID:
                        r = -1;
                        break;
                }
                if (r < 0) {
                        l->description = NULL;
                        return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int journal_read(const char *dir, uint64_t id, journal_log **ret) {
        _cleanup_free_ char *path = journal_path(dir, id);
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r;

        if (!path)
                return -ENOMEM;
        r = read_file_bounded(path, JOURNAL_FILE_MAX, 0, &data, &size, NULL);
        if (r == -ENOENT) {
                journal_log *l = calloc(1, sizeof *l);

                if (!l || !(l->description = strdup("no journal"))) {
                        free(l);
                        return -ENOMEM;
                }
                l->id = id;
                l->end = JOURNAL_END_MISSING;
                *ret = l;
                return 0;
        }
        if (r < 0)
                return r;
        return journal_parse((const uint8_t *) data, size, id, ret);
}

const char *journal_record_get(const journal_record *r, const char *key) {
        size_t n = strlen(key);

        if (!r)
                return NULL;
        for (char **p = r->fields; p && *p; p++)
                if (strncmp(*p, key, n) == 0 && (*p)[n] == '=')
                        return *p + n + 1;
        return NULL;
}

const journal_record *journal_log_last(const journal_log *l) {
        return l && l->n_records > 0 ? &l->records[l->n_records - 1] : NULL;
}

const journal_record *journal_log_find(const journal_log *l, const char *step) {
        for (size_t i = l ? l->n_records : 0; i > 0; i--)
                if (strcmp(l->records[i - 1].step, step) == 0)
                        return &l->records[i - 1];
        return NULL;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

/* "<digits>" + suffix exactly; 0 if not. */
static uint64_t parse_id(const char *name, const char *suffix) {
        size_t n = strspn(name, "0123456789");
        uint64_t v = 0;

        if (n == 0 || n > 19 || strcmp(name + n, suffix) != 0 || name[0] == '0')
                return 0;
        for (size_t i = 0; i < n; i++)
                v = v * 10 + (uint64_t) (name[i] - '0');
        return v;
}

static int scan(const char *dir, bool dirs_too, uint64_t **ret_ids, size_t *ret_n) {
        _cleanup_free_ uint64_t *ids = NULL;
        size_t n = 0;
        DIR *d = opendir(dir);
        struct dirent *de;

        if (!d) {
                if (errno != ENOENT)
                        return -errno;
                *ret_ids = NULL;
                *ret_n = 0;
                return 0;
        }
        while ((de = readdir(d))) {
                uint64_t id = parse_id(de->d_name, ".journal");

                if (id == 0 && dirs_too)
                        id = parse_id(de->d_name, "");
                if (id == 0)
                        continue;
                uint64_t *a = realloc(ids, (n + 1) * sizeof *a);

                if (!a) {
                        closedir(d);
                        return -ENOMEM;
                }
                ids = a;
                ids[n++] = id;
        }
        closedir(d);
        if (n > 0)
                qsort(ids, n, sizeof *ids, cmp_u64);
        *ret_ids = TAKE_PTR(ids);
        *ret_n = n;
        return 0;
}

int journal_list(const char *dir, uint64_t **ret_ids, size_t *ret_n) {
        return scan(dir, false, ret_ids, ret_n);
}

int journal_next_id(const char *dir, uint64_t *ret) {
        _cleanup_free_ uint64_t *ids = NULL;
        size_t n;
        int r = scan(dir, true, &ids, &n);

        if (r < 0)
                return r;
        *ret = n > 0 ? ids[n - 1] + 1 : 1;
        return 0;
}

int journal_prune(const char *dir, size_t keep, uint64_t keep_id) {
        _cleanup_free_ uint64_t *ids = NULL;
        size_t n;
        int r, removed = 0;

        r = journal_list(dir, &ids, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; n > keep && i < n - keep; i++) {
                _cleanup_free_ char *path = journal_path(dir, ids[i]), *sub = NULL, *damaged = NULL;

                if (ids[i] == keep_id)
                        continue;
                if (!path || asprintf(&sub, "%s/%" PRIu64, dir, ids[i]) < 0 ||
                    asprintf(&damaged, "%s.damaged", path) < 0)
                        return -ENOMEM;
                /* the directory first: a journal without its directory still reads */
                r = rm_rf(sub);
                if (r < 0)
                        return r;
                (void) unlink(damaged);
                if (unlink(path) < 0 && errno != ENOENT)
                        return -errno;
                removed++;
        }
        if (removed > 0)
                (void) fsync_directory(dir);
        return removed;
}

const char *journal_end_to_string(journal_end e) {
        switch (e) {
        case JOURNAL_END_CLEAN:
                return "clean";
        case JOURNAL_END_MISSING:
                return "missing";
        case JOURNAL_END_TORN:
                return "torn";
        case JOURNAL_END_CORRUPT:
                return "corrupt";
        case _JOURNAL_END_MAX:
        case _JOURNAL_END_INVALID:
                break;
        }
        return NULL;
}
