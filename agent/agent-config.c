/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <yaml.h>

#include "agent/agent-config.h"
#include "common/ether-addr.h"
#include "common/file-read.h"
#include "common/parse-util.h"
#include "common/strv.h"

static const char *const apply_mode_table[_AGENT_APPLY_MODE_MAX] = {
        [AGENT_APPLY_NETPLAN] = "netplan",
        [AGENT_APPLY_NETWORKD] = "networkd",
        [AGENT_APPLY_COMMAND] = "command",
};

static const char *const confirm_mode_table[_AGENT_CONFIRM_MODE_MAX] = {
        [AGENT_CONFIRM_HOST] = "host",
        [AGENT_CONFIRM_LOCAL] = "local",
        [AGENT_CONFIRM_MANUAL] = "manual",
};

const char *agent_apply_mode_to_string(agent_apply_mode m) {
        return m >= 0 && m < _AGENT_APPLY_MODE_MAX ? apply_mode_table[m] : NULL;
}

const char *agent_confirm_mode_to_string(agent_confirm_mode m) {
        return m >= 0 && m < _AGENT_CONFIRM_MODE_MAX ? confirm_mode_table[m] : NULL;
}

agent_config *agent_config_new(void) {
        agent_config *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->apply = AGENT_APPLY_NETPLAN;
        c->try_timeout = 120;
        c->try_grace = 10;
        c->try_confirm = AGENT_CONFIRM_HOST;
        c->heartbeat = AGENT_HEARTBEAT_DEFAULT;
        c->reopen = AGENT_REOPEN_DEFAULT;
        return c;
}

agent_config *agent_config_free(agent_config *c) {
        if (!c)
                return NULL;
        free(c->path);
        free(c->mgmt_mac_text);
        free(c->mgmt_name);
        free(c->mgmt_host_text);
        free(c->port);
        strv_free(c->apply_argv);
        free(c);
        return NULL;
}

typedef struct parse_ctx {
        const char *name;
        yaml_document_t *doc;
        char *error;
} parse_ctx;

/* One key of the grammar: a handler for its value, or a nested table for a mapping. */
typedef struct key_def key_def;
typedef int (*key_handler)(parse_ctx *ctx, const key_def *k, yaml_node_t *v, agent_config *c);
struct key_def {
        const char *key;
        key_handler handler;
        const key_def *nested;          /* NULL-key terminated */
        uint32_t min, max;              /* h_seconds */
        const char *label;              /* h_seconds: the key as messages name it */
};

static int fail(parse_ctx *ctx, const yaml_node_t *n, const char *fmt, ...) _printf_(3, 4);
static int fail(parse_ctx *ctx, const yaml_node_t *n, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        free(ctx->error);
        ctx->error = NULL;
        if (asprintf(&ctx->error, "%s:%zu:%zu: %s", ctx->name, n ? n->start_mark.line + 1 : 1,
                     n ? n->start_mark.column + 1 : 1, msg) < 0) {
                ctx->error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

static agent_config_pos pos_of(const yaml_node_t *n) {
        return (agent_config_pos) { n->start_mark.line + 1, n->start_mark.column + 1 };
}

static int get_scalar(parse_ctx *ctx, const char *key, yaml_node_t *v, const char **ret) {
        if (v->type != YAML_SCALAR_NODE)
                return fail(ctx, v, "'%s' needs a scalar value", key);
        if (strlen((const char *) v->data.scalar.value) != v->data.scalar.length)
                return fail(ctx, v, "'%s' contains a NUL byte", key);
        *ret = (const char *) v->data.scalar.value;
        return 0;
}

static int dup_scalar(parse_ctx *ctx, const char *key, yaml_node_t *v, char **ret) {
        const char *s;
        char *d;
        int r;

        r = get_scalar(ctx, key, v, &s);
        if (r < 0)
                return r;
        d = strdup(s);
        if (!d)
                return -ENOMEM;
        free(*ret);
        *ret = d;
        return 0;
}

static bool ifname_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n >= IF_NAMESIZE || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (const char *p = s; *p; p++)
                if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
                        return false;
        return true;
}

static int h_mgmt_mac(parse_ctx *ctx, const key_def *k, yaml_node_t *v, agent_config *c) {
        const char *s;
        int r;

        r = get_scalar(ctx, k->key, v, &s);
        if (r < 0)
                return r;
        if (c->mgmt_name)
                return fail(ctx, v, "management: give either 'macaddress' or 'name', not both");
        if (ether_addr_from_string(s, c->mgmt_mac) < 0)
                return fail(ctx, v, "invalid MAC address '%s' in management.macaddress", s);
        r = dup_scalar(ctx, k->key, v, &c->mgmt_mac_text);
        if (r < 0)
                return r;
        c->has_mgmt_mac = true;
        c->mgmt_mac_pos = pos_of(v);
        return 0;
}

static int h_mgmt_name(parse_ctx *ctx, const key_def *k, yaml_node_t *v, agent_config *c) {
        const char *s;
        int r;

        r = get_scalar(ctx, k->key, v, &s);
        if (r < 0)
                return r;
        if (!ifname_valid(s))
                return fail(ctx, v, "invalid interface name '%s' in management.name", s);
        if (c->has_mgmt_mac)
                return fail(ctx, v, "management: give either 'macaddress' or 'name', not both");
        r = dup_scalar(ctx, k->key, v, &c->mgmt_name);
        if (r < 0)
                return r;
        c->mgmt_name_pos = pos_of(v);
        return 0;
}

static int h_mgmt_host(parse_ctx *ctx, const key_def *k, yaml_node_t *v, agent_config *c) {
        const char *s;
        int r;

        r = get_scalar(ctx, k->key, v, &s);
        if (r < 0)
                return r;
        if (ip_addr_from_string(s, AF_UNSPEC, &c->mgmt_host) < 0)
                return fail(ctx, v, "invalid IP address '%s' in management.host", s);
        r = dup_scalar(ctx, k->key, v, &c->mgmt_host_text);
        if (r < 0)
                return r;
        c->mgmt_host_pos = pos_of(v);
        return 0;
}

static int h_port(parse_ctx *ctx, const key_def *k, yaml_node_t *v, agent_config *c) {
        int r = dup_scalar(ctx, k->key, v, &c->port);

        if (r == 0 && c->port[0] != '/')
                return fail(ctx, v, "'port' must be an absolute path");
        return r;
}

static int h_apply(parse_ctx *ctx, const key_def *k, yaml_node_t *v, agent_config *c) {
        _cleanup_strv_free_ char **argv = NULL;
        const char *s;
        size_t n;
        int r;

        if (v->type == YAML_SCALAR_NODE) {
                r = get_scalar(ctx, k->key, v, &s);
                if (r < 0)
                        return r;
                if (strcmp(s, "netplan") == 0)
                        c->apply = AGENT_APPLY_NETPLAN;
                else if (strcmp(s, "networkd") == 0)
                        c->apply = AGENT_APPLY_NETWORKD;
                else
                        return fail(ctx, v, "invalid value '%s' for 'apply' (expected netplan, networkd or a list of arguments)", s);
                return 0;
        }
        if (v->type != YAML_SEQUENCE_NODE)
                return fail(ctx, v, "'apply' needs netplan, networkd or a list of arguments");

        n = (size_t) (v->data.sequence.items.top - v->data.sequence.items.start);
        if (n == 0)
                return fail(ctx, v, "'apply' needs at least one argument");
        if (n > AGENT_CONFIG_MAX_ARGV)
                return fail(ctx, v, "'apply' has more than %u arguments", AGENT_CONFIG_MAX_ARGV);
        for (size_t i = 0; i < n; i++) {
                yaml_node_t *item = yaml_document_get_node(ctx->doc, v->data.sequence.items.start[i]);

                if (!item)
                        return fail(ctx, v, "bad 'apply' item");
                r = get_scalar(ctx, k->key, item, &s);
                if (r < 0)
                        return r;
                if (strv_push(&argv, s) < 0)
                        return -ENOMEM;
        }
        if (argv[0][0] != '/')
                return fail(ctx, v, "'apply' command must be an absolute path");
        strv_free(c->apply_argv);
        c->apply_argv = TAKE_PTR(argv);
        c->apply = AGENT_APPLY_COMMAND;
        return 0;
}

/* Seconds within [min, max]; the field is found by key. */
static uint32_t *seconds_field(agent_config *c, const char *key) {
        if (strcmp(key, "timeout") == 0)
                return &c->try_timeout;
        if (strcmp(key, "grace") == 0)
                return &c->try_grace;
        if (strcmp(key, "heartbeat") == 0)
                return &c->heartbeat;
        if (strcmp(key, "reopen") == 0)
                return &c->reopen;
        if (strcmp(key, "restore-after") == 0)
                return &c->guard_restore_after;
        return NULL;
}

static int h_seconds(parse_ctx *ctx, const key_def *k, yaml_node_t *v, agent_config *c) {
        uint32_t *field = seconds_field(c, k->key);
        const char *s;
        int r;

        assert(field);
        r = get_scalar(ctx, k->key, v, &s);
        if (r < 0)
                return r;
        if (parse_range_u32(s, k->min, k->max, field) < 0)
                return fail(ctx, v, "invalid '%s' '%s' (seconds, %u-%u)", k->label, s, k->min, k->max);
        return 0;
}

static int h_confirm(parse_ctx *ctx, const key_def *k, yaml_node_t *v, agent_config *c) {
        const char *s;
        int r;

        r = get_scalar(ctx, k->key, v, &s);
        if (r < 0)
                return r;
        for (int i = 0; i < _AGENT_CONFIRM_MODE_MAX; i++)
                if (strcmp(s, confirm_mode_table[i]) == 0) {
                        c->try_confirm = (agent_confirm_mode) i;
                        return 0;
                }
        return fail(ctx, v, "invalid 'try.confirm' '%s' (expected host, local or manual)", s);
}

static const key_def management_keys[] = {
        { "macaddress", h_mgmt_mac },
        { "name", h_mgmt_name },
        { "host", h_mgmt_host },
        {},
};

static const key_def try_keys[] = {
        /* A day: a try nobody confirms for longer is forgotten, not pending. */
        { "timeout", h_seconds, .min = 1, .max = 86400, .label = "try.timeout" },
        { "grace", h_seconds, .min = 0, .max = 3600, .label = "try.grace" },
        { "confirm", h_confirm },
        {},
};

static const key_def guard_keys[] = {
        /* At least 10 s: a host's probe round takes seconds, and a restore on a blip would
         * undo what the user applied on purpose; at most a day. */
        { "restore-after", h_seconds, .min = 10, .max = 86400, .label = "guard.restore-after" },
        {},
};

static const key_def root_keys[] = {
        { "management", .nested = management_keys },
        { "port", h_port },
        { "apply", h_apply },
        { "try", .nested = try_keys },
        { "guard", .nested = guard_keys },
        /* An hour: a host that hears from a guest less often cannot tell it from a dead one. */
        { "heartbeat", h_seconds, .min = 1, .max = 3600, .label = "heartbeat" },
        /* Ten minutes: longer and a host that comes back waits too long for the guest. */
        { "reopen", h_seconds, .min = 1, .max = 600, .label = "reopen" },
        {},
};

/* "a, b or c" */
static int expected_keys(const key_def *table, char *buf, size_t size) {
        size_t n = 0, used = 0;

        while (table[n].key)
                n++;
        buf[0] = 0;
        for (size_t i = 0; i < n; i++) {
                int r = snprintf(buf + used, size - used, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
                                 table[i].key);
                if (r < 0 || (size_t) r >= size - used)
                        return -ENOBUFS;
                used += (size_t) r;
        }
        return 0;
}

static int parse_mapping(parse_ctx *ctx, yaml_node_t *map, const key_def *table, const char *parent,
                         agent_config *c) {
        if (map->type != YAML_MAPPING_NODE)
                return fail(ctx, map, "'%s' needs a mapping", parent);
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(ctx->doc, p->key);
                yaml_node_t *v = yaml_document_get_node(ctx->doc, p->value);
                const key_def *def = NULL;
                const char *key;
                char expected[256];
                int r;

                if (!k || !v || k->type != YAML_SCALAR_NODE)
                        return fail(ctx, k ? k : map, "keys must be scalars");
                key = (const char *) k->data.scalar.value;
                for (const key_def *t = table; t->key && !def; t++)
                        if (strcmp(t->key, key) == 0)
                                def = t;
                if (!def) {
                        if (expected_keys(table, expected, sizeof(expected)) < 0)
                                expected[0] = 0;
                        return fail(ctx, k, "unknown key '%s%s%s' (expected %s)", parent ? parent : "",
                                    parent ? "." : "", key, expected);
                }
                r = def->nested ? parse_mapping(ctx, v, def->nested, def->key, c) : def->handler(ctx, def, v, c);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_root(parse_ctx *ctx, agent_config *c) {
        yaml_node_t *root = yaml_document_get_root_node(ctx->doc);

        if (!root)
                return 0; /* empty document: all defaults */
        if (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)
                return 0;
        if (root->type != YAML_MAPPING_NODE)
                return fail(ctx, root, "the agent config must be a mapping");
        return parse_mapping(ctx, root, root_keys, NULL, c);
}

int agent_config_parse(const char *name, const char *data, size_t size, agent_config **ret, char **ret_error) {
        _cleanup_(agent_config_freep) agent_config *c = NULL;
        yaml_parser_t parser;
        yaml_document_t doc;
        parse_ctx ctx = { .name = name, .doc = &doc };
        int r;

        if (size > AGENT_CONFIG_MAX_SIZE)
                return -EFBIG;
        c = agent_config_new();
        if (!c)
                return -ENOMEM;
        c->path = strdup(name);
        if (!c->path)
                return -ENOMEM;

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

        r = parse_root(&ctx, c);
        yaml_document_delete(&doc);

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

int agent_config_load(const char *path, agent_config **ret, char **ret_error) {
        _cleanup_free_ char *buf = NULL;
        size_t n;
        int r;

        r = read_file_bounded(path, AGENT_CONFIG_MAX_SIZE, READ_FILE_FOLLOW, &buf, &n, NULL);
        if (r < 0)
                return r;
        if (memchr(buf, 0, n)) {
                if (ret_error && asprintf(ret_error, "%s:1:1: contains a NUL byte", path) < 0)
                        *ret_error = NULL;
                return -EINVAL;
        }
        return agent_config_parse(path, buf, n, ret, ret_error);
}
