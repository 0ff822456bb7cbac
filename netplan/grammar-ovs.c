/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The grammar of Open vSwitch: a definition's openvswitch: block and the global
 * network.openvswitch (ports, ssl, protocols, external-ids, other-config). */
#include <stdio.h>
#include <string.h>

#include "common/string-util.h"
#include "netplan/grammar-ovs.h"
#include "common/strv.h"
#include "netplan/value.h"

static int ovs_only(np_parser *c, const np_node *n, np_def_type t, const char *msg) {
        if (c->cur->type != t)
                return np_err(c, n, "%s", msg);
        return 0;
}

static int h_ovs_lacp(np_parser *c, const np_node *n, const void *data) {
        int r = ovs_only(c, n, NP_DEF_BOND, "Key 'lacp' is only valid for interface type 'openvswitch bond'");
        if (r < 0)
                return r;
        if (strcmp(S(n), "active") && strcmp(S(n), "passive") && strcmp(S(n), "off"))
                return np_err(c, n, "Value of 'lacp' needs to be 'active', 'passive' or 'off");
        return 0;
}

static int h_ovs_bridge_bool(np_parser *c, const np_node *n, const void *data) {
        int r = ovs_only(c, n, NP_DEF_BRIDGE, "Key is only valid for interface type 'openvswitch bridge'");
        return r < 0 ? r : np_h_bool(c, n, data);
}

static int h_ovs_fail_mode(np_parser *c, const np_node *n, const void *data) {
        int r = ovs_only(c, n, NP_DEF_BRIDGE, "Key 'fail-mode' is only valid for interface type 'openvswitch bridge'");
        if (r < 0)
                return r;
        if (strcmp(S(n), "standalone") && strcmp(S(n), "secure"))
                return np_err(c, n, "Value of 'fail-mode' needs to be 'standalone' or 'secure'");
        return 0;
}

static int check_protocols(np_parser *c, const np_node *n) {
        static const char *const ok[] = { "OpenFlow10", "OpenFlow11", "OpenFlow12", "OpenFlow13",
                                          "OpenFlow14", "OpenFlow15", "OpenFlow16" };
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                bool found = false;
                if (e->type != NP_NODE_SCALAR)
                        return np_err(c, e, "expected scalar");
                for (size_t j = 0; j < ELEMENTSOF(ok); j++)
                        if (strcmp(S(e), ok[j]) == 0)
                                found = true;
                if (!found)
                        return np_err(c, n, "Unsupported OVS 'protocol' value: %s", S(e));
        }
        return 0;
}

static int h_ovs_protocols(np_parser *c, const np_node *n, const void *data) {
        int r = ovs_only(c, n, NP_DEF_BRIDGE, "Key 'protocols' is only valid for interface type 'openvswitch bridge'");
        return r < 0 ? r : check_protocols(c, n);
}

static int h_global_protocols(np_parser *c, const np_node *n, const void *data) {
        return check_protocols(c, n);
}

static bool ovs_target_ok(bool host_first, const char *s) {
        /* tcp:host[:port], ptcp:[port][:host]; host may be [v6] */
        _cleanup_free_ char *t = strdup(s ?: "");
        if (!t)
                return false;
        char *host = t, *port = NULL;
        if (!host_first) {
                port = t;
                char *colon = strchr(t, ':');
                host = colon ? colon + 1 : NULL;
                if (colon)
                        *colon = '\0';
                if (*port) {
                        unsigned long long v;
                        if (!np_parse_guint(port, &v) || v > 65535)
                                return false;
                }
                if (!host)
                        return true;
        }
        if (*host == '[') {
                char *end = strchr(host, ']');
                if (!end)
                        return false;
                *end = '\0';
                char *scope = strchr(host + 1, '%');
                if (scope)
                        *scope = '\0';
                if (!np_is_ip6(host + 1))
                        return false;
                port = end[1] == ':' ? end + 2 : (end[1] ? (char *) "x" : NULL);
        } else {
                char *colon = strchr(host, ':');
                if (colon) {
                        *colon = '\0';
                        if (host_first)
                                port = colon + 1;
                        else
                                return false;
                } else if (host_first)
                        port = NULL;
                if (!np_is_ip4(host))
                        return false;
        }
        if (host_first && port) {
                unsigned long long v;
                if (!np_parse_guint(port, &v) || v > 65535)
                        return false;
        }
        return true;
}

static int h_ovs_ctrl_addresses(np_parser *c, const np_node *n, const void *data) {
        int r = ovs_only(c, n, NP_DEF_BRIDGE, "Key 'controller.addresses' is only valid for interface type 'openvswitch bridge'");
        if (r < 0)
                return r;
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_SCALAR)
                        return np_err(c, e, "expected scalar");
                const char *colon = strchr(S(e), ':');
                if (!colon)
                        return np_err(c, n, "Unsupported OVS controller target: %s", S(e));
                size_t pl = (size_t) (colon - S(e));
                const char *rest = colon + 1;
                bool ok = false;
                if ((pl == 4 && strncmp(S(e), "unix", 4) == 0) || (pl == 5 && strncmp(S(e), "punix", 5) == 0))
                        ok = true;
                else if ((pl == 3 && (strncmp(S(e), "tcp", 3) == 0 || strncmp(S(e), "ssl", 3) == 0)))
                        ok = ovs_target_ok(true, rest);
                else if (pl == 4 && (strncmp(S(e), "ptcp", 4) == 0 || strncmp(S(e), "pssl", 4) == 0))
                        ok = ovs_target_ok(false, rest);
                if (!ok)
                        return np_err(c, n, "Unsupported OVS controller target: %s", S(e));
                if (strncmp(S(e), "ssl", 3) == 0 || strncmp(S(e), "pssl", 4) == 0)
                        c->s->ovs_needs_ssl = true;
        }
        return 0;
}

static int h_ovs_conn_mode(np_parser *c, const np_node *n, const void *data) {
        int r = ovs_only(c, n, NP_DEF_BRIDGE, "Key 'controller.connection-mode' is only valid for interface type 'openvswitch bridge'");
        if (r < 0)
                return r;
        if (strcmp(S(n), "in-band") && strcmp(S(n), "out-of-band"))
                return np_err(c, n, "Value of 'connection-mode' needs to be 'in-band' or 'out-of-band'");
        return 0;
}

static const np_kdef ovs_controller_keys[] = {
        { "addresses", NP_NODE_SEQUENCE, h_ovs_ctrl_addresses },
        { "connection-mode", NP_NODE_SCALAR, h_ovs_conn_mode },
        {}
};

/* netplan's generic map: entries accumulate over mappings, files and parser passes; a
 * key seen before with another value is a "duplicate map entry", with the same value it
 * is skipped (its guard for multi-pass parsing) */
static int accumulate_map(np_parser *c, const np_node *n, char ***keys, char ***vals) {
        for (size_t i = 0; i < n->n; i++) {
                if (n->keys[i]->type != NP_NODE_SCALAR)
                        return np_err(c, n->keys[i], "expected scalar");
                if (n->values[i]->type != NP_NODE_SCALAR)
                        return np_err(c, n->values[i], "expected scalar");
                bool skip = false;
                for (size_t j = 0; *keys && (*keys)[j]; j++)
                        if (strcmp((*keys)[j], S(n->keys[i])) == 0) {
                                if (strcmp((*vals)[j], S(n->values[i])) != 0)
                                        return np_err(c, n, "duplicate map entry '%s'", S(n->keys[i]));
                                skip = true;
                        }
                if (!skip && (strv_push(keys, S(n->keys[i])) < 0 || strv_push(vals, S(n->values[i])) < 0))
                        return -ENOMEM;
        }
        return 0;
}

static int h_global_strmap(np_parser *c, const np_node *n, const void *data) {
        if (data == (void *) 1)
                return accumulate_map(c, n, &c->s->ovs_other_config, &c->s->ovs_other_config_v);
        return accumulate_map(c, n, &c->s->ovs_external_ids, &c->s->ovs_external_ids_v);
}

static int h_def_strmap(np_parser *c, const np_node *n, const void *data) {
        if (data == (void *) 1)
                return accumulate_map(c, n, &c->cur->ovs_other_config, &c->cur->ovs_other_config_v);
        return accumulate_map(c, n, &c->cur->ovs_external_ids, &c->cur->ovs_external_ids_v);
}

static const np_kdef ovs_keys[] = {
        { "external-ids", NP_NODE_MAPPING, h_def_strmap, NULL, (void *) 0 },
        { "other-config", NP_NODE_MAPPING, h_def_strmap, NULL, (void *) 1 },
        { "lacp", NP_NODE_SCALAR, h_ovs_lacp },
        { "fail-mode", NP_NODE_SCALAR, h_ovs_fail_mode },
        { "mcast-snooping", NP_NODE_SCALAR, h_ovs_bridge_bool },
        { "rstp", NP_NODE_SCALAR, h_ovs_bridge_bool },
        { "protocols", NP_NODE_SEQUENCE, h_ovs_protocols },
        { "controller", NP_NODE_MAPPING, np_h_map, NULL, ovs_controller_keys },
        {}
};

static int h_ovs(np_parser *c, const np_node *n, const void *data) {
        int r = np_process_mapping(c, n, ovs_keys);
        if (c->cur->type != NP_DEF_BOND && c->cur->type != NP_DEF_BRIDGE) {
                bool oc = np_node_index(n, "other-config") >= 0, ei = np_node_index(n, "external-ids") >= 0;
                size_t len = n->n;
                if ((len == 1 && (oc || ei)) || (len == 2 && oc && ei))
                        return r;
        }
        c->cur->backend = NP_BACKEND_OVS;
        return r;
}

const np_kdef np_ovs_netdef_keys[] = {
        { "openvswitch", NP_NODE_MAPPING, h_ovs },
        {}
};

static int h_ovs_ports(np_parser *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *pair = n->values[i];
                if (pair->type != NP_NODE_SEQUENCE)
                        return np_type_error(c, pair, NP_NODE_SEQUENCE);
                if (pair->n != 2)
                        return np_err(c, pair, "An openvswitch peer port sequence must have exactly two entries");
                for (size_t j = 0; j < 2; j++)
                        if (pair->values[j]->type != NP_NODE_SCALAR)
                                return np_type_error(c, pair->values[j], NP_NODE_SCALAR);
                for (size_t j = 0; j < 2; j++) {
                        const np_node *port = pair->values[j], *peer = pair->values[1 - j];
                        np_sdef *d = np_state_find(c->s, S(port));
                        if (!d) {
                                int q = np_refs_resolve(&c->refs, S(port));
                                if (q < 0)
                                        return q;
                                d = np_state_add(c->s, S(port), NP_DEF_OVS_PORT, NP_BACKEND_OVS, c->s->cur_file);
                                if (!d)
                                        return -ENOMEM;
                                d->key_pos = port->pos;
                        }
                        if (d->peer && strcmp(d->peer, S(peer)) != 0)
                                return np_err(c, port, "openvswitch port '%s' is already assigned to peer '%s'", d->id, d->peer);
                        int r = free_and_strdup(&d->peer, S(peer));
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static const np_kdef ovs_ssl_keys[] = {
        { "ca-cert", NP_NODE_SCALAR, np_h_str },
        { "certificate", NP_NODE_SCALAR, np_h_str },
        { "private-key", NP_NODE_SCALAR, np_h_str },
        {}
};

static int h_ovs_ssl(np_parser *c, const np_node *n, const void *data) {
        c->s->ovs_has_ssl = true;
        return np_process_mapping(c, n, ovs_ssl_keys);
}


const np_kdef np_ovs_global_keys[] = {
        { "external-ids", NP_NODE_MAPPING, h_global_strmap, NULL, (void *) 0 },
        { "other-config", NP_NODE_MAPPING, h_global_strmap, NULL, (void *) 1 },
        { "protocols", NP_NODE_SEQUENCE, h_global_protocols },
        { "ports", NP_NODE_SEQUENCE, h_ovs_ports },
        { "ssl", NP_NODE_MAPPING, h_ovs_ssl },
        {}
};
