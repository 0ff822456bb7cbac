/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/ip-addr.h"
#include "common/parse-util.h"

size_t ip_family_size(int family) {
        return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

unsigned ip_family_bits(int family) {
        return (unsigned) ip_family_size(family) * 8;
}

int ip_addr_from_bytes(int family, const void *bytes, unsigned prefixlen, ip_addr *ret) {
        size_t n = ip_family_size(family);

        if (n == 0)
                return -EAFNOSUPPORT;
        if (prefixlen > n * 8)
                return -ERANGE;
        *ret = (ip_addr) { .family = family, .prefixlen = (uint8_t) prefixlen };
        memcpy(ret->bytes, bytes, n);
        return 0;
}

int ip_addr_from_string(const char *s, int family, ip_addr *ret) {
        ip_addr a = {};

        if (!s)
                return -EINVAL;
        if ((family == AF_UNSPEC || family == AF_INET) && inet_pton(AF_INET, s, &a.in) == 1)
                a.family = AF_INET;
        else if ((family == AF_UNSPEC || family == AF_INET6) && inet_pton(AF_INET6, s, &a.in6) == 1)
                a.family = AF_INET6;
        else
                return -EINVAL;
        a.prefixlen = (uint8_t) ip_family_bits(a.family);
        *ret = a;
        return 0;
}

int ip_prefix_from_string(const char *s, int family, bool prefix_required, ip_addr *ret) {
        char buf[INET6_ADDRSTRLEN];
        const char *slash;
        uint32_t len;
        ip_addr a;
        int r;

        if (!s)
                return -EINVAL;
        slash = strchr(s, '/');
        if (!slash) {
                if (prefix_required)
                        return -EINVAL;
                return ip_addr_from_string(s, family, ret);
        }
        if ((size_t) (slash - s) >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, (size_t) (slash - s));
        buf[slash - s] = 0;
        r = ip_addr_from_string(buf, family, &a);
        if (r < 0)
                return r;
        r = parse_u32(slash + 1, &len);
        if (r < 0)
                return -EINVAL;
        if (len > ip_family_bits(a.family))
                return -ERANGE;
        a.prefixlen = (uint8_t) len;
        *ret = a;
        return 0;
}

int ip_addr_to_string(const ip_addr *a, char *buf, size_t size) {
        if (ip_family_size(a->family) == 0)
                return -EAFNOSUPPORT;
        if (!inet_ntop(a->family, a->bytes, buf, (socklen_t) size))
                return -ENOSPC;
        return 0;
}

int ip_prefix_to_string(const ip_addr *a, char *buf, size_t size) {
        int r = ip_addr_to_string(a, buf, size);
        size_t n;

        if (r < 0)
                return r;
        n = strlen(buf);
        r = snprintf(buf + n, size - n, "/%u", a->prefixlen);
        if (r < 0 || (size_t) r >= size - n)
                return -ENOSPC;
        return 0;
}

bool ip_addr_equal(const ip_addr *a, const ip_addr *b) {
        return a->family == b->family && ip_family_size(a->family) > 0 &&
               memcmp(a->bytes, b->bytes, ip_family_size(a->family)) == 0;
}

bool ip_prefix_contains(const ip_addr *net, const ip_addr *a) {
        unsigned len = net->prefixlen;

        if (net->family != a->family || len > ip_family_bits(net->family))
                return false;
        if (memcmp(net->bytes, a->bytes, len / 8) != 0)
                return false;
        if (len % 8) {
                uint8_t mask = (uint8_t) (0xff << (8 - len % 8));
                if ((net->bytes[len / 8] & mask) != (a->bytes[len / 8] & mask))
                        return false;
        }
        return true;
}

ip_addr ip_addr_subnet(const ip_addr *a) {
        ip_addr s = *a;
        size_t n = ip_family_size(a->family);

        if (a->prefixlen > n * 8)
                return s;
        for (size_t i = 0; i < n; i++) {
                unsigned keep = a->prefixlen > i * 8 ? a->prefixlen - (unsigned) i * 8 : 0;
                if (keep < 8)
                        s.bytes[i] &= (uint8_t) (0xff << (8 - keep));
        }
        return s;
}

bool ip_addr_is_set(const ip_addr *a) {
        return ip_family_size(a->family) > 0;
}

bool ip_addr_is_link_local(const ip_addr *a) {
        return a->family == AF_INET6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
}
