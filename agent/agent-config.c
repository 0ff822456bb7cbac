/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "agent/agent-config.h"
#include "common/ether-addr.h"
#include "common/parse-util.h"

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
        return c;
}

static void strv_free(char **v) {
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
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

static int parse_management(parse_ctx *ctx, yaml_node_t *map, agent_config *c) {
        yaml_node_t *mac_node = NULL, *name_node = NULL;
        int r;

        if (map->type != YAML_MAPPING_NODE)
                return fail(ctx, map, "'management' needs a mapping");
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(ctx->doc, p->key);
                yaml_node_t *v = yaml_document_get_node(ctx->doc, p->value);
                const char *key, *s;

                if (!k || !v || k->type != YAML_SCALAR_NODE)
                        return fail(ctx, k ? k : map, "keys must be scalars");
                key = (const char *) k->data.scalar.value;

                if (strcmp(key, "macaddress") == 0) {
                        r = get_scalar(ctx, key, v, &s);
                        if (r < 0)
                                return r;
                        if (ether_addr_from_string(s, c->mgmt_mac) < 0)
                                return fail(ctx, v, "invalid MAC address '%s' in management.macaddress", s);
                        r = dup_scalar(ctx, key, v, &c->mgmt_mac_text);
                        if (r < 0)
                                return r;
                        c->has_mgmt_mac = true;
                        c->mgmt_mac_pos = pos_of(v);
                        mac_node = v;
                } else if (strcmp(key, "name") == 0) {
                        r = get_scalar(ctx, key, v, &s);
                        if (r < 0)
                                return r;
                        if (!ifname_valid(s))
                                return fail(ctx, v, "invalid interface name '%s' in management.name", s);
                        r = dup_scalar(ctx, key, v, &c->mgmt_name);
                        if (r < 0)
                                return r;
                        c->mgmt_name_pos = pos_of(v);
                        name_node = v;
                } else if (strcmp(key, "host") == 0) {
                        r = get_scalar(ctx, key, v, &s);
                        if (r < 0)
                                return r;
                        if (inet_pton(AF_INET, s, &c->mgmt_host.in) == 1)
                                c->mgmt_host_family = AF_INET;
                        else if (inet_pton(AF_INET6, s, &c->mgmt_host.in6) == 1)
                                c->mgmt_host_family = AF_INET6;
                        else
                                return fail(ctx, v, "invalid IP address '%s' in management.host", s);
                        r = dup_scalar(ctx, key, v, &c->mgmt_host_text);
                        if (r < 0)
                                return r;
                        c->has_mgmt_host = true;
                        c->mgmt_host_pos = pos_of(v);
                } else
                        return fail(ctx, k, "unknown key 'management.%s' (expected macaddress, name or host)", key);
        }
        if (mac_node && name_node)
                return fail(ctx, name_node, "management: give either 'macaddress' or 'name', not both");
        return 0;
}

static int parse_apply(parse_ctx *ctx, yaml_node_t *v, agent_config *c) {
        const char *s;
        int r;

        if (v->type == YAML_SCALAR_NODE) {
                r = get_scalar(ctx, "apply", v, &s);
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

        size_t n = (size_t) (v->data.sequence.items.top - v->data.sequence.items.start);
        if (n == 0)
                return fail(ctx, v, "'apply' needs at least one argument");
        if (n > AGENT_CONFIG_MAX_ARGV)
                return fail(ctx, v, "'apply' has more than %u arguments", AGENT_CONFIG_MAX_ARGV);

        char **argv = calloc(n + 1, sizeof(char *));
        if (!argv)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                yaml_node_t *item = yaml_document_get_node(ctx->doc, v->data.sequence.items.start[i]);
                r = item ? dup_scalar(ctx, "apply", item, &argv[i]) : fail(ctx, v, "bad 'apply' item");
                if (r < 0) {
                        strv_free(argv);
                        return r;
                }
        }
        if (argv[0][0] != '/') {
                strv_free(argv);
                return fail(ctx, v, "'apply' command must be an absolute path");
        }
        strv_free(c->apply_argv);
        c->apply_argv = argv;
        c->apply = AGENT_APPLY_COMMAND;
        return 0;
}

static int parse_try(parse_ctx *ctx, yaml_node_t *map, agent_config *c) {
        int r;

        if (map->type != YAML_MAPPING_NODE)
                return fail(ctx, map, "'try' needs a mapping");
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(ctx->doc, p->key);
                yaml_node_t *v = yaml_document_get_node(ctx->doc, p->value);
                const char *key, *s;

                if (!k || !v || k->type != YAML_SCALAR_NODE)
                        return fail(ctx, k ? k : map, "keys must be scalars");
                key = (const char *) k->data.scalar.value;
                r = get_scalar(ctx, key, v, &s);
                if (r < 0)
                        return r;

                if (strcmp(key, "timeout") == 0) {
                        /* A day: a try nobody confirms for longer is forgotten, not pending. */
                        if (parse_range_u32(s, 1, 86400, &c->try_timeout) < 0)
                                return fail(ctx, v, "invalid 'try.timeout' '%s' (seconds, 1-86400)", s);
                } else if (strcmp(key, "grace") == 0) {
                        if (parse_range_u32(s, 0, 3600, &c->try_grace) < 0)
                                return fail(ctx, v, "invalid 'try.grace' '%s' (seconds, 0-3600)", s);
                } else if (strcmp(key, "confirm") == 0) {
                        agent_confirm_mode m = _AGENT_CONFIRM_MODE_INVALID;
                        for (int i = 0; i < _AGENT_CONFIRM_MODE_MAX; i++)
                                if (strcmp(s, confirm_mode_table[i]) == 0)
                                        m = (agent_confirm_mode) i;
                        if (m < 0)
                                return fail(ctx, v, "invalid 'try.confirm' '%s' (expected host, local or manual)", s);
                        c->try_confirm = m;
                } else
                        return fail(ctx, k, "unknown key 'try.%s' (expected timeout, grace or confirm)", key);
        }
        return 0;
}

static int parse_root(parse_ctx *ctx, agent_config *c) {
        yaml_node_t *root = yaml_document_get_root_node(ctx->doc);
        int r;

        if (!root)
                return 0; /* empty document: all defaults */
        if (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)
                return 0;
        if (root->type != YAML_MAPPING_NODE)
                return fail(ctx, root, "the agent config must be a mapping");

        for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(ctx->doc, p->key);
                yaml_node_t *v = yaml_document_get_node(ctx->doc, p->value);
                const char *key;

                if (!k || !v || k->type != YAML_SCALAR_NODE)
                        return fail(ctx, k ? k : root, "keys must be scalars");
                key = (const char *) k->data.scalar.value;

                if (strcmp(key, "management") == 0)
                        r = parse_management(ctx, v, c);
                else if (strcmp(key, "port") == 0) {
                        r = dup_scalar(ctx, key, v, &c->port);
                        if (r == 0 && c->port[0] != '/')
                                r = fail(ctx, v, "'port' must be an absolute path");
                } else if (strcmp(key, "apply") == 0)
                        r = parse_apply(ctx, v, c);
                else if (strcmp(key, "try") == 0)
                        r = parse_try(ctx, v, c);
                else
                        r = fail(ctx, k, "unknown key '%s' (expected management, port, apply or try)", key);
                if (r < 0)
                        return r;
        }
        return 0;
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
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uint64_t) st.st_size > AGENT_CONFIG_MAX_SIZE)
                return -EFBIG;

        buf = malloc(AGENT_CONFIG_MAX_SIZE + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + n, AGENT_CONFIG_MAX_SIZE + 1 - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > AGENT_CONFIG_MAX_SIZE)
                        return -EFBIG;
        }
        if (memchr(buf, 0, n)) {
                if (ret_error && asprintf(ret_error, "%s:1:1: contains a NUL byte", path) < 0)
                        *ret_error = NULL;
                return -EINVAL;
        }
        return agent_config_parse(path, buf, n, ret, ret_error);
}
