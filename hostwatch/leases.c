/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <json-c/json.h>
#include <string.h>

#include "common/ether-addr.h"
#include "common/macro.h"
#include "common/parse-util.h"
#include "hostwatch/leases.h"

/* Keeps ret sorted: the latest expiry first, 0 (never) before everything. */
static void insert(Lease *ret, size_t max, size_t found, const Lease *l) {
        size_t n = found < max ? found : max, i;

        if (max == 0)
                return;
        for (i = 0; i < n; i++) {
                uint64_t e = ret[i].expiry, le = l->expiry;
                if ((le == 0 && e != 0) || (e != 0 && le > e))
                        break;
        }
        if (i >= max)
                return;
        if (n == max)
                n--;
        memmove(ret + i + 1, ret + i, (n - i) * sizeof *ret);
        ret[i] = *l;
}

static int parse_dnsmasq(const char *data, size_t size, const uint8_t mac[static 6], Lease *ret, size_t max,
                         size_t *ret_bad) {
        size_t found = 0, bad = 0, pos = 0;

        while (pos < size) {
                const char *nl = memchr(data + pos, '\n', size - pos);
                size_t len = nl ? (size_t) (nl - (data + pos)) : size - pos;
                char line[LEASES_LINE_MAX + 1], *fields[3], *save = NULL;
                uint8_t m[6];
                uint64_t expiry;
                Lease l;
                size_t k = 0;

                if (len > LEASES_LINE_MAX) {
                        bad++;
                        goto next;
                }
                memcpy(line, data + pos, len);
                line[len] = 0;
                for (char *t = strtok_r(line, " \t\r", &save); t && k < 3; t = strtok_r(NULL, " \t\r", &save))
                        fields[k++] = t;
                if (k == 0 || strcmp(fields[0], "duid") == 0)
                        goto next;
                if (k < 3 || parse_u64(fields[0], &expiry) < 0) {
                        bad++;
                        goto next;
                }
                /* IPv6 lines name an IAID here, not a MAC: not ours to match. */
                if (ether_addr_from_string(fields[1], m) < 0)
                        goto next;
                if (ip_addr_from_string(fields[2], AF_UNSPEC, &l.address) < 0) {
                        bad++;
                        goto next;
                }
                if (memcmp(m, mac, 6) == 0) {
                        l.expiry = expiry;
                        insert(ret, max, found, &l);
                        found++;
                }
        next:
                pos += len + 1;
        }
        if (ret_bad)
                *ret_bad = bad;
        return (int) (found > INT32_MAX ? INT32_MAX : found);
}

static void tokener_freep(json_tokener **t) {
        if (*t)
                json_tokener_free(*t);
}

static void json_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}

static int parse_libvirt(const char *data, size_t size, const uint8_t mac[static 6], Lease *ret, size_t max,
                         size_t *ret_bad) {
        _cleanup_(tokener_freep) json_tokener *tok = json_tokener_new_ex(LEASES_JSON_DEPTH);
        _cleanup_(json_putp) json_object *root = NULL;
        size_t found = 0, bad = 0;

        if (!tok)
                return -ENOMEM;
        if (size > INT32_MAX)
                return -EBADMSG;
        root = json_tokener_parse_ex(tok, data, (int) size);
        if (!root || json_tokener_get_error(tok) != json_tokener_success ||
            !json_object_is_type(root, json_type_array))
                return -EBADMSG;
        for (size_t i = 0, n = json_object_array_length(root); i < n; i++) {
                json_object *e = json_object_array_get_idx(root, i), *v;
                uint8_t m[6];
                Lease l = {};

                if (!json_object_is_type(e, json_type_object))
                        return -EBADMSG;
                /* DHCPv6 entries carry a client id and no MAC. */
                if (!json_object_object_get_ex(e, "mac-address", &v))
                        continue;
                if (!json_object_is_type(v, json_type_string) ||
                    ether_addr_from_string(json_object_get_string(v), m) < 0) {
                        bad++;
                        continue;
                }
                if (!json_object_object_get_ex(e, "ip-address", &v) || !json_object_is_type(v, json_type_string) ||
                    ip_addr_from_string(json_object_get_string(v), AF_UNSPEC, &l.address) < 0) {
                        bad++;
                        continue;
                }
                if (json_object_object_get_ex(e, "expiry-time", &v)) {
                        int64_t x = json_object_get_int64(v);
                        if (!json_object_is_type(v, json_type_int) || x < 0) {
                                bad++;
                                continue;
                        }
                        l.expiry = (uint64_t) x;
                }
                if (memcmp(m, mac, 6) == 0) {
                        insert(ret, max, found, &l);
                        found++;
                }
        }
        if (ret_bad)
                *ret_bad = bad;
        return (int) (found > INT32_MAX ? INT32_MAX : found);
}

int leases_find(const char *data, size_t size, const uint8_t mac[static 6], Lease *ret, size_t max,
                size_t *ret_bad) {
        size_t i = 0;

        while (i < size && strchr(" \t\r\n", data[i]) && data[i])
                i++;
        if (i < size && data[i] == '[')
                return parse_libvirt(data, size, mac, ret, max, ret_bad);
        return parse_dnsmasq(data, size, mac, ret, max, ret_bad);
}
