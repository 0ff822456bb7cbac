/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <yaml.h>

#include "common/ether-addr.h"
#include "common/file-read.h"
#include "common/ip-addr.h"
#include "common/parse-util.h"
#include "common/strv.h"
#include "hostwatch/daemon-config.h"

#define USEC_PER_SEC_F 1000000.0

static void ssh_done(HwSsh *s) {
        free(s->user);
        free(s->identity);
}

static void machine_def_done(HwMachineDef *m) {
        free(m->name);
        free(m->channel);
        free(m->macaddress);
        strv_free(m->networks);
        free(m->host_key);
        free(m->known_hosts);
        strv_free(m->leases);
        ssh_done(&m->ssh);
}

HwConfig *hw_config_free(HwConfig *c) {
        if (!c)
                return NULL;
        free(c->path);
        ssh_done(&c->ssh);
        free(c->metrics_file);
        free(c->metrics_socket);
        for (size_t i = 0; i < c->n_machines; i++)
                machine_def_done(&c->machines[i]);
        free(c->machines);
        return mfree(c);
}

typedef struct ParseCtx {
        const char *name;
        yaml_document_t *doc;
        char *error;
        HwConfig *config;
} ParseCtx;

typedef struct KeyDef KeyDef;
typedef int (*KeyHandler)(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base);
struct KeyDef {
        const char *key;
        KeyHandler handler;
        const KeyDef *nested;           /* a mapping: its table, applied to base + offset */
        size_t offset;
        double min, max;
        const char *label;              /* the key as messages name it */
};

static int fail(ParseCtx *ctx, const yaml_node_t *n, const char *fmt, ...) _printf_(3, 4);
static int fail(ParseCtx *ctx, const yaml_node_t *n, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        free(ctx->error);
        if (asprintf(&ctx->error, "%s:%zu:%zu: %s", ctx->name, n ? n->start_mark.line + 1 : 1,
                     n ? n->start_mark.column + 1 : 1, msg) < 0) {
                ctx->error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

#define FIELD(base, k, type) ((type *) ((char *) (base) + (k)->offset))

static int get_scalar(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, const char **ret) {
        if (v->type != YAML_SCALAR_NODE)
                return fail(ctx, v, "'%s' needs a single value, not a %s", k->label,
                            v->type == YAML_MAPPING_NODE ? "mapping" : "list");
        if (strlen((const char *) v->data.scalar.value) != v->data.scalar.length)
                return fail(ctx, v, "'%s' contains a NUL byte", k->label);
        *ret = (const char *) v->data.scalar.value;
        return 0;
}

static int set_string(char **field, const char *s) {
        char *d = strdup(s);

        if (!d)
                return -ENOMEM;
        free(*field);
        *field = d;
        return 0;
}

static int h_string(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base) {
        const char *s;
        int r = get_scalar(ctx, k, v, &s);

        if (r < 0)
                return r;
        if (!*s)
                return fail(ctx, v, "'%s' is empty: give a value or leave the key out", k->label);
        return set_string(FIELD(base, k, char *), s);
}

static int h_path(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base) {
        const char *s;
        int r = get_scalar(ctx, k, v, &s);

        if (r < 0)
                return r;
        if (s[0] != '/')
                return fail(ctx, v, "'%s' must be an absolute path, not '%s'", k->label, s);
        if (strlen(s) >= 4096)
                return fail(ctx, v, "'%s' is longer than 4095 bytes", k->label);
        return set_string(FIELD(base, k, char *), s);
}

/* A unix socket path must fit sun_path. */
static int h_socket_path(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base) {
        int r = h_path(ctx, k, v, base);

        if (r < 0)
                return r;
        if (strlen(*FIELD(base, k, char *)) >= 108)
                return fail(ctx, v, "'%s' is longer than a unix socket path may be (107 bytes): use a shorter directory",
                            k->label);
        return 0;
}

static int h_u32(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base) {
        const char *s;
        int r = get_scalar(ctx, k, v, &s);

        if (r < 0)
                return r;
        if (parse_range_u32(s, (uint32_t) k->min, (uint32_t) k->max, FIELD(base, k, uint32_t)) < 0)
                return fail(ctx, v, "invalid '%s' '%s': give a whole number from %.0f to %.0f", k->label, s, k->min,
                            k->max);
        return 0;
}

/* "auto" (0: the library's choice by the number of machines) or whole seconds. */
static int h_heartbeat(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base) {
        const char *s;
        int r = get_scalar(ctx, k, v, &s);

        if (r < 0)
                return r;
        if (strcmp(s, "auto") == 0) {
                *FIELD(base, k, uint32_t) = 0;
                return 0;
        }
        if (parse_range_u32(s, (uint32_t) k->min, (uint32_t) k->max, FIELD(base, k, uint32_t)) < 0)
                return fail(ctx, v, "invalid '%s' '%s': give 'auto' or whole seconds from %.0f to %.0f", k->label, s,
                            k->min, k->max);
        return 0;
}

static int h_port(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base) {
        const char *s;
        uint32_t p;
        int r = get_scalar(ctx, k, v, &s);

        if (r < 0)
                return r;
        if (parse_range_u32(s, 1, 65535, &p) < 0)
                return fail(ctx, v, "invalid '%s' '%s': give a TCP port from 1 to 65535", k->label, s);
        *FIELD(base, k, uint16_t) = (uint16_t) p;
        return 0;
}

static int parse_number(const char *s, double *ret) {
        char *end;
        double d;

        if (!*s || strchr(" \t+", s[0]))
                return -EINVAL;
        errno = 0;
        d = strtod(s, &end);
        if (errno || *end || !isfinite(d))
                return -EINVAL;
        *ret = d;
        return 0;
}

static int h_double(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base) {
        const char *s;
        double d;
        int r = get_scalar(ctx, k, v, &s);

        if (r < 0)
                return r;
        if (parse_number(s, &d) < 0 || d < k->min || d > k->max)
                return fail(ctx, v, "invalid '%s' '%s': give a number from %g to %g", k->label, s, k->min, k->max);
        memcpy((char *) base + k->offset, &d, sizeof d);
        return 0;
}

static int h_seconds(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base) {
        const char *s;
        double d;
        int r = get_scalar(ctx, k, v, &s);

        if (r < 0)
                return r;
        if (parse_number(s, &d) < 0 || d < k->min || d > k->max)
                return fail(ctx, v, "invalid '%s' '%s': give seconds from %g to %g", k->label, s, k->min, k->max);
        *FIELD(base, k, uint64_t) = (uint64_t) llround(d * USEC_PER_SEC_F);
        return 0;
}

static int h_bool(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base) {
        const char *s;
        int r = get_scalar(ctx, k, v, &s);

        if (r < 0)
                return r;
        if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
                *FIELD(base, k, bool) = true;
        else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
                *FIELD(base, k, bool) = false;
        else
                return fail(ctx, v, "invalid '%s' '%s': give true or false", k->label, s);
        return 0;
}

static bool name_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 64)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]))
                        return false;
        return true;
}

static int h_name(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base) {
        const char *s;
        int r = get_scalar(ctx, k, v, &s);

        if (r < 0)
                return r;
        if (!name_valid(s))
                return fail(ctx, v, "invalid machine name '%s': 1 to 64 of A-Z a-z 0-9 . _ -", s);
        return set_string(FIELD(base, k, char *), s);
}

static int h_mac(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base) {
        uint8_t mac[ETHER_ADDR_LEN_BYTES];
        const char *s;
        int r = get_scalar(ctx, k, v, &s);

        if (r < 0)
                return r;
        if (ether_addr_from_string(s, mac) < 0)
                return fail(ctx, v, "invalid MAC address '%s': write it as \"52:54:00:12:34:56\" (quoted)", s);
        return set_string(FIELD(base, k, char *), s);
}

static int h_host_key(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base) {
        HwMachineDef *m = base;
        const char *s;
        int r = get_scalar(ctx, k, v, &s);

        if (r < 0)
                return r;
        if (strcmp(s, "tofu") == 0) {
                m->tofu = true;
                return 0;
        }
        if (strncmp(s, "ssh-", 4) != 0 && strncmp(s, "ecdsa-", 6) != 0)
                return fail(ctx, v, "invalid host-key '%.20s...': give \"TYPE BASE64\" as in the guest's "
                            "/etc/ssh/ssh_host_*_key.pub, or tofu to learn it on first use", s);
        return set_string(&m->host_key, s);
}

/* A list of scalars, each checked by check (NULL: any absolute path). */
static int parse_list(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, size_t max,
                      int (*check)(ParseCtx *ctx, const KeyDef *k, yaml_node_t *item, const char *s), char ***field) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n;

        if (v->type == YAML_SCALAR_NODE)
                return fail(ctx, v, "'%s' needs a list: [%s]", k->label, (const char *) v->data.scalar.value);
        if (v->type != YAML_SEQUENCE_NODE)
                return fail(ctx, v, "'%s' needs a list", k->label);
        n = (size_t) (v->data.sequence.items.top - v->data.sequence.items.start);
        if (n > max)
                return fail(ctx, v, "'%s' has %zu entries; at most %zu are allowed", k->label, n, max);
        for (size_t i = 0; i < n; i++) {
                yaml_node_t *item = yaml_document_get_node(ctx->doc, v->data.sequence.items.start[i]);
                const char *s;
                int r;

                if (!item)
                        return fail(ctx, v, "bad '%s' entry", k->label);
                r = get_scalar(ctx, k, item, &s);
                if (r < 0)
                        return r;
                r = check(ctx, k, item, s);
                if (r < 0)
                        return r;
                if (strv_push(&l, s) < 0)
                        return -ENOMEM;
        }
        strv_free(*field);
        *field = TAKE_PTR(l);
        return 0;
}

static int check_prefix(ParseCtx *ctx, const KeyDef *k, yaml_node_t *item, const char *s) {
        ip_addr a;

        if (ip_prefix_from_string(s, AF_UNSPEC, true, &a) < 0)
                return fail(ctx, item, "invalid network '%s' in '%s': give a prefix such as 192.0.2.0/24 or "
                            "\"2001:db8::/64\" (quoted)", s, k->label);
        return 0;
}

static int check_path(ParseCtx *ctx, const KeyDef *k, yaml_node_t *item, const char *s) {
        if (s[0] != '/')
                return fail(ctx, item, "'%s' entries must be absolute paths, not '%s'", k->label, s);
        return 0;
}

static int h_networks(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base) {
        HwMachineDef *m = base;
        return parse_list(ctx, k, v, HW_CONFIG_MAX_NETWORKS, check_prefix, &m->networks);
}

static int h_leases(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base) {
        HwMachineDef *m = base;
        return parse_list(ctx, k, v, HW_CONFIG_MAX_LEASES, check_path, &m->leases);
}

static const KeyDef ssh_keys[] = {
        { "user", h_string, .offset = offsetof(HwSsh, user), .label = "ssh.user" },
        { "identity", h_path, .offset = offsetof(HwSsh, identity), .label = "ssh.identity" },
        { "port", h_port, .offset = offsetof(HwSsh, port), .label = "ssh.port" },
        {},
};

static const KeyDef backoff_keys[] = {
        { "initial", h_seconds, .offset = offsetof(HwConfig, backoff_initial_usec), .min = 0.001, .max = 3600,
          .label = "backoff.initial" },
        { "multiplier", h_double, .offset = offsetof(HwConfig, backoff_multiplier), .min = 1, .max = 10,
          .label = "backoff.multiplier" },
        { "jitter", h_double, .offset = offsetof(HwConfig, backoff_jitter), .min = 0, .max = 1,
          .label = "backoff.jitter" },
        { "max", h_seconds, .offset = offsetof(HwConfig, backoff_max_usec), .min = 0.001, .max = 86400,
          .label = "backoff.max" },
        { "min-connect-timeout", h_seconds, .offset = offsetof(HwConfig, min_connect_timeout_usec), .min = 0.1,
          .max = 3600, .label = "backoff.min-connect-timeout" },
        {},
};

static const KeyDef defaults_keys[] = {
        { "ssh", .nested = ssh_keys, .offset = offsetof(HwConfig, ssh), .label = "defaults.ssh" },
        { "backoff", .nested = backoff_keys, .label = "defaults.backoff" },
        /* The cap bounds sockets and memory of probes at once; 65536 is far past any host. */
        { "max-in-flight", h_u32, .offset = offsetof(HwConfig, max_in_flight), .min = 1, .max = 65536,
          .label = "defaults.max-in-flight" },
        /* An hour: a guest heard from less often cannot be told from a dead one. */
        { "heartbeat", h_heartbeat, .offset = offsetof(HwConfig, heartbeat_sec), .min = 1, .max = 3600,
          .label = "defaults.heartbeat" },
        {},
};

static const KeyDef machine_keys[] = {
        { "name", h_name, .offset = offsetof(HwMachineDef, name), .label = "name" },
        { "channel", h_socket_path, .offset = offsetof(HwMachineDef, channel), .label = "channel" },
        { "macaddress", h_mac, .offset = offsetof(HwMachineDef, macaddress), .label = "macaddress" },
        { "networks", h_networks, .label = "networks" },
        { "host-key", h_host_key, .label = "host-key" },
        { "known-hosts", h_path, .offset = offsetof(HwMachineDef, known_hosts), .label = "known-hosts" },
        { "leases", h_leases, .label = "leases" },
        { "ssh", .nested = ssh_keys, .offset = offsetof(HwMachineDef, ssh), .label = "ssh" },
        { "probe-networks", h_bool, .offset = offsetof(HwMachineDef, probe_networks), .label = "probe-networks" },
        {},
};

static const KeyDef metrics_keys[] = {
        { "file", h_path, .offset = offsetof(HwConfig, metrics_file), .label = "metrics.file" },
        /* Scraped on connect (plain text, or HTTP/1.0 when asked with a GET line). */
        { "socket", h_socket_path, .offset = offsetof(HwConfig, metrics_socket), .label = "metrics.socket" },
        /* A day at most: node_exporter reads the file whenever it is scraped. */
        { "interval", h_u32, .offset = offsetof(HwConfig, metrics_interval_sec), .min = 1, .max = 86400,
          .label = "metrics.interval" },
        {},
};

static int h_machines(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base);

static const KeyDef root_keys[] = {
        { "defaults", .nested = defaults_keys, .label = "defaults" },
        { "machines", h_machines, .label = "machines" },
        { "metrics", .nested = metrics_keys, .label = "metrics" },
        {},
};

static void expected_keys(const KeyDef *table, char *buf, size_t size) {
        size_t n = 0, used = 0;

        while (table[n].key)
                n++;
        buf[0] = 0;
        for (size_t i = 0; i < n; i++) {
                int r = snprintf(buf + used, size - used, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
                                 table[i].key);
                if (r < 0 || (size_t) r >= size - used)
                        return;
                used += (size_t) r;
        }
}

static int parse_mapping(ParseCtx *ctx, yaml_node_t *map, const KeyDef *table, const char *parent, void *base) {
        if (map->type != YAML_MAPPING_NODE)
                return fail(ctx, map, "'%s' needs a mapping of keys", parent ? parent : "the config");
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(ctx->doc, p->key);
                yaml_node_t *v = yaml_document_get_node(ctx->doc, p->value);
                const KeyDef *def = NULL;
                const char *key;
                char expected[256];
                int r;

                if (!k || !v || k->type != YAML_SCALAR_NODE)
                        return fail(ctx, k ? k : map, "keys must be plain words");
                key = (const char *) k->data.scalar.value;
                for (const KeyDef *t = table; t->key && !def; t++)
                        if (strcmp(t->key, key) == 0)
                                def = t;
                if (!def) {
                        expected_keys(table, expected, sizeof expected);
                        return fail(ctx, k, "unknown key '%s%s%s': expected %s", parent ? parent : "",
                                    parent ? "." : "", key, expected);
                }
                /* A second "name:" in one mapping would silently win: say so. */
                for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
                        yaml_node_t *qk = yaml_document_get_node(ctx->doc, q->key);
                        if (qk && qk->type == YAML_SCALAR_NODE && strcmp((const char *) qk->data.scalar.value, key) == 0)
                                return fail(ctx, k, "'%s' is given twice here: keep one", def->label);
                }
                r = def->nested ? parse_mapping(ctx, v, def->nested, def->label, (char *) base + def->offset)
                                : def->handler(ctx, def, v, base);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int machine_check(ParseCtx *ctx, yaml_node_t *node, HwMachineDef *m) {
        if (!m->name)
                return fail(ctx, node, "a machine needs a 'name'");
        if (!m->macaddress)
                return fail(ctx, node, "machine '%s' needs a 'macaddress' (its management NIC)", m->name);
        if (!m->networks || !m->networks[0])
                return fail(ctx, node, "machine '%s' needs 'networks': the prefixes it may be reached on", m->name);
        if ((m->host_key ? 1 : 0) + (m->known_hosts ? 1 : 0) + (m->tofu ? 1 : 0) > 1)
                return fail(ctx, node, "machine '%s': give one of 'host-key' or 'known-hosts', not both", m->name);
        if (!m->host_key && !m->known_hosts && !m->tofu)
                return fail(ctx, node, "machine '%s' needs 'host-key' (\"TYPE BASE64\" or tofu) or 'known-hosts': "
                            "an SSH session counts only with a pinned key", m->name);
        return 0;
}

static int h_machines(ParseCtx *ctx, const KeyDef *k, yaml_node_t *v, void *base) {
        HwConfig *c = ctx->config;
        size_t n;

        if (v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0)
                return 0;       /* "machines:" with nothing yet */
        if (v->type != YAML_SEQUENCE_NODE)
                return fail(ctx, v, "'machines' needs a list of machines, each starting with '- name: ...'");
        n = (size_t) (v->data.sequence.items.top - v->data.sequence.items.start);
        if (n > HW_CONFIG_MAX_MACHINES)
                return fail(ctx, v, "%zu machines; one daemon watches at most %u: split the host's machines", n,
                            HW_CONFIG_MAX_MACHINES);
        c->machines = calloc(n ? n : 1, sizeof *c->machines);
        if (!c->machines)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                yaml_node_t *item = yaml_document_get_node(ctx->doc, v->data.sequence.items.start[i]);
                HwMachineDef *m = &c->machines[c->n_machines++];
                const HwMachineDef *other;
                int r;

                if (!item)
                        return fail(ctx, v, "bad machine entry");
                m->line = (unsigned) item->start_mark.line + 1;
                m->column = (unsigned) item->start_mark.column + 1;
                r = parse_mapping(ctx, item, machine_keys, "machines[]", m);
                if (r < 0)
                        return r;
                r = machine_check(ctx, item, m);
                if (r < 0)
                        return r;
                c->n_machines--;        /* not itself in the search */
                other = hw_config_find(c, m->name);
                c->n_machines++;
                if (other)
                        return fail(ctx, item, "machine name '%s' is used twice (first at line %u): names must be unique",
                                    m->name, other->line);
        }
        return 0;
}

const HwMachineDef *hw_config_find(const HwConfig *c, const char *name) {
        for (size_t i = 0; c && i < c->n_machines; i++)
                if (c->machines[i].name && strcmp(c->machines[i].name, name) == 0)
                        return &c->machines[i];
        return NULL;
}

static int merge_defaults(HwConfig *c) {
        for (size_t i = 0; i < c->n_machines; i++) {
                HwSsh *s = &c->machines[i].ssh;

                if (!s->user && set_string(&s->user, c->ssh.user ? c->ssh.user : "root") < 0)
                        return -ENOMEM;
                if (!s->identity && c->ssh.identity && set_string(&s->identity, c->ssh.identity) < 0)
                        return -ENOMEM;
                if (!s->port)
                        s->port = c->ssh.port ? c->ssh.port : 22;
        }
        return 0;
}

/* After the defaults are in: a key is learned on first use only after a login. */
static int tofu_check(ParseCtx *ctx, HwConfig *c) {
        for (size_t i = 0; i < c->n_machines; i++) {
                const HwMachineDef *m = &c->machines[i];

                if (!m->tofu || m->ssh.identity)
                        continue;
                free(ctx->error);
                if (asprintf(&ctx->error,
                             "%s:%u:%u: machine '%s': host-key: tofu needs ssh.identity (here or in defaults): the key "
                             "is learned only once a login with it proves the server is the guest",
                             ctx->name, m->line, m->column, m->name) < 0) {
                        ctx->error = NULL;
                        return -ENOMEM;
                }
                return -EINVAL;
        }
        return 0;
}

static bool str_eq(const char *a, const char *b) {
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool strv_eq(char **a, char **b) {
        size_t n = strv_length(a);

        if (n != strv_length(b))
                return false;
        for (size_t i = 0; i < n; i++)
                if (strcmp(a[i], b[i]) != 0)
                        return false;
        return true;
}

bool hw_machine_def_equal(const HwMachineDef *a, const HwMachineDef *b) {
        return str_eq(a->name, b->name) && str_eq(a->channel, b->channel) && str_eq(a->macaddress, b->macaddress) &&
               strv_eq(a->networks, b->networks) && str_eq(a->host_key, b->host_key) &&
               str_eq(a->known_hosts, b->known_hosts) && a->tofu == b->tofu && strv_eq(a->leases, b->leases) &&
               str_eq(a->ssh.user, b->ssh.user) && str_eq(a->ssh.identity, b->ssh.identity) &&
               a->ssh.port == b->ssh.port && a->probe_networks == b->probe_networks;
}

static int strv_copy(char **from, char ***to) {
        for (size_t i = 0; from && from[i]; i++)
                if (strv_push(to, from[i]) < 0)
                        return -ENOMEM;
        return 0;
}

static int dup_or_null(const char *s, char **ret) {
        if (s && !(*ret = strdup(s)))
                return -ENOMEM;
        return 0;
}

int hw_machine_def_copy(const HwMachineDef *from, HwMachineDef *to) {
        HwMachineDef d = { .tofu = from->tofu, .probe_networks = from->probe_networks, .line = from->line,
                           .column = from->column };
        int r = 0;

        d.ssh.port = from->ssh.port;
        if (dup_or_null(from->name, &d.name) < 0 || dup_or_null(from->channel, &d.channel) < 0 ||
            dup_or_null(from->macaddress, &d.macaddress) < 0 || dup_or_null(from->host_key, &d.host_key) < 0 ||
            dup_or_null(from->known_hosts, &d.known_hosts) < 0 || dup_or_null(from->ssh.user, &d.ssh.user) < 0 ||
            dup_or_null(from->ssh.identity, &d.ssh.identity) < 0 || strv_copy(from->networks, &d.networks) < 0 ||
            strv_copy(from->leases, &d.leases) < 0)
                r = -ENOMEM;
        if (r < 0) {
                machine_def_done(&d);
                return r;
        }
        *to = d;
        return 0;
}

void hw_machine_def_done(HwMachineDef *m) {
        if (m)
                machine_def_done(m);
}

int hw_config_parse(const char *name, const char *data, size_t size, HwConfig **ret, char **ret_error) {
        _cleanup_(hw_config_freep) HwConfig *c = NULL;
        yaml_parser_t parser;
        yaml_document_t doc;
        ParseCtx ctx = { .name = name, .doc = &doc };
        yaml_node_t *root;
        int r;

        if (size > HW_CONFIG_MAX_SIZE)
                return -EFBIG;
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        ctx.config = c;
        c->path = strdup(name);
        if (!c->path)
                return -ENOMEM;
        c->backoff_jitter = -1;         /* unset: the library's default; 0 is "none" */
        if (memchr(data, 0, size)) {
                if (ret_error && asprintf(ret_error, "%s:1:1: contains a NUL byte: is it a text file?", name) < 0)
                        *ret_error = NULL;
                return -EINVAL;
        }
        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *) data, size);
        if (!yaml_parser_load(&parser, &doc)) {
                if (parser.error == YAML_MEMORY_ERROR)
                        r = -ENOMEM;
                else if (asprintf(&ctx.error, "%s:%zu:%zu: invalid YAML: %s", name, parser.problem_mark.line + 1,
                                  parser.problem_mark.column + 1, parser.problem ? parser.problem : "parse error") < 0) {
                        ctx.error = NULL;
                        r = -ENOMEM;
                } else
                        r = -EINVAL;
                yaml_parser_delete(&parser);
                goto finish;
        }
        yaml_parser_delete(&parser);

        root = yaml_document_get_root_node(&doc);
        if (!root || (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
                r = 0;  /* empty: all defaults, no machines */
        else
                r = parse_mapping(&ctx, root, root_keys, NULL, c);
        yaml_document_delete(&doc);
        if (r >= 0)
                r = merge_defaults(c);
        if (r >= 0)
                r = tofu_check(&ctx, c);

finish:
        if (r < 0) {
                if (ret_error)
                        *ret_error = TAKE_PTR(ctx.error);
                free(ctx.error);
                return r;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

int hw_config_load(const char *path, HwConfig **ret, char **ret_error) {
        _cleanup_free_ char *buf = NULL;
        size_t n;
        int r;

        r = read_file_bounded(path, HW_CONFIG_MAX_SIZE, READ_FILE_FOLLOW, &buf, &n, NULL);
        if (r < 0)
                return r;
        return hw_config_parse(path, buf, n, ret, ret_error);
}
