/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The grammar of tunnels: ip/gre/sit/vti tunnels, wireguard peers and vxlan. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netplan/grammar-ip.h"
#include "netplan/grammar-link.h"
#include "netplan/grammar-member.h"
#include "netplan/grammar-tunnel.h"
#include "netplan/value.h"

static const char *const tunnel_modes[] = {
        "ipip", "gre", "sit", "isatap", "vti", "ip6ip6", "ipip6", "ip6gre", "vti6", "gretap", "ip6gretap",
        "wireguard", "vxlan", NULL
};

static int h_tunnel_mode(np_parser *c, const np_node *n, const void *data) {
        for (size_t i = 0; tunnel_modes[i]; i++)
                if (strcmp(S(n), tunnel_modes[i]) == 0)
                        return 0;
        return np_err(c, n, "%s: tunnel mode '%s' is not supported", c->cur->id, S(n));
}

static int h_tunnel_addr(np_parser *c, const np_node *n, const void *data) {
        if (strchr(S(n), '/'))
                return np_err(c, n, "address '%s' should not include /prefixlength", S(n));
        if (np_is_ip4(S(n)) || np_is_ip6(S(n)))
                return 0;
        return np_err(c, n, "malformed address '%s', must be X.X.X.X or X:X:X:X:X:X:X:X", S(n));
}

static const np_kdef tunnel_key_keys[] = {
        { "input", NP_NODE_SCALAR, np_h_str },
        { "output", NP_NODE_SCALAR, np_h_str },
        { "private", NP_NODE_SCALAR, np_h_str },
        { "private-key-flags", NP_NODE_SEQUENCE, np_h_strseq, NULL, NULL, NP_V(0, 107) },
        {}
};

static int h_tunnel_keys(np_parser *c, const np_node *n, const void *data) {
        if (n->type == NP_NODE_SCALAR)
                return 0;
        if (n->type == NP_NODE_MAPPING)
                return np_process_mapping(c, n, tunnel_key_keys);
        return np_err(c, n, "invalid type for 'key[s]': must be a scalar or mapping");
}

static int h_wg_endpoint(np_parser *c, const np_node *n, const void *data) {
        _cleanup_free_ char *ep = strdup(S(n));
        char *port, *address;
        if (!ep)
                return -ENOMEM;
        if (strlen(ep) < 3)
                return np_err(c, n, "invalid endpoint address or hostname '%s'", S(n));
        if (ep[0] == '[') {
                char *end = strrchr(ep, ']');
                if (!end)
                        return np_err(c, n, "invalid address in endpoint '%s'", S(n));
                address = ep + 1;
                *end = '\0';
                port = strrchr(end + 1, ':');
        } else {
                address = ep;
                port = strrchr(ep, ':');
        }
        if (!port)
                return np_err(c, n, "endpoint '%s' is missing :port", S(n));
        *port++ = '\0';
        if (strtoull(port, NULL, 10) > 65535)
                return np_err(c, n, "invalid port in endpoint '%s'", S(n));
        if (np_is_ip4(address) || np_is_ip6(address) || np_is_hostname(address))
                return 0;
        return np_err(c, n, "invalid endpoint address or hostname '%s'", S(n));
}

static int h_allowed_ips(np_parser *c, const np_node *n, const void *data) {
        return np_check_addresses(c, n, false);
}

static const np_kdef wg_peer_key_keys[] = {
        { "public", NP_NODE_SCALAR, np_h_str },
        { "shared", NP_NODE_SCALAR, np_h_str },
        {}
};

static const np_kdef wg_peer_keys[] = {
        { "keys", NP_NODE_MAPPING, np_h_map, NULL, wg_peer_key_keys },
        { "keepalive", NP_NODE_SCALAR, np_h_uint },
        { "endpoint", NP_NODE_SCALAR, h_wg_endpoint },
        { "allowed-ips", NP_NODE_SEQUENCE, h_allowed_ips },
        {}
};

/* netplan skips (unchecked) a list as long as the one the definition already holds: its
 * guard against adding the same entries again on a second parser pass */
static int h_wg_peers(np_parser *c, const np_node *n, const void *data) {
        if (c->cur->n_peers == n->n)
                return 0;
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_MAPPING)
                        return np_type_error(c, e, NP_NODE_MAPPING);
                int r = np_process_mapping(c, e, wg_peer_keys);
                if (r < 0)
                        return r;
                c->cur->n_peers++; /* netplan appends each peer once it parsed */
        }
        return 0;
}

static const np_flag_set vxlan_notifications = { "notifications", (const char *const[]) { "l2-miss", "l3-miss", NULL } };
static const np_flag_set vxlan_checksums = {
        "checksums", (const char *const[]) { "udp", "zero-udp6-tx", "zero-udp6-rx", "remote-tx", "remote-rx", NULL }
};
static const np_flag_set vxlan_extensions = { "extensions", (const char *const[]) { "group-policy", "generic-protocol", NULL } };

static int h_port_range(np_parser *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_SCALAR)
                        return np_err(c, e, "expected scalar");
                int r = np_h_uint(c, e, NULL);
                if (r < 0)
                        return r;
        }
        if (n->n != 2)
                return np_err(c, n, "%s: Expected exactly two values for port-range", c->cur->id);
        return 0;
}

const np_kdef np_tunnel_keys[] = {
        { NULL, 0, NULL, np_link_keys },
        { "mode", NP_NODE_SCALAR, h_tunnel_mode },
        { "local", NP_NODE_SCALAR, h_tunnel_addr },
        { "remote", NP_NODE_SCALAR, h_tunnel_addr },
        { "ttl", NP_NODE_SCALAR, np_h_uint },
        { "key", NP_ANY_NODE, h_tunnel_keys },
        { "keys", NP_ANY_NODE, h_tunnel_keys },
        { "mark", NP_NODE_SCALAR, np_h_uint },
        { "port", NP_NODE_SCALAR, np_h_uint },
        { "peers", NP_NODE_SEQUENCE, h_wg_peers },
        /* vxlan */
        { "id", NP_NODE_SCALAR, np_h_vlan_id },
        { "link", NP_NODE_SCALAR, np_h_link_ref },
        { "type-of-service", NP_NODE_SCALAR, np_h_uint },
        { "mac-learning", NP_NODE_SCALAR, np_h_bool },
        { "ageing", NP_NODE_SCALAR, np_h_uint },
        { "aging", NP_NODE_SCALAR, np_h_uint },
        { "limit", NP_NODE_SCALAR, np_h_uint },
        { "arp-proxy", NP_NODE_SCALAR, np_h_bool },
        { "notifications", NP_NODE_SEQUENCE, np_h_flags, .data = &vxlan_notifications },
        { "short-circuit", NP_NODE_SCALAR, np_h_bool },
        { "checksums", NP_NODE_SEQUENCE, np_h_flags, .data = &vxlan_checksums },
        { "extensions", NP_NODE_SEQUENCE, np_h_flags, .data = &vxlan_extensions },
        { "port-range", NP_NODE_SEQUENCE, h_port_range },
        { "flow-label", NP_NODE_SCALAR, np_h_uint },
        { "do-not-fragment", NP_NODE_SCALAR, np_h_bool },
        { "hairpin", NP_NODE_SCALAR, np_h_bool, NULL, NULL, NP_V(1, 0) },
        { "port-mac-learning", NP_NODE_SCALAR, np_h_bool, NULL, NULL, NP_V(1, 0) },
        {}
};
