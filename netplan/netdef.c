/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The typed view of each merged definition. */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "netplan/netdef.h"
#include "common/strv.h"
#include "netplan/value.h"

static const char *const section_names[_NP_DEF_TYPE_MAX] = {
        [NP_DEF_ETHERNET] = "ethernets",
        [NP_DEF_WIFI] = "wifis",
        [NP_DEF_MODEM] = "modems",
        [NP_DEF_BOND] = "bonds",
        [NP_DEF_BRIDGE] = "bridges",
        [NP_DEF_VLAN] = "vlans",
        [NP_DEF_TUNNEL] = "tunnels",
        [NP_DEF_VRF] = "vrfs",
        [NP_DEF_DUMMY] = "dummy-devices",
        [NP_DEF_VETH] = "virtual-ethernets",
        [NP_DEF_NM_DEVICE] = "nm-devices",
        [NP_DEF_OVS_PORT] = "openvswitch",
};

const char *np_def_type_to_section(np_def_type t) {
        if (t < 0 || t >= _NP_DEF_TYPE_MAX)
                return NULL;
        return section_names[t];
}

np_def_type np_def_type_from_section(const char *s) {
        if (!s)
                return _NP_DEF_TYPE_INVALID;
        for (int t = 0; t < _NP_DEF_TYPE_MAX; t++)
                if (t != NP_DEF_OVS_PORT && strcmp(section_names[t], s) == 0)
                        return (np_def_type) t;
        return _NP_DEF_TYPE_INVALID;
}

void np_netdef_done(np_netdef *d) {
        free(d->id);
        free(d->renderer);
        free(d->match_name);
        d->match_name_implicit = false;
        free(d->match_macaddress);
        strv_free(d->match_drivers);
        free(d->set_name);
        free(d->dhcp_identifier);
        free(d->macaddress);
        free(d->activation_mode);
        for (size_t i = 0; i < d->n_addresses; i++)
                free(d->addresses[i].text);
        free(d->addresses);
        for (size_t i = 0; i < d->n_routes; i++) {
                free(d->routes[i].scope);
                free(d->routes[i].type);
        }
        free(d->routes);
        free(d->gateway4);
        free(d->gateway6);
        strv_free(d->interfaces);
        free(d->interfaces_pos_each);
        free(d->link);
        *d = (np_netdef) {};
}

static int dup_scalar(const np_node *map, const char *key, char **ret, np_pos *pos) {
        const np_node *n = np_node_get(map, key);
        const char *s = np_node_scalar(n);
        if (!s)
                return 0;
        *ret = strdup(s);
        if (!*ret)
                return -ENOMEM;
        if (pos)
                *pos = np_node_key_pos(map, key);
        return 0;
}

static bool get_bool(const np_node *map, const char *key, bool def, np_pos *pos) {
        const char *s = np_node_scalar(np_node_get(map, key));
        bool b;
        if (!s || !np_parse_bool(s, &b))
                return def;
        if (pos)
                *pos = np_node_key_pos(map, key);
        return b;
}

static np_tristate get_tristate(const np_node *map, const char *key, np_pos *pos) {
        bool b;
        if (!np_parse_bool(np_node_scalar(np_node_get(map, key)) ?: "", &b))
                return NP_TRISTATE_UNSET;
        *pos = np_node_key_pos(map, key);
        return b ? NP_TRISTATE_TRUE : NP_TRISTATE_FALSE;
}

/* The grammar has validated the text already; without "/len" the full length. */
static int parse_prefixed(const char *text, ip_addr *ret) {
        return ip_prefix_from_string(text, AF_UNSPEC, false, ret);
}

static int build_addresses(np_netdef *d, const np_node *m) {
        const np_node *a = np_node_get(m, "addresses");
        if (!a || a->type != NP_NODE_SEQUENCE)
                return 0;
        d->addresses_pos = np_node_key_pos(m, "addresses");
        d->addresses = calloc(a->n ? a->n : 1, sizeof(np_address));
        if (!d->addresses)
                return -ENOMEM;
        for (size_t i = 0; i < a->n; i++) {
                const np_node *e = a->values[i];
                if (e->type == NP_NODE_MAPPING && e->n > 0)
                        e = e->keys[0];
                if (e->type != NP_NODE_SCALAR)
                        continue;
                np_address *x = &d->addresses[d->n_addresses];
                if (parse_prefixed(e->scalar, &x->addr) < 0)
                        continue;
                x->text = strdup(e->scalar);
                if (!x->text)
                        return -ENOMEM;
                x->pos = e->pos;
                d->n_addresses++;
        }
        return 0;
}

static int build_routes(np_netdef *d, const np_node *m) {
        const np_node *a = np_node_get(m, "routes");
        if (!a || a->type != NP_NODE_SEQUENCE)
                return 0;
        d->routes_pos = np_node_key_pos(m, "routes");
        d->routes = calloc(a->n ? a->n : 1, sizeof(np_route));
        if (!d->routes)
                return -ENOMEM;
        for (size_t i = 0; i < a->n; i++) {
                const np_node *e = a->values[i];
                if (e->type != NP_NODE_MAPPING)
                        continue;
                np_route *rt = &d->routes[d->n_routes++];
                *rt = (np_route) { .family = AF_UNSPEC, .metric = UINT32_MAX, .pos = e->pos };
                const char *to = np_node_scalar(np_node_get(e, "to"));
                const char *via = np_node_scalar(np_node_get(e, "via"));
                if (via && parse_prefixed(via, &rt->via) == 0) {
                        rt->has_via = true;
                        rt->family = rt->via.family;
                }
                if (to && strcmp(to, "default") == 0)
                        rt->to_default = true;
                else if (to && parse_prefixed(to, &rt->to) == 0) {
                        rt->family = rt->to.family;
                        rt->to_default = rt->to.prefixlen == 0;
                }
                rt->on_link = get_bool(e, "on-link", false, NULL);
                const char *s = np_node_scalar(np_node_get(e, "metric"));
                if (s)
                        rt->metric = (uint32_t) strtoul(s, NULL, 10);
                s = np_node_scalar(np_node_get(e, "table"));
                if (s)
                        rt->table = (uint32_t) strtoul(s, NULL, 10);
                if (dup_scalar(e, "scope", &rt->scope, NULL) < 0 || dup_scalar(e, "type", &rt->type, NULL) < 0)
                        return -ENOMEM;
        }
        return 0;
}

typedef struct member_ref {
        const char *id;
        size_t k;               /* index in np_netdef.interfaces */
} member_ref;

static int member_ref_cmp(const void *a, const void *b) {
        return strcmp(((const member_ref *) a)->id, ((const member_ref *) b)->id);
}

/* Where each member of d is named: its first entry in the merged interfaces: list. A
 * bond may list thousands of members, so the entries are looked up by sorted id. */
static int build_member_pos(np_netdef *d, const np_node *m) {
        const np_node *seq = np_node_get(m, "interfaces");
        size_t n = strv_length(d->interfaces);

        if (n == 0)
                return 0;
        _cleanup_free_ member_ref *refs = calloc(n, sizeof(member_ref));
        d->interfaces_pos_each = calloc(n, sizeof(np_pos));
        if (!refs || !d->interfaces_pos_each)
                return -ENOMEM;
        for (size_t k = 0; k < n; k++)
                refs[k] = (member_ref) { d->interfaces[k], k };
        qsort(refs, n, sizeof(member_ref), member_ref_cmp);
        for (size_t i = 0; i < np_node_count(seq); i++) {
                const np_node *e = np_node_at(seq, i);
                member_ref key = { np_node_scalar(e), 0 };
                if (!key.id)
                        continue;
                const member_ref *hit = bsearch(&key, refs, n, sizeof(member_ref), member_ref_cmp);
                if (hit && d->interfaces_pos_each[hit->k].line == 0)
                        d->interfaces_pos_each[hit->k] = np_node_get_pos(e);
        }
        return 0;
}

np_pos np_netdef_member_pos(const np_netdef *d, size_t i) {
        /* i is the index of a member: interfaces_pos_each has as many entries */
        if (d->interfaces_pos_each && d->interfaces_pos_each[i].line > 0)
                return d->interfaces_pos_each[i];
        return d->interfaces_pos.line > 0 ? d->interfaces_pos : d->pos;
}

static int build_one(const np_node *root, const np_state *s, const np_sdef *sd, np_netdef *d) {
        int r;
        d->id = strdup(sd->id);
        if (!d->id)
                return -ENOMEM;
        d->type = sd->type;
        d->pos = sd->key_pos;
        /* an OVS patch port has no mapping of its own (it stands in openvswitch.ports) */
        d->node = sd->type == NP_DEF_OVS_PORT ? NULL
                  : np_node_get(np_node_get(root, np_def_type_to_section(sd->type)), sd->id);
        const np_node *m = d->node;

        const char *rend = sd->backend == NP_BACKEND_NM ? "NetworkManager"
                           : sd->backend == NP_BACKEND_NETWORKD ? "networkd"
                           : sd->backend == NP_BACKEND_OVS ? "openvswitch"
                           : s->global_backend == NP_BACKEND_NM ? "NetworkManager" : "networkd";
        const char *pr = np_node_scalar(np_node_get(m, "renderer"));
        if (pr && strcmp(pr, "sriov") == 0 && sd->type == NP_DEF_VLAN)
                rend = "sriov";
        d->renderer_explicit = sd->backend == NP_BACKEND_NM || sd->backend == NP_BACKEND_NETWORKD ||
                               strcmp(rend, "sriov") == 0;
        d->renderer = strdup(rend);
        if (!d->renderer)
                return -ENOMEM;

        const np_node *match = np_node_get(m, "match");
        if (match && match->type == NP_NODE_MAPPING) {
                d->has_match = true;
                d->match_pos = np_node_key_pos(m, "match");
                if (dup_scalar(match, "name", &d->match_name, NULL) < 0 ||
                    dup_scalar(match, "macaddress", &d->match_macaddress, NULL) < 0)
                        return -ENOMEM;
                if (!d->match_name && sd->implicit_name) {
                        d->match_name = strdup(sd->id);
                        if (!d->match_name)
                                return -ENOMEM;
                        d->match_name_implicit = true;
                }
                for (char *p = d->match_macaddress; p && *p; p++)
                        *p = (char) tolower((unsigned char) *p);
                const np_node *drv = np_node_get(match, "driver");
                if (drv && drv->type == NP_NODE_SCALAR) {
                        if (strv_push(&d->match_drivers, drv->scalar) < 0)
                                return -ENOMEM;
                } else if (drv && drv->type == NP_NODE_SEQUENCE)
                        for (size_t i = 0; i < drv->n; i++)
                                if (np_node_scalar(drv->values[i]) && strv_push(&d->match_drivers, drv->values[i]->scalar) < 0)
                                        return -ENOMEM;
        }
        if (dup_scalar(m, "set-name", &d->set_name, &d->set_name_pos) < 0 ||
            dup_scalar(m, "dhcp-identifier", &d->dhcp_identifier, &d->dhcp_identifier_pos) < 0 ||
            dup_scalar(m, "macaddress", &d->macaddress, &d->macaddress_pos) < 0 ||
            dup_scalar(m, "activation-mode", &d->activation_mode, &d->activation_mode_pos) < 0 ||
            dup_scalar(m, "gateway4", &d->gateway4, &d->gateway4_pos) < 0 ||
            dup_scalar(m, "gateway6", &d->gateway6, &d->gateway6_pos) < 0)
                return -ENOMEM;
        for (char *p = d->dhcp_identifier; p && *p; p++)
                *p = (char) tolower((unsigned char) *p);
        d->dhcp4 = get_bool(m, "dhcp4", false, &d->dhcp4_pos);
        d->dhcp6 = get_bool(m, "dhcp6", false, &d->dhcp6_pos);
        d->optional = get_bool(m, "optional", false, NULL);
        d->critical = get_bool(m, "critical", false, NULL);
        d->accept_ra = get_tristate(m, "accept-ra", &d->accept_ra_pos);
        d->link_local_ipv4 = false;
        d->link_local_ipv6 = true;
        const np_node *ll = np_node_get(m, "link-local");
        if (ll && ll->type == NP_NODE_SEQUENCE) {
                d->link_local_ipv6 = false;
                for (size_t i = 0; i < ll->n; i++) {
                        const char *v = np_node_scalar(ll->values[i]);
                        if (v && strcasecmp(v, "ipv4") == 0)
                                d->link_local_ipv4 = true;
                        else if (v && strcasecmp(v, "ipv6") == 0)
                                d->link_local_ipv6 = true;
                }
        }
        r = build_addresses(d, m);
        if (r < 0)
                return r;
        r = build_routes(d, m);
        if (r < 0)
                return r;

        /* members: every definition naming this one as its bond/bridge/vrf, in definition order */
        for (size_t i = 0; i < s->n_defs; i++) {
                const np_sdef *o = s->defs[i];
                const char *master = sd->type == NP_DEF_BOND ? o->bond
                                     : sd->type == NP_DEF_BRIDGE ? o->bridge
                                     : sd->type == NP_DEF_VRF ? o->vrf : NULL;
                if (master && strcmp(master, sd->id) == 0 && strv_push(&d->interfaces, o->id) < 0)
                        return -ENOMEM;
        }
        if (np_node_get(m, "interfaces"))
                d->interfaces_pos = np_node_key_pos(m, "interfaces");
        r = build_member_pos(d, m);
        if (r < 0)
                return r;
        if (sd->type == NP_DEF_OVS_PORT && sd->peer) {
                d->link = strdup(sd->peer);
                if (!d->link)
                        return -ENOMEM;
        } else if (dup_scalar(m, "link", &d->link, &d->link_pos) < 0)
                return -ENOMEM;
        return 0;
}

int np_netdefs_build(const np_node *root, const np_state *s, np_netdef **ret, size_t *ret_n) {
        np_netdef *v = calloc(s->n_defs ? s->n_defs : 1, sizeof(np_netdef));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_defs; i++) {
                int r = build_one(root, s, s->defs[i], &v[i]);
                if (r < 0) {
                        for (size_t j = 0; j <= i; j++)
                                np_netdef_done(&v[j]);
                        free(v);
                        return r;
                }
        }
        *ret = v;
        *ret_n = s->n_defs;
        return 0;
}
