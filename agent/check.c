/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <net/if_arp.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent/check.h"
#include "common/parse-util.h"

static const char *const mgmt_source_table[_MGMT_SOURCE_MAX] = {
        [MGMT_SOURCE_OPTION] = "option",
        [MGMT_SOURCE_AGENT_CONFIG] = "agent-config",
        [MGMT_SOURCE_HOST_HINT] = "host-hint",
        [MGMT_SOURCE_DEFAULT_ROUTE4] = "ipv4-default-route",
        [MGMT_SOURCE_DEFAULT_ROUTE6] = "ipv6-default-route",
        [MGMT_SOURCE_GLOBAL_ADDRESS] = "first-global-address",
};

static const char *const host_source_table[_HOST_SOURCE_MAX] = {
        [HOST_SOURCE_AGENT_CONFIG] = "agent-config",
        [HOST_SOURCE_HOST_HINT] = "host-hint",
        [HOST_SOURCE_GATEWAY] = "default-gateway",
        [HOST_SOURCE_SUBNET] = "current-subnet",
};

const char *mgmt_source_to_string(mgmt_source s) {
        return s >= 0 && s < _MGMT_SOURCE_MAX ? mgmt_source_table[s] : NULL;
}

const char *host_source_to_string(host_source s) {
        return s >= 0 && s < _HOST_SOURCE_MAX ? host_source_table[s] : NULL;
}

/* ---- management link ---------------------------------------------------------------- */

static const live_link *default_route_link(const live_state *live, int family) {
        const live_route *best = NULL;

        for (size_t i = 0; i < live->n_routes; i++) {
                const live_route *r = &live->routes[i];
                if (r->family != family || r->dst_len != 0 || r->oif <= 0)
                        continue;
                if (!best || r->metric < best->metric)
                        best = r;
        }
        return best ? live_state_link_by_index(live, best->oif) : NULL;
}

static bool is_global(const live_address *a) {
        if (a->scope != RT_SCOPE_UNIVERSE)
                return false;
        if (a->family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a->addr.in6))
                return false;
        return true;
}

static const live_link *lookup_named(const live_state *live, const char *s) {
        uint8_t mac[6];

        if (parse_ether_addr(s, mac) == 0)
                return live_state_link_by_mac(live, mac);
        return live_state_link_by_name(live, s);
}

static const live_link *lookup_config(const live_state *live, const agent_config *c) {
        if (c->has_mgmt_mac)
                return live_state_link_by_mac(live, c->mgmt_mac);
        return live_state_link_by_name(live, c->mgmt_name);
}

int check_resolve_mgmt(const live_state *live, const char *option, const agent_config *cfg,
                       const agent_config *hint, const live_link **ret, mgmt_source *ret_source,
                       char **ret_error) {
        const live_link *l;

        if (option) {
                l = lookup_named(live, option);
                if (!l) {
                        if (ret_error && asprintf(ret_error, "--mgmt %s: no such link", option) < 0)
                                return -ENOMEM;
                        return -ENODEV;
                }
                *ret = l;
                *ret_source = MGMT_SOURCE_OPTION;
                return 0;
        }
        if (cfg && (cfg->has_mgmt_mac || cfg->mgmt_name)) {
                l = lookup_config(live, cfg);
                if (!l) {
                        const agent_config_pos p = cfg->has_mgmt_mac ? cfg->mgmt_mac_pos : cfg->mgmt_name_pos;
                        if (ret_error &&
                            asprintf(ret_error, "%s:%u:%u: management.%s %s: no such link", cfg->path, p.line, p.column,
                                     cfg->has_mgmt_mac ? "macaddress" : "name",
                                     cfg->has_mgmt_mac ? cfg->mgmt_mac_text : cfg->mgmt_name) < 0)
                                return -ENOMEM;
                        return -ENODEV;
                }
                *ret = l;
                *ret_source = MGMT_SOURCE_AGENT_CONFIG;
                return 0;
        }
        /* The hint is volatile and may be stale: if its link is gone, fall through. */
        if (hint && (hint->has_mgmt_mac || hint->mgmt_name)) {
                l = lookup_config(live, hint);
                if (l) {
                        *ret = l;
                        *ret_source = MGMT_SOURCE_HOST_HINT;
                        return 0;
                }
        }
        l = default_route_link(live, AF_INET);
        if (l) {
                *ret = l;
                *ret_source = MGMT_SOURCE_DEFAULT_ROUTE4;
                return 0;
        }
        l = default_route_link(live, AF_INET6);
        if (l) {
                *ret = l;
                *ret_source = MGMT_SOURCE_DEFAULT_ROUTE6;
                return 0;
        }
        const live_link *best = NULL;
        for (size_t i = 0; i < live->n_addresses; i++) {
                const live_address *a = &live->addresses[i];
                const live_link *al;

                if (!is_global(a))
                        continue;
                al = live_state_link_by_index(live, a->ifindex);
                if (!al || al->arptype != ARPHRD_ETHER)
                        continue;
                if (!best || al->ifindex < best->ifindex)
                        best = al;
        }
        if (best) {
                *ret = best;
                *ret_source = MGMT_SOURCE_GLOBAL_ADDRESS;
                return 0;
        }
        if (ret_error && asprintf(ret_error, "cannot tell which link is the management link: no --mgmt, no "
                                             "management: in the agent config, no default route and no Ethernet "
                                             "link with a global address") < 0)
                return -ENOMEM;
        return -ENXIO;
}

/* ---- host peer ------------------------------------------------------------------------ */

static const live_address *current_address(const live_state *live, const live_link *mgmt, int family) {
        for (size_t i = 0; i < live->n_addresses; i++) {
                const live_address *a = &live->addresses[i];
                if (a->ifindex == mgmt->ifindex && a->family == family && is_global(a))
                        return a;
        }
        return NULL;
}

static void host_from_config(const agent_config *c, host_source source, host_peer *ret) {
        *ret = (host_peer) {
                .source = source,
                .family = c->mgmt_host_family,
                .prefixlen = c->mgmt_host_family == AF_INET ? 32 : 128,
        };
        memcpy(&ret->addr, &c->mgmt_host, sizeof(c->mgmt_host));
}

int check_resolve_host(const live_state *live, const live_link *mgmt, const agent_config *cfg,
                       const agent_config *hint, host_peer *ret) {
        if (cfg && cfg->has_mgmt_host) {
                host_from_config(cfg, HOST_SOURCE_AGENT_CONFIG, ret);
                return 0;
        }
        if (hint && hint->has_mgmt_host) {
                host_from_config(hint, HOST_SOURCE_HOST_HINT, ret);
                return 0;
        }
        for (int pass = 0; pass < 2; pass++) {
                int family = pass == 0 ? AF_INET : AF_INET6;
                const live_route *best = NULL;

                for (size_t i = 0; i < live->n_routes; i++) {
                        const live_route *r = &live->routes[i];
                        if (r->family == family && r->dst_len == 0 && r->oif == mgmt->ifindex && r->has_gateway &&
                            (!best || r->metric < best->metric))
                                best = r;
                }
                if (best) {
                        *ret = (host_peer) {
                                .source = HOST_SOURCE_GATEWAY,
                                .family = family,
                                .addr = best->gateway,
                                .prefixlen = family == AF_INET ? 32 : 128,
                        };
                        return 0;
                }
        }
        for (int pass = 0; pass < 2; pass++) {
                const live_address *a = current_address(live, mgmt, pass == 0 ? AF_INET : AF_INET6);
                if (a) {
                        *ret = (host_peer) {
                                .source = HOST_SOURCE_SUBNET,
                                .family = a->family,
                                .addr = a->addr,
                                .prefixlen = a->prefixlen,
                        };
                        return 0;
                }
        }
        return -ENXIO;
}

int host_peer_to_string(const host_peer *h, char *buf, size_t size) {
        char a[INET6_ADDRSTRLEN];
        int r;

        r = live_addr_to_string(h->family, &h->addr, a, sizeof(a));
        if (r < 0)
                return r;
        if (h->source == HOST_SOURCE_SUBNET) {
                live_in_addr net = {};
                /* Print the network, not our own address. */
                uint8_t *p = h->family == AF_INET ? (uint8_t *) &net.in : net.in6.s6_addr;
                const uint8_t *s = h->family == AF_INET ? (const uint8_t *) &h->addr.in : h->addr.in6.s6_addr;
                for (unsigned i = 0; i < h->prefixlen / 8; i++)
                        p[i] = s[i];
                if (h->prefixlen % 8)
                        p[h->prefixlen / 8] = (uint8_t) (s[h->prefixlen / 8] & (0xff << (8 - h->prefixlen % 8)));
                r = live_addr_to_string(h->family, &net, a, sizeof(a));
                if (r < 0)
                        return r;
                r = snprintf(buf, size, "%s/%u (on-link)", a, h->prefixlen);
        } else
                r = snprintf(buf, size, "%s", a);
        return r < 0 || (size_t) r >= size ? -ENOBUFS : 0;
}

/* ---- the rules -------------------------------------------------------------------------- */

void check_result_clear(check_result *r) {
        if (!r)
                return;
        for (size_t i = 0; i < r->n; i++) {
                free(r->findings[i].file);
                free(r->findings[i].message);
                free(r->findings[i].hint);
        }
        free(r->findings);
        free(r->mgmt_definition);
        *r = (check_result) {};
}

typedef struct rule_ctx {
        const check_input *in;
        check_result *res;
        int family;                     /* the host's family */
        const live_address *current;    /* current address of that family on the link */
        bool dhcp_evidence;             /* the link holds a dynamic address of that family now */
        bool dhcp_on_disk;              /* the definition on disk for the link uses DHCP there */
        bool dhcp_served;               /* either: the host side is taken to serve DHCP */
        char current_text[INET6_ADDRSTRLEN + 8];   /* "192.0.2.58/24" or "" */
        char subnet_text[INET6_ADDRSTRLEN + 32];   /* "192.0.2.0/24" or "" */
        char host_text[INET6_ADDRSTRLEN + 32];
        int error;                      /* first -ENOMEM */
} rule_ctx;

/* What a definition gives the management link in the host's family. */
typedef struct addressing {
        bool dyn_source;                /* dhcp4 / dhcp6 / RA is on */
        bool dyn_ok;                    /* ... and the host side is known to serve it */
        bool linklocal_ok;              /* the host is link-local IPv6 and the link keeps one */
        const np_address *first_static; /* first static address in the family */
        const np_address *first_reachable;
        bool keeps_current;             /* a reachable static address is the current one */
        bool disabled;                  /* activation-mode: off */
        bool ok;
} addressing;

static void add_finding(rule_ctx *ctx, rule_id rule, np_pos pos, np_pos fallback, char *message, char *hint) {
        _cleanup_free_ char *m = message, *h = hint, *f = NULL;
        const rule_info *info = rule_get(rule);
        check_finding *p;

        if (ctx->error < 0)
                return;
        if (!m || !h)
                goto oom;
        if (pos.line == 0 || !pos.file)
                pos = fallback;
        if (pos.line == 0 || !pos.file)
                pos = (np_pos) { ctx->in->fallback_file ? ctx->in->fallback_file : "-", 1, 1 };
        f = strdup(pos.file);
        if (!f)
                goto oom;
        p = reallocarray(ctx->res->findings, ctx->res->n + 1, sizeof(*p));
        if (!p)
                goto oom;
        ctx->res->findings = p;
        p[ctx->res->n++] = (check_finding) {
                .rule = rule,
                .severity = info->severity,
                .file = TAKE_PTR(f),
                .line = pos.line,
                .column = pos.column ? pos.column : 1,
                .message = TAKE_PTR(m),
                .hint = TAKE_PTR(h),
        };
        if (info->severity == RULE_SEVERITY_ERROR)
                ctx->res->n_errors++;
        return;
oom:
        ctx->error = -ENOMEM;
}

static char *fmt(const char *format, ...) _printf_(1, 2);
static char *fmt(const char *format, ...) {
        char *s;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        return r < 0 ? NULL : s;
}

static void to_live(const np_in_addr *a, live_in_addr *ret) {
        memset(ret, 0, sizeof(*ret));
        memcpy(ret, a, sizeof(*a) < sizeof(*ret) ? sizeof(*a) : sizeof(*ret));
}

static bool addr_equal(int family, const live_in_addr *a, const live_in_addr *b) {
        return family == AF_INET ? a->in.s_addr == b->in.s_addr : memcmp(&a->in6, &b->in6, sizeof(a->in6)) == 0;
}

static const char *dhcp_key(int family) {
        return family == AF_INET ? "dhcp4" : "dhcp6";
}

static const char *dhcp_name(int family) {
        return family == AF_INET ? "DHCPv4" : "DHCPv6";
}

static bool host_is_specific(const rule_ctx *ctx) {
        return ctx->in->host && ctx->in->host->source != HOST_SOURCE_SUBNET;
}

static bool host_is_linklocal(const rule_ctx *ctx) {
        return host_is_specific(ctx) && ctx->family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&ctx->in->host->addr.in6);
}

/* Is addr in a subnet the host reaches the guest in now, i.e. a current subnet of the link? */
static bool in_current_subnet(const rule_ctx *ctx, const live_in_addr *addr) {
        const live_state *live = ctx->in->live;

        for (size_t i = 0; i < live->n_addresses; i++) {
                const live_address *a = &live->addresses[i];
                if (a->ifindex == ctx->in->mgmt->ifindex && a->family == ctx->family && is_global(a) &&
                    live_prefix_contains(a->family, &a->addr, a->prefixlen, addr))
                        return true;
        }
        return false;
}

static bool dynamic_source(int family, const np_netdef *d) {
        if (family == AF_INET)
                return d->dhcp4;
        /* SLAAC needs accept-ra (networkd's default) and a link-local address. */
        return d->dhcp6 || (d->link_local_ipv6 && d->accept_ra != NP_TRISTATE_FALSE);
}

static addressing evaluate(const rule_ctx *ctx, const np_netdef *d) {
        addressing a = {};

        a.disabled = d->activation_mode && strcmp(d->activation_mode, "off") == 0;
        a.dyn_source = dynamic_source(ctx->family, d);
        /* DHCP on is an address source (NG002 is about its absence); whether the host
         * side serves it is only known from evidence, and its absence is a warning (NG003). */
        a.dyn_ok = a.dyn_source;
        a.linklocal_ok = host_is_linklocal(ctx) && d->link_local_ipv6;

        for (size_t i = 0; i < d->n_addresses; i++) {
                const np_address *s = &d->addresses[i];
                live_in_addr addr;

                if (s->family != ctx->family)
                        continue;
                if (!a.first_static)
                        a.first_static = s;
                to_live(&s->addr, &addr);
                bool reachable = in_current_subnet(ctx, &addr) ||
                                 (host_is_specific(ctx) &&
                                  live_prefix_contains(s->family, &addr, s->prefixlen, &ctx->in->host->addr));
                if (!reachable)
                        continue;
                if (!a.first_reachable)
                        a.first_reachable = s;
                if (ctx->current && addr_equal(s->family, &addr, &ctx->current->addr))
                        a.keeps_current = true;
        }
        /* A link-local host reaches any link with IPv6, but the VM manager talks to a
         * global address: link-local helps the way back (NG006), not NG002. */
        a.ok = !a.disabled && (a.dyn_ok || a.first_reachable);
        return a;
}

static const np_netdef *find_matching(const np_netdef *const *defs, size_t n, const live_link *mgmt) {
        const np_netdef *best = NULL;
        np_link_info info = {
                .name = mgmt->name,
                .mac = mgmt->has_mac ? mgmt->mac : NULL,
                .perm_mac = mgmt->has_perm_mac ? mgmt->perm_mac : NULL,
                .driver = mgmt->driver[0] ? mgmt->driver : NULL,
        };

        if (!defs)
                return NULL;
        /* networkd applies the first .network file in name order; netplan names them
         * 10-netplan-ID.network, so the lowest id wins. */
        for (size_t i = 0; i < n; i++) {
                const np_netdef *d = defs[i];
                if (!np_netdef_matches(d, &info))
                        continue;
                if (!best || strcmp(d->id, best->id) < 0)
                        best = d;
        }
        return best;
}

/* The bond or bridge that takes the definition as a member, and the member entry's position. */
static const np_netdef *find_master(const check_input *in, const char *id, np_pos *ret_pos) {
        for (size_t i = 0; i < in->n_defs; i++) {
                const np_netdef *d = in->defs[i];
                if ((d->type != NP_DEF_BOND && d->type != NP_DEF_BRIDGE) || !d->interfaces)
                        continue;
                for (size_t k = 0; d->interfaces[k]; k++) {
                        if (strcmp(d->interfaces[k], id) != 0)
                                continue;
                        *ret_pos = np_netdef_member_pos(d, k);
                        return d;
                }
        }
        return NULL;
}

static void mac_to_string(const uint8_t mac[6], char buf[static 18]) {
        snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static void rule_unmatched(rule_ctx *ctx) {
        const live_link *m = ctx->in->mgmt;
        const np_netdef *old = find_matching(ctx->in->old_defs, ctx->in->n_old_defs, m);
        np_pos pos = {};
        char mac[18] = "";
        const char *source_hint;

        static const uint8_t zero[6];
        if (m->has_perm_mac)
                mac_to_string(m->perm_mac, mac);
        else if (m->has_mac && memcmp(m->mac, zero, 6) != 0)
                mac_to_string(m->mac, mac);
        if (old) {
                /* The definition that used to apply: still there with another match? */
                for (size_t i = 0; i < ctx->in->n_defs; i++) {
                        const np_netdef *now = ctx->in->defs[i];
                        if (strcmp(now->id, old->id) == 0)
                                pos = now->has_match ? now->match_pos : now->pos;
                }
        }
        if (ctx->dhcp_served || !ctx->current_text[0])
                source_hint = ctx->family == AF_INET6 ? "dhcp6: true" : "dhcp4: true";
        else
                source_hint = NULL;

        add_finding(ctx, RULE_MANAGEMENT_UNMATCHED, pos, (np_pos) { 0 },
                    old ? fmt("no definition matches the management link %s any more (definition '%s' did before)",
                              m->name, old->id)
                        : fmt("no definition matches the management link %s%s%s%s", m->name, mac[0] ? " (" : "", mac,
                              mac[0] ? ")" : ""),
                    mac[0] ? (source_hint ? fmt("keep a definition for it, e.g. `ethernets: {%s: {match: {macaddress: \"%s\"}, %s}}`",
                                                m->name, mac, source_hint)
                                          : fmt("keep a definition for it, e.g. `ethernets: {%s: {match: {macaddress: \"%s\"}, addresses: [%s]}}`",
                                                m->name, mac, ctx->current_text))
                           : fmt("keep a definition named %s for it", m->name));
}

static void rule_renamed(rule_ctx *ctx, const np_netdef *d) {
        const char *now = ctx->in->mgmt->name;

        if (!d->set_name || strcmp(d->set_name, now) == 0)
                return;
        add_finding(ctx, RULE_MANAGEMENT_RENAMED, d->set_name_pos, d->pos,
                    fmt("set-name renames the management link %s to %s", now, d->set_name),
                    fmt("drop `set-name: %s` (or set it to the current name `%s`); whatever refers to %s by name stops matching",
                        d->set_name, now, now));
}

static char *reach_text(const rule_ctx *ctx) {
        if (ctx->subnet_text[0] && host_is_specific(ctx))
                return fmt("%s, host %s", ctx->subnet_text, ctx->host_text);
        if (ctx->subnet_text[0])
                return fmt("%s", ctx->subnet_text);
        return fmt("host %s", ctx->host_text);
}

static char *unaddressed_hint(const rule_ctx *ctx, const char *link) {
        const char *key = dhcp_key(ctx->family);

        if (ctx->dhcp_served)
                return fmt("keep `%s: true` on %s and configure the extra interface instead, or use exactly the "
                           "current address: add %s to `addresses`",
                           key, link, ctx->current_text);
        if (ctx->current_text[0])
                return fmt("add the current address %s to `addresses` of %s", ctx->current_text, link);
        if (host_is_specific(ctx))
                return fmt("set `%s: true` or give %s an address in a subnet that contains the host %s", key, link,
                           ctx->host_text);
        return fmt("set `%s: true` on %s", key, link);
}

static void rule_unaddressed(rule_ctx *ctx, const np_netdef *d, const addressing *a) {
        const char *link = ctx->in->mgmt->name;
        _cleanup_free_ char *reach = NULL;
        np_pos dhcp_pos = ctx->family == AF_INET ? d->dhcp4_pos : d->dhcp6_pos;

        if (a->ok || a->disabled)
                return;
        reach = reach_text(ctx);
        if (!reach) {
                ctx->error = -ENOMEM;
                return;
        }
        if (a->first_static)
                add_finding(ctx, RULE_MANAGEMENT_UNADDRESSED, a->first_static->pos, d->addresses_pos,
                            fmt("management link %s would only have %s, outside the subnet the host reaches (%s)",
                                link, a->first_static->text, reach),
                            unaddressed_hint(ctx, link));
        else
                add_finding(ctx, RULE_MANAGEMENT_UNADDRESSED, dhcp_pos, d->pos,
                            fmt("management link %s keeps no address the host can reach: `%s` is off and no static "
                                "%s address lies in %s",
                                link, dhcp_key(ctx->family), ctx->family == AF_INET ? "IPv4" : "IPv6", reach),
                            unaddressed_hint(ctx, link));
}

static void rule_address_moves(rule_ctx *ctx, const np_netdef *d, const addressing *a) {
        char to[INET6_ADDRSTRLEN];
        live_in_addr addr;

        if (!a->ok || a->keeps_current || !ctx->current)
                return;
        if (a->dyn_source && !ctx->dhcp_served) {
                np_pos dhcp_pos = ctx->family == AF_INET ? d->dhcp4_pos : d->dhcp6_pos;
                add_finding(ctx, RULE_MANAGEMENT_ADDRESS_MOVES, dhcp_pos, d->pos,
                            fmt("the management address of %s moves from the static %s to a %s lease, and the "
                                "link holds no lease now, so nothing shows the host side serves %s; the host can "
                                "follow only through the agent's report",
                                ctx->in->mgmt->name, ctx->current_text, dhcp_name(ctx->family),
                                dhcp_name(ctx->family)),
                            fmt("keep the current address: add %s to `addresses` of %s next to `%s: true`",
                                ctx->current_text, ctx->in->mgmt->name, dhcp_key(ctx->family)));
                return;
        }
        if (a->dyn_ok || !a->first_reachable)
                return;
        to_live(&a->first_reachable->addr, &addr);
        if (live_addr_to_string(ctx->family, &addr, to, sizeof(to)) < 0)
                return;
        add_finding(ctx, RULE_MANAGEMENT_ADDRESS_MOVES, a->first_reachable->pos, d->addresses_pos,
                    fmt("the management address of %s moves from %s to %s%s%s; the host can follow only through "
                        "the agent's report",
                        ctx->in->mgmt->name, ctx->current_text, to, ctx->subnet_text[0] ? " within " : "",
                        ctx->subnet_text),
                    ctx->dhcp_served
                            ? fmt("use the current address %s instead of %s, or keep `%s: true`", ctx->current_text,
                                  a->first_reachable->text, dhcp_key(ctx->family))
                            : fmt("use the current address %s instead of %s", ctx->current_text,
                                  a->first_reachable->text));
}

/* Does one of d's static addresses of the host's family have a subnet containing addr? */
static bool static_subnet_contains(const rule_ctx *ctx, const np_netdef *d, const live_in_addr *addr) {
        for (size_t i = 0; i < d->n_addresses; i++) {
                const np_address *s = &d->addresses[i];
                live_in_addr net;
                if (s->family != ctx->family)
                        continue;
                to_live(&s->addr, &net);
                if (live_prefix_contains(s->family, &net, s->prefixlen, addr))
                        return true;
        }
        return false;
}

static bool via_on_link(const rule_ctx *ctx, const np_netdef *d, const addressing *a, const live_in_addr *via) {
        if (static_subnet_contains(ctx, d, via))
                return true;
        if (a->dyn_ok && in_current_subnet(ctx, via))
                return true;
        return ctx->family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&via->in6) && d->link_local_ipv6;
}

static bool reaches_host(const rule_ctx *ctx, const np_netdef *d, const addressing *a) {
        const live_state *live = ctx->in->live;
        const live_in_addr *h = &ctx->in->host->addr;

        if (a->linklocal_ok)
                return true;
        if (a->dyn_ok) {
                /* DHCP (or RA) brings back the subnet and routes the link has now: with a
                 * lease they are what DHCP gave; without one, the current subnet is the
                 * best guess (NG003 warns that nothing shows DHCP is served there). */
                for (size_t i = 0; i < live->n_addresses; i++) {
                        const live_address *l = &live->addresses[i];
                        if (l->ifindex == ctx->in->mgmt->ifindex && l->family == ctx->family &&
                            (live_address_is_dynamic(l) || !ctx->dhcp_evidence) &&
                            live_prefix_contains(l->family, &l->addr, l->prefixlen, h))
                                return true;
                }
                for (size_t i = 0; i < live->n_routes; i++) {
                        const live_route *r = &live->routes[i];
                        if (r->oif == ctx->in->mgmt->ifindex && r->family == ctx->family &&
                            (r->protocol == RTPROT_DHCP || r->protocol == RTPROT_RA || !ctx->dhcp_evidence) &&
                            live_prefix_contains(r->family, &r->dst, r->dst_len, h))
                                return true;
                }
        }
        if (static_subnet_contains(ctx, d, h))
                return true;
        for (size_t i = 0; i < d->n_routes; i++) {
                const np_route *r = &d->routes[i];
                live_in_addr to, via;
                if (r->family != ctx->family || (r->table != 0 && r->table != RT_TABLE_MAIN))
                        continue;
                if (r->type && strcmp(r->type, "unicast") != 0)
                        continue;
                to_live(&r->to, &to);
                if (!r->to_default && !live_prefix_contains(r->family, &to, r->to_prefixlen, h))
                        continue;
                if (!r->has_via) {
                        /* A device route: the destination is on-link. */
                        if (r->scope && strcmp(r->scope, "link") == 0)
                                return true;
                        continue;
                }
                to_live(&r->via, &via);
                if (r->on_link || via_on_link(ctx, d, a, &via))
                        return true;
        }
        const char *gw = ctx->family == AF_INET ? d->gateway4 : d->gateway6;
        if (gw) {
                live_in_addr via = {};
                if (inet_pton(ctx->family, gw, &via) == 1 && via_on_link(ctx, d, a, &via))
                        return true;
        }
        return false;
}

static void rule_host_unreachable(rule_ctx *ctx, const np_netdef *d, const addressing *a) {
        const char *link = ctx->in->mgmt->name;
        np_pos pos;

        if (!host_is_specific(ctx) || a->disabled || reaches_host(ctx, d, a))
                return;
        pos = d->n_routes > 0 ? d->routes_pos : a->first_static ? a->first_static->pos : d->pos;
        add_finding(ctx, RULE_HOST_UNREACHABLE, pos, d->pos,
                    fmt("no subnet or route on management link %s reaches the host %s", link, ctx->host_text),
                    ctx->subnet_text[0]
                            ? fmt("keep an address in %s on %s, or add a route to %s through a gateway on %s "
                                  "(`routes: [{to: %s, via: GATEWAY}]`)",
                                  ctx->subnet_text, link, ctx->host_text, link, ctx->host_text)
                            : fmt("add a route to %s through a gateway on %s (`routes: [{to: %s, via: GATEWAY}]`)",
                                  ctx->host_text, link, ctx->host_text));
}

static void rule_dhcp_identity(rule_ctx *ctx, const np_netdef *def, const np_netdef *d, const addressing *a) {
        const live_link *m = ctx->in->mgmt;
        char now[18] = "";

        if (!a->dyn_ok)
                return;
        if (m->has_mac)
                mac_to_string(m->mac, now);

        if (d->macaddress && now[0]) {
                uint8_t mac[6];
                if (parse_ether_addr(d->macaddress, mac) == 0 && memcmp(mac, m->mac, 6) != 0)
                        add_finding(ctx, RULE_DHCP_IDENTITY_CHANGES, d->macaddress_pos, d->pos,
                                    fmt("`macaddress: %s` changes the MAC of %s (now %s) while it gets its address by "
                                        "%s: the server sees a new client and the lease may move",
                                        d->macaddress, d == def ? m->name : d->id, now, dhcp_name(ctx->family)),
                                    fmt("remove `macaddress:` or set it to the current %s", now));
        } else if (d != def && now[0])
                add_finding(ctx, RULE_DHCP_IDENTITY_CHANGES, d->pos, d->pos,
                            fmt("%s %s asks for its %s lease with its own MAC, not %s's %s: the lease may move",
                                d->type == NP_DEF_BOND ? "bond" : "bridge", d->id, dhcp_name(ctx->family), m->name,
                                now),
                            fmt("set `macaddress: \"%s\"` on %s so the DHCP server sees the same client", now, d->id));

        if (ctx->family != AF_INET || d != def || !ctx->in->old_defs)
                return;
        const np_netdef *old = find_matching(ctx->in->old_defs, ctx->in->n_old_defs, m);
        if (!old)
                return;
        const char *was = old->dhcp_identifier ? old->dhcp_identifier : "duid";
        const char *will = d->dhcp_identifier ? d->dhcp_identifier : "duid";
        if (strcmp(was, will) == 0)
                return;
        add_finding(ctx, RULE_DHCP_IDENTITY_CHANGES, d->dhcp_identifier_pos, d->pos,
                    fmt("the DHCP client identifier of %s changes from %s to %s: the server may hand out another "
                        "address",
                        m->name, was, will),
                    old->dhcp_identifier ? fmt("keep `dhcp-identifier: %s`", was)
                                         : fmt("remove `dhcp-identifier: %s` (the default is duid)", will));
}

static void rule_down(rule_ctx *ctx, const np_netdef *d) {
        add_finding(ctx, RULE_MANAGEMENT_DOWN, d->activation_mode_pos, d->pos,
                    fmt("`activation-mode: %s` disables the management link %s", d->activation_mode,
                        ctx->in->mgmt->name),
                    fmt("remove `activation-mode: %s` from '%s'", d->activation_mode, d->id));
}

static void rule_enslaved(rule_ctx *ctx, const np_netdef *def, const np_netdef *master, np_pos member_pos,
                          const addressing *a) {
        const char *kind = master->type == NP_DEF_BOND ? "bond" : "bridge";
        _cleanup_free_ char *reach = reach_text(ctx);

        if (!reach) {
                ctx->error = -ENOMEM;
                return;
        }
        if (a->disabled)
                add_finding(ctx, RULE_MANAGEMENT_ENSLAVED, member_pos, master->pos,
                            fmt("management link %s joins %s %s, which `activation-mode: off` disables",
                                ctx->in->mgmt->name, kind, master->id),
                            fmt("remove `activation-mode: off` from %s, or leave %s out of it", master->id, def->id));
        else
                add_finding(ctx, RULE_MANAGEMENT_ENSLAVED, member_pos, master->pos,
                            fmt("management link %s joins %s %s, which has no address the host can reach (%s)",
                                ctx->in->mgmt->name, kind, master->id, reach),
                            ctx->dhcp_served
                                    ? fmt("give %s `%s: true` (or the current address %s), or leave %s out of it "
                                          "and configure the extra interface instead",
                                          master->id, dhcp_key(ctx->family), ctx->current_text, def->id)
                                    : ctx->current_text[0]
                                              ? fmt("give %s the current address %s, or leave %s out of it",
                                                    master->id, ctx->current_text, def->id)
                                              : fmt("give %s an address the host reaches, or leave %s out of it",
                                                    master->id, def->id));
}

static void ctx_init(rule_ctx *ctx, const check_input *in, check_result *res) {
        const live_state *live = in->live;
        char a[INET6_ADDRSTRLEN];

        *ctx = (rule_ctx) { .in = in, .res = res, .family = in->host ? in->host->family : AF_INET };
        /* The current address: prefer the one the host is known to reach (host in its
         * subnet), then a dynamic one, then any global one. */
        for (int pass = 0; pass < 3 && !ctx->current; pass++)
                for (size_t i = 0; i < live->n_addresses; i++) {
                        const live_address *l = &live->addresses[i];
                        if (l->ifindex != in->mgmt->ifindex || l->family != ctx->family || !is_global(l))
                                continue;
                        if (pass == 0 && !(host_is_specific(ctx) &&
                                           live_prefix_contains(l->family, &l->addr, l->prefixlen, &in->host->addr)))
                                continue;
                        if (pass == 1 && !live_address_is_dynamic(l))
                                continue;
                        ctx->current = l;
                        break;
                }
        for (size_t i = 0; i < live->n_addresses; i++) {
                const live_address *l = &live->addresses[i];
                if (l->ifindex == in->mgmt->ifindex && l->family == ctx->family && is_global(l) &&
                    live_address_is_dynamic(l))
                        ctx->dhcp_evidence = true;
        }
        /* Evidence that the host side serves DHCP in this family: a lease now, or the
         * configuration on disk, which made the current state, already asks for it. */
        const np_netdef *old = find_matching(in->old_defs, in->n_old_defs, in->mgmt);
        ctx->dhcp_on_disk = old && dynamic_source(ctx->family, old);
        ctx->dhcp_served = ctx->dhcp_evidence || ctx->dhcp_on_disk;
        if (ctx->current && live_addr_to_string(ctx->family, &ctx->current->addr, a, sizeof(a)) == 0) {
                snprintf(ctx->current_text, sizeof(ctx->current_text), "%s/%u", a, ctx->current->prefixlen);
                host_peer net = { .source = HOST_SOURCE_SUBNET, .family = ctx->family, .addr = ctx->current->addr,
                                  .prefixlen = ctx->current->prefixlen };
                if (host_peer_to_string(&net, ctx->subnet_text, sizeof(ctx->subnet_text)) == 0) {
                        char *sp = strchr(ctx->subnet_text, ' ');
                        if (sp)
                                *sp = 0;
                } else
                        ctx->subnet_text[0] = 0;
        }
        if (!in->host || host_peer_to_string(in->host, ctx->host_text, sizeof(ctx->host_text)) < 0)
                snprintf(ctx->host_text, sizeof(ctx->host_text), "?");
}

int check_run(const check_input *in, check_result *ret) {
        check_result res = {};
        rule_ctx ctx;
        const np_netdef *def, *master, *d;
        np_pos member_pos = {};
        addressing a;

        ctx_init(&ctx, in, &res);

        def = find_matching(in->defs, in->n_defs, in->mgmt);
        if (!def) {
                rule_unmatched(&ctx);
                goto finish;
        }
        res.mgmt_definition = strdup(def->id);
        if (!res.mgmt_definition) {
                ctx.error = -ENOMEM;
                goto finish;
        }

        rule_renamed(&ctx, def);
        if (def->activation_mode && strcmp(def->activation_mode, "off") == 0) {
                rule_down(&ctx, def);
                goto finish;
        }

        if (!in->host) {
                /* Who the host is decides every other rule. */
                res.incomplete = true;
                goto finish;
        }

        master = find_master(in, def->id, &member_pos);
        d = master ? master : def;
        a = evaluate(&ctx, d);
        if (master && !a.ok) {
                rule_enslaved(&ctx, def, master, member_pos, &a);
                goto finish;
        }

        rule_unaddressed(&ctx, d, &a);
        rule_address_moves(&ctx, d, &a);
        rule_host_unreachable(&ctx, d, &a);
        rule_dhcp_identity(&ctx, def, d, &a);

finish:
        if (ctx.error < 0) {
                check_result_clear(&res);
                return ctx.error;
        }
        *ret = res;
        return 0;
}
