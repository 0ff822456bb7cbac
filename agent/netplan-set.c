/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "agent/netplan-set.h"

/* Not yet: bodies follow. */
int netplan_set_new(netplan_set **ret) {
        netplan_set *s = calloc(1, sizeof *s);

        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
netplan_set *netplan_set_free(netplan_set *s) {
        free(s);
        return NULL;
}
bool netplan_name_valid(const char *name) { (void) name; return false; }
int netplan_set_put(netplan_set *s, const char *name, const void *data, size_t size) { (void) s; (void) name; (void) data; (void) size; return -EOPNOTSUPP; }
int netplan_set_put_path(netplan_set *s, const char *path) { (void) s; (void) path; return -EOPNOTSUPP; }
int netplan_set_remove(netplan_set *s, const char *name) { (void) s; (void) name; return -EOPNOTSUPP; }
const netplan_file *netplan_set_find(const netplan_set *s, const char *name) { (void) s; (void) name; return NULL; }
int netplan_set_copy(const netplan_set *s, netplan_set **ret) { (void) s; (void) ret; return -EOPNOTSUPP; }
int netplan_set_read_dir(const char *dir, netplan_set **ret, char **ret_error) { (void) dir; (void) ret; (void) ret_error; return -EOPNOTSUPP; }
int netplan_file_write_atomic(const char *dir, const char *name, const void *data, size_t size, unsigned mode) { (void) dir; (void) name; (void) data; (void) size; (void) mode; return -EOPNOTSUPP; }
int netplan_set_write_dir(const netplan_set *s, const char *dir) { (void) s; (void) dir; return -EOPNOTSUPP; }
bool netplan_set_equal(const netplan_set *a, const netplan_set *b) { (void) a; (void) b; return false; }
bool netplan_file_equal(const netplan_file *a, const netplan_file *b) { (void) a; (void) b; return false; }
int netplan_set_manifest(const netplan_set *s, char **ret) { (void) s; (void) ret; return -EOPNOTSUPP; }
void netplan_set_digest(const netplan_set *s, uint8_t ret[SHA256_DIGEST_SIZE]) { (void) s; sha256("", 0, ret); }
void netplan_set_digest_hex(const netplan_set *s, char ret[SHA256_HEX_SIZE]) { uint8_t d[SHA256_DIGEST_SIZE]; netplan_set_digest(s, d); sha256_to_hex(d, ret); }
