/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The grammar of what every kind of link has: addressing options, DHCP and RA, the
 * renderer, and the keys of dummy devices and veths, which have nothing else. */
#include <string.h>
#include <strings.h>

#include "netplan/grammar-ip.h"
#include "netplan/grammar-link.h"
#include "netplan/grammar-ovs.h"
#include "netplan/value.h"

static int h_accept_ra(np_parser *c, const np_node *n, const void *data) {
        return np_h_bool(c, n, data);
}

static int h_activation_mode(np_parser *c, const np_node *n, const void *data) {
        if (strcmp(S(n), "manual") != 0 && strcmp(S(n), "off") != 0)
                return np_err(c, n, "Value of 'activation-mode' needs to be 'manual' or 'off'");
        return 0;
}

static int h_dhcp_identifier(np_parser *c, const np_node *n, const void *data) {
        if (strcasecmp(S(n), "duid") == 0 || strcasecmp(S(n), "mac") == 0)
                return 0;
        return np_err(c, n, "invalid DHCP client identifier type '%s'", S(n));
}

static int h_addrgen(np_parser *c, const np_node *n, const void *data) {
        if (strcmp(S(n), "eui64") != 0 && strcmp(S(n), "stable-privacy") != 0)
                return np_err(c, n, "unknown ipv6-address-generation '%s'", S(n));
        c->cur->has_addrgen = true;
        return 0;
}

static int h_addrtok(np_parser *c, const np_node *n, const void *data) {
        if (!np_is_ip6(S(n)))
                return np_err(c, n, "invalid ipv6-address-token '%s'", S(n));
        c->cur->has_addrtok = true;
        return 0;
}

int np_parse_backend(np_parser *c, const np_node *n, int *ret) {
        if (strcmp(S(n), "networkd") == 0)
                *ret = NP_BACKEND_NETWORKD;
        else if (strcmp(S(n), "NetworkManager") == 0)
                *ret = NP_BACKEND_NM;
        else
                return np_err(c, n, "unknown renderer '%s'", S(n));
        return 0;
}

static int h_netdef_renderer(np_parser *c, const np_node *n, const void *data) {
        if (c->cur->type == NP_DEF_VLAN && strcmp(S(n), "sriov") == 0)
                return 0;
        return np_parse_backend(c, n, &c->cur->backend);
}

static const np_kdef dhcp_overrides_keys[] = {
        { "hostname", NP_NODE_SCALAR, np_h_str },
        { "route-metric", NP_NODE_SCALAR, np_h_uint },
        { "send-hostname", NP_NODE_SCALAR, np_h_bool },
        { "use-dns", NP_NODE_SCALAR, np_h_bool },
        { "use-domains", NP_NODE_SCALAR, np_h_str },
        { "use-hostname", NP_NODE_SCALAR, np_h_bool },
        { "use-mtu", NP_NODE_SCALAR, np_h_bool },
        { "use-ntp", NP_NODE_SCALAR, np_h_bool },
        { "use-routes", NP_NODE_SCALAR, np_h_bool },
        {}
};

static const np_kdef ra_overrides_keys[] = {
        { "use-dns", NP_NODE_SCALAR, np_h_bool },
        { "use-domains", NP_NODE_SCALAR, np_h_str },
        { "table", NP_NODE_SCALAR, np_h_uint },
        { "use-mtu", NP_NODE_SCALAR, np_h_bool },
        { "use-gateway", NP_NODE_SCALAR, np_h_bool },
        {}
};

const np_kdef np_link_backend_keys[] = {
        { "renderer", NP_NODE_SCALAR, h_netdef_renderer },
        { "networkmanager", NP_NODE_MAPPING, np_h_map, NULL, np_nm_keys },
        { NULL, 0, NULL, np_ovs_netdef_keys },
        {}
};

const np_kdef np_link_keys[] = {
        { "accept-ra", NP_NODE_SCALAR, h_accept_ra },
        { "activation-mode", NP_NODE_SCALAR, h_activation_mode },
        { "critical", NP_NODE_SCALAR, np_h_bool },
        { "ignore-carrier", NP_NODE_SCALAR, np_h_bool },
        { "dhcp4", NP_NODE_SCALAR, np_h_bool },
        { "dhcp6", NP_NODE_SCALAR, np_h_bool },
        { "dhcp-identifier", NP_NODE_SCALAR, h_dhcp_identifier },
        { "dhcp4-overrides", NP_NODE_MAPPING, np_h_map, NULL, dhcp_overrides_keys },
        { "dhcp6-overrides", NP_NODE_MAPPING, np_h_map, NULL, dhcp_overrides_keys },
        { "ipv6-address-generation", NP_NODE_SCALAR, h_addrgen },
        { "ipv6-address-token", NP_NODE_SCALAR, h_addrtok },
        { "ipv6-mtu", NP_NODE_SCALAR, np_h_uint },
        { "ipv6-privacy", NP_NODE_SCALAR, np_h_bool },
        { "macaddress", NP_NODE_SCALAR, np_h_mac },
        { "mtu", NP_NODE_SCALAR, np_h_uint },
        { "optional", NP_NODE_SCALAR, np_h_bool },
        { "neigh-suppress", NP_NODE_SCALAR, np_h_bool },
        { "ra-overrides", NP_NODE_MAPPING, np_h_map, NULL, ra_overrides_keys, NP_V(1, 1) },
        { "enable-dad", NP_NODE_SCALAR, np_h_bool, NULL, NULL, NP_V(1, 1) },
        { NULL, 0, NULL, np_ip_keys },
        { NULL, 0, NULL, np_link_backend_keys },
        {}
};

const np_kdef np_dummy_keys[] = {
        { NULL, 0, NULL, np_link_keys },
        {}
};

const np_kdef np_veth_keys[] = {
        { NULL, 0, NULL, np_link_keys },
        { "peer", NP_NODE_SCALAR, np_h_str },
        {}
};
