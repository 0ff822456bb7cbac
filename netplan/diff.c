/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which definitions changed between two loaded configurations, and which keys. */
#include <string.h>

#include "netplan/config.h"
#include "netplan/dump.h"
#include "common/strv.h"
#include "netplan/value.h"

void np_diff_clear(np_diff *d) {
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++) {
                free(d->changes[i].id);
                free(d->changes[i].path);
        }
        free(d->changes);
        *d = (np_diff) {};
}

static int add(np_diff *d, np_change_kind kind, const np_netdef *def, const char *path, np_pos o, np_pos n) {
        np_change *c = reallocarray(d->changes, d->n + 1, sizeof(np_change));
        if (!c)
                return -ENOMEM;
        d->changes = c;
        c = &d->changes[d->n];
        *c = (np_change) { .kind = kind, .type = def->type, .old_pos = o, .new_pos = n };
        c->id = strdup(def->id);
        c->path = path ? strdup(path) : NULL;
        if (!c->id || (path && !c->path)) {
                free(c->id);
                free(c->path);
                return -ENOMEM;
        }
        d->n++;
        return 0;
}

/* Equal as netplan would read them: booleans by value, everything else by text. */
static bool same(const np_node *a, const np_node *b, const char *key) {
        if (a->type != b->type || a->n != b->n)
                return false;
        if (a->type == NP_NODE_SCALAR) {
                bool x, y;
                if (np_key_is_bool(key) && np_parse_bool(a->scalar, &x) && np_parse_bool(b->scalar, &y))
                        return x == y;
                return strcmp(a->scalar, b->scalar) == 0;
        }
        for (size_t i = 0; i < a->n; i++) {
                if (a->type == NP_NODE_MAPPING) {
                        const char *k = np_node_scalar(a->keys[i]);
                        const np_node *bv = k ? np_node_get(b, k) : NULL;
                        if (!bv || !same(a->values[i], bv, k))
                                return false;
                } else if (!same(a->values[i], b->values[i], ""))
                        return false;
        }
        return true;
}

static int diff_map(np_diff *d, const np_netdef *od, const np_netdef *nd, const np_node *o, const np_node *n,
                    const char *prefix) {
        int r;
        for (size_t i = 0; o && i < o->n; i++) {
                const char *k = np_node_scalar(o->keys[i]);
                if (!k || np_node_index(o, k) != (ssize_t) i)
                        continue;
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s%s%s", prefix, *prefix ? "." : "", k) < 0)
                        return -ENOMEM;
                const np_node *nv = np_node_get(n, k);
                if (!nv) {
                        r = add(d, NP_CHANGE_REMOVED, od, path, o->keys[i]->pos, (np_pos) { 0 });
                } else if (o->values[i]->type == NP_NODE_MAPPING && nv->type == NP_NODE_MAPPING) {
                        r = diff_map(d, od, nd, o->values[i], nv, path);
                } else if (!same(o->values[i], nv, k))
                        r = add(d, NP_CHANGE_MODIFIED, nd, path, o->keys[i]->pos, np_node_key_pos(n, k));
                else
                        r = 0;
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; n && i < n->n; i++) {
                const char *k = np_node_scalar(n->keys[i]);
                if (!k || np_node_index(n, k) != (ssize_t) i || np_node_get(o, k))
                        continue;
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s%s%s", prefix, *prefix ? "." : "", k) < 0)
                        return -ENOMEM;
                r = add(d, NP_CHANGE_ADDED, nd, path, (np_pos) { 0 }, n->keys[i]->pos);
                if (r < 0)
                        return r;
        }
        return 0;
}

int np_config_diff(const np_config *old_cfg, const np_config *new_cfg, np_diff *ret) {
        np_diff d = {};
        int r = 0;

        for (size_t i = 0; i < np_config_n_netdefs(old_cfg) && r >= 0; i++) {
                const np_netdef *od = np_config_netdef_at(old_cfg, i);
                const np_netdef *nd = np_config_netdef_by_id(new_cfg, od->id);
                if (!nd || nd->type != od->type) {
                        r = add(&d, NP_CHANGE_REMOVED, od, NULL, od->pos, (np_pos) { 0 });
                        continue;
                }
                size_t before = d.n;
                r = diff_map(&d, od, nd, od->node, nd->node, "");
                if (r < 0)
                        break;
                /* membership is rebuilt from the members' side too */
                bool same_members = strv_length(od->interfaces) == strv_length(nd->interfaces);
                for (size_t j = 0; same_members && od->interfaces && od->interfaces[j]; j++)
                        same_members = strv_contains(nd->interfaces, od->interfaces[j]);
                bool listed = false;
                for (size_t j = before; j < d.n; j++)
                        listed = listed || (d.changes[j].path && strcmp(d.changes[j].path, "interfaces") == 0);
                if (!same_members && !listed)
                        r = add(&d, NP_CHANGE_MODIFIED, nd, "interfaces", od->interfaces_pos, nd->interfaces_pos);
                if (r >= 0 && strcmp(od->renderer, nd->renderer) != 0)
                        r = add(&d, NP_CHANGE_MODIFIED, nd, "renderer", (np_pos) { 0 }, (np_pos) { 0 });
        }
        for (size_t i = 0; i < np_config_n_netdefs(new_cfg) && r >= 0; i++) {
                const np_netdef *nd = np_config_netdef_at(new_cfg, i);
                const np_netdef *od = np_config_netdef_by_id(old_cfg, nd->id);
                if (!od || od->type != nd->type)
                        r = add(&d, NP_CHANGE_ADDED, nd, NULL, (np_pos) { 0 }, nd->pos);
        }
        if (r < 0) {
                np_diff_clear(&d);
                return r;
        }
        *ret = d;
        return 0;
}
