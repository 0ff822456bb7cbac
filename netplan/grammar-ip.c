/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The grammar of addressing and routing: addresses, gateways, nameservers, link-local,
 * routes and routing-policy. */
#include <string.h>
#include <strings.h>

#include "common/string-util.h"
#include "netplan/grammar-ip.h"
#include "common/strv.h"
#include "netplan/value.h"

static int h_addr_lifetime(np_parser *c, const np_node *n, const void *data) {
        if (strcasecmp(S(n), "0") != 0 && strcasecmp(S(n), "forever") != 0)
                return np_err(c, n, "invalid lifetime value '%s'", S(n));
        return 0;
}

static const np_kdef addr_option_keys[] = {
        { "lifetime", NP_NODE_SCALAR, h_addr_lifetime },
        { "label", NP_NODE_SCALAR, np_h_str },
        {}
};

int np_check_addresses(np_parser *c, const np_node *n, bool check_zero) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i], *opts = NULL;
                if (e->type != NP_NODE_SCALAR && e->type != NP_NODE_MAPPING)
                        return np_err(c, e, "expected either scalar or mapping (check indentation)");
                if (e->type == NP_NODE_MAPPING) {
                        if (e->n == 0)
                                return np_err(c, e, "expected either scalar or mapping (check indentation)");
                        opts = e->values[0];
                        e = e->keys[0];
                }
                if (e->type != NP_NODE_SCALAR)
                        return np_type_error(c, e, NP_NODE_SCALAR);
                _cleanup_free_ char *addr = strdup(S(e));
                if (!addr)
                        return -ENOMEM;
                char *pl = strrchr(addr, '/');
                if (!pl)
                        return np_err(c, n, "address '%s' is missing /prefixlength", S(e));
                *pl++ = '\0';
                unsigned long long plen = strtoull(pl, NULL, 10);
                if (opts) {
                        if (!np_is_ip4(addr) && !np_is_ip6(addr))
                                return np_err(c, n, "malformed address '%s', must be X.X.X.X/NN or X:X:X:X:X:X:X:X/NN", S(e));
                        int r = np_process_mapping(c, opts, addr_option_keys);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (np_is_ip4(addr)) {
                        if ((check_zero && plen == 0) || plen > 32)
                                return np_err(c, n, "invalid prefix length in address '%s'", S(e));
                        continue;
                }
                if (np_is_ip6(addr)) {
                        if ((check_zero && plen == 0) || plen > 128)
                                return np_err(c, n, "invalid prefix length in address '%s'", S(e));
                        continue;
                }
                return np_err(c, n, "malformed address '%s', must be X.X.X.X/NN or X:X:X:X:X:X:X:X/NN", S(e));
        }
        return 0;
}

static int h_addresses(np_parser *c, const np_node *n, const void *data) {
        return np_check_addresses(c, n, true);
}

/* netplan < 1.1 keeps the first gateway and asserts that a redefinition repeats it: a
 * different value aborts the generator (SIGABRT), so nothing is rendered at all. */
static int gateway(np_parser *c, const np_node *n, char **seen, int line, const char *fn, const char *field) {
        c->s->warn_gateway = true;
        if (*seen && strcmp(*seen, S(n)) != 0 && c->s->target < NP_V(1, 1)) {
                int r = np_err(c, n, "ERROR:../src/parse.c:%d:%s: assertion failed (scalar(node) == npp->current.netdef->%s): (\"%s\" == \"%s\")",
                            line, fn, field, S(n), *seen);
                c->diags->items[c->diags->n - 1].raw = true;
                return r;
        }
        return *seen ? 0 : free_and_strdup(seen, S(n));
}

static int h_gateway4(np_parser *c, const np_node *n, const void *data) {
        if (!np_is_ip4(S(n)))
                return np_err(c, n, "invalid IPv4 address '%s'", S(n));
        return gateway(c, n, &c->cur->gateway4, 1280, "handle_gateway4", "gateway4");
}

static int h_gateway6(np_parser *c, const np_node *n, const void *data) {
        if (!np_is_ip6(S(n)))
                return np_err(c, n, "invalid IPv6 address '%s'", S(n));
        return gateway(c, n, &c->cur->gateway6, 1292, "handle_gateway6", "gateway6");
}

static int h_ns_addresses(np_parser *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_SCALAR)
                        return np_err(c, e, "expected scalar");
                if (!np_is_ip4(S(e)) && !np_is_ip6(S(e)))
                        return np_err(c, n, "malformed address '%s', must be X.X.X.X or X:X:X:X:X:X:X:X", S(e));
        }
        return 0;
}

static const np_kdef nameserver_keys[] = {
        { "search", NP_NODE_SEQUENCE, np_h_strseq },
        { "addresses", NP_NODE_SEQUENCE, h_ns_addresses },
        {}
};

static const np_flag_set link_local = { "link-local", (const char *const[]) { "ipv4", "ipv6", NULL } };
static const np_flag_set optional_addresses = {
        "optional-addresses", (const char *const[]) { "ipv4-ll", "ipv6-ra", "dhcp4", "dhcp6", "static", NULL }
};

static int route_ip(np_parser *c, const np_node *n) {
        int family = np_ip_family(S(n));
        if (family < 0)
                return np_err(c, n, "invalid IP family '%d'", family);
        if (c->route_family != 0 && c->route_family != (unsigned) family)
                return np_err(c, n, "IP family mismatch in route to %s", S(n));
        c->route_family = (unsigned) family;
        return 0;
}

static int h_route_from(np_parser *c, const np_node *n, const void *data) {
        c->has_from = true;
        return route_ip(c, n);
}

static int h_route_via(np_parser *c, const np_node *n, const void *data) {
        c->has_via = true;
        return route_ip(c, n);
}

static int h_route_to(np_parser *c, const np_node *n, const void *data) {
        c->has_to = true;
        if (strcmp(S(n), "default") == 0)
                return 0;
        return route_ip(c, n);
}

static int h_route_scope(np_parser *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "global", "link", "host", NULL };
        c->route_scope = S(n);
        if (!np_in_list(S(n), ok, true))
                return np_err(c, n, "invalid route scope '%s'", S(n));
        return 0;
}

static int h_route_type(np_parser *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "unicast", "anycast", "blackhole", "broadcast", "local", "multicast",
                                          "nat", "prohibit", "throw", "unreachable", "xresolve", NULL };
        c->route_type = S(n);
        if (!np_in_list(S(n), ok, true))
                return np_err(c, n, "invalid route type '%s'", S(n));
        return 0;
}

static const np_kdef route_keys[] = {
        { "from", NP_NODE_SCALAR, h_route_from },
        { "on-link", NP_NODE_SCALAR, np_h_bool },
        { "scope", NP_NODE_SCALAR, h_route_scope },
        { "table", NP_NODE_SCALAR, np_h_uint },
        { "to", NP_NODE_SCALAR, h_route_to },
        { "type", NP_NODE_SCALAR, h_route_type },
        { "via", NP_NODE_SCALAR, h_route_via },
        { "metric", NP_NODE_SCALAR, np_h_uint },
        { "mtu", NP_NODE_SCALAR, np_h_uint },
        { "congestion-window", NP_NODE_SCALAR, np_h_uint },
        { "advertised-receive-window", NP_NODE_SCALAR, np_h_uint },
        { "advertised-mss", NP_NODE_SCALAR, np_h_uint, NULL, NULL, NP_V(1, 1) },
        {}
};

static int h_routes(np_parser *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_MAPPING)
                        return np_type_error(c, e, NP_NODE_MAPPING);
                c->route_family = 0;
                c->has_from = c->has_to = c->has_via = false;
                c->route_type = "unicast";
                c->route_scope = NULL;
                int r = np_process_mapping(c, e, route_keys);
                if (r < 0)
                        return r;
                const char *type = c->route_type, *scope = c->route_scope;
                if (!scope) {
                        if (strcasecmp(type, "local") == 0 || strcasecmp(type, "nat") == 0)
                                scope = "host";
                        else if ((strcasecmp(type, "unicast") == 0 && !c->has_via) || strcasecmp(type, "broadcast") == 0 ||
                                 strcasecmp(type, "multicast") == 0 || strcasecmp(type, "anycast") == 0)
                                scope = "link";
                        else
                                scope = "global";
                }
                if ((strcasecmp(scope, "link") == 0 || strcasecmp(scope, "host") == 0) && !c->has_to)
                        return np_err(c, n, "link and host routes must specify a 'to' IP");
                if (strcasecmp(type, "unicast") == 0 && strcasecmp(scope, "global") == 0 && (!c->has_to || !c->has_via))
                        return np_err(c, n, "global unicast route must include both a 'to' and 'via' IP");
                if (strcasecmp(type, "unicast") != 0 && !c->has_to)
                        return np_err(c, n, "non-unicast routes must specify a 'to' IP");
        }
        return 0;
}

static int rule_ip(np_parser *c, const np_node *n) {
        return route_ip(c, n);
}

static int h_rule_from(np_parser *c, const np_node *n, const void *data) {
        c->rule_from = true;
        return rule_ip(c, n);
}

static int h_rule_to(np_parser *c, const np_node *n, const void *data) {
        c->rule_to = true;
        return rule_ip(c, n);
}

static int h_tos(np_parser *c, const np_node *n, const void *data) {
        unsigned long long v;
        if (!np_parse_guint(S(n), &v))
                return np_err(c, n, "invalid unsigned int value '%s'", S(n));
        if (v > 255)
                return np_err(c, n, "invalid ToS (must be between 0 and 255): %s", S(n));
        return 0;
}

static const np_kdef rule_keys[] = {
        { "from", NP_NODE_SCALAR, h_rule_from },
        { "mark", NP_NODE_SCALAR, np_h_uint },
        { "priority", NP_NODE_SCALAR, np_h_uint },
        { "table", NP_NODE_SCALAR, np_h_uint },
        { "to", NP_NODE_SCALAR, h_rule_to },
        { "type-of-service", NP_NODE_SCALAR, h_tos },
        {}
};

static int h_rules(np_parser *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                c->route_family = 0;
                c->rule_from = c->rule_to = false;
                int r = np_process_mapping(c, n->values[i], rule_keys);
                if (r < 0)
                        return r;
                if (!c->rule_from && !c->rule_to)
                        return np_err(c, n, "IP routing policy must include either a 'from' or 'to' IP");
        }
        return 0;
}

const np_kdef np_routing_keys[] = {
        { "routes", NP_NODE_SEQUENCE, h_routes },
        { "routing-policy", NP_NODE_SEQUENCE, h_rules },
        {}
};

const np_kdef np_ip_keys[] = {
        { "addresses", NP_NODE_SEQUENCE, h_addresses },
        { "gateway4", NP_NODE_SCALAR, h_gateway4 },
        { "gateway6", NP_NODE_SCALAR, h_gateway6 },
        { "link-local", NP_NODE_SEQUENCE, np_h_flags, NULL, &link_local },
        { "nameservers", NP_NODE_MAPPING, np_h_map, NULL, nameserver_keys },
        { "optional-addresses", NP_NODE_SEQUENCE, np_h_flags, NULL, &optional_addresses },
        { NULL, 0, NULL, np_routing_keys },
        {}
};
