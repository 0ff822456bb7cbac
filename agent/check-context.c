/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/check-context.h"
#include "common/log.h"

check_context *check_context_free(check_context *c) {
        if (!c)
                return NULL;
        free(c->defs);
        free(c->old_defs);
        np_config_free(c->config);
        np_config_free(c->on_disk);
        agent_config_free(c->cfg);
        agent_config_free(c->hint);
        live_state_free(c->live);
        free(c->netplan_dir);
        free(c);
        return NULL;
}

static char *path_under(const char *root, const char *path) {
        size_t n;
        char *s;

        if (!root || !*root || strcmp(root, "/") == 0)
                return strdup(path);
        n = strlen(root);
        while (n > 1 && root[n - 1] == '/')
                n--;
        if (asprintf(&s, "%.*s%s", (int) n, root, path) < 0)
                return NULL;
        return s;
}

static int netdefs_of(const np_config *c, const np_netdef ***ret, size_t *ret_n) {
        size_t n = np_config_n_netdefs(c);
        const np_netdef **v;

        if (n == 0) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        v = calloc(n, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                v[i] = np_config_netdef_at(c, i);
        *ret = v;
        *ret_n = n;
        return 0;
}

static int fail(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(ret_error, fmt, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
        return r;
}

/* agent.yaml must be valid when present; the hint is the daemon's volatile cache, and a
 * broken one is ignored. */
static int load_agent_file(const char *root, const char *path, bool is_hint, agent_config **ret, char **ret_error) {
        _cleanup_free_ char *p = path_under(root, path), *error = NULL;
        int r;

        *ret = NULL;
        if (!p)
                return -ENOMEM;
        r = agent_config_load(p, ret, &error);
        if (r >= 0 || r == -ENOENT)
                return 0;
        if (r == -ENOMEM)
                return r;
        if (is_hint) {
                log_warning("ignoring the host's hint %s: %s", p, error ? error : strerror(-r));
                return 0;
        }
        if (error) {
                *ret_error = TAKE_PTR(error);
                return r;
        }
        return fail(ret_error, r, "cannot read %s: %s", p, strerror(-r));
}

int check_context_load(const check_options *o, check_context **ret, np_diag_list *diags, char **ret_error) {
        _cleanup_(check_context_freep) check_context *c = NULL;
        _cleanup_(np_file_cache_freep) np_file_cache *cache = NULL;
        np_diag_list ignored = {};
        int r;

        *ret_error = NULL;
        c = calloc(1, sizeof(*c));
        cache = np_file_cache_new();
        if (!c || !cache)
                return -ENOMEM;

        np_load_options opts = {
                .root_dir = o->root_dir,
                .candidates = (const char *const *) o->files,
                .n_candidates = o->n_files,
                .netplan_version = o->netplan_version,
                /* the configuration on disk shares every file but the candidates': read once */
                .cache = cache,
        };
        r = np_config_load(&opts, &c->config, diags);
        if (r == -EINVAL || r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(ret_error, r, "cannot load the netplan configuration: %s", strerror(-r));
        r = netdefs_of(c->config, &c->defs, &c->n_defs);
        if (r < 0)
                return r;

        if (o->n_files > 0) {
                /* What is on disk now, for the rules that compare (old dhcp-identifier...).
                 * Invalid on disk: nothing to compare with. */
                opts.candidates = NULL;
                opts.n_candidates = 0;
                r = np_config_load(&opts, &c->on_disk, &ignored);
                np_diag_list_clear(&ignored);
                if (r == -ENOMEM)
                        return r;
                if (r >= 0) {
                        r = netdefs_of(c->on_disk, &c->old_defs, &c->n_old_defs);
                        if (r < 0)
                                return r;
                        c->old_known = true;
                }
        } else {
                r = netdefs_of(c->config, &c->old_defs, &c->n_old_defs);
                if (r < 0)
                        return r;
                c->old_known = true;
        }

        r = load_agent_file(o->root_dir, AGENT_CONFIG_PATH, false, &c->cfg, ret_error);
        if (r < 0)
                return r;
        r = load_agent_file(o->root_dir, AGENT_HOST_HINT_PATH, true, &c->hint, ret_error);
        if (r < 0)
                return r;

        r = live_state_read(&c->live);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(ret_error, r, "cannot read the live network state through netlink: %s", strerror(-r));

        r = management_resolve_link(c->live, o->mgmt, c->cfg, c->hint, &c->mgmt, &c->mgmt_source, ret_error);
        if (r < 0)
                return r;
        c->have_host = management_resolve_host(c->live, c->mgmt, c->cfg, c->hint, &c->host) >= 0;

        _cleanup_free_ char *nm = path_under(o->root_dir, "/usr/sbin/NetworkManager");
        if (!nm)
                return -ENOMEM;
        c->network_manager_present = access(nm, X_OK) == 0;

        c->netplan_dir = path_under(o->root_dir, "/etc/netplan");
        if (!c->netplan_dir)
                return -ENOMEM;
        c->fallback_file = o->n_files > 0 ? o->files[0] : c->netplan_dir;

        *ret = TAKE_PTR(c);
        return 0;
}

check_input check_context_input(const check_context *c) {
        return (check_input) {
                .defs = (const np_netdef *const *) c->defs,
                .n_defs = c->n_defs,
                .old_known = c->old_known,
                .old_defs = (const np_netdef *const *) c->old_defs,
                .n_old_defs = c->n_old_defs,
                .live = c->live,
                .mgmt = c->mgmt,
                .host = c->have_host ? &c->host : NULL,
                .fallback_file = c->fallback_file,
                .network_manager_present = c->network_manager_present,
        };
}
