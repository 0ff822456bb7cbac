/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent/check.h"
#include "common/ether-addr.h"

/* bond in bridge in ...: deeper than any real stack, short of a reference loop */
#define CHECK_MASTER_DEPTH_MAX 8

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
        bool ra_evidence;               /* IPv6: a router advertises on the link now (an RA route
                                         * or a dynamic global address) */
        bool dhcp_on_disk;              /* the definition on disk for the link uses DHCP there */
        bool dhcp_served;               /* either: the host side is taken to serve DHCP */
        char current_text[IP_PREFIX_STRLEN];    /* "192.0.2.58/24" or "" */
        char subnet_text[IP_PREFIX_STRLEN];     /* "192.0.2.0/24" or "" */
        char host_text[IP_PREFIX_STRLEN];       /* "192.0.2.1", or the subnet */
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


static const char *dhcp_key(int family) {
        return family == AF_INET ? "dhcp4" : "dhcp6";
}

static const char *dhcp_name(int family) {
        return family == AF_INET ? "DHCPv4" : "DHCPv6";
}

static bool host_is_specific(const rule_ctx *ctx) {
        return host_peer_is_specific(ctx->in->host);
}

static bool host_is_linklocal(const rule_ctx *ctx) {
        return host_is_specific(ctx) && ip_addr_is_link_local(&ctx->in->host->addr);
}

/* Is addr in a subnet the host reaches the guest in now, i.e. a current subnet of the link? */
static bool in_current_subnet(const rule_ctx *ctx, const ip_addr *addr) {
        const live_state *live = ctx->in->live;

        for (size_t i = 0; i < live->n_addresses; i++) {
                const live_address *a = &live->addresses[i];
                if (a->ifindex == ctx->in->mgmt->ifindex && a->addr.family == ctx->family &&
                    live_address_is_global(a) && ip_prefix_contains(&a->addr, addr))
                        return true;
        }
        return false;
}

static bool dynamic_source(const rule_ctx *ctx, const np_netdef *d) {
        if (ctx->family == AF_INET)
                return d->dhcp4;
        /* Both need a link-local address, and networkd starts DHCPv6 on a router
         * advertisement's managed flag: no RA accepted, no DHCPv6 (seen in the lab). And
         * either brings an address only where a router or a DHCPv6 server answers on the
         * link: netplan's defaults and `dhcp6: true` alone are no evidence of that, so they
         * count only when the link shows it works now (an RA route, a dynamic address). */
        if (!d->link_local_ipv6 || d->accept_ra == NP_TRISTATE_FALSE)
                return false;
        return ctx->ra_evidence;
}

static addressing evaluate(const rule_ctx *ctx, const np_netdef *d) {
        addressing a = {};

        a.disabled = d->activation_mode && strcmp(d->activation_mode, "off") == 0;
        a.dyn_source = dynamic_source(ctx, d);
        /* DHCP on is an address source (NG002 is about its absence); whether the host
         * side serves it is only known from evidence, and its absence is a warning (NG003). */
        a.dyn_ok = a.dyn_source;
        a.linklocal_ok = host_is_linklocal(ctx) && d->link_local_ipv6;

        for (size_t i = 0; i < d->n_addresses; i++) {
                const np_address *s = &d->addresses[i];
                const ip_addr *addr = &s->addr;

                if (addr->family != ctx->family)
                        continue;
                if (!a.first_static)
                        a.first_static = s;
                bool reachable = in_current_subnet(ctx, addr) ||
                                 (host_is_specific(ctx) && ip_prefix_contains(addr, &ctx->in->host->addr));
                if (!reachable)
                        continue;
                if (!a.first_reachable)
                        a.first_reachable = s;
                if (ctx->current && ip_addr_equal(addr, &ctx->current->addr))
                        a.keeps_current = true;
        }
        /* A link-local host reaches any link with IPv6, but the VM manager talks to a
         * global address: link-local helps the way back (NG006), not NG002. */
        a.ok = !a.disabled && (a.dyn_ok || a.first_reachable);
        return a;
}

/* strcmp of "ID.network" for two ids, as networkd orders netplan's files: "eth0.1"
 * sorts before "eth0" there ('1' < 'n'), though not by strcmp of the ids. */
static int network_file_cmp(const char *a, const char *b) {
        static const char suffix[] = ".network";
        size_t na = strlen(a), nb = strlen(b);

        for (size_t i = 0;; i++) {
                int ca = i < na ? (unsigned char) a[i] : i - na < sizeof(suffix) ? (unsigned char) suffix[i - na] : 0;
                int cb = i < nb ? (unsigned char) b[i] : i - nb < sizeof(suffix) ? (unsigned char) suffix[i - nb] : 0;
                if (ca != cb || ca == 0)
                        return ca - cb;
        }
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
        /* networkd applies the first .network file in file name order, and netplan names
         * them 10-netplan-ID.network. */
        for (size_t i = 0; i < n; i++) {
                const np_netdef *d = defs[i];
                if (!np_netdef_matches(d, &info))
                        continue;
                if (!best || network_file_cmp(d->id, best->id) < 0)
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

/* "macaddress 52:54:00:12:34:57 and name ens*", what a definition's match selects. */
static char *describe_match(const np_netdef *d) {
        if (!d->has_match)
                return fmt("the link named %s", d->id);
        if (d->match_macaddress || d->match_name || d->match_drivers)
                return fmt("%s%s%s%s%s%s%s", d->match_macaddress ? "macaddress " : "",
                           d->match_macaddress ?: "", d->match_macaddress && d->match_name ? " and " : "",
                           d->match_name ? "name " : "", d->match_name ?: "",
                           (d->match_macaddress || d->match_name) && d->match_drivers ? " and " : "",
                           d->match_drivers ? "a driver glob" : "");
        return fmt("every link");
}

/* A definition that matches the link's current MAC, which networkd never compares. */
static const np_netdef *find_current_mac_match(const rule_ctx *ctx) {
        const live_link *m = ctx->in->mgmt;
        uint8_t mac[ETHER_ADDR_LEN_BYTES];

        if (!m->has_mac || m->has_perm_mac)
                return NULL;
        for (size_t i = 0; i < ctx->in->n_defs; i++) {
                const np_netdef *d = ctx->in->defs[i];
                if (d->match_macaddress && ether_addr_from_string(d->match_macaddress, mac) == 0 &&
                    memcmp(mac, m->mac, sizeof(mac)) == 0)
                        return d;
        }
        return NULL;
}

static void rule_unmatched(rule_ctx *ctx) {
        const live_link *m = ctx->in->mgmt;
        const np_netdef *old = find_matching(ctx->in->old_defs, ctx->in->n_old_defs, m);
        const np_netdef *now = NULL, *by_mac = find_current_mac_match(ctx);
        _cleanup_free_ char *what = NULL, *matches = NULL;
        char mac[ETHER_ADDR_STRLEN] = "";
        const char *source_hint;
        np_pos pos = {};

        if (m->has_perm_mac)
                ether_addr_to_string(m->perm_mac, mac);
        else if (m->has_mac && !ether_addr_is_zero(m->mac))
                ether_addr_to_string(m->mac, mac);
        /* The definition that used to apply: still there with another match? */
        for (size_t i = 0; old && i < ctx->in->n_defs; i++)
                if (strcmp(ctx->in->defs[i]->id, old->id) == 0)
                        now = ctx->in->defs[i];
        if (now)
                pos = now->has_match ? now->match_pos : now->pos;
        else if (by_mac)
                pos = by_mac->match_pos;
        if (ctx->dhcp_served || !ctx->current_text[0])
                source_hint = ctx->family == AF_INET6 ? "dhcp6: true" : "dhcp4: true";
        else
                source_hint = NULL;

        /* Show both sides: the link's MAC and what the changed definition selects now (a
         * typo in a MAC is the usual cause). */
        what = fmt("no definition matches the management link %s%s%s%s%s", m->name, mac[0] ? " (" : "", mac,
                   mac[0] ? ")" : "", old ? " any more" : "");
        if (by_mac)
                matches = fmt("; '%s' matches macaddress %s, but %s has no permanent MAC address, the one "
                              "networkd compares (PermanentMACAddress=)",
                              by_mac->id, by_mac->match_macaddress, m->name);
        else if (now) {
                _cleanup_free_ char *sel = describe_match(now);
                matches = sel ? fmt(" (definition '%s' did before; it now matches %s)", old->id, sel) : NULL;
        } else if (old)
                matches = fmt(" (definition '%s' did before)", old->id);
        else
                matches = fmt("%s", "");
        if (!what || !matches) {
                ctx->error = -ENOMEM;
                return;
        }

        add_finding(ctx, RULE_MANAGEMENT_UNMATCHED, pos, (np_pos) { 0 }, fmt("%s%s", what, matches),
                    !m->has_perm_mac ? (source_hint ? fmt("match it by name, e.g. `ethernets: {%s: {%s}}`", m->name,
                                                          source_hint)
                                                    : fmt("match it by name, e.g. `ethernets: {%s: {addresses: [%s]}}`",
                                                          m->name, ctx->current_text))
                    : source_hint ? fmt("keep a definition for it, e.g. `ethernets: {%s: {match: {macaddress: \"%s\"}, %s}}`",
                                        m->name, mac, source_hint)
                                  : fmt("keep a definition for it, e.g. `ethernets: {%s: {match: {macaddress: \"%s\"}, addresses: [%s]}}`",
                                        m->name, mac, ctx->current_text));
}

static void rule_unrendered(rule_ctx *ctx, const np_netdef *d) {
        add_finding(ctx, RULE_MANAGEMENT_UNRENDERED, d->pos, d->pos,
                    fmt("'%s' hands the management link %s to NetworkManager, which is not installed: nothing "
                        "will configure it",
                        d->id, ctx->in->mgmt->name),
                    fmt("remove `renderer: NetworkManager` from '%s' (or its section), so networkd keeps the link",
                        d->id));
}

static bool unrendered(const rule_ctx *ctx, const np_netdef *d) {
        return d->renderer && strcmp(d->renderer, "NetworkManager") == 0 && !ctx->in->network_manager_present;
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
        char to[IP_PREFIX_STRLEN];
        ip_addr addr;

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
        addr = a->first_reachable->addr;
        if (ip_addr_to_string(&addr, to, sizeof(to)) < 0)
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
static bool static_subnet_contains(const rule_ctx *ctx, const np_netdef *d, const ip_addr *addr) {
        for (size_t i = 0; i < d->n_addresses; i++) {
                const np_address *s = &d->addresses[i];
                if (s->addr.family == ctx->family && ip_prefix_contains(&s->addr, addr))
                        return true;
        }
        return false;
}

static bool via_on_link(const rule_ctx *ctx, const np_netdef *d, const addressing *a, const ip_addr *via) {
        if (static_subnet_contains(ctx, d, via))
                return true;
        if (a->dyn_ok && in_current_subnet(ctx, via))
                return true;
        return ip_addr_is_link_local(via) && d->link_local_ipv6;
}

static bool reaches_host(const rule_ctx *ctx, const np_netdef *d, const addressing *a) {
        const live_state *live = ctx->in->live;
        const ip_addr *h = &ctx->in->host->addr;

        if (a->linklocal_ok)
                return true;
        if (a->dyn_ok) {
                /* DHCP (or RA) brings back the subnet and routes the link has now: with a
                 * lease they are what DHCP gave; without one, the current subnet is the
                 * best guess (NG003 warns that nothing shows DHCP is served there). */
                for (size_t i = 0; i < live->n_addresses; i++) {
                        const live_address *l = &live->addresses[i];
                        if (l->ifindex == ctx->in->mgmt->ifindex && l->addr.family == ctx->family &&
                            (live_address_is_dynamic(l) || !ctx->dhcp_evidence) && ip_prefix_contains(&l->addr, h))
                                return true;
                }
                for (size_t i = 0; i < live->n_routes; i++) {
                        const live_route *r = &live->routes[i];
                        if (r->oif == ctx->in->mgmt->ifindex && r->dst.family == ctx->family &&
                            (r->protocol == RTPROT_DHCP || r->protocol == RTPROT_RA || !ctx->dhcp_evidence) &&
                            ip_prefix_contains(&r->dst, h))
                                return true;
                }
        }
        if (static_subnet_contains(ctx, d, h))
                return true;
        for (size_t i = 0; i < d->n_routes; i++) {
                const np_route *r = &d->routes[i];
                if (r->family != ctx->family || (r->table != 0 && r->table != RT_TABLE_MAIN))
                        continue;
                if (r->type && strcmp(r->type, "unicast") != 0)
                        continue;
                if (!r->to_default && !ip_prefix_contains(&r->to, h))
                        continue;
                if (!r->has_via) {
                        /* A device route: the destination is on-link. */
                        if (r->scope && strcmp(r->scope, "link") == 0)
                                return true;
                        continue;
                }
                if (r->on_link || via_on_link(ctx, d, a, &r->via))
                        return true;
        }
        const char *gw = ctx->family == AF_INET ? d->gateway4 : d->gateway6;
        if (gw) {
                ip_addr via;
                if (ip_addr_from_string(gw, ctx->family, &via) == 0 && via_on_link(ctx, d, a, &via))
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

/* Is a's interface identifier the modified EUI-64 of the link's MAC (SLAAC)? */
static bool is_eui64_of(const ip_addr *a, const live_link *l) {
        if (a->family != AF_INET6 || !l->has_mac)
                return false;
        return a->bytes[8] == (l->mac[0] ^ 0x02) && a->bytes[9] == l->mac[1] && a->bytes[10] == l->mac[2] &&
               a->bytes[11] == 0xff && a->bytes[12] == 0xfe && a->bytes[13] == l->mac[3] &&
               a->bytes[14] == l->mac[4] && a->bytes[15] == l->mac[5];
}

static void rule_dhcp_identity(rule_ctx *ctx, const np_netdef *def, const np_netdef *d, const addressing *a) {
        const live_link *m = ctx->in->mgmt;
        char now[ETHER_ADDR_STRLEN] = "";

        if (!a->dyn_ok)
                return;
        if (m->has_mac)
                ether_addr_to_string(m->mac, now);
        /* DHCPv6 knows the client by its DUID, not its MAC: a lease the link holds now stays
         * the guest's (seen in the lab); only a SLAAC address is derived from the MAC. */
        if (ctx->family == AF_INET6 && d->dhcp6 && ctx->current && !is_eui64_of(&ctx->current->addr, m))
                now[0] = 0;

        if (d->macaddress && now[0]) {
                uint8_t mac[6];
                if (ether_addr_from_string(d->macaddress, mac) == 0 && memcmp(mac, m->mac, 6) != 0)
                        add_finding(ctx, RULE_MANAGEMENT_MAC_CHANGES, d->macaddress_pos, d->pos,
                                    fmt("`macaddress: %s` changes the MAC of %s (now %s) while it gets its address by "
                                        "%s: the server sees a new client and hands it a lease the host cannot tie "
                                        "to this guest",
                                        d->macaddress, d == def ? m->name : d->id, now,
                                        ctx->family == AF_INET ? "DHCPv4" : "DHCPv6 or SLAAC"),
                                    fmt("remove `macaddress:` or set it to the current %s", now));
        } else if (d != def && now[0])
                add_finding(ctx, RULE_MANAGEMENT_MAC_CHANGES, d->pos, d->pos,
                            fmt("%s %s asks for its %s address with its own MAC, not %s's %s: a new lease the host "
                                "cannot tie to this guest",
                                d->type == NP_DEF_BOND ? "bond" : "bridge", d->id,
                                ctx->family == AF_INET ? "DHCPv4" : "DHCPv6/SLAAC", m->name, now),
                            fmt("set `macaddress: \"%s\"` on %s so the DHCP server sees the same client", now, d->id));

        if (ctx->family != AF_INET || d != def || !ctx->in->old_known)
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

static void rule_enslaved(rule_ctx *ctx, const np_netdef *def, const np_netdef *master, const np_netdef *top,
                          np_pos member_pos, const addressing *a) {
        const char *kind = master->type == NP_DEF_BOND ? "bond" : "bridge";
        const char *top_kind = top->type == NP_DEF_BOND ? "bond" : "bridge";
        _cleanup_free_ char *reach = reach_text(ctx), *via = NULL;

        if (!reach) {
                ctx->error = -ENOMEM;
                return;
        }
        via = top == master ? fmt("%s", "") : fmt(", and through it %s %s", top_kind, top->id);
        if (!via) {
                ctx->error = -ENOMEM;
                return;
        }
        if (a->disabled)
                add_finding(ctx, RULE_MANAGEMENT_ENSLAVED, member_pos, master->pos,
                            fmt("management link %s joins %s %s%s, which `activation-mode: off` disables",
                                ctx->in->mgmt->name, kind, master->id, via),
                            fmt("remove `activation-mode: off` from %s, or leave %s out of it", top->id, def->id));
        else
                add_finding(ctx, RULE_MANAGEMENT_ENSLAVED, member_pos, master->pos,
                            fmt("management link %s joins %s %s%s, which has no address the host can reach (%s)",
                                ctx->in->mgmt->name, kind, master->id, via, reach),
                            ctx->dhcp_served
                                    ? fmt("give %s `%s: true` (or the current address %s), or leave %s out of it "
                                          "and configure the extra interface instead",
                                          top->id, dhcp_key(ctx->family), ctx->current_text, def->id)
                                    : ctx->current_text[0]
                                              ? fmt("give %s the current address %s, or leave %s out of it",
                                                    top->id, ctx->current_text, def->id)
                                              : fmt("give %s an address the host reaches, or leave %s out of it",
                                                    top->id, def->id));
}

static void ctx_init(rule_ctx *ctx, const check_input *in, check_result *res) {
        const live_state *live = in->live;

        *ctx = (rule_ctx) { .in = in, .res = res, .family = in->host ? in->host->addr.family : AF_INET };
        /* The current address: prefer the one the host is known to reach (host in its
         * subnet), then a dynamic one, then any global one. */
        for (int pass = 0; pass < 3 && !ctx->current; pass++)
                for (size_t i = 0; i < live->n_addresses; i++) {
                        const live_address *l = &live->addresses[i];
                        if (l->ifindex != in->mgmt->ifindex || l->addr.family != ctx->family ||
                            !live_address_is_global(l))
                                continue;
                        if (pass == 0 && !(host_is_specific(ctx) && ip_prefix_contains(&l->addr, &in->host->addr)))
                                continue;
                        if (pass == 1 && !live_address_is_dynamic(l))
                                continue;
                        ctx->current = l;
                        break;
                }
        for (size_t i = 0; i < live->n_addresses; i++) {
                const live_address *l = &live->addresses[i];
                if (l->ifindex == in->mgmt->ifindex && l->addr.family == ctx->family && live_address_is_global(l) &&
                    live_address_is_dynamic(l))
                        ctx->dhcp_evidence = true;
        }
        if (ctx->family == AF_INET6) {
                ctx->ra_evidence = ctx->dhcp_evidence;
                for (size_t i = 0; i < live->n_routes; i++)
                        if (live->routes[i].oif == in->mgmt->ifindex && live->routes[i].dst.family == AF_INET6 &&
                            live->routes[i].protocol == RTPROT_RA)
                                ctx->ra_evidence = true;
        }
        /* Evidence that the host side serves DHCP in this family: a lease now, or the
         * configuration on disk, which made the current state, already asks for it. */
        const np_netdef *old = in->old_known ? find_matching(in->old_defs, in->n_old_defs, in->mgmt) : NULL;
        ctx->dhcp_on_disk = old && dynamic_source(ctx, old);
        ctx->dhcp_served = ctx->dhcp_evidence || ctx->dhcp_on_disk;
        if (ctx->current) {
                ip_addr subnet = ip_addr_subnet(&ctx->current->addr);

                if (ip_prefix_to_string(&ctx->current->addr, ctx->current_text, sizeof(ctx->current_text)) < 0 ||
                    ip_prefix_to_string(&subnet, ctx->subnet_text, sizeof(ctx->subnet_text)) < 0)
                        ctx->current_text[0] = ctx->subnet_text[0] = 0;
        }
        if (!in->host || (host_is_specific(ctx) ? ip_addr_to_string : ip_prefix_to_string)(
                                 &in->host->addr, ctx->host_text, sizeof(ctx->host_text)) < 0)
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
        if (unrendered(&ctx, def)) {
                rule_unrendered(&ctx, def);
                goto finish;
        }
        if (def->activation_mode && strcmp(def->activation_mode, "off") == 0) {
                rule_down(&ctx, def);
                goto finish;
        }

        if (!in->host) {
                /* Who the host is decides every other rule. */
                res.incomplete = true;
                goto finish;
        }

        /* Walk the whole master chain (a bond in a bridge...): the link's addresses are
         * those of the top of it. */
        master = find_master(in, def->id, &member_pos);
        d = master ? master : def;
        for (unsigned depth = 0; depth < CHECK_MASTER_DEPTH_MAX; depth++) {
                np_pos ignored = {};
                const np_netdef *up = find_master(in, d->id, &ignored);
                if (!up || up == def)
                        break;
                d = up;
        }
        if (d != def && unrendered(&ctx, d)) {
                rule_unrendered(&ctx, d);
                goto finish;
        }
        a = evaluate(&ctx, d);
        if (master && !a.ok) {
                rule_enslaved(&ctx, def, master, d, member_pos, &a);
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
