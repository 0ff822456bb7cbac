/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file-read.h"
#include "common/ip-addr.h"
#include "hostwatch/store.h"

struct Store {
        int dir_fd;             /* dir/machines */
};

Store *store_free(Store *s) {
        if (!s)
                return NULL;
        if (s->dir_fd >= 0)
                close(s->dir_fd);
        return mfree(s);
}

static bool is_temp(const char *n) {
        return n[0] == '.' && strstr(n, ".tmp") != NULL;
}

int store_open(const char *dir, Store **ret) {
        _cleanup_(store_freep) Store *s = NULL;
        _cleanup_free_ char *machines = NULL;
        _cleanup_close_ int fd = -EBADF;
        DIR *d;

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        if (asprintf(&machines, "%s/machines", dir) < 0)
                return -ENOMEM;
        if (mkdir(machines, 0700) < 0 && errno != EEXIST)
                return -errno;
        fd = open(machines, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->dir_fd = TAKE_FD(fd);

        /* A write cut short by kill -9 leaves its temp file: never read, swept here. */
        fd = openat(s->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0 && (d = fdopendir(fd))) {
                fd = -EBADF;
                for (struct dirent *e; (e = readdir(d));)
                        if (is_temp(e->d_name))
                                (void) unlinkat(s->dir_fd, e->d_name, 0);
                closedir(d);
        }
        *ret = TAKE_PTR(s);
        return 0;
}

int store_record_to_json(const StoreRecord *rec, char **ret) {
        json_object *o = json_object_new_object();
        char *t;

        if (!o)
                return -ENOMEM;
        json_object_object_add(o, "address", json_object_new_string(rec->address));
        json_object_object_add(o, "evidence", json_object_new_string(rec->evidence));
        json_object_object_add(o, "verified_realtime_usec", json_object_new_uint64(rec->verified_realtime_usec));
        if (rec->host_key[0]) {
                json_object_object_add(o, "host_key", json_object_new_string(rec->host_key));
                json_object_object_add(o, "host_key_fingerprint", json_object_new_string(rec->host_key_fingerprint));
                json_object_object_add(o, "host_key_learned_realtime_usec",
                                       json_object_new_uint64(rec->host_key_learned_realtime_usec));
        }
        t = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
        if (!t)
                return -ENOMEM;
        *ret = t;
        return 0;
}

bool store_host_key_valid(const char *s) {
        const char *sp = strchr(s, ' ');

        if (!sp || sp == s || !sp[1] || strlen(s) >= STORE_HOST_KEY_MAX)
                return false;
        if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@.-") != (size_t) (sp - s))
                return false;
        return strspn(sp + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=") == strlen(sp + 1);
}

int store_record_from_json(const char *data, size_t size, StoreRecord *ret) {
        StoreRecord r = {};
        json_tokener *tok;
        json_object *o, *v;
        const char *s;
        ip_addr a;
        int err = -EBADMSG;

        if (size > STORE_RECORD_MAX)
                return -EBADMSG;
        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, data, (int) size);
        if (!o || json_tokener_get_error(tok) != json_tokener_success || !json_object_is_type(o, json_type_object))
                goto finish;
        if (!json_object_object_get_ex(o, "address", &v) || !json_object_is_type(v, json_type_string))
                goto finish;
        s = json_object_get_string(v);
        if (*s && ip_addr_from_string(s, AF_UNSPEC, &a) < 0)
                goto finish;
        if (strlen(s) >= sizeof r.address)
                goto finish;
        strcpy(r.address, s);
        if (json_object_object_get_ex(o, "evidence", &v) && json_object_is_type(v, json_type_string) &&
            strlen(json_object_get_string(v)) < sizeof r.evidence)
                strcpy(r.evidence, json_object_get_string(v));
        if (json_object_object_get_ex(o, "verified_realtime_usec", &v) && json_object_is_type(v, json_type_int))
                r.verified_realtime_usec = json_object_get_uint64(v);
        /* A pin we cannot read is not dropped quietly: the whole record is refused. */
        if (json_object_object_get_ex(o, "host_key", &v)) {
                if (!json_object_is_type(v, json_type_string) || !store_host_key_valid(json_object_get_string(v)))
                        goto finish;
                strcpy(r.host_key, json_object_get_string(v));
                if (json_object_object_get_ex(o, "host_key_fingerprint", &v) && json_object_is_type(v, json_type_string) &&
                    strlen(json_object_get_string(v)) < sizeof r.host_key_fingerprint)
                        strcpy(r.host_key_fingerprint, json_object_get_string(v));
                if (json_object_object_get_ex(o, "host_key_learned_realtime_usec", &v) &&
                    json_object_is_type(v, json_type_int))
                        r.host_key_learned_realtime_usec = json_object_get_uint64(v);
        }
        *ret = r;
        err = 0;
finish:
        json_object_put(o);
        json_tokener_free(tok);
        return err;
}

int store_load(Store *s, const char *name, StoreRecord *ret) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        size_t size;
        int r;

        if (asprintf(&path, "/proc/self/fd/%d/%s.json", s->dir_fd, name) < 0)
                return -ENOMEM;
        r = read_file_bounded(path, STORE_RECORD_MAX, READ_FILE_FOLLOW, &data, &size, NULL);
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        return store_record_from_json(data, size, ret);
}

int store_save(Store *s, const char *name, const StoreRecord *rec) {
        _cleanup_free_ char *json = NULL, *tmp = NULL, *final = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len;
        int r;

        r = store_record_to_json(rec, &json);
        if (r < 0)
                return r;
        if (asprintf(&tmp, ".%s.tmp%d", name, (int) getpid()) < 0 || asprintf(&final, "%s.json", name) < 0)
                return -ENOMEM;
        fd = openat(s->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        len = strlen(json);
        if (write(fd, json, len) != (ssize_t) len || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
                r = errno ? -errno : -EIO;
                (void) unlinkat(s->dir_fd, tmp, 0);
                return r;
        }
        if (renameat(s->dir_fd, tmp, s->dir_fd, final) < 0) {
                r = -errno;
                (void) unlinkat(s->dir_fd, tmp, 0);
                return r;
        }
        /* The rename is durable only once the directory is. */
        if (fsync(s->dir_fd) < 0)
                return -errno;
        return 0;
}

int store_remove(Store *s, const char *name) {
        _cleanup_free_ char *final = NULL;

        if (asprintf(&final, "%s.json", name) < 0)
                return -ENOMEM;
        if (unlinkat(s->dir_fd, final, 0) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}
