/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The grammar of netplan 0.106 as tables of {key, node type, handler, sub-table, data,
 * first netplan version}, walked over each file's tree the way netplan's parser walks
 * it, so the first error found is the one netplan reports, in its words. */
#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netplan/netplan-internal.h"
#include "netplan/schema.h"

#define V(maj, min) ((maj) * 1000U + (min))

typedef struct ctx ctx;
typedef int (*handler_fn)(ctx *c, const np_node *n, const void *data);

typedef struct kdef {
        const char *key;
        int type;                       /* np_node_type, or -1: handler checks */
        handler_fn h;
        const struct kdef *sub;         /* mapping walked with this table when h is NULL */
        const void *data;
        unsigned since;                 /* first netplan version knowing the key; 0: all */
} kdef;

#define ANY_NODE (-1)

struct ctx {
        np_state *s;
        const np_file *f;
        np_diag_list *diags;
        np_sdef *cur;                   /* definition being parsed */
        const np_node *cur_node;
        int cur_backend;                /* per-section renderer, NP_BACKEND_NONE if unset */
        /* references to ids not defined (yet), as netplan's missing_id table: one entry
         * per id, remembering the last referencing node and its definition */
        char **missing_ids, **missing_owners;
        const np_node **missing_nodes;
        size_t n_missing;               /* entries ever added (strings are kept) */
        unsigned found;                 /* missing ids defined later in this pass */
        uint32_t *gh_hash;              /* GHashTable layout: 0 unused, 1 tombstone */
        size_t *gh_slot;
        size_t gh_size, gh_mod, gh_nnodes, gh_noccupied;
        unsigned route_family;
        bool has_from, has_to, has_via;
        const char *route_type, *route_scope;
        bool rule_from, rule_to;
};

static int errv(ctx *c, const np_node *n, np_diag_kind kind, const char *ver, const char *fmt, va_list ap) _printf_(5, 0);
static int errv(ctx *c, const np_node *n, np_diag_kind kind, const char *ver, const char *fmt, va_list ap) {
        _cleanup_free_ char *src = n ? np_file_line(c->f, n->pos.line) : NULL;
        np_pos pos = n ? n->pos : (np_pos) { 0 };
        int r = np_diag_addv(c->diags, NP_SEVERITY_ERROR, kind, pos, src, ver, fmt, ap);
        return r < 0 ? r : -EINVAL;
}

static int err(ctx *c, const np_node *n, const char *fmt, ...) _printf_(3, 4);
static int err(ctx *c, const np_node *n, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = errv(c, n, NP_DIAG_DEFINITION, NULL, fmt, ap);
        va_end(ap);
        return r;
}

static int err_newer(ctx *c, const np_node *n, unsigned since, const char *fmt, ...) _printf_(4, 5);
static int err_newer(ctx *c, const np_node *n, unsigned since, const char *fmt, ...) {
        char ver[32];
        va_list ap;
        snprintf(ver, sizeof ver, "%u.%u", since / 1000, since % 1000);
        va_start(ap, fmt);
        int r = errv(c, n, NP_DIAG_NEWER_NETPLAN, ver, fmt, ap);
        va_end(ap);
        return r;
}

static const char *S(const np_node *n) {
        return n->scalar;
}

/* ---- state ---- */

np_state *np_state_new(unsigned target_version) {
        np_state *s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->target = target_version;
        s->global_backend = NP_BACKEND_NONE;
        return s;
}

static void sdef_free(np_sdef *d) {
        free(d->id);
        free(d->bond);
        free(d->bridge);
        free(d->vrf);
        free(d->peer);
        free(d->primary);
        free(d->gateway4);
        free(d->gateway6);
        np_node_free(d->merged);
        np_strv_free(d->ssids);
        np_strv_free(d->path_cost);
        np_strv_free(d->ovs_external_ids);
        np_strv_free(d->ovs_other_config);
        np_strv_free(d->ovs_external_ids_v);
        np_strv_free(d->ovs_other_config_v);
        np_strv_free(d->port_prio);
        free(d);
}

np_state *np_state_free(np_state *s) {
        if (!s)
                return NULL;
        np_strv_free(s->ovs_external_ids);
        np_strv_free(s->ovs_other_config);
        np_strv_free(s->ovs_external_ids_v);
        np_strv_free(s->ovs_other_config_v);
        for (size_t i = 0; i < s->n_defs; i++)
                sdef_free(s->defs[i]);
        free(s->defs);
        free(s);
        return NULL;
}

np_sdef *np_state_find(const np_state *s, const char *id) {
        for (size_t i = 0; i < s->n_defs; i++)
                if (strcmp(s->defs[i]->id, id) == 0)
                        return s->defs[i];
        return NULL;
}

static np_sdef *state_add(np_state *s, const char *id, np_def_type type, int backend, unsigned file) {
        np_sdef **nd = reallocarray(s->defs, s->n_defs + 1, sizeof(np_sdef *));
        if (!nd)
                return NULL;
        s->defs = nd;
        np_sdef *d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        d->id = strdup(id);
        if (!d->id) {
                free(d);
                return NULL;
        }
        d->type = type;
        d->backend = backend;
        d->file = file;
        d->vlan_id = -1;
        s->defs[s->n_defs++] = d;
        return d;
}

static int set_str(char **dst, const char *v) {
        char *t = strdup(v);
        if (!t)
                return -ENOMEM;
        free(*dst);
        *dst = t;
        return 0;
}

/* ---- generic value handlers ---- */

static bool parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = { "true", "on", "yes", "y" }, *const no[] = { "false", "off", "no", "n" };
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return true;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return true;
                }
        return false;
}

bool np_parse_bool(const char *s, bool *ret) {
        return parse_bool(s, ret);
}

static int h_bool(ctx *c, const np_node *n, const void *data) {
        bool b;
        if (!parse_bool(S(n), &b))
                return err(c, n, "invalid boolean value '%s'", S(n));
        return 0;
}

/* g_ascii_strtoull semantics: leading blanks and a sign are accepted, the rest must be
 * digits up to the end. */
static bool parse_guint(const char *s, unsigned long long *ret) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (*end != '\0')
                return false;
        if (errno == ERANGE)
                v = ULLONG_MAX;
        *ret = v;
        return v <= UINT_MAX;
}

static int h_uint(ctx *c, const np_node *n, const void *data) {
        unsigned long long v;
        if (!parse_guint(S(n), &v))
                return err(c, n, "invalid unsigned int value '%s'", S(n));
        return 0;
}

static int h_str(ctx *c, const np_node *n, const void *data) {
        return 0;
}

static bool is_mac(const char *s, size_t nbytes) {
        if (strlen(s) != nbytes * 3 - 1)
                return false;
        for (size_t i = 0; i < nbytes * 3 - 1; i++) {
                if (i % 3 == 2) {
                        if (s[i] != ':')
                                return false;
                } else if (!isxdigit((unsigned char) s[i]))
                        return false;
        }
        return true;
}

static int h_mac(ctx *c, const np_node *n, const void *data) {
        if (is_mac(S(n), 6) || is_mac(S(n), 20))
                return 0;
        static const char *const newer[] = { "permanent", "random", "stable", "preserve", "stable-ssid" };
        for (size_t i = 0; i < ELEMENTSOF(newer); i++)
                if (strcmp(S(n), newer[i]) == 0) {
                        unsigned since = i == 4 ? V(1, 2) : V(0, 107);
                        if (c->s->target < since)
                                return err_newer(c, n, since,
                                                 "Invalid MAC address '%s', must be XX:XX:XX:XX:XX:XX or XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX",
                                                 S(n));
                        return 0;
                }
        return err(c, n, "Invalid MAC address '%s', must be XX:XX:XX:XX:XX:XX or XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX",
                   S(n));
}

static bool is_ip4(const char *s) {
        struct in_addr a;
        return inet_pton(AF_INET, s, &a) > 0;
}

static bool is_ip6(const char *s) {
        struct in6_addr a;
        return inet_pton(AF_INET6, s, &a) > 0;
}

static bool is_hostname(const char *s) {
        /* labels of letters, digits and inner hyphens; netplan's regex sets no lengths */
        size_t len = strlen(s), label = 0;
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                if (ch == '.') {
                        if (label == 0 || s[i - 1] == '-')
                                return false;
                        label = 0;
                        continue;
                }
                if (!isalnum((unsigned char) ch) && ch != '-')
                        return false;
                if (label == 0 && ch == '-')
                        return false;
                label++;
        }
        return s[len - 1] != '-';
}

static int ip_family(const char *s) {
        _cleanup_free_ char *t = strdup(s);
        if (!t)
                return -1;
        char *p = strrchr(t, '/');
        if (p)
                *p = '\0';
        if (is_ip4(t))
                return AF_INET;
        if (is_ip6(t))
                return AF_INET6;
        return -1;
}

static bool in_list(const char *s, const char *const *values, bool icase) {
        for (size_t i = 0; values[i]; i++)
                if ((icase ? strcasecmp : strcmp)(s, values[i]) == 0)
                        return true;
        return false;
}

/* a sequence of scalars */
static int h_strseq(ctx *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++)
                if (n->values[i]->type != NP_NODE_SCALAR)
                        return err(c, n->values[i], "expected scalar");
        return 0;
}

/* a mapping of scalars to scalars (passthrough, external-ids) */
static int h_datalist(ctx *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                if (n->keys[i]->type != NP_NODE_SCALAR)
                        return err(c, n->keys[i], "expected scalar");
                if (n->values[i]->type != NP_NODE_SCALAR)
                        return err(c, n->values[i], "expected scalar");
        }
        return 0;
}

/* ---- process_mapping ---- */

static int type_error(ctx *c, const np_node *n, int expected) {
        switch (expected) {
        case NP_NODE_SCALAR:
                return err(c, n, "expected scalar");
        case NP_NODE_SEQUENCE:
                return err(c, n, "expected sequence");
        case NP_NODE_MAPPING:
                return err(c, n, "expected mapping (check indentation)");
        }
        return 0;
}

static int process_mapping(ctx *c, const np_node *n, const kdef *table) {
        if (n->type != NP_NODE_MAPPING)
                return type_error(c, n, NP_NODE_MAPPING);
        for (size_t i = 0; i < n->n; i++) {
                const np_node *k = n->keys[i], *v = n->values[i];
                const kdef *h = NULL;
                int r;

                if (k->type != NP_NODE_SCALAR)
                        return type_error(c, k, NP_NODE_SCALAR);
                for (const kdef *t = table; t->key; t++)
                        if (strcmp(t->key, S(k)) == 0) {
                                h = t;
                                break;
                        }
                if (!h)
                        return err(c, k, "unknown key '%s'", S(k));
                if (h->since > c->s->target)
                        return err_newer(c, k, h->since, "unknown key '%s'", S(k));
                if (h->type != ANY_NODE && (int) v->type != h->type)
                        return type_error(c, v, h->type);
                if (h->h)
                        r = h->h(c, v, h->data);
                else
                        r = process_mapping(c, v, h->sub);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int h_map(ctx *c, const np_node *n, const void *data) {
        return process_mapping(c, n, data);
}

/* ---- references ---- */

/* netplan keeps missing ids in a GHashTable and reports the first one its iterator
 * yields, so which undefined reference is named depends on GLib's layout: open
 * addressing over 2^shift slots, index (g_str_hash(key) * 11) % prime, quadratic
 * probing, tombstones on removal, resize at 15/16 occupancy (GLib 2.74, ghash.c). */
static const unsigned prime_mod[] = { 1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381,
                                      32749, 65521, 131071, 262139, 524287, 1048573 };

static uint32_t g_str_hash_(const char *v) {
        uint32_t h = 5381;
        for (const signed char *p = (const signed char *) v; *p; p++)
                h = (h << 5) + h + (uint32_t) (int32_t) *p;
        return h < 2 ? 2 : h;
}

static void gh_clear(ctx *c) {
        free(c->gh_hash);
        free(c->gh_slot);
        c->gh_hash = NULL;
        c->gh_slot = NULL;
        c->gh_size = c->gh_nnodes = c->gh_noccupied = 0;
}

/* finds the slot holding id, or where it would go; *found says which */
static size_t gh_lookup(ctx *c, const char *id, uint32_t h, bool *found) {
        size_t mask = c->gh_size - 1, idx = (size_t) ((uint32_t) (h * 11U) % c->gh_mod), step = 0;
        size_t tomb = SIZE_MAX;
        *found = false;
        while (c->gh_hash[idx] != 0) {
                if (c->gh_hash[idx] == h && strcmp(c->missing_ids[c->gh_slot[idx]], id) == 0) {
                        *found = true;
                        return idx;
                }
                if (c->gh_hash[idx] == 1 && tomb == SIZE_MAX)
                        tomb = idx;
                step++;
                idx = (idx + step) & mask;
        }
        return tomb != SIZE_MAX ? tomb : idx;
}

static int gh_resize(ctx *c, size_t want) {
        unsigned shift = 0;
        for (size_t n = want; n; n >>= 1)
                shift++;
        if (shift < 3)
                shift = 3;
        if (shift >= ELEMENTSOF(prime_mod))
                return -E2BIG;
        size_t size = (size_t) 1 << shift;
        uint32_t *oh = c->gh_hash;
        size_t *os = c->gh_slot, osize = c->gh_size;
        c->gh_hash = calloc(size, sizeof(uint32_t));
        c->gh_slot = calloc(size, sizeof(size_t));
        if (!c->gh_hash || !c->gh_slot) {
                free(oh);
                free(os);
                return -ENOMEM;
        }
        c->gh_size = size;
        c->gh_mod = prime_mod[shift];
        c->gh_noccupied = c->gh_nnodes;
        for (size_t i = 0; i < osize; i++)
                if (oh[i] >= 2) {
                        size_t mask = size - 1, idx = (size_t) ((uint32_t) (oh[i] * 11U) % c->gh_mod), step = 0;
                        while (c->gh_hash[idx] != 0) {
                                step++;
                                idx = (idx + step) & mask;
                        }
                        c->gh_hash[idx] = oh[i];
                        c->gh_slot[idx] = os[i];
                }
        free(oh);
        free(os);
        return 0;
}

static int gh_maybe_resize(ctx *c) {
        size_t noc = c->gh_noccupied, size = c->gh_size;
        if ((size > c->gh_nnodes * 4 && size > 8) || size <= noc + noc / 16)
                return gh_resize(c, c->gh_nnodes * 4 / 3);
        return 0;
}

static int note_missing(ctx *c, const np_node *n) {
        if (c->gh_size == 0) {
                int r = gh_resize(c, 0);
                if (r < 0)
                        return r;
        }
        uint32_t h = g_str_hash_(S(n));
        bool found;
        size_t idx = gh_lookup(c, S(n), h, &found);
        if (found) {
                /* g_hash_table_insert keeps the key, replaces the value */
                size_t e = c->gh_slot[idx];
                c->missing_nodes[e] = n;
                return set_str(&c->missing_owners[e], c->cur->id);
        }
        const np_node **nn = reallocarray(c->missing_nodes, c->n_missing + 1, sizeof(np_node *));
        if (!nn)
                return -ENOMEM;
        c->missing_nodes = nn;
        if (np_strv_push(&c->missing_ids, S(n)) < 0 || np_strv_push(&c->missing_owners, c->cur->id) < 0)
                return -ENOMEM;
        c->missing_nodes[c->n_missing] = n;
        bool was_unused = c->gh_hash[idx] == 0;
        c->gh_hash[idx] = h;
        c->gh_slot[idx] = c->n_missing++;
        c->gh_nnodes++;
        if (was_unused)
                c->gh_noccupied++;
        return gh_maybe_resize(c);
}

static int found_id(ctx *c, const char *id) {
        if (c->gh_size == 0)
                return 0;
        bool found;
        size_t idx = gh_lookup(c, id, g_str_hash_(id), &found);
        if (!found)
                return 0;
        c->gh_hash[idx] = 1; /* tombstone; the entry's strings stay until the ctx ends */
        c->gh_nnodes--;
        c->found++;
        return gh_maybe_resize(c);
}

/* The entry netplan's iterator yields first; SIZE_MAX when nothing is missing. */
static size_t first_missing(const ctx *c) {
        for (size_t i = 0; i < c->gh_size; i++)
                if (c->gh_hash[i] >= 2)
                        return c->gh_slot[i];
        return SIZE_MAX;
}

/* ---- match, auth ---- */

static int h_id(ctx *c, const np_node *n, const void *data) {
        const char *s = S(n);
        bool ok = *s != '\0';
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && !ispunct((unsigned char) *s))
                        ok = false;
        if (!ok)
                return err(c, n, "Invalid name '%s'", S(n));
        return 0;
}

static int h_match_driver(ctx *c, const np_node *n, const void *data) {
        if (n->type == NP_NODE_SCALAR) {
                if (strchr(S(n), ' '))
                        return err(c, n, "A 'driver' glob cannot contain whitespace");
                return 0;
        }
        if (n->type == NP_NODE_SEQUENCE) {
                for (size_t i = 0; i < n->n; i++) {
                        if (n->values[i]->type != NP_NODE_SCALAR)
                                return err(c, n->values[i], "expected scalar");
                        if (strchr(S(n->values[i]), ' '))
                                return err(c, n, "A 'driver' glob cannot contain whitespace");
                }
                if (n->n == 0)
                        return err(c, n, "invalid sequence for 'driver'");
                return 0;
        }
        return err(c, n, "invalid type for 'driver': must be a scalar or a sequence of scalars");
}

static const kdef match_keys[] = {
        { "driver", ANY_NODE, h_match_driver },
        { "macaddress", NP_NODE_SCALAR, h_mac },
        { "name", NP_NODE_SCALAR, h_id },
        {}
};

static int h_match(ctx *c, const np_node *n, const void *data) {
        c->cur->has_match = true;
        return process_mapping(c, n, match_keys);
}

static int h_key_mgmt(ctx *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "none", "psk", "eap", "802.1x", NULL };
        static const struct { const char *v; unsigned since; } newer[] = {
                { "sae", V(0, 107) }, { "eap-sha256", V(1, 0) }, { "eap-suite-b-192", V(1, 0) }, { "psk-sha256", V(1, 2) },
        };
        for (size_t i = 0; i < ELEMENTSOF(newer); i++)
                if (strcmp(S(n), newer[i].v) == 0 && c->s->target < newer[i].since)
                        return err_newer(c, n, newer[i].since, "unknown key management type '%s'", S(n));
                else if (strcmp(S(n), newer[i].v) == 0)
                        return 0;
        if (!in_list(S(n), ok, false))
                return err(c, n, "unknown key management type '%s'", S(n));
        return 0;
}

static int h_eap_method(ctx *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "tls", "peap", "ttls", NULL };
        if ((strcmp(S(n), "leap") == 0 || strcmp(S(n), "pwd") == 0)) {
                if (c->s->target < V(1, 0))
                        return err_newer(c, n, V(1, 0), "unknown EAP method '%s'", S(n));
                return 0;
        }
        if (!in_list(S(n), ok, false))
                return err(c, n, "unknown EAP method '%s'", S(n));
        return 0;
}

static const kdef auth_keys[] = {
        { "key-management", NP_NODE_SCALAR, h_key_mgmt },
        { "method", NP_NODE_SCALAR, h_eap_method },
        { "identity", NP_NODE_SCALAR, h_str },
        { "anonymous-identity", NP_NODE_SCALAR, h_str },
        { "password", NP_NODE_SCALAR, h_str },
        { "ca-certificate", NP_NODE_SCALAR, h_str },
        { "client-certificate", NP_NODE_SCALAR, h_str },
        { "client-key", NP_NODE_SCALAR, h_str },
        { "client-key-password", NP_NODE_SCALAR, h_str },
        { "phase2-auth", NP_NODE_SCALAR, h_str },
        { "pmf-mode", NP_NODE_SCALAR, h_str, NULL, NULL, V(1, 1) },
        {}
};

/* ---- wifi ---- */

static int h_wifi_mode(ctx *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "infrastructure", "adhoc", "ap", NULL };
        if (!in_list(S(n), ok, false))
                return err(c, n, "unknown wifi mode '%s'", S(n));
        return 0;
}

static int h_wifi_band(ctx *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "5GHz", "5G", "2.4GHz", "2.4G", NULL };
        if (!in_list(S(n), ok, false))
                return err(c, n, "unknown wifi band '%s'", S(n));
        return 0;
}

static const kdef nm_keys[] = {
        { "name", NP_NODE_SCALAR, h_str },
        { "uuid", NP_NODE_SCALAR, h_str },
        { "stable-id", NP_NODE_SCALAR, h_str },
        { "device", NP_NODE_SCALAR, h_str },
        { "passthrough", NP_NODE_MAPPING, h_datalist },
        {}
};

static const kdef ap_keys[] = {
        { "band", NP_NODE_SCALAR, h_wifi_band },
        { "bssid", NP_NODE_SCALAR, h_mac },
        { "hidden", NP_NODE_SCALAR, h_bool },
        { "channel", NP_NODE_SCALAR, h_uint },
        { "mode", NP_NODE_SCALAR, h_wifi_mode },
        { "password", NP_NODE_SCALAR, h_str },
        { "auth", NP_NODE_MAPPING, h_map, NULL, auth_keys },
        { "networkmanager", NP_NODE_MAPPING, h_map, NULL, nm_keys },
        {}
};

static int h_access_points(ctx *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *k = n->keys[i], *v = n->values[i];
                if (k->type != NP_NODE_SCALAR)
                        return err(c, k, "expected scalar");
                if (v->type != NP_NODE_MAPPING)
                        return type_error(c, v, NP_NODE_MAPPING);
                if (np_strv_contains(c->cur->ssids, S(k)))
                        return err(c, k, "%s: Duplicate access point SSID '%s'", c->cur->id, S(k));
                int r = process_mapping(c, v, ap_keys);
                if (r < 0)
                        return r;
                if (np_strv_push(&c->cur->ssids, S(k)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int h_wowlan(ctx *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "default", "any", "disconnect", "magic_pkt", "gtk_rekey_failure",
                                          "eap_identity_req", "four_way_handshake", "rfkill_release", "tcp", NULL };
        bool has_default = false;
        size_t count = 0;
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                bool found = false;
                if (e->type != NP_NODE_SCALAR)
                        return err(c, e, "expected scalar");
                for (size_t j = 0; ok[j]; j++)
                        if (strcasecmp(S(e), ok[j]) == 0) {
                                found = true;
                                if (j == 0)
                                        has_default = true;
                                else
                                        count++;
                        }
                if (!found)
                        return err(c, n, "invalid value for wakeonwlan: '%s'", S(e));
        }
        if (has_default && count > 0)
                return err(c, n, "'default' is an exclusive flag for wakeonwlan");
        return 0;
}

/* ---- addresses, routes ---- */

static int h_addr_lifetime(ctx *c, const np_node *n, const void *data) {
        if (strcasecmp(S(n), "0") != 0 && strcasecmp(S(n), "forever") != 0)
                return err(c, n, "invalid lifetime value '%s'", S(n));
        return 0;
}

static const kdef addr_option_keys[] = {
        { "lifetime", NP_NODE_SCALAR, h_addr_lifetime },
        { "label", NP_NODE_SCALAR, h_str },
        {}
};

static int check_addresses(ctx *c, const np_node *n, bool check_zero) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i], *opts = NULL;
                if (e->type != NP_NODE_SCALAR && e->type != NP_NODE_MAPPING)
                        return err(c, e, "expected either scalar or mapping (check indentation)");
                if (e->type == NP_NODE_MAPPING) {
                        if (e->n == 0)
                                return err(c, e, "expected either scalar or mapping (check indentation)");
                        opts = e->values[0];
                        e = e->keys[0];
                }
                if (e->type != NP_NODE_SCALAR)
                        return type_error(c, e, NP_NODE_SCALAR);
                _cleanup_free_ char *addr = strdup(S(e));
                if (!addr)
                        return -ENOMEM;
                char *pl = strrchr(addr, '/');
                if (!pl)
                        return err(c, n, "address '%s' is missing /prefixlength", S(e));
                *pl++ = '\0';
                unsigned long long plen = strtoull(pl, NULL, 10);
                if (opts) {
                        if (!is_ip4(addr) && !is_ip6(addr))
                                return err(c, n, "malformed address '%s', must be X.X.X.X/NN or X:X:X:X:X:X:X:X/NN", S(e));
                        int r = process_mapping(c, opts, addr_option_keys);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (is_ip4(addr)) {
                        if ((check_zero && plen == 0) || plen > 32)
                                return err(c, n, "invalid prefix length in address '%s'", S(e));
                        continue;
                }
                if (is_ip6(addr)) {
                        if ((check_zero && plen == 0) || plen > 128)
                                return err(c, n, "invalid prefix length in address '%s'", S(e));
                        continue;
                }
                return err(c, n, "malformed address '%s', must be X.X.X.X/NN or X:X:X:X:X:X:X:X/NN", S(e));
        }
        return 0;
}

static int h_addresses(ctx *c, const np_node *n, const void *data) {
        return check_addresses(c, n, true);
}

/* netplan < 1.1 keeps the first gateway and asserts that a redefinition repeats it: a
 * different value aborts the generator (SIGABRT), so nothing is rendered at all. */
static int gateway(ctx *c, const np_node *n, char **seen, int line, const char *fn, const char *field) {
        c->s->warn_gateway = true;
        if (*seen && strcmp(*seen, S(n)) != 0 && c->s->target < V(1, 1)) {
                int r = err(c, n, "ERROR:../src/parse.c:%d:%s: assertion failed (scalar(node) == npp->current.netdef->%s): (\"%s\" == \"%s\")",
                            line, fn, field, S(n), *seen);
                c->diags->items[c->diags->n - 1].raw = true;
                return r;
        }
        return *seen ? 0 : set_str(seen, S(n));
}

static int h_gateway4(ctx *c, const np_node *n, const void *data) {
        if (!is_ip4(S(n)))
                return err(c, n, "invalid IPv4 address '%s'", S(n));
        return gateway(c, n, &c->cur->gateway4, 1280, "handle_gateway4", "gateway4");
}

static int h_gateway6(ctx *c, const np_node *n, const void *data) {
        if (!is_ip6(S(n)))
                return err(c, n, "invalid IPv6 address '%s'", S(n));
        return gateway(c, n, &c->cur->gateway6, 1292, "handle_gateway6", "gateway6");
}

static int h_ns_addresses(ctx *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_SCALAR)
                        return err(c, e, "expected scalar");
                if (!is_ip4(S(e)) && !is_ip6(S(e)))
                        return err(c, n, "malformed address '%s', must be X.X.X.X or X:X:X:X:X:X:X:X", S(e));
        }
        return 0;
}

static const kdef nameserver_keys[] = {
        { "search", NP_NODE_SEQUENCE, h_strseq },
        { "addresses", NP_NODE_SEQUENCE, h_ns_addresses },
        {}
};

static int h_link_local(ctx *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_SCALAR)
                        return err(c, e, "expected scalar");
                if (strcasecmp(S(e), "ipv4") != 0 && strcasecmp(S(e), "ipv6") != 0)
                        return err(c, n, "invalid value for link-local: '%s'", S(e));
        }
        return 0;
}

static int h_optional_addresses(ctx *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "ipv4-ll", "ipv6-ra", "dhcp4", "dhcp6", "static" };
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                bool found = false;
                if (e->type != NP_NODE_SCALAR)
                        return err(c, e, "expected scalar");
                for (size_t j = 0; j < ELEMENTSOF(ok); j++)
                        if (strcasecmp(S(e), ok[j]) == 0)
                                found = true;
                if (!found)
                        return err(c, n, "invalid value for optional-addresses: '%s'", S(e));
        }
        return 0;
}

static int route_ip(ctx *c, const np_node *n) {
        int family = ip_family(S(n));
        if (family < 0)
                return err(c, n, "invalid IP family '%d'", family);
        if (c->route_family != 0 && c->route_family != (unsigned) family)
                return err(c, n, "IP family mismatch in route to %s", S(n));
        c->route_family = (unsigned) family;
        return 0;
}

static int h_route_from(ctx *c, const np_node *n, const void *data) {
        c->has_from = true;
        return route_ip(c, n);
}

static int h_route_via(ctx *c, const np_node *n, const void *data) {
        c->has_via = true;
        return route_ip(c, n);
}

static int h_route_to(ctx *c, const np_node *n, const void *data) {
        c->has_to = true;
        if (strcmp(S(n), "default") == 0)
                return 0;
        return route_ip(c, n);
}

static int h_route_scope(ctx *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "global", "link", "host", NULL };
        c->route_scope = S(n);
        if (!in_list(S(n), ok, true))
                return err(c, n, "invalid route scope '%s'", S(n));
        return 0;
}

static int h_route_type(ctx *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "unicast", "anycast", "blackhole", "broadcast", "local", "multicast",
                                          "nat", "prohibit", "throw", "unreachable", "xresolve", NULL };
        c->route_type = S(n);
        if (!in_list(S(n), ok, true))
                return err(c, n, "invalid route type '%s'", S(n));
        return 0;
}

static const kdef route_keys[] = {
        { "from", NP_NODE_SCALAR, h_route_from },
        { "on-link", NP_NODE_SCALAR, h_bool },
        { "scope", NP_NODE_SCALAR, h_route_scope },
        { "table", NP_NODE_SCALAR, h_uint },
        { "to", NP_NODE_SCALAR, h_route_to },
        { "type", NP_NODE_SCALAR, h_route_type },
        { "via", NP_NODE_SCALAR, h_route_via },
        { "metric", NP_NODE_SCALAR, h_uint },
        { "mtu", NP_NODE_SCALAR, h_uint },
        { "congestion-window", NP_NODE_SCALAR, h_uint },
        { "advertised-receive-window", NP_NODE_SCALAR, h_uint },
        { "advertised-mss", NP_NODE_SCALAR, h_uint, NULL, NULL, V(1, 1) },
        {}
};

static int h_routes(ctx *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_MAPPING)
                        return type_error(c, e, NP_NODE_MAPPING);
                c->route_family = 0;
                c->has_from = c->has_to = c->has_via = false;
                c->route_type = "unicast";
                c->route_scope = NULL;
                int r = process_mapping(c, e, route_keys);
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
                        return err(c, n, "link and host routes must specify a 'to' IP");
                if (strcasecmp(type, "unicast") == 0 && strcasecmp(scope, "global") == 0 && (!c->has_to || !c->has_via))
                        return err(c, n, "global unicast route must include both a 'to' and 'via' IP");
                if (strcasecmp(type, "unicast") != 0 && !c->has_to)
                        return err(c, n, "non-unicast routes must specify a 'to' IP");
        }
        return 0;
}

static int rule_ip(ctx *c, const np_node *n) {
        return route_ip(c, n);
}

static int h_rule_from(ctx *c, const np_node *n, const void *data) {
        c->rule_from = true;
        return rule_ip(c, n);
}

static int h_rule_to(ctx *c, const np_node *n, const void *data) {
        c->rule_to = true;
        return rule_ip(c, n);
}

static int h_tos(ctx *c, const np_node *n, const void *data) {
        unsigned long long v;
        if (!parse_guint(S(n), &v))
                return err(c, n, "invalid unsigned int value '%s'", S(n));
        if (v > 255)
                return err(c, n, "invalid ToS (must be between 0 and 255): %s", S(n));
        return 0;
}

static const kdef rule_keys[] = {
        { "from", NP_NODE_SCALAR, h_rule_from },
        { "mark", NP_NODE_SCALAR, h_uint },
        { "priority", NP_NODE_SCALAR, h_uint },
        { "table", NP_NODE_SCALAR, h_uint },
        { "to", NP_NODE_SCALAR, h_rule_to },
        { "type-of-service", NP_NODE_SCALAR, h_tos },
        {}
};

static int h_rules(ctx *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                c->route_family = 0;
                c->rule_from = c->rule_to = false;
                int r = process_mapping(c, n->values[i], rule_keys);
                if (r < 0)
                        return r;
                if (!c->rule_from && !c->rule_to)
                        return err(c, n, "IP routing policy must include either a 'from' or 'to' IP");
        }
        return 0;
}

/* ---- common link keys ---- */

static int h_accept_ra(ctx *c, const np_node *n, const void *data) {
        return h_bool(c, n, data);
}

static int h_activation_mode(ctx *c, const np_node *n, const void *data) {
        if (strcmp(S(n), "manual") != 0 && strcmp(S(n), "off") != 0)
                return err(c, n, "Value of 'activation-mode' needs to be 'manual' or 'off'");
        return 0;
}

static int h_dhcp_identifier(ctx *c, const np_node *n, const void *data) {
        if (strcasecmp(S(n), "duid") == 0 || strcasecmp(S(n), "mac") == 0)
                return 0;
        return err(c, n, "invalid DHCP client identifier type '%s'", S(n));
}

static int h_addrgen(ctx *c, const np_node *n, const void *data) {
        if (strcmp(S(n), "eui64") != 0 && strcmp(S(n), "stable-privacy") != 0)
                return err(c, n, "unknown ipv6-address-generation '%s'", S(n));
        c->cur->has_addrgen = true;
        return 0;
}

static int h_addrtok(ctx *c, const np_node *n, const void *data) {
        if (!is_ip6(S(n)))
                return err(c, n, "invalid ipv6-address-token '%s'", S(n));
        c->cur->has_addrtok = true;
        return 0;
}

static int parse_backend(ctx *c, const np_node *n, int *ret) {
        if (strcmp(S(n), "networkd") == 0)
                *ret = NP_BACKEND_NETWORKD;
        else if (strcmp(S(n), "NetworkManager") == 0)
                *ret = NP_BACKEND_NM;
        else
                return err(c, n, "unknown renderer '%s'", S(n));
        return 0;
}

static int h_netdef_renderer(ctx *c, const np_node *n, const void *data) {
        if (c->cur->type == NP_DEF_VLAN && strcmp(S(n), "sriov") == 0)
                return 0;
        return parse_backend(c, n, &c->cur->backend);
}

static const kdef dhcp_overrides_keys[] = {
        { "hostname", NP_NODE_SCALAR, h_str },
        { "route-metric", NP_NODE_SCALAR, h_uint },
        { "send-hostname", NP_NODE_SCALAR, h_bool },
        { "use-dns", NP_NODE_SCALAR, h_bool },
        { "use-domains", NP_NODE_SCALAR, h_str },
        { "use-hostname", NP_NODE_SCALAR, h_bool },
        { "use-mtu", NP_NODE_SCALAR, h_bool },
        { "use-ntp", NP_NODE_SCALAR, h_bool },
        { "use-routes", NP_NODE_SCALAR, h_bool },
        {}
};

static const kdef ra_overrides_keys[] = {
        { "use-dns", NP_NODE_SCALAR, h_bool },
        { "use-domains", NP_NODE_SCALAR, h_str },
        { "table", NP_NODE_SCALAR, h_uint },
        { "use-mtu", NP_NODE_SCALAR, h_bool },
        { "use-gateway", NP_NODE_SCALAR, h_bool },
        {}
};

/* ---- openvswitch ---- */

static int ovs_only(ctx *c, const np_node *n, np_def_type t, const char *msg) {
        if (c->cur->type != t)
                return err(c, n, "%s", msg);
        return 0;
}

static int h_ovs_lacp(ctx *c, const np_node *n, const void *data) {
        int r = ovs_only(c, n, NP_DEF_BOND, "Key 'lacp' is only valid for interface type 'openvswitch bond'");
        if (r < 0)
                return r;
        if (strcmp(S(n), "active") && strcmp(S(n), "passive") && strcmp(S(n), "off"))
                return err(c, n, "Value of 'lacp' needs to be 'active', 'passive' or 'off");
        return 0;
}

static int h_ovs_bridge_bool(ctx *c, const np_node *n, const void *data) {
        int r = ovs_only(c, n, NP_DEF_BRIDGE, "Key is only valid for interface type 'openvswitch bridge'");
        return r < 0 ? r : h_bool(c, n, data);
}

static int h_ovs_fail_mode(ctx *c, const np_node *n, const void *data) {
        int r = ovs_only(c, n, NP_DEF_BRIDGE, "Key 'fail-mode' is only valid for interface type 'openvswitch bridge'");
        if (r < 0)
                return r;
        if (strcmp(S(n), "standalone") && strcmp(S(n), "secure"))
                return err(c, n, "Value of 'fail-mode' needs to be 'standalone' or 'secure'");
        return 0;
}

static int check_protocols(ctx *c, const np_node *n) {
        static const char *const ok[] = { "OpenFlow10", "OpenFlow11", "OpenFlow12", "OpenFlow13",
                                          "OpenFlow14", "OpenFlow15", "OpenFlow16" };
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                bool found = false;
                if (e->type != NP_NODE_SCALAR)
                        return err(c, e, "expected scalar");
                for (size_t j = 0; j < ELEMENTSOF(ok); j++)
                        if (strcmp(S(e), ok[j]) == 0)
                                found = true;
                if (!found)
                        return err(c, n, "Unsupported OVS 'protocol' value: %s", S(e));
        }
        return 0;
}

static int h_ovs_protocols(ctx *c, const np_node *n, const void *data) {
        int r = ovs_only(c, n, NP_DEF_BRIDGE, "Key 'protocols' is only valid for interface type 'openvswitch bridge'");
        return r < 0 ? r : check_protocols(c, n);
}

static int h_global_protocols(ctx *c, const np_node *n, const void *data) {
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
                        if (!parse_guint(port, &v) || v > 65535)
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
                if (!is_ip6(host + 1))
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
                if (!is_ip4(host))
                        return false;
        }
        if (host_first && port) {
                unsigned long long v;
                if (!parse_guint(port, &v) || v > 65535)
                        return false;
        }
        return true;
}

static int h_ovs_ctrl_addresses(ctx *c, const np_node *n, const void *data) {
        int r = ovs_only(c, n, NP_DEF_BRIDGE, "Key 'controller.addresses' is only valid for interface type 'openvswitch bridge'");
        if (r < 0)
                return r;
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_SCALAR)
                        return err(c, e, "expected scalar");
                const char *colon = strchr(S(e), ':');
                if (!colon)
                        return err(c, n, "Unsupported OVS controller target: %s", S(e));
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
                        return err(c, n, "Unsupported OVS controller target: %s", S(e));
                if (strncmp(S(e), "ssl", 3) == 0 || strncmp(S(e), "pssl", 4) == 0)
                        c->s->ovs_needs_ssl = true;
        }
        return 0;
}

static int h_ovs_conn_mode(ctx *c, const np_node *n, const void *data) {
        int r = ovs_only(c, n, NP_DEF_BRIDGE, "Key 'controller.connection-mode' is only valid for interface type 'openvswitch bridge'");
        if (r < 0)
                return r;
        if (strcmp(S(n), "in-band") && strcmp(S(n), "out-of-band"))
                return err(c, n, "Value of 'connection-mode' needs to be 'in-band' or 'out-of-band'");
        return 0;
}

static const kdef ovs_controller_keys[] = {
        { "addresses", NP_NODE_SEQUENCE, h_ovs_ctrl_addresses },
        { "connection-mode", NP_NODE_SCALAR, h_ovs_conn_mode },
        {}
};

static int h_def_strmap(ctx *c, const np_node *n, const void *data);

static const kdef ovs_keys[] = {
        { "external-ids", NP_NODE_MAPPING, h_def_strmap, NULL, (void *) 0 },
        { "other-config", NP_NODE_MAPPING, h_def_strmap, NULL, (void *) 1 },
        { "lacp", NP_NODE_SCALAR, h_ovs_lacp },
        { "fail-mode", NP_NODE_SCALAR, h_ovs_fail_mode },
        { "mcast-snooping", NP_NODE_SCALAR, h_ovs_bridge_bool },
        { "rstp", NP_NODE_SCALAR, h_ovs_bridge_bool },
        { "protocols", NP_NODE_SEQUENCE, h_ovs_protocols },
        { "controller", NP_NODE_MAPPING, h_map, NULL, ovs_controller_keys },
        {}
};

static int h_ovs(ctx *c, const np_node *n, const void *data) {
        int r = process_mapping(c, n, ovs_keys);
        if (c->cur->type != NP_DEF_BOND && c->cur->type != NP_DEF_BRIDGE) {
                bool oc = np_node_index(n, "other-config") >= 0, ei = np_node_index(n, "external-ids") >= 0;
                size_t len = n->n;
                if ((len == 1 && (oc || ei)) || (len == 2 && oc && ei))
                        return r;
        }
        c->cur->backend = NP_BACKEND_OVS;
        return r;
}

/* ---- bonds, bridges ---- */

static int h_bond_mode(ctx *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad",
                                          "balance-tlb", "balance-alb", "balance-tcp", "balance-slb", NULL };
        if (!in_list(S(n), ok, false))
                return err(c, n, "unknown bond mode '%s'", S(n));
        if (strcmp(S(n), "balance-tcp") == 0 || strcmp(S(n), "balance-slb") == 0)
                c->cur->backend = NP_BACKEND_OVS;
        return 0;
}

static int h_arp_ip_targets(ctx *c, const np_node *n, const void *data) {
        if (c->cur->n_arp_targets == n->n) /* see h_wg_peers */
                return 0;
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_SCALAR)
                        return err(c, e, "expected scalar");
                if (!is_ip4(S(e)))
                        return err(c, n, "malformed address '%s', must be X.X.X.X or X:X:X:X:X:X:X:X", S(e));
                c->cur->n_arp_targets++;
        }
        return 0;
}

static int h_bond_primary(ctx *c, const np_node *n, const void *data) {
        np_sdef *comp = np_state_find(c->s, S(n));
        if (!comp)
                return note_missing(c, n);
        if (c->cur->primary && strcmp(c->cur->primary, S(n)) != 0)
                return err(c, n, "%s: bond already has a primary member: %s", c->cur->id, c->cur->primary);
        return set_str(&c->cur->primary, S(n));
}

static const kdef bond_param_keys[] = {
        { "mode", NP_NODE_SCALAR, h_bond_mode },
        { "lacp-rate", NP_NODE_SCALAR, h_str },
        { "mii-monitor-interval", NP_NODE_SCALAR, h_str },
        { "min-links", NP_NODE_SCALAR, h_uint },
        { "transmit-hash-policy", NP_NODE_SCALAR, h_str },
        { "ad-select", NP_NODE_SCALAR, h_str },
        { "all-slaves-active", NP_NODE_SCALAR, h_bool },
        { "all-members-active", NP_NODE_SCALAR, h_bool },
        { "arp-interval", NP_NODE_SCALAR, h_str },
        { "arp-ip-targets", NP_NODE_SEQUENCE, h_arp_ip_targets },
        { "arp-validate", NP_NODE_SCALAR, h_str },
        { "arp-all-targets", NP_NODE_SCALAR, h_str },
        { "up-delay", NP_NODE_SCALAR, h_str },
        { "down-delay", NP_NODE_SCALAR, h_str },
        { "fail-over-mac-policy", NP_NODE_SCALAR, h_str },
        { "gratuitous-arp", NP_NODE_SCALAR, h_uint },
        { "gratuitious-arp", NP_NODE_SCALAR, h_uint },
        { "packets-per-slave", NP_NODE_SCALAR, h_uint },
        { "packets-per-member", NP_NODE_SCALAR, h_uint },
        { "primary-reselect-policy", NP_NODE_SCALAR, h_str },
        { "resend-igmp", NP_NODE_SCALAR, h_uint },
        { "learn-packet-interval", NP_NODE_SCALAR, h_str },
        { "primary", NP_NODE_SCALAR, h_bond_primary },
        {}
};

static int port_map(ctx *c, const np_node *n, bool prio) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *k = n->keys[i], *v = n->values[i];
                if (k->type != NP_NODE_SCALAR)
                        return err(c, k, "expected scalar");
                if (v->type != NP_NODE_SCALAR)
                        return err(c, v, "expected scalar");
                np_sdef *comp = np_state_find(c->s, S(k));
                if (!comp) {
                        int r = note_missing(c, k);
                        if (r < 0)
                                return r;
                        continue;
                }
                char ***seen = prio ? &comp->port_prio : &comp->path_cost;
                if (*seen && (*seen)[0]) {
                        return err(c, n, prio ? "%s: interface '%s' already has a port priority of %s"
                                              : "%s: interface '%s' already has a path cost of %s",
                                   c->cur->id, S(k), (*seen)[0]);
                }
                unsigned long long val;
                if (prio) {
                        char *end;
                        val = strtoull(S(v), &end, 10);
                        if (*end != '\0' || val > 63)
                                return err(c, n, "invalid port priority value (must be between 0 and 63): %s", S(v));
                } else if (!parse_guint(S(v), &val))
                        return err(c, n, "invalid unsigned int value '%s'", S(v));
                if (val != 0) {
                        char buf[32];
                        snprintf(buf, sizeof buf, "%llu", val);
                        if (np_strv_push(seen, buf) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

static int h_path_cost(ctx *c, const np_node *n, const void *data) {
        return port_map(c, n, false);
}

static int h_port_prio(ctx *c, const np_node *n, const void *data) {
        return port_map(c, n, true);
}

static const kdef bridge_param_keys[] = {
        { "ageing-time", NP_NODE_SCALAR, h_str },
        { "forward-delay", NP_NODE_SCALAR, h_str },
        { "hello-time", NP_NODE_SCALAR, h_str },
        { "max-age", NP_NODE_SCALAR, h_str },
        { "path-cost", NP_NODE_MAPPING, h_path_cost },
        { "port-priority", NP_NODE_MAPPING, h_port_prio },
        { "priority", NP_NODE_SCALAR, h_uint },
        { "stp", NP_NODE_SCALAR, h_bool },
        {}
};

static int member_of(ctx *c, const np_node *list, const np_node *e, np_sdef *comp) {
        np_sdef *d = c->cur;
        switch (d->type) {
        case NP_DEF_BRIDGE:
                if (comp->bridge && strcmp(comp->bridge, d->id) != 0)
                        return err(c, list, "%s: interface '%s' is already assigned to bridge %s", d->id, S(e), comp->bridge);
                if (comp->bond)
                        return err(c, list, "%s: interface '%s' is already assigned to bond %s", d->id, S(e), comp->bond);
                if (comp->backend == NP_BACKEND_OVS)
                        d->backend = NP_BACKEND_OVS;
                return set_str(&comp->bridge, d->id);
        case NP_DEF_BOND:
                if (comp->bridge)
                        return err(c, list, "%s: interface '%s' is already assigned to bridge %s", d->id, S(e), comp->bridge);
                if (comp->bond && strcmp(comp->bond, d->id) != 0)
                        return err(c, list, "%s: interface '%s' is already assigned to bond %s", d->id, S(e), comp->bond);
                if (comp->backend == NP_BACKEND_OVS)
                        d->backend = NP_BACKEND_OVS;
                return set_str(&comp->bond, d->id);
        case NP_DEF_VRF:
                if (comp->vrf && strcmp(comp->vrf, d->id) != 0)
                        return err(c, list, "%s: interface '%s' is already assigned to vrf %s", d->id, S(e), comp->vrf);
                return set_str(&comp->vrf, d->id);
        default:
                return 0;
        }
}

static int h_interfaces(ctx *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_SCALAR)
                        return err(c, e, "expected scalar");
                np_sdef *comp = np_state_find(c->s, S(e));
                if (!comp) {
                        int r = note_missing(c, e);
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

static int h_link_ref(ctx *c, const np_node *n, const void *data) {
        np_sdef *ref = np_state_find(c->s, S(n));
        if (!ref)
                return note_missing(c, n);
        c->cur->link_ok = true;
        if (c->cur->type == NP_DEF_VLAN && ref->backend == NP_BACKEND_OVS)
                c->cur->backend = NP_BACKEND_OVS;
        return 0;
}

static int h_vlan_id(ctx *c, const np_node *n, const void *data) {
        unsigned long long v;
        if (!parse_guint(S(n), &v))
                return err(c, n, "invalid unsigned int value '%s'", S(n));
        c->cur->vlan_id = (long long) v;
        return 0;
}

static int h_embedded_switch(ctx *c, const np_node *n, const void *data) {
        if (strcmp(S(n), "switchdev") != 0 && strcmp(S(n), "legacy") != 0)
                return err(c, n, "Value of 'embedded-switch-mode' needs to be 'switchdev' or 'legacy'");
        return 0;
}

static int h_infiniband_mode(ctx *c, const np_node *n, const void *data) {
        if (strcmp(S(n), "datagram") != 0 && strcmp(S(n), "connected") != 0)
                return err(c, n, "Value of 'infiniband-mode' needs to be 'datagram' or 'connected'");
        return 0;
}

/* ---- tunnels ---- */

static const char *const tunnel_modes[] = {
        "ipip", "gre", "sit", "isatap", "vti", "ip6ip6", "ipip6", "ip6gre", "vti6", "gretap", "ip6gretap",
        "wireguard", "vxlan", NULL
};

static int h_tunnel_mode(ctx *c, const np_node *n, const void *data) {
        for (size_t i = 0; tunnel_modes[i]; i++)
                if (strcmp(S(n), tunnel_modes[i]) == 0)
                        return 0;
        return err(c, n, "%s: tunnel mode '%s' is not supported", c->cur->id, S(n));
}

static int h_tunnel_addr(ctx *c, const np_node *n, const void *data) {
        if (strchr(S(n), '/'))
                return err(c, n, "address '%s' should not include /prefixlength", S(n));
        if (is_ip4(S(n)) || is_ip6(S(n)))
                return 0;
        return err(c, n, "malformed address '%s', must be X.X.X.X or X:X:X:X:X:X:X:X", S(n));
}

static const kdef tunnel_key_keys[] = {
        { "input", NP_NODE_SCALAR, h_str },
        { "output", NP_NODE_SCALAR, h_str },
        { "private", NP_NODE_SCALAR, h_str },
        { "private-key-flags", NP_NODE_SEQUENCE, h_strseq, NULL, NULL, V(0, 107) },
        {}
};

static int h_tunnel_keys(ctx *c, const np_node *n, const void *data) {
        if (n->type == NP_NODE_SCALAR)
                return 0;
        if (n->type == NP_NODE_MAPPING)
                return process_mapping(c, n, tunnel_key_keys);
        return err(c, n, "invalid type for 'key[s]': must be a scalar or mapping");
}

static int h_wg_endpoint(ctx *c, const np_node *n, const void *data) {
        _cleanup_free_ char *ep = strdup(S(n));
        char *port, *address;
        if (!ep)
                return -ENOMEM;
        if (strlen(ep) < 3)
                return err(c, n, "invalid endpoint address or hostname '%s'", S(n));
        if (ep[0] == '[') {
                char *end = strrchr(ep, ']');
                if (!end)
                        return err(c, n, "invalid address in endpoint '%s'", S(n));
                address = ep + 1;
                *end = '\0';
                port = strrchr(end + 1, ':');
        } else {
                address = ep;
                port = strrchr(ep, ':');
        }
        if (!port)
                return err(c, n, "endpoint '%s' is missing :port", S(n));
        *port++ = '\0';
        if (strtoull(port, NULL, 10) > 65535)
                return err(c, n, "invalid port in endpoint '%s'", S(n));
        if (is_ip4(address) || is_ip6(address) || is_hostname(address))
                return 0;
        return err(c, n, "invalid endpoint address or hostname '%s'", S(n));
}

static int h_allowed_ips(ctx *c, const np_node *n, const void *data) {
        return check_addresses(c, n, false);
}

static const kdef wg_peer_key_keys[] = {
        { "public", NP_NODE_SCALAR, h_str },
        { "shared", NP_NODE_SCALAR, h_str },
        {}
};

static const kdef wg_peer_keys[] = {
        { "keys", NP_NODE_MAPPING, h_map, NULL, wg_peer_key_keys },
        { "keepalive", NP_NODE_SCALAR, h_uint },
        { "endpoint", NP_NODE_SCALAR, h_wg_endpoint },
        { "allowed-ips", NP_NODE_SEQUENCE, h_allowed_ips },
        {}
};

/* netplan skips (unchecked) a list as long as the one the definition already holds: its
 * guard against adding the same entries again on a second parser pass */
static int h_wg_peers(ctx *c, const np_node *n, const void *data) {
        if (c->cur->n_peers == n->n)
                return 0;
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_MAPPING)
                        return type_error(c, e, NP_NODE_MAPPING);
                int r = process_mapping(c, e, wg_peer_keys);
                if (r < 0)
                        return r;
                c->cur->n_peers++; /* netplan appends each peer once it parsed */
        }
        return 0;
}

/* A sequence of flags from a fixed set (vxlan notifications, checksums, extensions). */
typedef struct flag_set {
        const char *name;
        const char *const *ok;
        size_t n_ok;
} flag_set;

static int h_flag_list(ctx *c, const np_node *n, const void *data) {
        const flag_set *set = data;
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                bool found = false;
                if (e->type != NP_NODE_SCALAR)
                        return err(c, e, "expected scalar");
                for (size_t j = 0; j < set->n_ok; j++)
                        if (strcasecmp(S(e), set->ok[j]) == 0)
                                found = true;
                if (!found)
                        return err(c, n, "invalid value for %s: '%s'", set->name, S(e));
        }
        return 0;
}

static const char *const vxlan_notifications[] = { "l2-miss", "l3-miss" };
static const char *const vxlan_checksums[] = { "udp", "zero-udp6-tx", "zero-udp6-rx", "remote-tx", "remote-rx" };
static const char *const vxlan_extensions[] = { "group-policy", "generic-protocol" };
static const flag_set vxlan_notifications_set = { "notifications", vxlan_notifications,
                                                  ELEMENTSOF(vxlan_notifications) };
static const flag_set vxlan_checksums_set = { "checksums", vxlan_checksums, ELEMENTSOF(vxlan_checksums) };
static const flag_set vxlan_extensions_set = { "extensions", vxlan_extensions, ELEMENTSOF(vxlan_extensions) };

static int h_port_range(ctx *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                if (e->type != NP_NODE_SCALAR)
                        return err(c, e, "expected scalar");
                int r = h_uint(c, e, NULL);
                if (r < 0)
                        return r;
        }
        if (n->n != 2)
                return err(c, n, "%s: Expected exactly two values for port-range", c->cur->id);
        return 0;
}

/* ---- definition tables ---- */

#define COMMON_LINK_KEYS                                                                        \
        { "accept-ra", NP_NODE_SCALAR, h_accept_ra },                                           \
        { "activation-mode", NP_NODE_SCALAR, h_activation_mode },                               \
        { "addresses", NP_NODE_SEQUENCE, h_addresses },                                         \
        { "critical", NP_NODE_SCALAR, h_bool },                                                 \
        { "ignore-carrier", NP_NODE_SCALAR, h_bool },                                           \
        { "dhcp4", NP_NODE_SCALAR, h_bool },                                                    \
        { "dhcp6", NP_NODE_SCALAR, h_bool },                                                    \
        { "dhcp-identifier", NP_NODE_SCALAR, h_dhcp_identifier },                               \
        { "dhcp4-overrides", NP_NODE_MAPPING, h_map, NULL, dhcp_overrides_keys },               \
        { "dhcp6-overrides", NP_NODE_MAPPING, h_map, NULL, dhcp_overrides_keys },               \
        { "gateway4", NP_NODE_SCALAR, h_gateway4 },                                             \
        { "gateway6", NP_NODE_SCALAR, h_gateway6 },                                             \
        { "ipv6-address-generation", NP_NODE_SCALAR, h_addrgen },                               \
        { "ipv6-address-token", NP_NODE_SCALAR, h_addrtok },                                    \
        { "ipv6-mtu", NP_NODE_SCALAR, h_uint },                                                 \
        { "ipv6-privacy", NP_NODE_SCALAR, h_bool },                                             \
        { "link-local", NP_NODE_SEQUENCE, h_link_local },                                       \
        { "macaddress", NP_NODE_SCALAR, h_mac },                                                \
        { "mtu", NP_NODE_SCALAR, h_uint },                                                      \
        { "nameservers", NP_NODE_MAPPING, h_map, NULL, nameserver_keys },                       \
        { "optional", NP_NODE_SCALAR, h_bool },                                                 \
        { "optional-addresses", NP_NODE_SEQUENCE, h_optional_addresses },                       \
        { "renderer", NP_NODE_SCALAR, h_netdef_renderer },                                      \
        { "routes", NP_NODE_SEQUENCE, h_routes },                                               \
        { "routing-policy", NP_NODE_SEQUENCE, h_rules },                                        \
        { "neigh-suppress", NP_NODE_SCALAR, h_bool },                                           \
        { "ra-overrides", NP_NODE_MAPPING, h_map, NULL, ra_overrides_keys, V(1, 1) },           \
        { "enable-dad", NP_NODE_SCALAR, h_bool, NULL, NULL, V(1, 1) },                          \
        { "networkmanager", NP_NODE_MAPPING, h_map, NULL, nm_keys },                            \
        { "openvswitch", NP_NODE_MAPPING, h_ovs }

#define PHYSICAL_KEYS                                                                           \
        { "match", NP_NODE_MAPPING, h_match },                                                  \
        { "set-name", NP_NODE_SCALAR, h_str },                                                  \
        { "wakeonlan", NP_NODE_SCALAR, h_bool },                                                \
        { "wakeonwlan", NP_NODE_SEQUENCE, h_wowlan },                                           \
        { "emit-lldp", NP_NODE_SCALAR, h_bool },                                                \
        { "receive-checksum-offload", NP_NODE_SCALAR, h_bool },                                 \
        { "transmit-checksum-offload", NP_NODE_SCALAR, h_bool },                                \
        { "tcp-segmentation-offload", NP_NODE_SCALAR, h_bool },                                 \
        { "tcp6-segmentation-offload", NP_NODE_SCALAR, h_bool },                                \
        { "generic-segmentation-offload", NP_NODE_SCALAR, h_bool },                             \
        { "generic-receive-offload", NP_NODE_SCALAR, h_bool },                                  \
        { "large-receive-offload", NP_NODE_SCALAR, h_bool }

static const kdef ethernet_keys[] = {
        COMMON_LINK_KEYS,
        PHYSICAL_KEYS,
        { "auth", NP_NODE_MAPPING, h_map, NULL, auth_keys },
        { "link", NP_NODE_SCALAR, h_link_ref },
        { "virtual-function-count", NP_NODE_SCALAR, h_uint },
        { "embedded-switch-mode", NP_NODE_SCALAR, h_embedded_switch },
        { "delay-virtual-functions-rebind", NP_NODE_SCALAR, h_bool },
        { "infiniband-mode", NP_NODE_SCALAR, h_infiniband_mode },
        {}
};

static const kdef wifi_keys[] = {
        COMMON_LINK_KEYS,
        PHYSICAL_KEYS,
        { "access-points", NP_NODE_MAPPING, h_access_points },
        { "auth", NP_NODE_MAPPING, h_map, NULL, auth_keys },
        { "regulatory-domain", NP_NODE_SCALAR, h_str },
        {}
};

static const kdef modem_keys[] = {
        COMMON_LINK_KEYS,
        PHYSICAL_KEYS,
        { "apn", NP_NODE_SCALAR, h_str },
        { "auto-config", NP_NODE_SCALAR, h_bool },
        { "device-id", NP_NODE_SCALAR, h_str },
        { "network-id", NP_NODE_SCALAR, h_str },
        { "number", NP_NODE_SCALAR, h_str },
        { "password", NP_NODE_SCALAR, h_str },
        { "pin", NP_NODE_SCALAR, h_str },
        { "sim-id", NP_NODE_SCALAR, h_str },
        { "sim-operator-id", NP_NODE_SCALAR, h_str },
        { "username", NP_NODE_SCALAR, h_str },
        {}
};

static const kdef bond_keys[] = {
        COMMON_LINK_KEYS,
        { "interfaces", NP_NODE_SEQUENCE, h_interfaces },
        { "parameters", NP_NODE_MAPPING, h_map, NULL, bond_param_keys },
        {}
};

static const kdef bridge_keys[] = {
        COMMON_LINK_KEYS,
        { "interfaces", NP_NODE_SEQUENCE, h_interfaces },
        { "parameters", NP_NODE_MAPPING, h_map, NULL, bridge_param_keys },
        {}
};

static const kdef vlan_keys[] = {
        COMMON_LINK_KEYS,
        { "id", NP_NODE_SCALAR, h_vlan_id },
        { "link", NP_NODE_SCALAR, h_link_ref },
        {}
};

static const kdef tunnel_keys[] = {
        COMMON_LINK_KEYS,
        { "mode", NP_NODE_SCALAR, h_tunnel_mode },
        { "local", NP_NODE_SCALAR, h_tunnel_addr },
        { "remote", NP_NODE_SCALAR, h_tunnel_addr },
        { "ttl", NP_NODE_SCALAR, h_uint },
        { "key", ANY_NODE, h_tunnel_keys },
        { "keys", ANY_NODE, h_tunnel_keys },
        { "mark", NP_NODE_SCALAR, h_uint },
        { "port", NP_NODE_SCALAR, h_uint },
        { "peers", NP_NODE_SEQUENCE, h_wg_peers },
        /* vxlan */
        { "id", NP_NODE_SCALAR, h_vlan_id },
        { "link", NP_NODE_SCALAR, h_link_ref },
        { "type-of-service", NP_NODE_SCALAR, h_uint },
        { "mac-learning", NP_NODE_SCALAR, h_bool },
        { "ageing", NP_NODE_SCALAR, h_uint },
        { "aging", NP_NODE_SCALAR, h_uint },
        { "limit", NP_NODE_SCALAR, h_uint },
        { "arp-proxy", NP_NODE_SCALAR, h_bool },
        { "notifications", NP_NODE_SEQUENCE, h_flag_list, .data = &vxlan_notifications_set },
        { "short-circuit", NP_NODE_SCALAR, h_bool },
        { "checksums", NP_NODE_SEQUENCE, h_flag_list, .data = &vxlan_checksums_set },
        { "extensions", NP_NODE_SEQUENCE, h_flag_list, .data = &vxlan_extensions_set },
        { "port-range", NP_NODE_SEQUENCE, h_port_range },
        { "flow-label", NP_NODE_SCALAR, h_uint },
        { "do-not-fragment", NP_NODE_SCALAR, h_bool },
        { "hairpin", NP_NODE_SCALAR, h_bool, NULL, NULL, V(1, 0) },
        { "port-mac-learning", NP_NODE_SCALAR, h_bool, NULL, NULL, V(1, 0) },
        {}
};

static const kdef vrf_keys[] = {
        { "table", NP_NODE_SCALAR, h_uint },
        { "interfaces", NP_NODE_SEQUENCE, h_interfaces },
        { "routes", NP_NODE_SEQUENCE, h_routes },
        { "routing-policy", NP_NODE_SEQUENCE, h_rules },
        { "renderer", NP_NODE_SCALAR, h_netdef_renderer },
        { "networkmanager", NP_NODE_MAPPING, h_map, NULL, nm_keys },
        { "openvswitch", NP_NODE_MAPPING, h_ovs },
        {}
};

static const kdef dummy_keys[] = {
        COMMON_LINK_KEYS,
        {}
};

static const kdef veth_keys[] = {
        COMMON_LINK_KEYS,
        { "peer", NP_NODE_SCALAR, h_str },
        {}
};

static const kdef *def_table(np_def_type t) {
        switch (t) {
        case NP_DEF_ETHERNET:
        case NP_DEF_NM_DEVICE:
                return ethernet_keys;
        case NP_DEF_WIFI:
                return wifi_keys;
        case NP_DEF_MODEM:
                return modem_keys;
        case NP_DEF_BOND:
                return bond_keys;
        case NP_DEF_BRIDGE:
                return bridge_keys;
        case NP_DEF_VLAN:
                return vlan_keys;
        case NP_DEF_TUNNEL:
                return tunnel_keys;
        case NP_DEF_VRF:
                return vrf_keys;
        case NP_DEF_DUMMY:
                return dummy_keys;
        case NP_DEF_VETH:
                return veth_keys;
        case NP_DEF_OVS_PORT:
        case _NP_DEF_TYPE_MAX:
        case _NP_DEF_TYPE_INVALID:
                break;
        }
        return ethernet_keys;
}

/* ---- definition-level validation (validate_netdef_grammar) ---- */

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

static int validate_tunnel(ctx *c, const np_node *at, const np_node *m) {
        np_sdef *d = c->cur;
        const np_node *mode = get(m, "mode");
        if (!mode || mode->type != NP_NODE_SCALAR)
                return err(c, at, "%s: missing 'mode' property for tunnel", d->id);
        const char *md = S(mode);
        if (strcmp(md, "wireguard") == 0) {
                const np_node *key = get(m, "key") ?: get(m, "keys");
                const char *priv = NULL;
                if (key && key->type == NP_NODE_SCALAR)
                        priv = S(key);
                else if (key && key->type == NP_NODE_MAPPING && get(key, "private"))
                        priv = np_node_scalar(get(key, "private"));
                if (!priv)
                        return err(c, at, "%s: missing 'key' property (private key) for wireguard", d->id);
                if (priv[0] != '/' && !is_base64_key(priv))
                        return err(c, at, "%s: invalid wireguard private key", d->id);
                const np_node *peers = get(m, "peers");
                if (!peers || peers->type != NP_NODE_SEQUENCE || peers->n == 0)
                        return err(c, at, "%s: at least one peer is required.", d->id);
                for (size_t i = 0; i < peers->n; i++) {
                        const np_node *p = peers->values[i];
                        const np_node *keys = get(p, "keys");
                        const char *pub = keys ? np_node_scalar(get(keys, "public")) : NULL;
                        if (!pub)
                                return err(c, at, "%s: keys.public is required.", d->id);
                        if (!is_base64_key(pub))
                                return err(c, at, "%s: invalid wireguard public key", d->id);
                        const char *shared = keys ? np_node_scalar(get(keys, "shared")) : NULL;
                        if (shared && shared[0] != '/' && !is_base64_key(shared))
                                return err(c, at, "%s: invalid wireguard shared key", d->id);
                        if (!get(p, "allowed-ips"))
                                return err(c, at, "%s: 'to' is required to define the allowed IPs.", d->id);
                        const np_node *ka = get(p, "keepalive");
                        if (ka && ka->type == NP_NODE_SCALAR && strtoull(S(ka), NULL, 10) > 65535)
                                return err(c, at, "%s: keepalive must be 0-65535 inclusive.", d->id);
                }
                return 0;
        }
        if (strcmp(md, "vxlan") == 0) {
                const np_node *id = get(m, "id");
                unsigned long long v = id ? strtoull(S(id), NULL, 10) : 0;
                if (v == 0) /* 0 is netplan's "unset" */
                        return err(c, at, "%s: missing 'id' property (VXLAN VNI)", d->id);
                if (v < 1 || v > 16777215)
                        return err(c, at, "%s: VXLAN 'id' (VNI) must be in range [1..16777215]", d->id);
                const np_node *loc = get(m, "local"), *rem = get(m, "remote");
                if (loc && rem && ip_family(S(loc)) != ip_family(S(rem)))
                        return err(c, at, "%s: 'local' and 'remote' must be of same IP family type", d->id);
                const np_node *fl = get(m, "flow-label");
                if (fl && strtoull(S(fl), NULL, 10) > 1048575)
                        return err(c, at, "%s: VXLAN 'flow-label' must be in range [0..1048575]", d->id);
        } else {
                const np_node *loc = get(m, "local"), *rem = get(m, "remote");
                if (!loc)
                        return err(c, at, "%s: missing 'local' property for tunnel", d->id);
                if (!rem)
                        return err(c, at, "%s: missing 'remote' property for tunnel", d->id);
                const np_node *ttl = get(m, "ttl");
                if (ttl) {
                        unsigned long long v = strtoull(S(ttl), NULL, 10);
                        if (v < 1 || v > 255)
                                return err(c, at, "%s: 'ttl' property for tunnel must be in range [1...255]", d->id);
                }
                bool v6 = strcmp(md, "ip6ip6") == 0 || strcmp(md, "ipip6") == 0 || strcmp(md, "ip6gre") == 0 ||
                          strcmp(md, "vti6") == 0 || strcmp(md, "ip6gretap") == 0;
                if (v6) {
                        if (!is_ip6(S(loc)))
                                return err(c, at, "%s: 'local' must be a valid IPv6 address for this tunnel type", d->id);
                        if (!is_ip6(S(rem)))
                                return err(c, at, "%s: 'remote' must be a valid IPv6 address for this tunnel type", d->id);
                } else {
                        if (!is_ip4(S(loc)))
                                return err(c, at, "%s: 'local' must be a valid IPv4 address for this tunnel type", d->id);
                        if (!is_ip4(S(rem)))
                                return err(c, at, "%s: 'remote' must be a valid IPv4 address for this tunnel type", d->id);
                }
                bool keyed = strcmp(md, "gre") == 0 || strcmp(md, "ip6gre") == 0 || strcmp(md, "vti") == 0 ||
                             strcmp(md, "vti6") == 0 || strcmp(md, "gretap") == 0 || strcmp(md, "ip6gretap") == 0;
                const np_node *key = get(m, "key") ?: get(m, "keys");
                if (!keyed && key) {
                        bool in = key->type == NP_NODE_SCALAR || get(key, "input");
                        bool out = key->type == NP_NODE_SCALAR || get(key, "output");
                        if (in)
                                return err(c, NULL, "%s: 'input-key' is not required for this tunnel type", d->id);
                        if (out)
                                return err(c, NULL, "%s: 'output-key' is not required for this tunnel type", d->id);
                }
                if (keyed && key) {
                        const char *names[] = { "input", "output" };
                        for (size_t i = 0; i < 2; i++) {
                                const char *k = key->type == NP_NODE_SCALAR ? S(key) : np_node_scalar(get(key, names[i]));
                                if (!k)
                                        continue;
                                struct in_addr a;
                                unsigned long long v;
                                if (inet_pton(AF_INET, k, &a) <= 0 && !parse_guint(k, &v))
                                        return err(c, at, "invalid tunnel key '%s'", k);
                        }
                }
        }
        return 0;
}

static int validate_netdef(ctx *c, const np_node *at) {
        np_sdef *d = c->cur;
        const np_node *m = d->merged;

        /* netplan skips validation while ids are missing: a later pass completes it */
        if (c->gh_nnodes > 0)
                return 0;
        if (d->backend == NP_BACKEND_OVS && access("/usr/bin/ovs-vsctl", F_OK) < 0)
                return err(c, at, "%s: The 'ovs-vsctl' tool is required to setup OpenVSwitch interfaces.", d->id);
        if (d->type == NP_DEF_WIFI && np_strv_length(d->ssids) == 0)
                return err(c, at, "%s: No access points defined", d->id);
        if (get(m, "set-name") && !d->has_match)
                return err(c, at, "%s: 'set-name:' requires 'match:' properties", d->id);
        if (d->type == NP_DEF_VLAN) {
                if (!d->link_ok)
                        return err(c, at, "%s: missing 'link' property", d->id);
                /* netplan's "unset" is G_MAXUINT, so an explicit 4294967295 is unset too */
                if (d->vlan_id < 0 || d->vlan_id == UINT32_MAX)
                        return err(c, at, "%s: missing 'id' property", d->id);
                if (d->vlan_id > 4094)
                        return err(c, at, "%s: invalid id '%u' (allowed values are 0 to 4094)", d->id, (unsigned) d->vlan_id);
        }
        if (d->type == NP_DEF_NM_DEVICE) {
                const np_node *nm = get(m, "networkmanager"), *pt = nm ? get(nm, "passthrough") : NULL;
                if (!pt || !get(pt, "connection.type"))
                        return err(c, at, "%s: network type 'nm-devices:' needs to provide a 'connection.type' via passthrough", d->id);
        }
        if (d->has_addrgen && d->has_addrtok)
                return err(c, at, "%s: ipv6-address-generation and ipv6-address-token are mutually exclusive", d->id);
        if (d->type == NP_DEF_TUNNEL) {
                int r = validate_tunnel(c, at, m);
                if (r < 0)
                        return r;
        }
        if (d->type == NP_DEF_VRF) {
                const char *t = np_node_scalar(get(m, "table"));
                if (!t || strtoull(t, NULL, 10) == UINT32_MAX) /* G_MAXUINT is "unset" */
                        return err(c, at, "%s: missing 'table' property", d->id);
        }
        return 0;
}

/* ---- network sections ---- */

static int h_section(ctx *c, const np_node *n, const void *data) {
        np_def_type type = (np_def_type) (intptr_t) data;
        int r;

        c->cur_backend = NP_BACKEND_NONE;
        for (size_t i = 0; i < n->n; i++) {
                const np_node *k = n->keys[i], *v = n->values[i];
                if (k->type != NP_NODE_SCALAR)
                        return type_error(c, k, NP_NODE_SCALAR);
                r = h_id(c, k, NULL);
                if (r < 0)
                        return r;
                if (strpbrk(S(k), "*[]?"))
                        return err(c, k, "Definition ID '%s' must not use globbing", S(k));
                if (strcmp(S(k), "renderer") == 0) {
                        if (v->type != NP_NODE_SCALAR)
                                return type_error(c, v, NP_NODE_SCALAR);
                        r = parse_backend(c, v, &c->cur_backend);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (v->type != NP_NODE_MAPPING)
                        return type_error(c, v, NP_NODE_MAPPING);
                r = found_id(c, S(k));
                if (r < 0)
                        return r;

                np_sdef *d = np_state_find(c->s, S(k));
                if (d) {
                        if (d->type != type)
                                return err(c, k, "Updated definition '%s' changes device type", S(k));
                } else {
                        d = state_add(c->s, S(k), type, c->cur_backend, c->s->cur_file);
                        if (!d)
                                return -ENOMEM;
                        d->key_pos = k->pos;
                }
                c->cur = d;
                r = np_node_merge_into(&d->merged, v, "", 0);
                if (r < 0)
                        return r;
                r = process_mapping(c, v, def_table(type));
                if (r < 0)
                        return r;
                r = validate_netdef(c, v);
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

static int h_version(ctx *c, const np_node *n, const void *data) {
        long v = strtol(S(n), NULL, 10);
        if (v < 2 || v >= 3)
                return err(c, n, "Only version 2 is supported");
        return 0;
}

static int h_global_renderer(ctx *c, const np_node *n, const void *data) {
        return parse_backend(c, n, &c->s->global_backend);
}

static int h_ovs_ports(ctx *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *pair = n->values[i];
                if (pair->type != NP_NODE_SEQUENCE)
                        return type_error(c, pair, NP_NODE_SEQUENCE);
                if (pair->n != 2)
                        return err(c, pair, "An openvswitch peer port sequence must have exactly two entries");
                for (size_t j = 0; j < 2; j++)
                        if (pair->values[j]->type != NP_NODE_SCALAR)
                                return type_error(c, pair->values[j], NP_NODE_SCALAR);
                for (size_t j = 0; j < 2; j++) {
                        const np_node *port = pair->values[j], *peer = pair->values[1 - j];
                        np_sdef *d = np_state_find(c->s, S(port));
                        if (!d) {
                                int q = found_id(c, S(port));
                                if (q < 0)
                                        return q;
                                d = state_add(c->s, S(port), NP_DEF_OVS_PORT, NP_BACKEND_OVS, c->s->cur_file);
                                if (!d)
                                        return -ENOMEM;
                                d->key_pos = port->pos;
                        }
                        if (d->peer && strcmp(d->peer, S(peer)) != 0)
                                return err(c, port, "openvswitch port '%s' is already assigned to peer '%s'", d->id, d->peer);
                        int r = set_str(&d->peer, S(peer));
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static const kdef ovs_ssl_keys[] = {
        { "ca-cert", NP_NODE_SCALAR, h_str },
        { "certificate", NP_NODE_SCALAR, h_str },
        { "private-key", NP_NODE_SCALAR, h_str },
        {}
};

static int h_ovs_ssl(ctx *c, const np_node *n, const void *data) {
        c->s->ovs_has_ssl = true;
        return process_mapping(c, n, ovs_ssl_keys);
}

/* netplan's generic map: entries accumulate over mappings, files and parser passes; a
 * key seen before with another value is a "duplicate map entry", with the same value it
 * is skipped (its guard for multi-pass parsing) */
static int accumulate_map(ctx *c, const np_node *n, char ***keys, char ***vals) {
        for (size_t i = 0; i < n->n; i++) {
                if (n->keys[i]->type != NP_NODE_SCALAR)
                        return err(c, n->keys[i], "expected scalar");
                if (n->values[i]->type != NP_NODE_SCALAR)
                        return err(c, n->values[i], "expected scalar");
                bool skip = false;
                for (size_t j = 0; *keys && (*keys)[j]; j++)
                        if (strcmp((*keys)[j], S(n->keys[i])) == 0) {
                                if (strcmp((*vals)[j], S(n->values[i])) != 0)
                                        return err(c, n, "duplicate map entry '%s'", S(n->keys[i]));
                                skip = true;
                        }
                if (!skip && (np_strv_push(keys, S(n->keys[i])) < 0 || np_strv_push(vals, S(n->values[i])) < 0))
                        return -ENOMEM;
        }
        return 0;
}

static int h_global_strmap(ctx *c, const np_node *n, const void *data) {
        if (data == (void *) 1)
                return accumulate_map(c, n, &c->s->ovs_other_config, &c->s->ovs_other_config_v);
        return accumulate_map(c, n, &c->s->ovs_external_ids, &c->s->ovs_external_ids_v);
}

static int h_def_strmap(ctx *c, const np_node *n, const void *data) {
        if (data == (void *) 1)
                return accumulate_map(c, n, &c->cur->ovs_other_config, &c->cur->ovs_other_config_v);
        return accumulate_map(c, n, &c->cur->ovs_external_ids, &c->cur->ovs_external_ids_v);
}

static const kdef ovs_global_keys[] = {
        { "external-ids", NP_NODE_MAPPING, h_global_strmap, NULL, (void *) 0 },
        { "other-config", NP_NODE_MAPPING, h_global_strmap, NULL, (void *) 1 },
        { "protocols", NP_NODE_SEQUENCE, h_global_protocols },
        { "ports", NP_NODE_SEQUENCE, h_ovs_ports },
        { "ssl", NP_NODE_MAPPING, h_ovs_ssl },
        {}
};

static const kdef network_keys[] = {
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
        { "openvswitch", NP_NODE_MAPPING, h_map, NULL, ovs_global_keys },
        { "dummy-devices", NP_NODE_MAPPING, h_section, NULL, (void *) (intptr_t) NP_DEF_DUMMY, V(0, 107) },
        { "virtual-ethernets", NP_NODE_MAPPING, h_section, NULL, (void *) (intptr_t) NP_DEF_VETH, V(0, 107) },
        {}
};

static const kdef root_keys[] = {
        { "network", NP_NODE_MAPPING, h_map, NULL, network_keys },
        {}
};

static void ctx_done(ctx *c) {
        np_strv_free(c->missing_ids);
        np_strv_free(c->missing_owners);
        free(c->missing_nodes);
        gh_clear(c);
}

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

int np_schema_check_file(np_state *s, const np_file *f, np_diag_list *diags) {
        ctx c = { .s = s, .f = f, .cur_backend = NP_BACKEND_NONE };
        np_diag_list pass = {};
        int r = 0;

        s->last_passes = 0;
        if (!f->root)
                return 0;
        for (unsigned i = 0; i < NP_MAX_PASSES; i++) {
                s->last_passes++;
                unsigned previously_found = c.found;
                c.found = 0;
                np_diag_list_clear(&pass);
                c.diags = &pass;
                c.cur = NULL;
                r = process_mapping(&c, f->root, root_keys);
                if (r < 0 && r != -EINVAL)
                        goto out;
                if (c.gh_nnodes > 0 && c.found == previously_found)
                        break;
                if (c.gh_nnodes == 0 && c.found == 0)
                        break;
        }
        /* an error seen in the last pass wins over ids still missing */
        size_t m = first_missing(&c);
        if (m != SIZE_MAX && pass.n_errors == 0) {
                np_diag_list_clear(&pass);
                c.diags = diags;
                _cleanup_free_ char *src = np_file_line(f, c.missing_nodes[m]->pos.line);
                int q = np_diag_add(diags, NP_SEVERITY_ERROR, NP_DIAG_DEFINITION, c.missing_nodes[m]->pos, src, NULL,
                                    "%s: interface '%s' is not defined", c.missing_owners[m], c.missing_ids[m]);
                r = q < 0 ? q : -EINVAL;
                goto out;
        }
        int q = copy_diags(diags, &pass);
        if (q < 0)
                r = q;
out:
        np_diag_list_clear(&pass);
        ctx_done(&c);
        return r;
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

int np_schema_check_final(np_state *s, np_diag_list *diags) {
        /* validate_default_route_consistency() asserts a family on every default route;
         * "to: default" with neither via nor from has none and 0.106 aborts (SIGABRT) */
        for (size_t i = 0; i < s->n_defs && s->target <= V(0, 106); i++) {
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
                if (d->type == NP_DEF_VRF && get(m, "routes") && !get(m, "routing-policy") && s->target < V(0, 107))
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
