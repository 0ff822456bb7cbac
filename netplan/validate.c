/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checks on whole definitions: netplan's validate_netdef_grammar() once a definition is
 * parsed, and the late checks that need every file (validate_backend_rules(), the
 * default-route consistency and what the generators refuse). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "netplan/diag.h"
#include "common/strv.h"
#include "netplan/validate.h"
#include "netplan/value.h"

static const np_node *get(const np_node *map, const char *k) {
        return np_node_get(map, k);
}

static bool is_base64_key(const char *s) {
        /* a wireguard key: 44 chars of base64 ending in '=' */
        size_t len = strlen(s);
        if (len != 44 || s[43] != '=')
                return false;
        for (size_t i = 0; i < 43; i++)
                if (!isalnum((unsigned char) s[i]) && s[i] != '+' && s[i] != '/')
                        return false;
        return true;
}

static int validate_tunnel(np_parser *c, const np_node *at, const np_node *m) {
        np_sdef *d = c->cur;
        const np_node *mode = get(m, "mode");
        if (!mode || mode->type != NP_NODE_SCALAR)
                return np_err(c, at, "%s: missing 'mode' property for tunnel", d->id);
        const char *md = S(mode);
        if (strcmp(md, "wireguard") == 0) {
                const np_node *key = get(m, "key") ?: get(m, "keys");
                const char *priv = NULL;
                if (key && key->type == NP_NODE_SCALAR)
                        priv = S(key);
                else if (key && key->type == NP_NODE_MAPPING && get(key, "private"))
                        priv = np_node_scalar(get(key, "private"));
                if (!priv)
                        return np_err(c, at, "%s: missing 'key' property (private key) for wireguard", d->id);
                if (priv[0] != '/' && !is_base64_key(priv))
                        return np_err(c, at, "%s: invalid wireguard private key", d->id);
                const np_node *peers = get(m, "peers");
                if (!peers || peers->type != NP_NODE_SEQUENCE || peers->n == 0)
                        return np_err(c, at, "%s: at least one peer is required.", d->id);
                for (size_t i = 0; i < peers->n; i++) {
                        const np_node *p = peers->values[i];
                        const np_node *keys = get(p, "keys");
                        const char *pub = keys ? np_node_scalar(get(keys, "public")) : NULL;
                        if (!pub)
                                return np_err(c, at, "%s: keys.public is required.", d->id);
                        if (!is_base64_key(pub))
                                return np_err(c, at, "%s: invalid wireguard public key", d->id);
                        const char *shared = keys ? np_node_scalar(get(keys, "shared")) : NULL;
                        if (shared && shared[0] != '/' && !is_base64_key(shared))
                                return np_err(c, at, "%s: invalid wireguard shared key", d->id);
                        if (!get(p, "allowed-ips"))
                                return np_err(c, at, "%s: 'to' is required to define the allowed IPs.", d->id);
                        const np_node *ka = get(p, "keepalive");
                        if (ka && ka->type == NP_NODE_SCALAR && strtoull(S(ka), NULL, 10) > 65535)
                                return np_err(c, at, "%s: keepalive must be 0-65535 inclusive.", d->id);
                }
                return 0;
        }
        if (strcmp(md, "vxlan") == 0) {
                const np_node *id = get(m, "id");
                unsigned long long v = id ? strtoull(S(id), NULL, 10) : 0;
                if (v == 0) /* 0 is netplan's "unset" */
                        return np_err(c, at, "%s: missing 'id' property (VXLAN VNI)", d->id);
                if (v < 1 || v > 16777215)
                        return np_err(c, at, "%s: VXLAN 'id' (VNI) must be in range [1..16777215]", d->id);
                const np_node *loc = get(m, "local"), *rem = get(m, "remote");
                if (loc && rem && np_ip_family(S(loc)) != np_ip_family(S(rem)))
                        return np_err(c, at, "%s: 'local' and 'remote' must be of same IP family type", d->id);
                const np_node *fl = get(m, "flow-label");
                if (fl && strtoull(S(fl), NULL, 10) > 1048575)
                        return np_err(c, at, "%s: VXLAN 'flow-label' must be in range [0..1048575]", d->id);
        } else {
                const np_node *loc = get(m, "local"), *rem = get(m, "remote");
                if (!loc)
                        return np_err(c, at, "%s: missing 'local' property for tunnel", d->id);
                if (!rem)
                        return np_err(c, at, "%s: missing 'remote' property for tunnel", d->id);
                const np_node *ttl = get(m, "ttl");
                if (ttl) {
                        unsigned long long v = strtoull(S(ttl), NULL, 10);
                        if (v < 1 || v > 255)
                                return np_err(c, at, "%s: 'ttl' property for tunnel must be in range [1...255]", d->id);
                }
                bool v6 = strcmp(md, "ip6ip6") == 0 || strcmp(md, "ipip6") == 0 || strcmp(md, "ip6gre") == 0 ||
                          strcmp(md, "vti6") == 0 || strcmp(md, "ip6gretap") == 0;
                if (v6) {
                        if (!np_is_ip6(S(loc)))
                                return np_err(c, at, "%s: 'local' must be a valid IPv6 address for this tunnel type", d->id);
                        if (!np_is_ip6(S(rem)))
                                return np_err(c, at, "%s: 'remote' must be a valid IPv6 address for this tunnel type", d->id);
                } else {
                        if (!np_is_ip4(S(loc)))
                                return np_err(c, at, "%s: 'local' must be a valid IPv4 address for this tunnel type", d->id);
                        if (!np_is_ip4(S(rem)))
                                return np_err(c, at, "%s: 'remote' must be a valid IPv4 address for this tunnel type", d->id);
                }
                bool keyed = strcmp(md, "gre") == 0 || strcmp(md, "ip6gre") == 0 || strcmp(md, "vti") == 0 ||
                             strcmp(md, "vti6") == 0 || strcmp(md, "gretap") == 0 || strcmp(md, "ip6gretap") == 0;
                const np_node *key = get(m, "key") ?: get(m, "keys");
                if (!keyed && key) {
                        bool in = key->type == NP_NODE_SCALAR || get(key, "input");
                        bool out = key->type == NP_NODE_SCALAR || get(key, "output");
                        if (in)
                                return np_err(c, NULL, "%s: 'input-key' is not required for this tunnel type", d->id);
                        if (out)
                                return np_err(c, NULL, "%s: 'output-key' is not required for this tunnel type", d->id);
                }
                if (keyed && key) {
                        const char *names[] = { "input", "output" };
                        for (size_t i = 0; i < 2; i++) {
                                const char *k = key->type == NP_NODE_SCALAR ? S(key) : np_node_scalar(get(key, names[i]));
                                if (!k)
                                        continue;
                                struct in_addr a;
                                unsigned long long v;
                                if (inet_pton(AF_INET, k, &a) <= 0 && !np_parse_guint(k, &v))
                                        return np_err(c, at, "invalid tunnel key '%s'", k);
                        }
                }
        }
        return 0;
}

int np_validate_netdef(np_parser *c, const np_node *at) {
        np_sdef *d = c->cur;
        const np_node *m = d->merged;

        /* netplan skips validation while ids are missing: a later pass completes it */
        if (np_refs_n_missing(&c->refs) > 0)
                return 0;
        if (d->backend == NP_BACKEND_OVS && access("/usr/bin/ovs-vsctl", F_OK) < 0)
                return np_err(c, at, "%s: The 'ovs-vsctl' tool is required to setup OpenVSwitch interfaces.", d->id);
        if (d->type == NP_DEF_WIFI && strv_length(d->ssids) == 0)
                return np_err(c, at, "%s: No access points defined", d->id);
        if (get(m, "set-name") && !d->has_match)
                return np_err(c, at, "%s: 'set-name:' requires 'match:' properties", d->id);
        if (d->type == NP_DEF_VLAN) {
                if (!d->link_ok)
                        return np_err(c, at, "%s: missing 'link' property", d->id);
                /* netplan's "unset" is G_MAXUINT, so an explicit 4294967295 is unset too */
                if (d->vlan_id < 0 || d->vlan_id == UINT32_MAX)
                        return np_err(c, at, "%s: missing 'id' property", d->id);
                if (d->vlan_id > 4094)
                        return np_err(c, at, "%s: invalid id '%u' (allowed values are 0 to 4094)", d->id, (unsigned) d->vlan_id);
        }
        if (d->type == NP_DEF_NM_DEVICE) {
                const np_node *nm = get(m, "networkmanager"), *pt = nm ? get(nm, "passthrough") : NULL;
                if (!pt || !get(pt, "connection.type"))
                        return np_err(c, at, "%s: network type 'nm-devices:' needs to provide a 'connection.type' via passthrough", d->id);
        }
        if (d->has_addrgen && d->has_addrtok)
                return np_err(c, at, "%s: ipv6-address-generation and ipv6-address-token are mutually exclusive", d->id);
        if (d->type == NP_DEF_TUNNEL) {
                int r = validate_tunnel(c, at, m);
                if (r < 0)
                        return r;
        }
        if (d->type == NP_DEF_VRF) {
                const char *t = np_node_scalar(get(m, "table"));
                if (!t || strtoull(t, NULL, 10) == UINT32_MAX) /* G_MAXUINT is "unset" */
                        return np_err(c, at, "%s: missing 'table' property", d->id);
        }
        return 0;
}

static int final_errv(np_diag_list *diags, bool raw, const char *fmt, va_list ap) _printf_(3, 0);
static int final_errv(np_diag_list *diags, bool raw, const char *fmt, va_list ap) {
        int r = np_diag_addv(diags, NP_SEVERITY_ERROR, NP_DIAG_DEFINITION, (np_pos) { 0 }, NULL, NULL, fmt, ap);
        if (r < 0)
                return r;
        diags->items[diags->n - 1].raw = raw;
        return -EINVAL;
}

/* netplan's generators print these as they are */
static int raw_err(np_diag_list *diags, const char *fmt, ...) _printf_(2, 3);
static int raw_err(np_diag_list *diags, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = final_errv(diags, true, fmt, ap);
        va_end(ap);
        return r;
}

/* validate_backend_rules: "Error in network definition: MSG" without a position */
static int def_err(np_diag_list *diags, const char *fmt, ...) _printf_(2, 3);
static int def_err(np_diag_list *diags, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = final_errv(diags, false, fmt, ap);
        va_end(ap);
        return r;
}

static bool scalar_is(const np_node *n, const char *v) {
        const char *s = np_node_scalar(n);
        return s && strcmp(s, v) == 0;
}

static bool channel_ok(bool five, unsigned long ch) {
        static const unsigned char ch5[] = { 7, 8, 9, 11, 12, 16, 32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56,
                                             58, 60, 62, 64, 68, 96, 100, 102, 104, 106, 108, 110, 112, 114, 116, 118,
                                             120, 122, 124, 126, 128, 132, 134, 136, 138, 140, 142, 144, 149, 151, 153,
                                             155, 157, 159, 161, 165, 169, 173 };
        if (!five)
                return ch >= 1 && ch <= 14;
        for (size_t i = 0; i < ELEMENTSOF(ch5); i++)
                if (ch5[i] == ch)
                        return true;
        return false;
}

static int check_psk(np_diag_list *diags, const char *name, const np_node *auth, const char *password) {
        const char *km = auth ? np_node_scalar(get(auth, "key-management")) : NULL;
        const char *pw = password ?: (auth ? np_node_scalar(get(auth, "password")) : NULL);
        if (!pw || (!password && (!km || strcmp(km, "psk") != 0)))
                return 0;
        size_t len = strlen(pw);
        if (len == 64) {
                for (size_t i = 0; i < len; i++)
                        if (!isxdigit((unsigned char) pw[i]))
                                return raw_err(diags, "ERROR: %s: PSK length of 64 is only supported for hex-digit representation", name);
                return 0;
        }
        if (len < 8 || len > 63)
                return raw_err(diags, "ERROR: %s: ASCII passphrase must be between 8 and 63 characters (inclusive)", name);
        return 0;
}

static bool override_value(const np_node *ov, const char *key, bool is_bool, char *buf, size_t sz) {
        const char *v = ov ? np_node_scalar(get(ov, key)) : NULL;
        bool b;
        if (is_bool) {
                b = true;
                if (v)
                        np_parse_bool(v, &b);
                snprintf(buf, sz, "%d", b);
                return true;
        }
        snprintf(buf, sz, "%s", v ?: "");
        return true;
}

int np_validate_final(np_state *s, np_diag_list *diags) {
        /* validate_default_route_consistency() asserts a family on every default route;
         * "to: default" with neither via nor from has none and 0.106 aborts (SIGABRT) */
        for (size_t i = 0; i < s->n_defs && s->target <= NP_V(0, 106); i++) {
                const np_node *routes = get(s->defs[i]->merged, "routes");
                for (size_t j = 0; routes && routes->type == NP_NODE_SEQUENCE && j < routes->n; j++) {
                        const np_node *rt = routes->values[j];
                        if (scalar_is(get(rt, "to"), "default") && !get(rt, "via") && !get(rt, "from"))
                                return raw_err(diags, "ERROR:../src/util.c:698:get_global_network: assertion failed: (ip_family == AF_INET || ip_family == AF_INET6)");
                }
        }
        for (size_t i = 0; i < s->n_defs; i++) {
                np_sdef *d = s->defs[i];
                int be = d->backend != NP_BACKEND_NONE ? d->backend
                         : s->global_backend != NP_BACKEND_NONE ? s->global_backend : NP_BACKEND_NETWORKD;
                const np_node *m = d->merged;

                if (d->type == NP_DEF_OVS_PORT) {
                        if (!d->bond && !d->bridge)
                                return raw_err(diags, "%s: OpenVSwitch patch port needs to be assigned to a bridge/bond", d->id);
                        continue;
                }
                /* validate_backend_rules */
                if (d->type == NP_DEF_TUNNEL) {
                        const char *mode = np_node_scalar(get(m, "mode"));
                        if (be == NP_BACKEND_NETWORKD && mode && strcmp(mode, "isatap") == 0)
                                return def_err(diags, "%s: ISATAP tunnel mode is not supported by networkd", d->id);
                        if (be == NP_BACKEND_NM && mode && strcmp(mode, "wireguard") == 0) {
                                const np_node *key = get(m, "key") ?: get(m, "keys");
                                const char *priv = key && key->type == NP_NODE_MAPPING ? np_node_scalar(get(key, "private"))
                                                                                        : np_node_scalar(key);
                                if (priv && priv[0] == '/')
                                        return raw_err(diags, "%s: private key needs to be base64 encoded when using the NM backend", d->id);
                                const np_node *peers = get(m, "peers");
                                for (size_t j = 0; peers && j < peers->n; j++) {
                                        const np_node *keys = get(peers->values[j], "keys");
                                        const char *shared = keys ? np_node_scalar(get(keys, "shared")) : NULL;
                                        if (shared && shared[0] == '/')
                                                return raw_err(diags, "%s: shared key needs to be base64 encoded when using the NM backend", d->id);
                                }
                        }
                }
                if (d->type == NP_DEF_VRF) {
                        const char *t = np_node_scalar(get(m, "table"));
                        unsigned long table = t ? strtoul(t, NULL, 10) : 0;
                        const np_node *routes = get(m, "routes"), *rules = get(m, "routing-policy");
                        for (size_t j = 0; routes && j < routes->n; j++) {
                                const char *rt = np_node_scalar(get(routes->values[j], "table"));
                                if (rt && strtoul(rt, NULL, 10) != table)
                                        return raw_err(diags, "%s: VRF routes table mismatch (%lu != %lu)", d->id, table, strtoul(rt, NULL, 10));
                        }
                        for (size_t j = 0; rules && j < rules->n; j++) {
                                const char *rt = np_node_scalar(get(rules->values[j], "table"));
                                if (rt && strtoul(rt, NULL, 10) != table)
                                        return raw_err(diags, "%s: VRF routing-policy table mismatch (%lu != %lu)", d->id, table, strtoul(rt, NULL, 10));
                        }
                }
        }
        /* what the generators refuse */
        for (size_t i = 0; i < s->n_defs; i++) {
                np_sdef *d = s->defs[i];
                int be = d->backend != NP_BACKEND_NONE ? d->backend
                         : s->global_backend != NP_BACKEND_NONE ? s->global_backend : NP_BACKEND_NETWORKD;
                const np_node *m = d->merged;
                if (d->type == NP_DEF_OVS_PORT)
                        continue;
                const np_node *aps = get(m, "access-points");
                for (size_t j = 0; aps && aps->type == NP_NODE_MAPPING && j < aps->n; j++) {
                        const np_node *ap = aps->values[j];
                        const char *ssid = np_node_scalar(aps->keys[j]);
                        const char *band = np_node_scalar(get(ap, "band")), *ch = np_node_scalar(get(ap, "channel"));
                        unsigned long c = ch ? strtoul(ch, NULL, 10) : 0;
                        if (band && c != 0) { /* channel 0 is "unset" */
                                bool five = band[0] == '5';
                                if (!channel_ok(five, c))
                                        return raw_err(diags, "ERROR: invalid %s WiFi channel: %d", five ? "5GHz" : "2.4GHz",
                                                       (int) (unsigned) c);
                        }
                        if (be == NP_BACKEND_NETWORKD && scalar_is(get(ap, "mode"), "ap"))
                                return raw_err(diags, "ERROR: %s: %s: networkd does not support this wifi mode", d->id, ssid);
                        int r = check_psk(diags, ssid, get(ap, "auth"), np_node_scalar(get(ap, "password")));
                        if (r < 0)
                                return r;
                }
                if (d->type == NP_DEF_VRF && get(m, "routes") && !get(m, "routing-policy") && s->target < NP_V(0, 107))
                        /* LP: #2016427, the generator dereferences the missing policy list */
                        return raw_err(diags, "%s: netplan 0.106 crashes (SIGSEGV, LP: #2016427) on a VRF with routes but no routing-policy", d->id);
                if (d->type != NP_DEF_WIFI) {
                        int r = check_psk(diags, d->id, get(m, "auth"), NULL);
                        if (r < 0)
                                return r;
                }
                if (be == NP_BACKEND_NETWORKD) {
                        if (d->type == NP_DEF_MODEM)
                                return raw_err(diags, "ERROR: %s: networkd backend does not support GSM/CDMA modem configuration", d->id);
                        if (d->type == NP_DEF_WIFI && d->has_match)
                                return raw_err(diags, "ERROR: %s: networkd backend does not support wifi with match:, only by interface name", d->id);
                        const np_node *wow = get(m, "wakeonwlan");
                        for (size_t j = 0; wow && j < wow->n; j++)
                                if (np_node_scalar(wow->values[j]) && strcasecmp(wow->values[j]->scalar, "tcp") == 0)
                                        return raw_err(diags, "ERROR: unsupported wowlan_triggers mask: 0x%x", 1U << 8);
                        if (scalar_is(get(m, "ipv6-address-generation"), "stable-privacy"))
                                return raw_err(diags, "ERROR: %s: ipv6-address-generation mode is not supported by networkd", d->id);
                        bool d4 = false, d6 = false;
                        if (np_node_scalar(get(m, "dhcp4")))
                                np_parse_bool(S(get(m, "dhcp4")), &d4);
                        if (np_node_scalar(get(m, "dhcp6")))
                                np_parse_bool(S(get(m, "dhcp6")), &d6);
                        if (d4 && d6) {
                                static const struct { const char *key; bool b; } ov[] = {
                                        { "use-dns", true }, { "use-ntp", true }, { "send-hostname", true },
                                        { "use-hostname", true }, { "use-mtu", true }, { "use-routes", true },
                                        { "use-domains", false }, { "hostname", false }, { "route-metric", false },
                                };
                                const np_node *o4 = get(m, "dhcp4-overrides"), *o6 = get(m, "dhcp6-overrides");
                                for (size_t j = 0; j < ELEMENTSOF(ov); j++) {
                                        char a[256], b[256];
                                        override_value(o4, ov[j].key, ov[j].b, a, sizeof a);
                                        override_value(o6, ov[j].key, ov[j].b, b, sizeof b);
                                        if (strcmp(a, b) != 0)
                                                return raw_err(diags, "ERROR: %s: networkd requires that %s has the same value in both dhcp4_overrides and dhcp6_overrides",
                                                               d->id, ov[j].key);
                                }
                        }
                }
                if (be == NP_BACKEND_NM) {
                        const np_node *match = get(m, "match");
                        if (match && get(match, "driver") && !get(m, "set-name"))
                                return raw_err(diags, "ERROR: %s: NetworkManager definitions do not support matching by driver", d->id);
                        if (scalar_is(get(m, "activation-mode"), "off"))
                                return raw_err(diags, "ERROR: %s: NetworkManager definitions do not support activation-mode off", d->id);
                        if (get(m, "ipv6-mtu"))
                                return raw_err(diags, "ERROR: %s: NetworkManager definitions do not support ipv6-mtu", d->id);
                        const np_node *addrs = get(m, "addresses");
                        for (size_t j = 0; addrs && j < addrs->n; j++)
                                if (addrs->values[j]->type == NP_NODE_MAPPING)
                                        return raw_err(diags, "ERROR: %s: NetworkManager does not support address options", d->id);
                        const np_node *routes = get(m, "routes");
                        for (size_t j = 0; routes && j < routes->n; j++) {
                                const char *t = np_node_scalar(get(routes->values[j], "type"));
                                if (t && strcasecmp(t, "unicast") != 0)
                                        return raw_err(diags, "ERROR: %s: NetworkManager only supports unicast routes", d->id);
                        }
                }
                const np_node *ovs = get(m, "openvswitch");
                if (ovs && be != NP_BACKEND_OVS && (get(ovs, "external-ids") || get(ovs, "other-config"))) {
                        np_sdef *master = d->bond ? np_state_find(s, d->bond) : d->bridge ? np_state_find(s, d->bridge) : NULL;
                        if (!master || master->backend != NP_BACKEND_OVS)
                                return raw_err(diags, "%s: Interface needs to be assigned to an OVS bridge/bond to carry external-ids/other-config", d->id);
                }
        }
        return 0;
}
