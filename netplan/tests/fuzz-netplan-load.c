/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the netplan loader: the input is split at "\n%%%\n" markers into
 * up to four files (etc/netplan/10.yaml, run/netplan/20.yaml, lib/netplan/30.yaml,
 * etc/netplan/40.yaml) in a scratch root, then loaded, dumped and diffed against itself. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netplan/netplan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];
static const char *const names[] = { "etc/netplan/10.yaml", "run/netplan/20.yaml", "lib/netplan/30.yaml", "etc/netplan/40.yaml" };

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f) {
        return remove(p);
}

static void put(const char *rel, const uint8_t *d, size_t n) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", root, rel);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                abort();
        while (n > 0) {
                ssize_t k = write(fd, d, n);
                if (k <= 0)
                        abort();
                d += k;
                n -= (size_t) k;
        }
        close(fd);
}

static void cleanup(void) {
        nftw(root, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!root[0]) {
                snprintf(root, sizeof root, "/tmp/fuzz-netplan-%d", (int) getpid());
                atexit(cleanup);
                mkdir(root, 0700);
                char p[128];
                for (size_t i = 0; i < 3; i++) {
                        snprintf(p, sizeof p, "%s/%.3s", root, names[i]);
                        mkdir(p, 0700);
                        snprintf(p, sizeof p, "%s/%.11s", root, names[i]);
                        mkdir(p, 0700);
                }
        }
        for (size_t i = 0; i < 4; i++) {
                char p[256];
                snprintf(p, sizeof p, "%s/%s", root, names[i]);
                unlink(p);
        }
        size_t part = 0, start = 0;
        for (size_t i = 0; i + 5 <= size && part < 3; i++)
                if (memcmp(data + i, "\n%%%\n", 5) == 0) {
                        put(names[part++], data + start, i - start);
                        start = i + 5;
                        i += 4;
                }
        put(names[part], data + start, size - start);

        np_load_options o = { .root_dir = root, .netplan_version = size > 0 && data[0] == '#' ? "1.1" : "0.106" };
        np_config *c = NULL;
        np_diag_list diags = {};
        int r = np_config_load(&o, &c, &diags);
        for (size_t i = 0; i < diags.n; i++)
                free(np_diag_format(&diags.items[i]));
        if (r == 0) {
                free(np_config_dump(c));
                np_diff d = {};
                if (np_config_diff(c, c, &d) == 0) {
                        if (d.n != 0)
                                abort(); /* a configuration never differs from itself */
                        np_diff_clear(&d);
                }
                for (size_t i = 0; i < np_config_n_netdefs(c); i++) {
                        static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 1 };
                        np_link_info l = { .name = "eth0", .mac = mac, .driver = "virtio_net" };
                        (void) np_netdef_matches(np_config_netdef_at(c, i), &l);
                }
                np_config_free(c);
        } else if (r == -EINVAL && diags.n_errors == 0)
                abort(); /* a rejection always says why */
        np_diag_list_clear(&diags);
        return 0;
}
