/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The merged model as `netplan get all` prints it on 0.106: netplan re-serialises its
 * parsed state, so booleans are spelled true/false, IPv4 addresses come before IPv6 ones
 * and member lists are rebuilt from membership. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "netplan/config.h"
#include "netplan/dump.h"
#include "netplan/value.h"

static const char *const bool_keys[] = {
        "dhcp4", "dhcp6", "accept-ra", "critical", "ignore-carrier", "ipv6-privacy", "optional", "wakeonlan",
        "emit-lldp", "receive-checksum-offload", "transmit-checksum-offload", "tcp-segmentation-offload",
        "tcp6-segmentation-offload", "generic-segmentation-offload", "generic-receive-offload",
        "large-receive-offload", "on-link", "stp", "hidden", "auto-config", "all-slaves-active",
        "all-members-active", "use-dns", "use-ntp", "use-hostname", "use-mtu", "use-routes", "send-hostname",
        "mac-learning", "arp-proxy", "short-circuit", "do-not-fragment", "neigh-suppress", "mcast-snooping",
        "rstp", "delay-virtual-functions-rebind", "use-gateway", "enable-dad", "hairpin", "port-mac-learning",
        NULL
};

bool np_key_is_bool(const char *key) {
        for (size_t i = 0; bool_keys[i]; i++)
                if (strcmp(bool_keys[i], key) == 0)
                        return true;
        return false;
}

typedef struct out {
        yaml_emitter_t e;
        char *buf;
        size_t len, cap;
        bool oom;
} out;

static int write_handler(void *data, unsigned char *buffer, size_t size) {
        out *o = data;
        if (!size_add_ok(o->len, size, SIZE_MAX - 1)) {
                o->oom = true;
                return 0;
        }
        if (o->len + size + 1 > o->cap) {
                size_t ncap = (o->len + size + 1) * 2;
                char *nb = realloc(o->buf, ncap);
                if (!nb) {
                        o->oom = true;
                        return 0;
                }
                o->buf = nb;
                o->cap = ncap;
        }
        memcpy(o->buf + o->len, buffer, size);
        o->len += size;
        o->buf[o->len] = '\0';
        return 1;
}

static bool emit(out *o, yaml_event_t *ev) {
        return yaml_emitter_emit(&o->e, ev) != 0;
}

static bool emit_scalar(out *o, const char *s) {
        yaml_event_t ev;
        yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *) s, (int) strlen(s), 1, 1, YAML_ANY_SCALAR_STYLE);
        return emit(o, &ev);
}

static bool emit_start(out *o, np_node_type t) {
        yaml_event_t ev;
        if (t == NP_NODE_MAPPING)
                yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
        else
                yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
        return emit(o, &ev);
}

static bool emit_end(out *o, np_node_type t) {
        yaml_event_t ev;
        if (t == NP_NODE_MAPPING)
                yaml_mapping_end_event_initialize(&ev);
        else
                yaml_sequence_end_event_initialize(&ev);
        return emit(o, &ev);
}

static int addr_family(const np_node *n) {
        if (n->type == NP_NODE_MAPPING && n->n > 0)
                n = n->keys[0];
        if (n->type != NP_NODE_SCALAR)
                return 0;
        /* as netplan splits it: at the last '/' */
        char buf[INET6_ADDRSTRLEN + 1];
        const char *sl = strrchr(n->scalar, '/');
        size_t len = sl ? (size_t) (sl - n->scalar) : strlen(n->scalar);
        if (len >= sizeof buf)
                return 0;
        memcpy(buf, n->scalar, len);
        buf[len] = '\0';
        struct in6_addr a;
        if (inet_pton(AF_INET, buf, &a) > 0)
                return AF_INET;
        if (inet_pton(AF_INET6, buf, &a) > 0)
                return AF_INET6;
        return 0;
}

static bool emit_node(out *o, const np_node *n, const char *key, const char *parent);

/* flag lists netplan stores as bit sets and writes back in its own order */
static const char *const optional_address_flags[] = { "ipv4-ll", "ipv6-ra", "dhcp4", "dhcp6", "static", NULL };
static const char *const wowlan_flags[] = { "default", "any", "disconnect", "magic_pkt", "gtk_rekey_failure",
                                            "eap_identity_req", "four_way_handshake", "rfkill_release", "tcp", NULL };

static unsigned flags_of(const np_node *n, const char *const *names) {
        unsigned f = 0;
        for (size_t i = 0; n && i < n->n; i++)
                for (size_t j = 0; names[j]; j++)
                        if (np_node_scalar(n->values[i]) && strcasecmp(n->values[i]->scalar, names[j]) == 0)
                                f |= 1U << j;
        return f;
}

static bool emit_flags(out *o, unsigned f, const char *const *names, size_t first) {
        if (!emit_start(o, NP_NODE_SEQUENCE))
                return false;
        for (size_t j = first; names[j]; j++)
                if ((f & (1U << j)) && !emit_scalar(o, names[j]))
                        return false;
        return emit_end(o, NP_NODE_SEQUENCE);
}

/* netplan stores these as guint with an "unset" value and writes a set-but-unset field
 * back as null */
enum { UINT_NO, UINT_PLAIN, UINT_ZERO_NULL, UINT_MAX_NULL };

static bool in(const char *s, const char *const *v) {
        for (size_t i = 0; v[i]; i++)
                if (strcmp(s, v[i]) == 0)
                        return true;
        return false;
}

static const char *const bond_uint_params[] = { "min-links", "gratuitous-arp", "gratuitious-arp", "packets-per-slave",
                                                "packets-per-member", "resend-igmp", NULL };

static int uint_kind(const char *parent, const char *key) {
        static const char *const zero_null[] = { "mtu", "ipv6-mtu", "congestion-window", "advertised-receive-window",
                                                 "port", "ttl", "ageing", "aging", "limit", "mark", "keepalive",
                                                 "channel", NULL };
        static const char *const plain[] = { "virtual-function-count", "flow-label", "id", NULL };
        if (strcmp(parent, "parameters") == 0)
                return strcmp(key, "priority") == 0 || in(key, bond_uint_params) ? UINT_ZERO_NULL : UINT_NO;
        if (strcmp(parent, "routing-policy") == 0)
                return strcmp(key, "table") == 0 || strcmp(key, "mark") == 0 ? UINT_ZERO_NULL
                       : strcmp(key, "priority") == 0 || strcmp(key, "type-of-service") == 0 ? UINT_PLAIN : UINT_NO;
        if (strcmp(parent, "routes") == 0 && strcmp(key, "table") == 0)
                return UINT_ZERO_NULL;
        if ((strcmp(parent, "routes") == 0 && strcmp(key, "metric") == 0) || strcmp(key, "route-metric") == 0)
                return UINT_MAX_NULL;
        if (strcmp(parent, "") == 0 && strcmp(key, "type-of-service") == 0)
                return UINT_ZERO_NULL;
        if (strcmp(parent, "") == 0 && strcmp(key, "table") == 0)
                return UINT_PLAIN;
        if (in(key, zero_null))
                return UINT_ZERO_NULL;
        if (in(key, plain))
                return UINT_PLAIN;
        return UINT_NO;
}

/* g_ascii_strtoull as netplan's guint handler uses it */
static bool parse_uint(const char *s, unsigned long long *ret) {
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (*end != '\0' || v > UINT32_MAX)
                return false;
        *ret = v;
        return true;
}

/* a bond's parameters block is written only when some parameter is set to something */
static bool bond_params_unset(const np_node *v) {
        if (v->type != NP_NODE_MAPPING)
                return false;
        for (size_t i = 0; i < v->n; i++) {
                const char *k = np_node_scalar(v->keys[i]), *s = np_node_scalar(v->values[i]);
                unsigned long long x;
                if (!k || !s || !in(k, bond_uint_params) || !parse_uint(s, &x) || x != 0)
                        return false;
        }
        return true;
}

static const char *bond_param_name(const char *k) {
        if (strcmp(k, "all-slaves-active") == 0)
                return "all-members-active";
        if (strcmp(k, "gratuitious-arp") == 0)
                return "gratuitous-arp";
        if (strcmp(k, "packets-per-slave") == 0)
                return "packets-per-member";
        return k;
}

static bool emit_route(out *o, const np_node *r) {
        const char *type = np_node_scalar(np_node_get(r, "type")) ?: "unicast";
        const char *scope = np_node_scalar(np_node_get(r, "scope"));
        bool via = np_node_get(r, "via") != NULL;
        if (!scope) {
                if (strcasecmp(type, "local") == 0 || strcasecmp(type, "nat") == 0)
                        scope = "host";
                else if ((strcasecmp(type, "unicast") == 0 && !via) || strcasecmp(type, "broadcast") == 0 ||
                         strcasecmp(type, "multicast") == 0 || strcasecmp(type, "anycast") == 0)
                        scope = "link";
                else
                        scope = "global";
        }
        if (!emit_start(o, NP_NODE_MAPPING))
                return false;
        for (size_t i = 0; i < r->n; i++) {
                const char *k = np_node_scalar(r->keys[i]);
                if (!k || np_node_index(r, k) != (ssize_t) i || strcmp(k, "scope") == 0 ||
                    (strcmp(k, "type") == 0 && strcasecmp(type, "unicast") == 0))
                        continue;
                if (!emit_scalar(o, k) || !emit_node(o, r->values[i], k, "routes"))
                        return false;
        }
        if (strcasecmp(scope, "global") != 0 && (!emit_scalar(o, "scope") || !emit_scalar(o, scope)))
                return false;
        return emit_end(o, NP_NODE_MAPPING);
}

/* netplan always writes key-management for an auth block ("none" by default); the
 * access point "password:" shortcut means WPA-PSK. */
static bool emit_auth(out *o, const np_node *auth, const char *password) {
        const char *km = password ? "psk" : np_node_scalar(np_node_get(auth, "key-management")) ?: "none";
        if (!emit_start(o, NP_NODE_MAPPING) || !emit_scalar(o, "key-management") || !emit_scalar(o, km))
                return false;
        if (password && (!emit_scalar(o, "password") || !emit_scalar(o, password)))
                return false;
        for (size_t i = 0; auth && i < auth->n; i++) {
                const char *k = np_node_scalar(auth->keys[i]);
                if (!k || np_node_index(auth, k) != (ssize_t) i || strcmp(k, "key-management") == 0)
                        continue;
                if (password && strcmp(k, "password") == 0)
                        continue;
                if (!emit_scalar(o, k) || !emit_node(o, auth->values[i], k, "auth"))
                        return false;
        }
        return emit_end(o, NP_NODE_MAPPING);
}

static bool emit_access_point(out *o, const np_node *ap) {
        const np_node *auth = np_node_get(ap, "auth");
        const char *password = np_node_scalar(np_node_get(ap, "password"));
        if (!emit_start(o, NP_NODE_MAPPING))
                return false;
        for (size_t i = 0; i < ap->n; i++) {
                const char *k = np_node_scalar(ap->keys[i]);
                const char *v = np_node_scalar(ap->values[i]);
                if (!k || np_node_index(ap, k) != (ssize_t) i || strcmp(k, "password") == 0 || strcmp(k, "auth") == 0)
                        continue;
                if (strcmp(k, "mode") == 0 && v && strcmp(v, "infrastructure") == 0)
                        continue;
                if (strcmp(k, "band") == 0 && v) {
                        if (!emit_scalar(o, k) || !emit_scalar(o, v[0] == '5' ? "5GHz" : "2.4GHz"))
                                return false;
                        continue;
                }
                if (!emit_scalar(o, k) || !emit_node(o, ap->values[i], k, "access-point"))
                        return false;
        }
        if ((auth || password) && (!emit_scalar(o, "auth") || !emit_auth(o, auth, password)))
                return false;
        return emit_end(o, NP_NODE_MAPPING);
}

static bool emit_addresses(out *o, const np_node *n) {
        if (!emit_start(o, NP_NODE_SEQUENCE))
                return false;
        static const int order[] = { AF_INET, AF_INET6 };
        for (size_t pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < n->n; i++)
                        if (addr_family(n->values[i]) == order[pass] && !emit_node(o, n->values[i], "", "addresses"))
                                return false;
        return emit_end(o, NP_NODE_SEQUENCE);
}

static bool emit_node(out *o, const np_node *n, const char *key, const char *parent) {
        switch (n->type) {
        case NP_NODE_SCALAR: {
                bool b;
                if (np_key_is_bool(key) && np_parse_bool(n->scalar, &b))
                        return emit_scalar(o, b ? "true" : "false");
                int kind = uint_kind(parent, key);
                unsigned long long v;
                if (kind != UINT_NO && parse_uint(n->scalar, &v)) {
                        if ((kind == UINT_ZERO_NULL && v == 0) || (kind == UINT_MAX_NULL && v == UINT32_MAX))
                                return emit_scalar(o, "null");
                        char buf[32];
                        snprintf(buf, sizeof buf, "%llu", v);
                        return emit_scalar(o, buf);
                }
                return emit_scalar(o, n->scalar);
        }
        case NP_NODE_SEQUENCE:
                if (strcmp(key, "addresses") == 0)
                        return emit_addresses(o, n);
                if (strcmp(key, "port-range") == 0 && n->n == 2 && np_node_scalar(n->values[0]) &&
                    np_node_scalar(n->values[1]) &&
                    strtoull(n->values[0]->scalar, NULL, 10) > strtoull(n->values[1]->scalar, NULL, 10))
                        return emit_start(o, NP_NODE_SEQUENCE) && emit_node(o, n->values[1], "", key) &&
                               emit_node(o, n->values[0], "", key) && emit_end(o, NP_NODE_SEQUENCE);
                if (!emit_start(o, NP_NODE_SEQUENCE))
                        return false;
                for (size_t i = 0; i < n->n; i++) {
                        bool ok = strcmp(key, "routes") == 0 && n->values[i]->type == NP_NODE_MAPPING
                                          ? emit_route(o, n->values[i])
                                          : emit_node(o, n->values[i], key, parent);
                        if (!ok)
                                return false;
                }
                return emit_end(o, NP_NODE_SEQUENCE);
        case NP_NODE_MAPPING:
                if (!emit_start(o, NP_NODE_MAPPING))
                        return false;
                for (size_t i = 0; i < n->n; i++) {
                        const char *k = np_node_scalar(n->keys[i]);
                        if (!k || np_node_index(n, k) != (ssize_t) i)
                                continue;
                        if (strcmp(key, "access-points") == 0 && n->values[i]->type == NP_NODE_MAPPING) {
                                if (!emit_scalar(o, k) || !emit_access_point(o, n->values[i]))
                                        return false;
                                continue;
                        }
                        if (n->values[i]->type == NP_NODE_SEQUENCE && n->values[i]->n == 0)
                                continue; /* netplan never created the list */
                        const char *name = strcmp(key, "parameters") == 0 ? bond_param_name(k) : k;
                        if (!emit_scalar(o, name) || !emit_node(o, n->values[i], k, key))
                                return false;
                }
                return emit_end(o, NP_NODE_MAPPING);
        case _NP_NODE_TYPE_MAX:
        case _NP_NODE_TYPE_INVALID:
                break;
        }
        return false;
}

static bool emit_strv(out *o, char *const *v) {
        if (!emit_start(o, NP_NODE_SEQUENCE))
                return false;
        for (size_t i = 0; v && v[i]; i++)
                if (!emit_scalar(o, v[i]))
                        return false;
        return emit_end(o, NP_NODE_SEQUENCE);
}

/* keys netplan does not write back when they hold its default */
static bool is_default(np_def_type t, const char *k, const np_node *v) {
        const char *s = np_node_scalar(v);
        /* an empty list leaves netplan's array unset; link-local: [] is a setting */
        if (v->type == NP_NODE_SEQUENCE && v->n == 0 && strcmp(k, "link-local") != 0)
                return true;
        if (strcmp(k, "dhcp-identifier") == 0)
                return s && strcasecmp(s, "duid") == 0;
        /* booleans netplan writes only when true */
        static const char *const true_only[] = { "critical", "ignore-carrier", "optional", "emit-lldp", NULL };
        bool b;
        if (s && in(k, true_only) && np_parse_bool(s, &b))
                return !b;
        if (strcmp(k, "link-local") == 0)
                return flags_of(v, (const char *const[]) { "ipv4", "ipv6", NULL }) == 2U;
        if (strcmp(k, "wakeonwlan") == 0)
                return (flags_of(v, wowlan_flags) & ~1U) == 0;
        if (strcmp(k, "parameters") == 0) /* bridges keep theirs: custom bridging */
                return t == NP_DEF_BOND && bond_params_unset(v);
        return false;
}

static bool emit_def(out *o, const np_config *c, const np_netdef *d) {
        const np_node *m = d->node;
        bool wrote_interfaces = false;
        if (!emit_start(o, NP_NODE_MAPPING))
                return false;
        for (size_t i = 0; m && i < m->n; i++) {
                const char *k = np_node_scalar(m->keys[i]);
                if (!k || np_node_index(m, k) != (ssize_t) i || is_default(d->type, k, m->values[i]))
                        continue;
                if (strcmp(k, "renderer") == 0)
                        continue;
                if (strcmp(k, "interfaces") == 0) {
                        if (!d->interfaces)
                                continue;
                        if (!emit_scalar(o, k) || !emit_strv(o, d->interfaces))
                                return false;
                        wrote_interfaces = true;
                        continue;
                }
                if (strcmp(k, "match") == 0 && d->match_name_implicit && m->values[i]->type == NP_NODE_MAPPING) {
                        if (!emit_scalar(o, k) || !emit_start(o, NP_NODE_MAPPING) || !emit_scalar(o, "name") ||
                            !emit_scalar(o, d->id))
                                return false;
                        const np_node *mm = m->values[i];
                        for (size_t j = 0; j < mm->n; j++) {
                                const char *mk = np_node_scalar(mm->keys[j]);
                                if (!mk || np_node_index(mm, mk) != (ssize_t) j)
                                        continue;
                                if (!emit_scalar(o, mk) || !emit_node(o, mm->values[j], mk, "match"))
                                        return false;
                        }
                        if (!emit_end(o, NP_NODE_MAPPING))
                                return false;
                        continue;
                }
                if (strcmp(k, "auth") == 0 && m->values[i]->type == NP_NODE_MAPPING) {
                        if (!emit_scalar(o, k) || !emit_auth(o, m->values[i], NULL))
                                return false;
                        continue;
                }
                if (strcmp(k, "link-local") == 0) {
                        if (!emit_scalar(o, k) ||
                            !emit_flags(o, flags_of(m->values[i], (const char *const[]) { "ipv4", "ipv6", NULL }),
                                        (const char *const[]) { "ipv4", "ipv6", NULL }, 0))
                                return false;
                        continue;
                }
                if (strcmp(k, "optional-addresses") == 0 || strcmp(k, "wakeonwlan") == 0) {
                        bool opt = k[0] == 'o';
                        const char *const *names = opt ? optional_address_flags : wowlan_flags;
                        if (!emit_scalar(o, k) || !emit_flags(o, flags_of(m->values[i], names), names, opt ? 0 : 1))
                                return false;
                        continue;
                }
                if (!emit_scalar(o, k) || !emit_node(o, m->values[i], k, ""))
                        return false;
        }
        if (!wrote_interfaces && d->interfaces &&
            (!emit_scalar(o, "interfaces") || !emit_strv(o, d->interfaces)))
                return false;
        /* a renderer chosen for the definition (or its section) that differs from the global one */
        if (d->renderer_explicit &&
            (!emit_scalar(o, "renderer") || !emit_scalar(o, d->renderer)))
                return false;
        return emit_end(o, NP_NODE_MAPPING);
}

char *np_config_dump(const np_config *c) {
        out o = {};
        yaml_event_t ev;
        bool ok;

        if (!c || (!c->root && c->n_netdefs == 0))
                return strdup("");
        if (c->n_netdefs == 0 && !c->renderer && !np_node_get(c->root, "openvswitch"))
                return strdup("");
        if (!yaml_emitter_initialize(&o.e))
                return NULL;
        yaml_emitter_set_output(&o.e, write_handler, &o);
        yaml_emitter_set_unicode(&o.e, 1);
        yaml_emitter_set_width(&o.e, -1);
        yaml_emitter_set_indent(&o.e, 2);

        yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
        ok = emit(&o, &ev);
        yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
        ok = ok && emit(&o, &ev);
        ok = ok && emit_start(&o, NP_NODE_MAPPING) && emit_scalar(&o, "network") && emit_start(&o, NP_NODE_MAPPING);
        ok = ok && emit_scalar(&o, "version") && emit_scalar(&o, "2");
        if (c->renderer)
                ok = ok && emit_scalar(&o, "renderer") && emit_scalar(&o, c->renderer);
        const np_node *ovs = np_node_get(c->root, "openvswitch");
        if (ovs)
                ok = ok && emit_scalar(&o, "openvswitch") && emit_node(&o, ovs, "openvswitch", "network");
        for (int t = 0; ok && t < _NP_DEF_TYPE_MAX; t++) {
                if (t == NP_DEF_OVS_PORT)
                        continue;
                bool opened = false;
                for (size_t i = 0; ok && i < c->n_netdefs; i++) {
                        const np_netdef *d = &c->netdefs[i];
                        if ((int) d->type != t)
                                continue;
                        if (!opened) {
                                ok = emit_scalar(&o, np_def_type_to_section(d->type)) && emit_start(&o, NP_NODE_MAPPING);
                                opened = true;
                        }
                        ok = ok && emit_scalar(&o, d->id) && emit_def(&o, c, d);
                }
                if (opened)
                        ok = ok && emit_end(&o, NP_NODE_MAPPING);
        }
        ok = ok && emit_end(&o, NP_NODE_MAPPING) && emit_end(&o, NP_NODE_MAPPING);
        yaml_document_end_event_initialize(&ev, 1);
        ok = ok && emit(&o, &ev);
        yaml_stream_end_event_initialize(&ev);
        ok = ok && emit(&o, &ev);
        yaml_emitter_delete(&o.e);
        if (!ok || o.oom) {
                free(o.buf);
                return NULL;
        }
        return o.buf ?: strdup("");
}
