/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One file's document walked against the grammar the way netplan's process_document()
 * walks it: the network sections, their definitions merged as they come, and whole-document
 * passes until every reference has been seen. */
#include <stdint.h>
#include <string.h>

#include "netplan/diag.h"
#include "netplan/document.h"
#include "netplan/grammar-link.h"
#include "netplan/grammar-member.h"
#include "netplan/grammar-ovs.h"
#include "netplan/grammar-physical.h"
#include "netplan/grammar-tunnel.h"
#include "netplan/merge.h"
#include "netplan/validate.h"
#include "netplan/value.h"

static const np_kdef *def_table(np_def_type t) {
        switch (t) {
        case NP_DEF_ETHERNET:
        case NP_DEF_NM_DEVICE:
                return np_ethernet_keys;
        case NP_DEF_WIFI:
                return np_wifi_keys;
        case NP_DEF_MODEM:
                return np_modem_keys;
        case NP_DEF_BOND:
                return np_bond_keys;
        case NP_DEF_BRIDGE:
                return np_bridge_keys;
        case NP_DEF_VLAN:
                return np_vlan_keys;
        case NP_DEF_TUNNEL:
                return np_tunnel_keys;
        case NP_DEF_VRF:
                return np_vrf_keys;
        case NP_DEF_DUMMY:
                return np_dummy_keys;
        case NP_DEF_VETH:
                return np_veth_keys;
        case NP_DEF_OVS_PORT:
        case _NP_DEF_TYPE_MAX:
        case _NP_DEF_TYPE_INVALID:
                break;
        }
        return np_ethernet_keys;
}

static int h_section(np_parser *c, const np_node *n, const void *data) {
        np_def_type type = (np_def_type) (intptr_t) data;
        int r;

        c->cur_backend = NP_BACKEND_NONE;
        for (size_t i = 0; i < n->n; i++) {
                const np_node *k = n->keys[i], *v = n->values[i];
                if (k->type != NP_NODE_SCALAR)
                        return np_type_error(c, k, NP_NODE_SCALAR);
                r = np_h_id(c, k, NULL);
                if (r < 0)
                        return r;
                if (strpbrk(S(k), "*[]?"))
                        return np_err(c, k, "Definition ID '%s' must not use globbing", S(k));
                if (strcmp(S(k), "renderer") == 0) {
                        if (v->type != NP_NODE_SCALAR)
                                return np_type_error(c, v, NP_NODE_SCALAR);
                        r = np_parse_backend(c, v, &c->cur_backend);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (v->type != NP_NODE_MAPPING)
                        return np_type_error(c, v, NP_NODE_MAPPING);
                r = np_refs_resolve(&c->refs, S(k));
                if (r < 0)
                        return r;

                np_sdef *d = np_state_find(c->s, S(k));
                if (d) {
                        if (d->type != type)
                                return np_err(c, k, "Updated definition '%s' changes device type", S(k));
                } else {
                        d = np_state_add(c->s, S(k), type, c->cur_backend, c->s->cur_file);
                        if (!d)
                                return -ENOMEM;
                        d->key_pos = k->pos;
                }
                c->cur = d;
                r = np_node_merge_into(&d->merged, v, "", 0);
                if (r < 0)
                        return r;
                r = np_process_mapping(c, v, def_table(type));
                if (r < 0)
                        return r;
                r = np_validate_netdef(c, v);
                if (r < 0)
                        return r;
                /* a physical device without match: matches by name = id, and netplan keeps
                 * that name even when a later file adds a match */
                if ((type == NP_DEF_ETHERNET || type == NP_DEF_WIFI || type == NP_DEF_MODEM) && !d->has_match)
                        d->implicit_name = true;
                c->cur = NULL;
        }
        c->cur_backend = NP_BACKEND_NONE;
        return 0;
}

static int h_version(np_parser *c, const np_node *n, const void *data) {
        long v = strtol(S(n), NULL, 10);
        if (v < 2 || v >= 3)
                return np_err(c, n, "Only version 2 is supported");
        return 0;
}

static int h_global_renderer(np_parser *c, const np_node *n, const void *data) {
        return np_parse_backend(c, n, &c->s->global_backend);
}

static const np_kdef network_keys[] = {
        { "bonds", NP_NODE_MAPPING, h_section, NULL, (void *) (intptr_t) NP_DEF_BOND },
        { "bridges", NP_NODE_MAPPING, h_section, NULL, (void *) (intptr_t) NP_DEF_BRIDGE },
        { "ethernets", NP_NODE_MAPPING, h_section, NULL, (void *) (intptr_t) NP_DEF_ETHERNET },
        { "renderer", NP_NODE_SCALAR, h_global_renderer },
        { "tunnels", NP_NODE_MAPPING, h_section, NULL, (void *) (intptr_t) NP_DEF_TUNNEL },
        { "version", NP_NODE_SCALAR, h_version },
        { "vlans", NP_NODE_MAPPING, h_section, NULL, (void *) (intptr_t) NP_DEF_VLAN },
        { "vrfs", NP_NODE_MAPPING, h_section, NULL, (void *) (intptr_t) NP_DEF_VRF },
        { "wifis", NP_NODE_MAPPING, h_section, NULL, (void *) (intptr_t) NP_DEF_WIFI },
        { "modems", NP_NODE_MAPPING, h_section, NULL, (void *) (intptr_t) NP_DEF_MODEM },
        { "nm-devices", NP_NODE_MAPPING, h_section, NULL, (void *) (intptr_t) NP_DEF_NM_DEVICE },
        { "openvswitch", NP_NODE_MAPPING, np_h_map, NULL, np_ovs_global_keys },
        { "dummy-devices", NP_NODE_MAPPING, h_section, NULL, (void *) (intptr_t) NP_DEF_DUMMY, NP_V(0, 107) },
        { "virtual-ethernets", NP_NODE_MAPPING, h_section, NULL, (void *) (intptr_t) NP_DEF_VETH, NP_V(0, 107) },
        {}
};

static const np_kdef root_keys[] = {
        { "network", NP_NODE_MAPPING, np_h_map, NULL, network_keys },
        {}
};

static int copy_diags(np_diag_list *dst, const np_diag_list *src) {
        for (size_t i = 0; i < src->n; i++) {
                const np_diag *d = &src->items[i];
                int r = np_diag_add(dst, d->severity, d->kind, d->pos, d->source_line, d->newer_version, "%s", d->message);
                if (r < 0)
                        return r;
                dst->items[dst->n - 1].raw = d->raw;
        }
        return 0;
}

/* netplan's process_document: whole-document passes until every referenced id has been
 * seen, so references may point forward within one file (not into later files). */
#define NP_MAX_PASSES 16U

int np_document_check(np_state *s, const np_file *f, np_diag_list *diags) {
        np_parser c = { .s = s, .f = f, .cur_backend = NP_BACKEND_NONE };
        np_diag_list pass = {};
        int r = 0;

        s->last_passes = 0;
        if (!f->root)
                return 0;
        for (unsigned i = 0; i < NP_MAX_PASSES; i++) {
                s->last_passes++;
                unsigned previously_found = c.refs.found;
                c.refs.found = 0;
                np_diag_list_clear(&pass);
                c.diags = &pass;
                c.cur = NULL;
                r = np_process_mapping(&c, f->root, root_keys);
                if (r < 0 && r != -EINVAL)
                        goto out;
                if (np_refs_n_missing(&c.refs) > 0 && c.refs.found == previously_found)
                        break;
                if (np_refs_n_missing(&c.refs) == 0 && c.refs.found == 0)
                        break;
        }
        /* an error seen in the last pass wins over ids still missing */
        size_t m = np_refs_first_missing(&c.refs);
        if (m != SIZE_MAX && pass.n_errors == 0) {
                np_diag_list_clear(&pass);
                c.diags = diags;
                _cleanup_free_ char *src = np_file_line(f, c.refs.missing_nodes[m]->pos.line);
                int q = np_diag_add(diags, NP_SEVERITY_ERROR, NP_DIAG_DEFINITION, c.refs.missing_nodes[m]->pos, src, NULL,
                                    "%s: interface '%s' is not defined", c.refs.missing_owners[m], c.refs.missing_ids[m]);
                r = q < 0 ? q : -EINVAL;
                goto out;
        }
        int q = copy_diags(diags, &pass);
        if (q < 0)
                r = q;
out:
        np_diag_list_clear(&pass);
        np_refs_done(&c.refs);
        return r;
}
