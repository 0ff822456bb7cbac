/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The grammar of definitions that hold or point at others: bonds, bridges and VRFs with
 * their members, VLANs with their link; the membership rules netplan enforces as it
 * parses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/string-util.h"
#include "netplan/grammar-ip.h"
#include "netplan/grammar-link.h"
#include "netplan/grammar-member.h"
#include "common/strv.h"
#include "netplan/value.h"

static int h_bond_mode(np_parser *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad",
                                          "balance-tlb", "balance-alb", "balance-tcp", "balance-slb", NULL };
        if (!np_in_list(S(n), ok, false))
                return np_err(c, n, "unknown bond mode '%s'", S(n));
        if (strcmp(S(n), "balance-tcp") == 0 || strcmp(S(n), "balance-slb") == 0)
                c->cur->backend = NP_BACKEND_OVS;
        return 0;
}

static int h_arp_ip_targets(np_parser *c, const np_node *n, const void *data) {
        if (c->cur->n_arp_targets == n->n) /* see h_wg_peers */
                return 0;
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_SCALAR)
                        return np_err(c, e, "expected scalar");
                if (!np_is_ip4(S(e)))
                        return np_err(c, n, "malformed address '%s', must be X.X.X.X or X:X:X:X:X:X:X:X", S(e));
                c->cur->n_arp_targets++;
        }
        return 0;
}

static int h_bond_primary(np_parser *c, const np_node *n, const void *data) {
        np_sdef *comp = np_state_find(c->s, S(n));
        if (!comp)
                return np_refs_note_missing(&c->refs, n, c->cur->id);
        if (c->cur->primary && strcmp(c->cur->primary, S(n)) != 0)
                return np_err(c, n, "%s: bond already has a primary member: %s", c->cur->id, c->cur->primary);
        return free_and_strdup(&c->cur->primary, S(n));
}

static const np_kdef bond_param_keys[] = {
        { "mode", NP_NODE_SCALAR, h_bond_mode },
        { "lacp-rate", NP_NODE_SCALAR, np_h_str },
        { "mii-monitor-interval", NP_NODE_SCALAR, np_h_str },
        { "min-links", NP_NODE_SCALAR, np_h_uint },
        { "transmit-hash-policy", NP_NODE_SCALAR, np_h_str },
        { "ad-select", NP_NODE_SCALAR, np_h_str },
        { "all-slaves-active", NP_NODE_SCALAR, np_h_bool },
        { "all-members-active", NP_NODE_SCALAR, np_h_bool },
        { "arp-interval", NP_NODE_SCALAR, np_h_str },
        { "arp-ip-targets", NP_NODE_SEQUENCE, h_arp_ip_targets },
        { "arp-validate", NP_NODE_SCALAR, np_h_str },
        { "arp-all-targets", NP_NODE_SCALAR, np_h_str },
        { "up-delay", NP_NODE_SCALAR, np_h_str },
        { "down-delay", NP_NODE_SCALAR, np_h_str },
        { "fail-over-mac-policy", NP_NODE_SCALAR, np_h_str },
        { "gratuitous-arp", NP_NODE_SCALAR, np_h_uint },
        { "gratuitious-arp", NP_NODE_SCALAR, np_h_uint },
        { "packets-per-slave", NP_NODE_SCALAR, np_h_uint },
        { "packets-per-member", NP_NODE_SCALAR, np_h_uint },
        { "primary-reselect-policy", NP_NODE_SCALAR, np_h_str },
        { "resend-igmp", NP_NODE_SCALAR, np_h_uint },
        { "learn-packet-interval", NP_NODE_SCALAR, np_h_str },
        { "primary", NP_NODE_SCALAR, h_bond_primary },
        {}
};

static int port_map(np_parser *c, const np_node *n, bool prio) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *k = n->keys[i], *v = n->values[i];
                if (k->type != NP_NODE_SCALAR)
                        return np_err(c, k, "expected scalar");
                if (v->type != NP_NODE_SCALAR)
                        return np_err(c, v, "expected scalar");
                np_sdef *comp = np_state_find(c->s, S(k));
                if (!comp) {
                        int r = np_refs_note_missing(&c->refs, k, c->cur->id);
                        if (r < 0)
                                return r;
                        continue;
                }
                char ***seen = prio ? &comp->port_prio : &comp->path_cost;
                if (*seen && (*seen)[0]) {
                        return np_err(c, n, prio ? "%s: interface '%s' already has a port priority of %s"
                                              : "%s: interface '%s' already has a path cost of %s",
                                   c->cur->id, S(k), (*seen)[0]);
                }
                unsigned long long val;
                if (prio) {
                        char *end;
                        val = strtoull(S(v), &end, 10);
                        if (*end != '\0' || val > 63)
                                return np_err(c, n, "invalid port priority value (must be between 0 and 63): %s", S(v));
                } else if (!np_parse_guint(S(v), &val))
                        return np_err(c, n, "invalid unsigned int value '%s'", S(v));
                if (val != 0) {
                        char buf[32];
                        snprintf(buf, sizeof buf, "%llu", val);
                        if (strv_push(seen, buf) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

static int h_path_cost(np_parser *c, const np_node *n, const void *data) {
        return port_map(c, n, false);
}

static int h_port_prio(np_parser *c, const np_node *n, const void *data) {
        return port_map(c, n, true);
}

static const np_kdef bridge_param_keys[] = {
        { "ageing-time", NP_NODE_SCALAR, np_h_str },
        { "forward-delay", NP_NODE_SCALAR, np_h_str },
        { "hello-time", NP_NODE_SCALAR, np_h_str },
        { "max-age", NP_NODE_SCALAR, np_h_str },
        { "path-cost", NP_NODE_MAPPING, h_path_cost },
        { "port-priority", NP_NODE_MAPPING, h_port_prio },
        { "priority", NP_NODE_SCALAR, np_h_uint },
        { "stp", NP_NODE_SCALAR, np_h_bool },
        {}
};

static int member_of(np_parser *c, const np_node *list, const np_node *e, np_sdef *comp) {
        np_sdef *d = c->cur;
        switch (d->type) {
        case NP_DEF_BRIDGE:
                if (comp->bridge && strcmp(comp->bridge, d->id) != 0)
                        return np_err(c, list, "%s: interface '%s' is already assigned to bridge %s", d->id, S(e), comp->bridge);
                if (comp->bond)
                        return np_err(c, list, "%s: interface '%s' is already assigned to bond %s", d->id, S(e), comp->bond);
                if (comp->backend == NP_BACKEND_OVS)
                        d->backend = NP_BACKEND_OVS;
                return free_and_strdup(&comp->bridge, d->id);
        case NP_DEF_BOND:
                if (comp->bridge)
                        return np_err(c, list, "%s: interface '%s' is already assigned to bridge %s", d->id, S(e), comp->bridge);
                if (comp->bond && strcmp(comp->bond, d->id) != 0)
                        return np_err(c, list, "%s: interface '%s' is already assigned to bond %s", d->id, S(e), comp->bond);
                if (comp->backend == NP_BACKEND_OVS)
                        d->backend = NP_BACKEND_OVS;
                return free_and_strdup(&comp->bond, d->id);
        case NP_DEF_VRF:
                if (comp->vrf && strcmp(comp->vrf, d->id) != 0)
                        return np_err(c, list, "%s: interface '%s' is already assigned to vrf %s", d->id, S(e), comp->vrf);
                return free_and_strdup(&comp->vrf, d->id);
        default:
                return 0;
        }
}

static int h_interfaces(np_parser *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_SCALAR)
                        return np_err(c, e, "expected scalar");
                np_sdef *comp = np_state_find(c->s, S(e));
                if (!comp) {
                        int r = np_refs_note_missing(&c->refs, e, c->cur->id);
                        if (r < 0)
                                return r;
                        continue;
                }
                int r = member_of(c, n, e, comp);
                if (r < 0)
                        return r;
        }
        return 0;
}

int np_h_link_ref(np_parser *c, const np_node *n, const void *data) {
        np_sdef *ref = np_state_find(c->s, S(n));
        if (!ref)
                return np_refs_note_missing(&c->refs, n, c->cur->id);
        c->cur->link_ok = true;
        if (c->cur->type == NP_DEF_VLAN && ref->backend == NP_BACKEND_OVS)
                c->cur->backend = NP_BACKEND_OVS;
        return 0;
}

int np_h_vlan_id(np_parser *c, const np_node *n, const void *data) {
        unsigned long long v;
        if (!np_parse_guint(S(n), &v))
                return np_err(c, n, "invalid unsigned int value '%s'", S(n));
        c->cur->vlan_id = (long long) v;
        return 0;
}

const np_kdef np_bond_keys[] = {
        { NULL, 0, NULL, np_link_keys },
        { "interfaces", NP_NODE_SEQUENCE, h_interfaces },
        { "parameters", NP_NODE_MAPPING, np_h_map, NULL, bond_param_keys },
        {}
};

const np_kdef np_bridge_keys[] = {
        { NULL, 0, NULL, np_link_keys },
        { "interfaces", NP_NODE_SEQUENCE, h_interfaces },
        { "parameters", NP_NODE_MAPPING, np_h_map, NULL, bridge_param_keys },
        {}
};

const np_kdef np_vlan_keys[] = {
        { NULL, 0, NULL, np_link_keys },
        { "id", NP_NODE_SCALAR, np_h_vlan_id },
        { "link", NP_NODE_SCALAR, np_h_link_ref },
        {}
};

const np_kdef np_vrf_keys[] = {
        { "table", NP_NODE_SCALAR, np_h_uint },
        { "interfaces", NP_NODE_SEQUENCE, h_interfaces },
        { NULL, 0, NULL, np_routing_keys },
        { NULL, 0, NULL, np_link_backend_keys },
        {}
};
