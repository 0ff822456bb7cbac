/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/host-hint.h"
#include "common/ether-addr.h"
#include "common/macro.h"

int host_hint_format(const ProtoHostHello *h, char **ret) {
        char mac[ETHER_ADDR_STRLEN] = "", host[IP_PREFIX_STRLEN] = "";
        bool has_mac, has_host;
        char *s;
        int r;

        if (!h || !ret)
                return -EINVAL;
        has_mac = !ether_addr_is_zero(h->mgmt_mac);
        has_host = ip_addr_is_set(&h->host_address) && ip_addr_to_string(&h->host_address, host, sizeof(host)) == 0;
        if (has_mac)
                ether_addr_to_string(h->mgmt_mac, mac);
        if (!has_mac && !has_host)
                r = asprintf(&s, "%s", "");
        else
                r = asprintf(&s, "# written by netguard-agent from the host's HELLO\nmanagement: { %s%s%s%s%s%s }\n",
                             has_mac ? "macaddress: \"" : "", mac, has_mac ? "\"" : "",
                             has_mac && has_host ? ", " : "", has_host ? "host: " : "", host);
        if (r < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int fsync_dir(const char *dir) {
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0 || fsync(fd) < 0)
                return negative_errno();
        return 0;
}

int host_hint_write(const char *path, const ProtoHostHello *h) {
        _cleanup_free_ char *text = NULL, *tmp = NULL, *copy = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *dir;
        size_t n, done = 0;
        int r;

        if (!path || !h)
                return -EINVAL;
        r = host_hint_format(h, &text);
        if (r < 0)
                return r;
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        dir = dirname(copy);

        if (!text[0]) {
                if (unlink(path) < 0 && errno != ENOENT)
                        return negative_errno();
                return 0;
        }
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return negative_errno();
        if (asprintf(&tmp, "%s.tmp", path) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return negative_errno();
        n = strlen(text);
        while (done < n) {
                ssize_t k = write(fd, text + done, n - done);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = negative_errno();
                        (void) unlink(tmp);
                        return r;
                }
                done += (size_t) k;
        }
        if (fsync(fd) < 0 || rename(tmp, path) < 0) {
                r = negative_errno();
                (void) unlink(tmp);
                return r;
        }
        return fsync_dir(dir);
}
